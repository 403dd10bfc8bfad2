#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <connectors/errc.hpp>
#include <crm/errc.hpp>
#include <daemon/ingest.hpp>
#include <daemon/status.hpp>
#include <exception>
#include <functional>
#include <optional>
#include <thread>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "ingest";
constexpr std::chrono::milliseconds kRetryBase{500};

double UnixNow() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool IsRetryable(const std::error_code& error) {
    return error == crm::CrmErrc::kRetry;
}

/// After this many failures in a row a source counts as unhealthy (one timeout is not an outage).
constexpr std::uint64_t kUnhealthyAfterFailures = 3;
constexpr std::chrono::seconds kLoopHeartbeatInterval{1};
// How often the store thread counts open and overdue cases for /metrics (one cheap query).
constexpr std::chrono::seconds kCaseCountInterval{30};

std::int64_t SteadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double ToUnixSeconds(std::chrono::system_clock::time_point time) {
    return std::chrono::duration<double>(time.time_since_epoch()).count();
}

/// A database failure seen by a source: the source waits and retries like after a transient upstream error.
connectors::FetchError DatabaseError(const std::error_code& error) {
    return {make_error_code(connectors::ConnectorErrc::kRetryLater), "database: " + error.message(), std::nullopt};
}

/// True for errors an operator must fix (credentials, configuration): the source stops instead of retrying.
bool NeedsOperator(const std::error_code& error) {
    return error == connectors::ConnectorErrc::kAuthBroken || error == connectors::ConnectorErrc::kPermanent;
}

/// Analyzes a batch's items on background threads, in batch order, while the store transaction already runs
/// (crm::IngestBatch::await_item): the transaction checks which items are stored already, which needs only their
/// keys, and streams the first rows to PostgreSQL while later ones are still being analyzed, so the database and
/// the analysis overlap instead of taking turns (docs/benchmarks.md, ingestion into PostgreSQL).
class AnalysisPipeline {
public:
    /// Starts `threads` threads running `complete(i)` for i = 0, 1, ... in turn.
    AnalysisPipeline(std::size_t count, std::size_t threads, std::function<void(std::size_t)> complete)
        : complete_(std::move(complete)), done_(count), failures_(count) {
        threads_.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) {
            threads_.emplace_back([this] { Run(); });
        }
    }
    ~AnalysisPipeline() {
        Cancel();
        Join();
    }
    AnalysisPipeline(const AnalysisPipeline&) = delete;
    AnalysisPipeline& operator=(const AnalysisPipeline&) = delete;

    /// Blocks until item i is complete; rethrows the exception its analysis threw.
    void Await(std::size_t i) const {
        done_[i].wait(false);
        if (failures_[i]) {
            std::rethrow_exception(failures_[i]);
        }
    }
    /// Items not started yet stay incomplete: the batch does not need them any more.
    void Cancel() { cancelled_.store(true); }
    /// Returns when the threads ended: every item is complete unless Cancel came first.
    void Join() {
        for (auto& thread : threads_) {
            if (thread.joinable()) {
                thread.join();
            }
        }
    }
    /// After Join: rethrows the first exception an item's analysis threw, if any.
    void RethrowFirstFailure() const {
        for (const auto& failure : failures_) {
            if (failure) {
                std::rethrow_exception(failure);
            }
        }
    }

private:
    void Run() {
        while (!cancelled_.load()) {
            const std::size_t i = next_.fetch_add(1);
            if (i >= done_.size()) {
                return;
            }
            try {
                complete_(i);
            } catch (...) {
                failures_[i] = std::current_exception();  // published by the store below
            }
            done_[i].store(true);
            done_[i].notify_all();
        }
    }

    std::function<void(std::size_t)> complete_;
    std::vector<std::atomic<bool>> done_;
    std::vector<std::exception_ptr> failures_;
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> cancelled_{false};
    std::vector<std::thread> threads_;
};

}  // namespace

std::size_t BatchProcessor::DefaultAnalysisThreads() {
    return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kMaxAnalysisThreads);
}

Result<crm::IngestOutcome> BatchProcessor::Store(crm::Store& store, const std::string& source, connectors::Batch& batch,
                                                 const FlagPolicy& policy,
                                                 const std::optional<crm::SourceLease>& lease) {
    crm::IngestBatch ingest;
    ingest.source = source;
    ingest.lease = lease;
    ingest.next_cursor = batch.next_cursor;
    ingest.items.reserve(batch.items.size());
    std::vector<connectors::RawItem*> valid;
    valid.reserve(batch.items.size());
    for (auto& item : batch.items) {
        if (auto problem = connectors::ValidateRawItem(item)) {
            // A connector bug must not poison the batch: keep the item for a replay once it is fixed.
            ingest.quarantined.push_back(
                {source, "item:" + item.external_id, "invalid item: " + *problem, std::move(item.text), false});
            continue;
        }
        valid.push_back(&item);
    }
    // The analysis is pure CPU and the analyzer is thread-safe. An item's keys are known before its analysis;
    // the rest is completed by `complete`.
    for (const connectors::RawItem* item : valid) {
        ingest.items.push_back(NewItemKeys(*item));
    }
    const auto complete = [&](std::size_t i) {
        const auto started = std::chrono::steady_clock::now();
        const nlp::Analysis analysis = analyzer_.Analyze(ToAnalysisInput(*valid[i]));
        CompleteNewItem(std::move(*valid[i]), analysis, policy, ingest.items[i]);
        if (metrics_ != nullptr) {
            metrics_->ObserveAnalysis(std::chrono::steady_clock::now() - started);  // atomic
        }
    };
    // A big batch is analyzed on every core while the transaction already runs (the analysis was a quarter of
    // the flow's time when the two took turns); a small one (a webhook) in this thread, before it: starting
    // threads would cost more than they save.
    std::optional<AnalysisPipeline> pipeline;
    if (valid.size() >= kMinItemsPerAnalysisThread) {
        pipeline.emplace(valid.size(), std::min(analysis_threads_, valid.size() / kMinItemsPerAnalysisThread),
                         complete);
        ingest.await_item = [&pipeline](std::size_t i) { pipeline->Await(i); };
    } else {
        for (std::size_t i = 0; i < valid.size(); ++i) {
            complete(i);
        }
    }
    for (auto& record : batch.bad_records) {
        ingest.quarantined.push_back(ToNewQuarantine(source, std::move(record)));
    }
    for (auto& update : batch.delivery_updates) {
        ingest.delivery_reports.push_back(crm::DeliveryReport{std::move(update.marker), std::move(update.sid),
                                                              std::move(update.status), std::move(update.error_code)});
    }
    batch.delivery_updates.clear();
    batch.bad_records.clear();

    auto outcome = store.Ingest(ingest);
    if (pipeline) {
        // Stored, or to be retried whole: the items not analyzed yet are not needed. Refused: every item is needed
        // for the one-by-one run below.
        if (outcome || IsRetryable(outcome.error()) || outcome.error() == crm::CrmErrc::kLeaseLost) {
            pipeline->Cancel();
        }
        pipeline->Join();
        ingest.await_item = nullptr;
        if (!outcome) {
            pipeline->RethrowFirstFailure();  // as when the analysis ran before the transaction
        }
    }
    batch.items.clear();
    if (!outcome && outcome.error() == crm::CrmErrc::kLeaseLost) {
        return outcome;  // another replica owns the source now: nothing was written, nothing to retry here
    }
    if (outcome || IsRetryable(outcome.error()) || ingest.items.size() <= 1) {
        if (!outcome && !IsRetryable(outcome.error()) && ingest.items.size() == 1) {
            // A single item the database refuses: quarantine it instead, with the cursor.
            auto& item = ingest.items.front();
            ingest.quarantined.push_back({source, "item:" + item.external_id,
                                          "rejected by the database: " + outcome.error().message(), item.text, false});
            ingest.items.clear();
            return store.Ingest(ingest);
        }
        return outcome;
    }

    // The batch as a whole was refused: find the poison items one by one (each is idempotent), then
    // commit the quarantine and the cursor together.
    log::Warning(kLogModule, "source ", source, ": batch refused (", outcome.error().message(),
                 "); storing its items one by one");
    crm::IngestOutcome total;
    crm::IngestBatch rest{.source = source,
                          .lease = lease,
                          .items = {},
                          .quarantined = std::move(ingest.quarantined),
                          .next_cursor = ingest.next_cursor,
                          .replayed_quarantine_id = std::nullopt,
                          .delivery_reports = std::move(ingest.delivery_reports)};
    for (auto& item : ingest.items) {
        crm::IngestBatch single{.source = source,
                                .lease = lease,
                                .items = {item},
                                .quarantined = {},
                                .next_cursor = std::nullopt,
                                .replayed_quarantine_id = std::nullopt,
                                .delivery_reports = {}};
        auto one = store.Ingest(single);
        if (one) {
            total.inserted += one.value().inserted;
            total.duplicates += one.value().duplicates;
            total.cases_opened += one.value().cases_opened;
            total.cases_extended += one.value().cases_extended;
        } else if (IsRetryable(one.error()) || one.error() == crm::CrmErrc::kLeaseLost) {
            return one.error();
        } else {
            std::string raw = item.text;
            rest.quarantined.push_back({source, "item:" + item.external_id,
                                        "rejected by the database: " + one.error().message(), std::move(raw), false});
        }
    }
    BOOST_OUTCOME_TRY(last, store.Ingest(rest));
    total.quarantined += last.quarantined;
    return total;
}

std::chrono::milliseconds IngestSettings::PollInterval(std::string_view source) const {
    const auto it = source_poll_intervals.find(source);
    return it == source_poll_intervals.end() ? poll_interval : it->second;
}

bool IngestSettings::Disabled(std::string_view source) const {
    return std::find(disabled_sources.begin(), disabled_sources.end(), source) != disabled_sources.end();
}

IngestWorker::IngestWorker(std::vector<std::unique_ptr<connectors::Connector>> connectors,
                           const nlp::Analyzer& analyzer, StoreFactory store_factory, Metrics& metrics,
                           IngestSettings settings, boost::asio::io_context& fetch_loop)
    : loop_(fetch_loop),
      processor_(analyzer, &metrics),
      store_factory_(std::move(store_factory)),
      metrics_(metrics),
      store_backoff_(kRetryBase, settings.retry_max_delay, 0x5eed),
      heartbeat_timer_(fetch_loop),
      settings_(std::move(settings)) {
    std::uint64_t seed = 1;
    for (auto& connector : connectors) {
        auto state =
            std::make_unique<SourceState>(loop_, connectors::Backoff(kRetryBase, settings_.retry_max_delay, ++seed));
        state->name = std::string(connector->Name());
        state->metrics = &metrics_.Source(state->name);
        state->connector = std::move(connector);
        sources_.push_back(std::move(state));
    }
    store_heartbeat_ns_.store(SteadyNowNs());
    loop_heartbeat_ns_.store(SteadyNowNs());
}

IngestWorker::~IngestWorker() {
    RequestStop();
    Join(std::chrono::hours(1));
}

void IngestWorker::Start() {
    log::Info(kLogModule, "ingest started with ", sources_.size(), " source(s)");
    loop_guard_.emplace(loop_.get_executor());
    boost::asio::post(loop_, [this] {
        for (auto& source : sources_) {
            Schedule(*source, std::chrono::milliseconds(0));
        }
        LoopHeartbeat();
    });
    store_thread_ = std::thread([this] { StoreLoop(); });
    loop_thread_ = std::thread([this] { loop_.run(); });
}

void IngestWorker::RequestStop() {
    std::deque<StoreJob> abandoned;
    {
        const std::lock_guard lock(mutex_);
        stop_requested_ = true;
        abandoned.swap(jobs_);  // not started: nothing consumed, the next start fetches from the committed cursor
    }
    wake_.notify_all();
    for (auto& job : abandoned) {
        if (job.pushed_done) {
            job.pushed_done(false);  // the pusher gets an error now and re-delivers later
        }
    }
}

bool IngestWorker::Join(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (store_thread_.joinable() && !finished_.load()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (store_thread_.joinable()) {
        store_thread_.join();
    }
    if (loop_thread_.joinable()) {
        // Fetches still in flight are abandoned: a batch that was never stored consumed nothing.
        loop_guard_.reset();
        loop_.stop();
        loop_thread_.join();
    }
    return true;
}

void IngestWorker::UpdateSettings(IngestSettings settings) {
    {
        const std::lock_guard lock(mutex_);
        // The after-commit hook (e-mail acknowledgements) is fixed at start: its settings are restart-only.
        settings.after_commit = settings_.after_commit;
        // So are the replica's name and lease time: every lease this process holds is under the name it started with.
        settings.replica_id = settings_.replica_id;
        settings.source_lease = settings_.source_lease;
        settings_ = std::move(settings);
    }
    wake_.notify_all();
    boost::asio::post(loop_, [this] {
        for (auto& source : sources_) {
            if (source->phase == Phase::kStopped) {
                log::Notice(kLogModule, "source ", source->name, ": retrying after the configuration reload");
                source->phase = Phase::kWaiting;
                Schedule(*source, std::chrono::milliseconds(0));
            } else if (source->phase == Phase::kWaiting && source->consecutive_failures == 0) {
                // A changed poll interval or a re-enabled source takes effect now, not after the old wait.
                Schedule(*source, std::chrono::milliseconds(0));
            }
        }
    });
}

void IngestWorker::StorePushed(const std::string& source, connectors::Batch batch,
                               std::function<void(bool stored)> done) {
    for (auto& state : sources_) {
        if (state->name == source) {
            batch.next_cursor.reset();  // a push never moves the polling cursor
            state->metrics->items_fetched.fetch_add(batch.items.size());
            {
                const std::lock_guard lock(mutex_);
                if (!stop_requested_) {
                    jobs_.push_back(StoreJob{.source = state.get(),
                                             .cursor_loaded = true,
                                             .cursor = std::nullopt,
                                             .batch = std::move(batch),
                                             .pushed_done = std::move(done)});
                    done = nullptr;
                }
            }
            wake_.notify_all();
            break;
        }
    }
    if (done) {
        done(false);  // unknown source or stopping: the upstream will retry
    }
}

const connectors::Connector* IngestWorker::FindConnector(std::string_view source) const {
    for (const auto& state : sources_) {
        if (state->name == source) {
            return state->connector.get();
        }
    }
    return nullptr;
}

std::chrono::steady_clock::time_point IngestWorker::LastHeartbeat() const {
    const auto oldest = std::min(store_heartbeat_ns_.load(), loop_heartbeat_ns_.load());
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(oldest));
}

IngestSettings IngestWorker::CurrentSettings() const {
    const std::lock_guard lock(mutex_);
    return settings_;
}

// ---- fetch loop ------------------------------------------------------------------------------------------

void IngestWorker::LoopHeartbeat() {
    loop_heartbeat_ns_.store(SteadyNowNs());
    heartbeat_timer_.expires_after(kLoopHeartbeatInterval);
    heartbeat_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            LoopHeartbeat();
        }
    });
}

void IngestWorker::Schedule(SourceState& source, std::chrono::milliseconds delay) {
    source.phase = Phase::kWaiting;
    source.timer.expires_after(delay);
    source.timer.async_wait([this, &source](const boost::system::error_code& ec) {
        if (!ec && source.phase == Phase::kWaiting) {
            OnTimer(source);
        }
    });
}

void IngestWorker::OnTimer(SourceState& source) {
    const auto settings = CurrentSettings();
    {
        const std::lock_guard lock(mutex_);
        if (stop_requested_) {
            return;
        }
    }
    if (settings.Disabled(source.name)) {
        Schedule(source, settings.PollInterval(source.name));
        return;
    }
    if (!source.connector->IsAsync() || !source.cursor_loaded) {
        // A synchronous connector's whole cycle, or the cursor a network fetch must start from: both need
        // the database, which only the store thread touches.
        source.phase = Phase::kStoring;
        Enqueue(StoreJob{
            .source = &source, .cursor_loaded = source.cursor_loaded, .cursor = source.cursor, .batch = std::nullopt});
        return;
    }
    BeginFetch(source);
}

void IngestWorker::BeginFetch(SourceState& source) {
    source.phase = Phase::kFetching;
    const auto settings = CurrentSettings();
    source.connector->FetchAsync(source.cursor, settings.batch_size, [this, &source](connectors::FetchResult result) {
        // Completions arrive on the loop; post once more so a connector that completes inline (from inside
        // FetchAsync) never re-enters the state machine.
        boost::asio::post(
            loop_, [this, &source, result = std::move(result)]() mutable { OnFetched(source, std::move(result)); });
    });
}

void IngestWorker::OnFetched(SourceState& source, connectors::FetchResult result) {
    if (!result.Ok()) {
        FailSource(source, "fetch", result.Error());
        return;
    }
    auto& batch = result.Value();
    const bool nothing_new = batch.items.empty() && batch.bad_records.empty() && batch.ack_token.empty() &&
                             (!batch.next_cursor || batch.next_cursor == source.cursor);
    if (nothing_new) {
        source.backoff.Reset();
        source.consecutive_failures = 0;
        source.metrics->healthy.store(true);
        source.metrics->last_error_class.store(0);
        source.metrics->blocked_until_unixtime.store(0.0);
        source.metrics->last_success_unixtime.store(UnixNow());
        const auto settings = CurrentSettings();
        Schedule(source, batch.has_more ? std::chrono::milliseconds(0) : settings.PollInterval(source.name));
        return;
    }
    source.metrics->items_fetched.fetch_add(batch.items.size());
    source.phase = Phase::kStoring;
    Enqueue(StoreJob{.source = &source, .cursor_loaded = true, .cursor = source.cursor, .batch = std::move(batch)});
}

void IngestWorker::OnStoreJobDone(SourceState& source, StoreJobResult result) {
    if (result.cursor_known) {
        source.cursor = result.cursor;
        source.cursor_loaded = true;
    }
    if (!result.ok) {
        FailSource(source, result.what, result.error);
        return;
    }
    if (result.not_leased) {
        // Another replica works this source; look again well within a lease's time, to take over soon after
        // that replica stops renewing.
        source.cursor_loaded = false;
        const auto settings = CurrentSettings();
        Schedule(source,
                 std::max<std::chrono::milliseconds>(std::chrono::milliseconds(500), settings.source_lease / 6));
        return;
    }
    if (!source.connector->IsAsync() || result.fetched_batch) {
        source.backoff.Reset();
        source.failures.Reset();
        source.consecutive_failures = 0;
        source.metrics->healthy.store(true);
        source.metrics->last_error_class.store(0);
        source.metrics->blocked_until_unixtime.store(0.0);
        source.metrics->last_success_unixtime.store(UnixNow());
        const auto settings = CurrentSettings();
        Schedule(source, result.has_more ? std::chrono::milliseconds(0) : settings.PollInterval(source.name));
        return;
    }
    BeginFetch(source);  // the cursor is loaded: fetch right away
}

void IngestWorker::FailSource(SourceState& source, const std::string& what, const connectors::FetchError& error) {
    const auto settings = CurrentSettings();
    source.metrics->errors.fetch_add(1);
    source.metrics->last_error_class.store(error.code.value());
    source.metrics->SetLastErrorDetail(what + ": " + error.detail);
    source.cursor_loaded = false;  // after any failure, trust only what the database says
    ++source.consecutive_failures;
    std::uint64_t count = 0;
    const bool log_it = source.failures.ShouldLog(count);

    const log::Fields fields{.source = source.name, .item_id = {}, .error_class = ErrorClassName(error.code.value())};
    if (NeedsOperator(error.code)) {
        source.phase = Phase::kStopped;
        source.metrics->healthy.store(false);
        log::With(fields).Error(kLogModule, "source ", source.name, ": ", what, " failed (", error.code.message(),
                                "): ", error.detail, "; the source is stopped until the configuration is reloaded");
        return;
    }

    std::chrono::milliseconds delay{0};
    source.backoff.SetMax(settings.retry_max_delay);
    if (error.code == connectors::ConnectorErrc::kRateLimited && error.retry_at) {
        // The upstream said when: wait exactly that long (plus a little), without growing the back-off.
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(*error.retry_at - std::chrono::system_clock::now());
        delay = std::max(wait, std::chrono::milliseconds(0)) + std::chrono::milliseconds(250);
        source.metrics->blocked_until_unixtime.store(ToUnixSeconds(*error.retry_at));
        --source.consecutive_failures;  // obeying a limit is not a failure of the source
    } else {
        delay = source.backoff.NextDelay();
    }
    if (source.consecutive_failures >= kUnhealthyAfterFailures) {
        source.metrics->healthy.store(false);
    }
    if (log_it) {
        log::With(fields).Warning(kLogModule, "source ", source.name, ": ", what, " failed (", error.code.message(),
                                  ": ", error.detail, "), failure #", count, ", retrying in ", delay.count(), " ms");
    }
    Schedule(source, delay);
}

// ---- store thread ----------------------------------------------------------------------------------------

void IngestWorker::Enqueue(StoreJob job) {
    {
        const std::lock_guard lock(mutex_);
        if (stop_requested_) {
            return;
        }
        jobs_.push_back(std::move(job));
    }
    wake_.notify_all();
}

void IngestWorker::StoreHeartbeat() {
    store_heartbeat_ns_.store(SteadyNowNs());
}

void IngestWorker::WaitFor(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stop_requested_; });
}

bool IngestWorker::EnsureStore() {
    while (!store_) {
        {
            const std::lock_guard lock(mutex_);
            if (stop_requested_) {
                return false;
            }
        }
        StoreHeartbeat();
        auto opened = store_factory_();
        if (opened) {
            store_ = std::move(opened).value();
            // A replica frozen in the middle of a batch (a stalled VM) must not hold its row locks for long: the
            // server ends such a session after the lease time, so the replica that took over can write.
            (void)store_->LimitIdleTransactions(CurrentSettings().source_lease);
            store_backoff_.Reset();
            store_failures_.Reset();
            metrics_.database_ready.store(true);
            break;
        }
        metrics_.database_errors.fetch_add(1);
        metrics_.database_ready.store(false);
        std::uint64_t count = 0;
        if (store_failures_.ShouldLog(count)) {
            log::Error(kLogModule, "cannot connect to the database (", opened.error().message(), "), failure #", count);
        }
        store_backoff_.SetMax(CurrentSettings().retry_max_delay);
        // Waits in slices so the watchdog sees this thread alive while the database is down.
        auto remaining = store_backoff_.NextDelay();
        while (remaining.count() > 0) {
            const auto slice = std::min(remaining, std::chrono::milliseconds(1000));
            WaitFor(slice);
            StoreHeartbeat();
            remaining -= slice;
            const std::lock_guard lock(mutex_);
            if (stop_requested_) {
                return false;
            }
        }
    }
    return true;
}

void IngestWorker::CountCasesIfDue(const IngestSettings& settings) {
    const auto now = std::chrono::steady_clock::now();
    if (!store_ || now - last_case_count_ < kCaseCountInterval) {
        return;
    }
    last_case_count_ = now;
    if (auto counts = store_->CountCases(std::chrono::system_clock::now(), settings.case_targets)) {
        metrics_.cases_open.store(counts.value().open);
        metrics_.cases_overdue.store(counts.value().overdue);
    }
}

void IngestWorker::TakeQueuedPushes(StoreJob& job, std::vector<std::function<void(bool stored)>>& grouped_done) {
    // Group commit: pushes of the same source waiting behind this one join its transaction, so under load a
    // webhook waits for one commit rather than for every commit queued ahead of it. Each pusher still gets its
    // answer only after that commit. Capped at a batch's size.
    const std::size_t cap = settings_.batch_size;
    for (auto it = jobs_.begin(); it != jobs_.end() && job.batch->items.size() < cap;) {
        if (!it->pushed_done || it->source != job.source || !it->batch) {
            ++it;
            continue;
        }
        auto& more = *it->batch;
        std::move(more.items.begin(), more.items.end(), std::back_inserter(job.batch->items));
        std::move(more.bad_records.begin(), more.bad_records.end(), std::back_inserter(job.batch->bad_records));
        std::move(more.delivery_updates.begin(), more.delivery_updates.end(),
                  std::back_inserter(job.batch->delivery_updates));
        grouped_done.push_back(std::move(it->pushed_done));
        it = jobs_.erase(it);
    }
}

void IngestWorker::StoreLoop() {
    std::vector<std::function<void(bool stored)>> grouped_done;
    while (true) {
        StoreJob job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_requested_ || !jobs_.empty(); });
            if (stop_requested_) {
                break;
            }
            if (jobs_.empty()) {
                lock.unlock();
                StoreHeartbeat();
                CountCasesIfDue(CurrentSettings());
                RenewLeasesIfDue(CurrentSettings());
                continue;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
            if (job.pushed_done && job.batch) {
                TakeQueuedPushes(job, grouped_done);
            }
        }
        StoreHeartbeat();
        const auto settings = CurrentSettings();
        CountCasesIfDue(settings);  // also under a steady load, when the loop is never idle
        RenewLeasesIfDue(settings);
        auto result = RunJob(job, settings);
        // A lost connection is retried here with the same job: the upstream is not asked again for a batch
        // the database could not take yet.
        while (!result.ok && result.what == "database") {
            store_.reset();
            if (!EnsureStore()) {
                break;
            }
            result = RunJob(job, settings);
        }
        StoreHeartbeat();
        if (job.pushed_done) {
            job.pushed_done(result.ok);
            for (auto& done : grouped_done) {
                done(result.ok);
            }
            grouped_done.clear();
            continue;
        }
        {
            const std::lock_guard lock(mutex_);
            if (stop_requested_) {
                break;
            }
        }
        boost::asio::post(loop_, [this, source = job.source, result = std::move(result)]() mutable {
            OnStoreJobDone(*source, std::move(result));
        });
    }
    // A clean stop hands this replica's sources over at once instead of after the lease time.
    if (store_) {
        (void)store_->ReleaseSourceLeases(CurrentSettings().replica_id);
    }
    log::Info(kLogModule, "ingest stopped");
    finished_.store(true);
}

IngestWorker::StoreJobResult IngestWorker::RunJob(StoreJob& job, const IngestSettings& settings) {
    StoreJobResult result;
    auto& source = *job.source;
    const auto database_failure = [&](const std::error_code& error, const char* step) {
        metrics_.database_errors.fetch_add(1);
        result.ok = false;
        result.error = DatabaseError(error);
        if (IsRetryable(error)) {
            metrics_.database_ready.store(false);
            result.what = "database";  // StoreLoop reconnects and runs the job again
        } else {
            result.what = step;
        }
        return result;
    };
    if (!EnsureStore()) {
        return database_failure(make_error_code(crm::CrmErrc::kRetry), "connecting to the database");
    }

    if (!job.pushed_done) {
        auto held = HoldLease(source, job, settings);
        if (!held) {
            return database_failure(held.error(), "taking the source's lease");
        }
        if (!held.value()) {
            result.not_leased = true;
            return result;
        }
    }

    if (!job.cursor_loaded) {
        auto cursor = store_->LoadCursor(source.name);
        if (!cursor) {
            return database_failure(cursor.error(), "loading the cursor");
        }
        job.cursor = std::move(cursor).value();
        job.cursor_loaded = true;
        result.cursor_known = true;
        result.cursor = job.cursor;
    }

    connectors::Batch batch;
    if (job.batch) {
        batch = std::move(*job.batch);
        job.batch.reset();
    } else if (source.connector->IsAsync()) {
        return result;  // only the cursor was wanted: the fetch loop fetches next
    } else {
        auto fetched = source.connector->Fetch(job.cursor, settings.batch_size);
        if (!fetched) {
            result.ok = false;
            result.error = {fetched.error(), fetched.error().message(), std::nullopt};
            result.what = "fetch";
            return result;
        }
        batch = std::move(fetched).value();
        const bool nothing_new = batch.items.empty() && batch.bad_records.empty() && batch.ack_token.empty() &&
                                 (!batch.next_cursor || batch.next_cursor == job.cursor);
        if (nothing_new) {
            result.fetched_batch = true;
            result.has_more = batch.has_more;
            return result;
        }
        source.metrics->items_fetched.fetch_add(batch.items.size());
    }
    result.fetched_batch = true;
    result.has_more = batch.has_more;
    const auto next_cursor = batch.next_cursor;

    // Keep the batch for a retry after a lost connection: the store consumes the items it is given.
    connectors::Batch attempt = batch;
    std::optional<crm::SourceLease> lease;
    if (!job.pushed_done) {
        lease = crm::SourceLease{settings.replica_id, source.lease_token, settings.source_lease};
    }
    auto stored = processor_.Store(*store_, source.name, attempt, settings.flag_policy, lease);
    if (!stored && stored.error() == crm::CrmErrc::kLeaseLost) {
        // The lease ran out and another replica took the source while this batch was in hand: the fence refused
        // it whole. Not a failure of the source; the upstream is not acknowledged, the new holder fetches it.
        log::Notice(kLogModule, "source ", source.name, ": another replica took the source; batch dropped unwritten");
        source.lease_token = 0;
        result.not_leased = true;
        return result;
    }
    if (!stored) {
        if (IsRetryable(stored.error())) {
            job.batch = std::move(batch);  // StoreLoop runs the job again once reconnected
        }
        return database_failure(stored.error(), "storing a batch");
    }
    const auto& outcome = stored.value();
    if (next_cursor) {
        result.cursor_known = true;
        result.cursor = next_cursor;
    } else if (job.cursor_loaded) {
        result.cursor_known = true;
        result.cursor = job.cursor;
    }
    source.metrics->items_stored.fetch_add(outcome.inserted);
    source.metrics->duplicates.fetch_add(outcome.duplicates);
    source.metrics->quarantined.fetch_add(outcome.quarantined);
    source.metrics->cases_opened.fetch_add(outcome.cases_opened);
    source.metrics->cases_extended.fetch_add(outcome.cases_extended);
    if (outcome.quarantined > 0) {
        log::With({.source = source.name, .item_id = {}, .error_class = "malformed"})
            .Notice(kLogModule, "source ", source.name, ": quarantined ", outcome.quarantined,
                    " unreadable record(s); see `carelisten quarantine list`");
    }

    if (job.pushed_done) {
        return result;  // the pusher's acknowledgement is the HTTP answer, sent by the caller after this commit
    }
    // Only now, after the commit, acknowledge upstream.
    if (auto acked = source.connector->Acknowledge(batch); !acked) {
        result.ok = false;
        result.error = {acked.error(), acked.error().message(), std::nullopt};
        result.what = "acknowledgement";
        return result;
    }
    if (settings.after_commit) {
        settings.after_commit(*store_, source.name, batch.items);
    }
    return result;
}

Result<bool> IngestWorker::HoldLease(SourceState& source, StoreJob& job, const IngestSettings& settings) {
    BOOST_OUTCOME_TRY(token, store_->AcquireSourceLease(source.name, settings.replica_id, settings.source_lease));
    if (!token) {
        if (source.lease_token != 0) {
            log::Notice(kLogModule, "source ", source.name, ": another replica holds it now");
        }
        source.lease_token = 0;
        return false;
    }
    if (*token != source.lease_token) {
        if (source.lease_token != 0 || *token > 1) {
            log::Notice(kLogModule, "source ", source.name, ": this replica (", settings.replica_id,
                        ") holds it now, lease ", *token);
        }
        source.lease_token = *token;
        // The previous holder may have moved the cursor, and a batch fetched before this lease came from a cursor
        // this replica can no longer trust: start again from the committed one.
        job.cursor_loaded = false;
        job.batch.reset();
    }
    source.lease_renewed = std::chrono::steady_clock::now();
    return true;
}

void IngestWorker::RenewLeasesIfDue(const IngestSettings& settings) {
    if (!store_) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& source : sources_) {
        if (source->lease_token == 0 || now - source->lease_renewed < settings.source_lease / 3) {
            continue;
        }
        auto token = store_->AcquireSourceLease(source->name, settings.replica_id, settings.source_lease);
        if (!token) {
            return;  // the database is away: the next job reconnects
        }
        if (!token.value() || *token.value() != source->lease_token) {
            log::Notice(kLogModule, "source ", source->name, ": lease lost (renewed too late); it is worked again ",
                        "once this replica holds it");
            source->lease_token = 0;
            continue;
        }
        source->lease_renewed = now;
    }
}

}  // namespace carelisten::daemon
