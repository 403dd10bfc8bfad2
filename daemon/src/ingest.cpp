#include <algorithm>
#include <crm/errc.hpp>
#include <daemon/ingest.hpp>

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

}  // namespace

Result<crm::IngestOutcome> BatchProcessor::Store(crm::Store& store, const std::string& source, connectors::Batch& batch,
                                                 const FlagPolicy& policy) {
    crm::IngestBatch ingest;
    ingest.source = source;
    ingest.next_cursor = batch.next_cursor;
    ingest.items.reserve(batch.items.size());
    for (auto& item : batch.items) {
        const auto analysis = analyzer_.Analyze(ToAnalysisInput(item));
        ingest.items.push_back(ToNewItem(std::move(item), analysis, policy));
    }
    for (auto& record : batch.bad_records) {
        ingest.quarantined.push_back(ToNewQuarantine(source, std::move(record)));
    }
    batch.items.clear();
    batch.bad_records.clear();

    auto outcome = store.Ingest(ingest);
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
                          .items = {},
                          .quarantined = std::move(ingest.quarantined),
                          .next_cursor = ingest.next_cursor,
                          .replayed_quarantine_id = std::nullopt};
    for (auto& item : ingest.items) {
        crm::IngestBatch single{.source = source,
                                .items = {item},
                                .quarantined = {},
                                .next_cursor = std::nullopt,
                                .replayed_quarantine_id = std::nullopt};
        auto one = store.Ingest(single);
        if (one) {
            total.inserted += one.value().inserted;
            total.duplicates += one.value().duplicates;
            total.cases_opened += one.value().cases_opened;
            total.cases_extended += one.value().cases_extended;
        } else if (IsRetryable(one.error())) {
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

IngestWorker::IngestWorker(std::vector<std::unique_ptr<connectors::Connector>> connectors,
                           const nlp::Analyzer& analyzer, StoreFactory store_factory, Metrics& metrics,
                           IngestSettings settings)
    : processor_(analyzer),
      store_factory_(std::move(store_factory)),
      metrics_(metrics),
      store_backoff_(kRetryBase, settings.retry_max_delay, 0x5eed),
      settings_(std::move(settings)) {
    std::uint64_t seed = 1;
    for (auto& connector : connectors) {
        SourceMetrics* source_metrics = &metrics_.Source(std::string(connector->Name()));
        auto state = std::make_unique<SourceState>(connectors::Backoff(kRetryBase, settings_.retry_max_delay, ++seed));
        state->connector = std::move(connector);
        state->metrics = source_metrics;
        sources_.push_back(std::move(state));
    }
    Heartbeat();
}

IngestWorker::~IngestWorker() {
    RequestStop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void IngestWorker::Start() {
    thread_ = std::thread([this] { Run(); });
}

void IngestWorker::RequestStop() {
    {
        const std::lock_guard lock(mutex_);
        stop_requested_ = true;
    }
    wake_.notify_all();
}

bool IngestWorker::Join(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!finished_.load()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (thread_.joinable()) {
        thread_.join();
    }
    return true;
}

void IngestWorker::UpdateSettings(IngestSettings settings) {
    {
        const std::lock_guard lock(mutex_);
        settings_ = std::move(settings);
    }
    wake_.notify_all();
}

std::chrono::steady_clock::time_point IngestWorker::LastHeartbeat() const {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(heartbeat_ns_.load()));
}

void IngestWorker::Heartbeat() {
    heartbeat_ns_.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

void IngestWorker::WaitFor(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stop_requested_; });
}

bool IngestWorker::EnsureStore() {
    if (store_) {
        return true;
    }
    auto opened = store_factory_();
    if (!opened) {
        metrics_.database_errors.fetch_add(1);
        metrics_.database_ready.store(false);
        std::uint64_t count = 0;
        if (store_failures_.ShouldLog(count)) {
            log::Error(kLogModule, "cannot connect to the database (", opened.error().message(), "), failure #", count);
        }
        return false;
    }
    store_ = std::move(opened).value();
    store_backoff_.Reset();
    store_failures_.Reset();
    metrics_.database_ready.store(true);
    return true;
}

void IngestWorker::FailSource(SourceState& source, const IngestSettings& settings, const std::string& what,
                              const std::error_code& error) {
    source.metrics->errors.fetch_add(1);
    source.backoff.SetMax(settings.retry_max_delay);
    const auto delay = source.backoff.NextDelay();
    source.next_attempt = std::chrono::steady_clock::now() + delay;
    source.cursor_loaded = false;  // after any failure, trust only what the database says
    std::uint64_t count = 0;
    if (source.failures.ShouldLog(count)) {
        log::Warning(kLogModule, "source ", source.connector->Name(), ": ", what, " failed (", error.message(),
                     "), failure #", count, ", retrying in ", delay.count(), " ms");
    }
}

bool IngestWorker::RunOnce(SourceState& source, const IngestSettings& settings) {
    const std::string name(source.connector->Name());
    if (!source.cursor_loaded) {
        auto cursor = store_->LoadCursor(name);
        if (!cursor) {
            if (IsRetryable(cursor.error())) {
                store_.reset();
            }
            metrics_.database_errors.fetch_add(1);
            FailSource(source, settings, "loading the cursor", cursor.error());
            return false;
        }
        source.cursor = std::move(cursor).value();
        source.cursor_loaded = true;
    }

    auto fetched = source.connector->Fetch(source.cursor, settings.batch_size);
    if (!fetched) {
        FailSource(source, settings, "fetch", fetched.error());
        return false;
    }
    auto batch = std::move(fetched).value();
    const bool has_more = batch.has_more;
    const bool nothing_new = batch.items.empty() && batch.bad_records.empty() && batch.ack_token.empty() &&
                             batch.next_cursor == source.cursor;
    if (nothing_new) {
        source.backoff.Reset();
        source.metrics->last_success_unixtime.store(UnixNow());
        return has_more;
    }
    source.metrics->items_fetched.fetch_add(batch.items.size());
    const auto next_cursor = batch.next_cursor;

    auto stored = processor_.Store(*store_, name, batch, settings.flag_policy);
    if (!stored) {
        if (IsRetryable(stored.error())) {
            store_.reset();  // reconnect before the next attempt
            metrics_.database_ready.store(false);
        }
        metrics_.database_errors.fetch_add(1);
        FailSource(source, settings, "storing a batch", stored.error());
        return false;
    }
    const auto& outcome = stored.value();
    if (next_cursor) {
        source.cursor = next_cursor;
    }
    source.metrics->items_stored.fetch_add(outcome.inserted);
    source.metrics->duplicates.fetch_add(outcome.duplicates);
    source.metrics->quarantined.fetch_add(outcome.quarantined);
    source.metrics->cases_opened.fetch_add(outcome.cases_opened);
    source.metrics->cases_extended.fetch_add(outcome.cases_extended);
    if (outcome.quarantined > 0) {
        log::Notice(kLogModule, "source ", name, ": quarantined ", outcome.quarantined,
                    " unreadable record(s); see `carelisten quarantine list`");
    }

    // Only now, after the commit, acknowledge upstream.
    if (auto acked = source.connector->Acknowledge(batch); !acked) {
        FailSource(source, settings, "acknowledgement", acked.error());
        return false;
    }
    source.backoff.Reset();
    source.failures.Reset();
    source.metrics->healthy.store(true);
    source.metrics->last_success_unixtime.store(UnixNow());
    return has_more;
}

void IngestWorker::Run() {
    log::Info(kLogModule, "ingest loop started with ", sources_.size(), " source(s)");
    while (true) {
        Heartbeat();
        IngestSettings settings;
        {
            const std::lock_guard lock(mutex_);
            if (stop_requested_) {
                break;
            }
            settings = settings_;
        }
        if (!EnsureStore()) {
            store_backoff_.SetMax(settings.retry_max_delay);
            WaitFor(store_backoff_.NextDelay());
            continue;
        }
        bool any_more = false;
        auto next_due = std::chrono::steady_clock::now() + settings.poll_interval;
        for (auto& source_state : sources_) {
            auto& source = *source_state;
            {
                const std::lock_guard lock(mutex_);
                if (stop_requested_) {
                    break;
                }
            }
            const auto& disabled = settings.disabled_sources;
            if (std::find(disabled.begin(), disabled.end(), source.connector->Name()) != disabled.end()) {
                continue;
            }
            const auto now = std::chrono::steady_clock::now();
            if (source.next_attempt > now) {
                next_due = std::min(next_due, source.next_attempt);
                continue;
            }
            any_more = RunOnce(source, settings) || any_more;
            Heartbeat();
            if (!store_) {
                break;
            }
        }
        if (!any_more) {
            const auto now = std::chrono::steady_clock::now();
            WaitFor(std::chrono::duration_cast<std::chrono::milliseconds>(std::max(next_due - now, now - now)));
        }
    }
    log::Info(kLogModule, "ingest loop stopped");
    finished_.store(true);
}

}  // namespace carelisten::daemon
