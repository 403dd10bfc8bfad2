/// @file
/// @brief The ingest loop: fetch -> analyze -> one crm transaction (items + quarantine + cursor) ->
/// acknowledge upstream. Exactly once: the cursor advances only in the transaction that stores what it
/// covers, items are unique on (source, external_id), and acknowledgements follow the commit.
#pragma once

#include <atomic>
#include <chrono>
#include <common/log.hpp>
#include <common/result.hpp>
#include <condition_variable>
#include <connectors/backoff.hpp>
#include <connectors/connector.hpp>
#include <crm/store.hpp>
#include <daemon/mapping.hpp>
#include <daemon/metrics.hpp>
#include <functional>
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
    std::size_t batch_size = 500;
    std::chrono::milliseconds retry_max_delay{60'000};
    FlagPolicy flag_policy;
    std::vector<std::string> disabled_sources;
};

/// Opens a store (a new connection). Injected so tests and the benchmark can count or fail it.
using StoreFactory = std::function<Result<std::unique_ptr<crm::Store>>()>;

/// Processes one batch of one source. Also used by the benchmark and by quarantine replay.
class BatchProcessor {
public:
    explicit BatchProcessor(const nlp::Analyzer& analyzer) : analyzer_(analyzer) {}

    /// Analyzes and stores a fetched batch with its cursor, in one transaction. When the database
    /// rejects the batch as a whole (not a connection problem), items are stored one by one and the
    /// ones it still rejects are quarantined, so one poison item never blocks a source.
    Result<crm::IngestOutcome> Store(crm::Store& store, const std::string& source, connectors::Batch& batch,
                                     const FlagPolicy& policy);

private:
    const nlp::Analyzer& analyzer_;
};

/// Lifecycle: Start() launches one thread that polls every enabled source in turn; RequestStop() lets
/// the in-flight transaction finish and ends the thread; Join() waits for it. Thread-safety:
/// UpdateSettings, RequestStop and the accessors may be called from any thread.
class IngestWorker {
public:
    IngestWorker(std::vector<std::unique_ptr<connectors::Connector>> connectors, const nlp::Analyzer& analyzer,
                 StoreFactory store_factory, Metrics& metrics, IngestSettings settings);
    ~IngestWorker();

    void Start();
    void RequestStop();
    /// Waits until the thread ended or `timeout` passed; true when it ended.
    bool Join(std::chrono::milliseconds timeout);
    bool Finished() const { return finished_.load(); }

    void UpdateSettings(IngestSettings settings);
    /// Steady-clock time of the loop's last turn, for the watchdog.
    std::chrono::steady_clock::time_point LastHeartbeat() const;

private:
    struct SourceState {
        explicit SourceState(connectors::Backoff initial_backoff) : backoff(std::move(initial_backoff)) {}
        std::unique_ptr<connectors::Connector> connector;
        std::optional<std::string> cursor;  ///< last committed cursor, when known
        bool cursor_loaded = false;
        connectors::Backoff backoff;
        std::chrono::steady_clock::time_point next_attempt{};
        SourceMetrics* metrics = nullptr;
        log::RepeatLimiter failures;
    };

    void Run();
    /// One batch of one source; true when the source has more ready right now.
    bool RunOnce(SourceState& source, const IngestSettings& settings);
    bool EnsureStore();
    void FailSource(SourceState& source, const IngestSettings& settings, const std::string& what,
                    const std::error_code& error);
    void Heartbeat();
    void WaitFor(std::chrono::milliseconds delay);

    std::vector<std::unique_ptr<SourceState>> sources_;  // stable addresses: SourceState holds atomics
    BatchProcessor processor_;
    StoreFactory store_factory_;
    Metrics& metrics_;
    std::unique_ptr<crm::Store> store_;
    connectors::Backoff store_backoff_;
    log::RepeatLimiter store_failures_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    IngestSettings settings_;
    bool stop_requested_ = false;
    std::atomic<bool> finished_{false};
    std::atomic<std::int64_t> heartbeat_ns_{0};
    std::thread thread_;
};

}  // namespace carelisten::daemon
