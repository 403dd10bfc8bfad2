/// @file
/// @brief The ingest loop: fetch -> analyze -> one crm transaction (items + quarantine + cursor) ->
/// acknowledge upstream. Exactly once: the cursor advances only in the transaction that stores what it
/// covers, items are unique on (source, external_id), and acknowledgements follow the commit.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <common/log.hpp>
#include <common/result.hpp>
#include <condition_variable>
#include <connectors/backoff.hpp>
#include <connectors/connector.hpp>
#include <crm/store.hpp>
#include <daemon/mapping.hpp>
#include <daemon/metrics.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlp/analyzer.hpp>
#include <string>
#include <thread>
#include <vector>

namespace carelisten::daemon {

/// The settings a SIGHUP may change while the worker runs.
struct IngestSettings {
    std::chrono::milliseconds poll_interval{2000};
    /// Per-source poll intervals that differ from `poll_interval` (sources.<name>.poll_interval_ms).
    std::map<std::string, std::chrono::milliseconds, std::less<>> source_poll_intervals;
    std::size_t batch_size = 500;
    std::chrono::milliseconds retry_max_delay{60'000};
    FlagPolicy flag_policy;
    std::vector<std::string> disabled_sources;
    /// How long an open case of each urgency (none, low, high, critical) may wait ([cases]): the store thread
    /// counts the open and overdue cases every 30 s for /metrics.
    crm::CaseTargets case_targets;
    /// Called on the store thread after a batch is committed and acknowledged upstream (e-mail
    /// acknowledgements); empty: nothing.
    std::function<void(crm::Store&, const std::string&, const std::vector<connectors::RawItem>&)> after_commit;
    /// Several replicas ([daemon] replica_id, source_lease_seconds): a polled source is worked only by the replica
    /// holding its lease (crm V009), renewed with every poll and commit and every lease/3 while idle.
    std::string replica_id = "carelistend";
    std::chrono::seconds source_lease{30};

    std::chrono::milliseconds PollInterval(std::string_view source) const;
    bool Disabled(std::string_view source) const;
};

/// Opens a store (a new connection). Injected so tests and the benchmark can count or fail it.
using StoreFactory = std::function<Result<std::unique_ptr<crm::Store>>()>;

/// Processes one batch of one source. Also used by the benchmark and by quarantine replay.
class BatchProcessor {
public:
    /// A batch is analyzed on up to this many threads, one per kMinItemsPerAnalysisThread items, while its
    /// transaction runs; a batch smaller than that is analyzed in the calling thread first (starting a thread
    /// would cost more than it saves).
    static constexpr std::size_t kMaxAnalysisThreads = 8;
    static constexpr std::size_t kMinItemsPerAnalysisThread = 32;
    /// One per core, at most kMaxAnalysisThreads.
    static std::size_t DefaultAnalysisThreads();

    /// `metrics`, when given, receives each item's analysis time (the analysis latency histogram).
    explicit BatchProcessor(const nlp::Analyzer& analyzer, Metrics* metrics = nullptr,
                            std::size_t analysis_threads = DefaultAnalysisThreads())
        : analyzer_(analyzer), metrics_(metrics), analysis_threads_(std::max<std::size_t>(analysis_threads, 1)) {}

    /// Analyzes and stores a fetched batch with its cursor, in one transaction (a big batch is analyzed while the
    /// transaction runs: crm::IngestBatch::await_item). When the database
    /// rejects the batch as a whole (not a connection problem), items are stored one by one and the
    /// ones it still rejects are quarantined, so one poison item never blocks a source. With `lease` (a polled
    /// source) every transaction is fenced by it: CrmErrc::kLeaseLost when another replica holds the source.
    Result<crm::IngestOutcome> Store(crm::Store& store, const std::string& source, connectors::Batch& batch,
                                     const FlagPolicy& policy,
                                     const std::optional<crm::SourceLease>& lease = std::nullopt);

private:
    const nlp::Analyzer& analyzer_;
    Metrics* metrics_;
    std::size_t analysis_threads_;
};

/// The ingest pipeline, in two threads:
///  - the **fetch loop** (a Boost.Asio io_context, shared with the HTTP runtime) schedules every source
///    with its own timer and runs network connectors' FetchAsync there, many in flight at once, so a slow
///    or failing source never delays another;
///  - the **store thread** owns the database connection and runs, one at a time, what touches the database:
///    loading a source's cursor, analyzing and storing a batch with its cursor in one transaction, and
///    only then the upstream acknowledgement. File-based (synchronous) connectors fetch there too.
/// A source has at most one batch in the pipeline: its next fetch starts only after the previous batch was
/// committed and acknowledged, so a fetch always starts from the committed cursor.
///
/// Lifecycle: Start() launches both threads; RequestStop() lets the in-flight transaction finish and ends
/// the store thread (pending fetches are abandoned: nothing was consumed); Join() waits for both. Thread-
/// safety: UpdateSettings, RequestStop and the accessors may be called from any thread.
class IngestWorker {
public:
    IngestWorker(std::vector<std::unique_ptr<connectors::Connector>> connectors, const nlp::Analyzer& analyzer,
                 StoreFactory store_factory, Metrics& metrics, IngestSettings settings,
                 boost::asio::io_context& fetch_loop);
    ~IngestWorker();
    IngestWorker(const IngestWorker&) = delete;
    IngestWorker& operator=(const IngestWorker&) = delete;

    void Start();
    void RequestStop();
    /// Waits until both threads ended or `timeout` passed; true when they ended.
    bool Join(std::chrono::milliseconds timeout);
    /// True once the store thread ended (no transaction in flight any more).
    bool Finished() const { return finished_.load(); }

    /// Applies reloadable settings; sources stopped by an authentication or permanent error are retried,
    /// since the operator may have fixed the credential file before reloading.
    void UpdateSettings(IngestSettings settings);
    /// Stores what an upstream pushed (a verified webhook) for `source` in one transaction, through the same
    /// store thread, and calls `done(true)` after the commit (then the upstream gets its 200) or `done(false)`
    /// when it could not be stored (the upstream retries; re-delivery is a no-op). Any thread.
    void StorePushed(const std::string& source, connectors::Batch batch, std::function<void(bool stored)> done);
    /// The connector of a configured source (for its webhook handler, which is const and thread-safe).
    const connectors::Connector* FindConnector(std::string_view source) const;

    /// Steady-clock time of the later-stuck of the two threads' last turn, for the watchdog.
    std::chrono::steady_clock::time_point LastHeartbeat() const;

private:
    enum class Phase { kWaiting, kFetching, kStoring, kStopped };

    struct SourceState {
        SourceState(boost::asio::io_context& loop, connectors::Backoff initial_backoff)
            : backoff(std::move(initial_backoff)), timer(loop) {}
        std::unique_ptr<connectors::Connector> connector;
        std::string name;
        // Touched only on the fetch loop:
        std::optional<std::string> cursor;  ///< last committed cursor, when known
        bool cursor_loaded = false;
        connectors::Backoff backoff;
        Phase phase = Phase::kWaiting;
        boost::asio::steady_timer timer;
        std::uint64_t consecutive_failures = 0;
        SourceMetrics* metrics = nullptr;
        log::RepeatLimiter failures;
        // Touched only on the store thread: the lease this replica holds on the source (0: none), and when it
        // was last renewed.
        std::int64_t lease_token = 0;
        std::chrono::steady_clock::time_point lease_renewed{};
    };

    /// Work for the store thread. `batch` empty: load the cursor (network connectors), or run a whole
    /// fetch-store-acknowledge cycle (synchronous connectors).
    struct StoreJob {
        SourceState* source = nullptr;
        bool cursor_loaded = false;
        std::optional<std::string> cursor;
        std::optional<connectors::Batch> batch;
        /// Set for a pushed batch: called with the outcome instead of reporting to the fetch loop.
        std::function<void(bool stored)> pushed_done;
    };
    struct StoreJobResult {
        bool ok = true;
        bool cursor_known = false;          ///< `cursor` is the committed cursor
        std::optional<std::string> cursor;  ///< meaningful when cursor_known
        bool fetched_batch = false;         ///< for a LoadCursor job: false (go fetch now)
        bool not_leased = false;            ///< another replica holds the source: try again later
        bool has_more = false;
        connectors::FetchError error;
        std::string what;  ///< which step failed, for the log
    };

    // Fetch loop side.
    void Schedule(SourceState& source, std::chrono::milliseconds delay);
    void OnTimer(SourceState& source);
    void BeginFetch(SourceState& source);
    void OnFetched(SourceState& source, connectors::FetchResult result);
    void OnStoreJobDone(SourceState& source, StoreJobResult result);
    void FailSource(SourceState& source, const std::string& what, const connectors::FetchError& error);
    void LoopHeartbeat();
    IngestSettings CurrentSettings() const;

    // Store thread side.
    void StoreLoop();
    /// Moves the queued pushed batches of `job`'s source into `job` (mutex_ held); their callbacks to
    /// `grouped_done`, answered with `job`'s outcome.
    void TakeQueuedPushes(StoreJob& job, std::vector<std::function<void(bool stored)>>& grouped_done);
    StoreJobResult RunJob(StoreJob& job, const IngestSettings& settings);
    /// Runs `step` with a connected store, reconnecting with back-off while the database is unreachable;
    /// nullopt when a stop was requested meanwhile.
    bool EnsureStore();
    /// Renews this replica's live leases that are a third of their time old (sources between polls).
    void RenewLeasesIfDue(const IngestSettings& settings);
    /// Takes or renews `source`'s lease; false when another replica holds it. Resets the job's cursor when
    /// the lease is new (the previous holder may have moved it).
    Result<bool> HoldLease(SourceState& source, StoreJob& job, const IngestSettings& settings);
    void StoreHeartbeat();
    /// Refreshes the open/overdue case gauges when 30 s have passed since the last count (store thread).
    void CountCasesIfDue(const IngestSettings& settings);
    void WaitFor(std::chrono::milliseconds delay);
    void Enqueue(StoreJob job);

    boost::asio::io_context& loop_;
    std::vector<std::unique_ptr<SourceState>> sources_;  // stable addresses: jobs and timers point at them
    BatchProcessor processor_;
    StoreFactory store_factory_;
    Metrics& metrics_;
    std::unique_ptr<crm::Store> store_;
    connectors::Backoff store_backoff_;
    log::RepeatLimiter store_failures_;
    boost::asio::steady_timer heartbeat_timer_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> loop_guard_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<StoreJob> jobs_;
    IngestSettings settings_;
    bool stop_requested_ = false;
    std::atomic<bool> finished_{false};
    std::atomic<std::int64_t> store_heartbeat_ns_{0};
    std::chrono::steady_clock::time_point last_case_count_{};
    std::atomic<std::int64_t> loop_heartbeat_ns_{0};
    std::thread store_thread_;
    std::thread loop_thread_;
};

}  // namespace carelisten::daemon
