/// @file
/// @brief Counters, gauges and histograms the daemon exports at /metrics in Prometheus text format,
/// and the per-source activity behind /status.
///
/// Labels come from a fixed allow-list (kAllowedLabels): the configured source name, a channel and a
/// result, never anything from a message. Source names are validated by the configuration loader
/// ([a-z0-9_-]), so label values need no escaping.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::daemon {

/// The only label names /metrics ever uses.
inline constexpr std::array<std::string_view, 4> kAllowedLabels = {"source", "channel", "result", "state"};

/// A Prometheus histogram with fixed bucket bounds (seconds). Thread-safety: Observe() may be called
/// from any thread; rendering reads each counter atomically (a scrape may straddle an observation).
class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void Observe(double value);
    /// Appends `name_bucket{le=...}`, `name_sum` and `name_count` lines (HELP/TYPE written by the caller).
    void Render(std::string& out, std::string_view name, std::string_view labels = {}) const;
    std::uint64_t Count() const { return count_.load(); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound; +Inf is count_
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0.0};
};

/// Per-source figures. Thread-safety: every field is atomic; the ingest thread writes, the HTTP
/// thread reads.
struct SourceMetrics {
    std::atomic<std::uint64_t> items_fetched{0};
    std::atomic<std::uint64_t> items_stored{0};
    std::atomic<std::uint64_t> duplicates{0};
    std::atomic<std::uint64_t> quarantined{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> cases_opened{0};
    std::atomic<std::uint64_t> cases_extended{0};
    std::atomic<double> last_success_unixtime{0.0};
    std::atomic<bool> healthy{true};
    std::atomic<std::uint64_t> webhooks_accepted{0};
    std::atomic<std::uint64_t> webhooks_rejected{0};  ///< bad signature, malformed, unknown event
    /// The class of the last failure (connectors::ConnectorErrc as an int, or a crm error mapped to
    /// kRetryLater); 0 once the source succeeded again.
    std::atomic<int> last_error_class{0};
    /// Set while the upstream asked us to wait (rate limited), else 0.
    std::atomic<double> blocked_until_unixtime{0.0};
    /// No data for longer than the source's expected_interval_s (the daemon's status timer sets it).
    std::atomic<bool> stale{false};

    /// What the operator should know about the last failure (no patient data, no secrets).
    void SetLastErrorDetail(std::string detail) {
        const std::lock_guard lock(detail_mutex_);
        last_error_detail_ = std::move(detail);
    }
    std::string LastErrorDetail() const {
        const std::lock_guard lock(detail_mutex_);
        return last_error_detail_;
    }

private:
    mutable std::mutex detail_mutex_;
    std::string last_error_detail_;
};

/// What the activity sampler derived for one source (see Metrics::SampleActivity).
struct SourceActivity {
    std::uint64_t items_last_hour = 0;  ///< items fetched within the last hour (sampled, 1 min resolution)
    double last_item_unixtime = 0.0;    ///< when an item last arrived (0: none since start)
};

/// Upstream HTTP figures of the connectors' shared HTTP client, copied in as one snapshot (the
/// runtime's ClientStats): the daemon keeps no reference into the fetch loop.
struct UpstreamHttpSnapshot {
    std::uint64_t requests = 0;
    std::uint64_t transport_errors = 0;
    std::uint64_t rate_limit_waits = 0;  ///< requests delayed by a rate-limit bucket or a "blocked until"
    std::vector<std::pair<long, std::uint64_t>> responses_by_status;
};

/// The set of metrics. Sources are registered at start (the set is fixed until restart), so
/// lookups after that need no lock. Thread-safety: as documented per member.
class Metrics {
public:
    Metrics();

    SourceMetrics& Source(const std::string& name);  ///< registers on first call (start-up only)
    std::string RenderPrometheus() const;

    std::atomic<std::uint64_t> database_errors{0};
    std::atomic<std::uint64_t> reloads{0};
    std::atomic<std::uint64_t> reload_failures{0};
    std::atomic<bool> database_ready{false};
    /// Highest migration applied in the database, and the highest this binary carries.
    std::atomic<int> schema_version{0};
    std::atomic<int> expected_schema_version{0};
    std::atomic<double> start_unixtime{0.0};

    /// Seconds to analyze one item (the ingest loop calls ObserveAnalysis per item).
    Histogram analysis_seconds;
    /// Seconds of one crm ingest transaction, by result (committed or failed).
    Histogram transaction_seconds_committed;
    Histogram transaction_seconds_failed;
    void ObserveAnalysis(std::chrono::steady_clock::duration elapsed);
    void ObserveTransaction(std::chrono::steady_clock::duration elapsed, bool committed);

    /// Replaces the upstream HTTP figures (any thread).
    void SetUpstreamHttp(UpstreamHttpSnapshot snapshot);
    UpstreamHttpSnapshot UpstreamHttp() const;

    /// Records each source's fetched count at `now`; call about every few seconds (the status timer).
    /// Keeps one sample a minute for the last hour. Any thread, serialized by a mutex.
    void SampleActivity(double now_unixtime);
    SourceActivity Activity(const std::string& name) const;

    /// Follow-up surveys: SMS answers applied, HL7 messages received, and surveys per state (the scheduler
    /// replaces the counts after each pass). States are a fixed set, so they are safe as label values.
    std::atomic<std::uint64_t> survey_sms_replies{0};
    /// Open cases, and those open longer than the response target of their urgency ([cases]).
    std::atomic<std::int64_t> cases_open{0};
    std::atomic<std::int64_t> cases_overdue{0};
    std::atomic<std::uint64_t> hl7_messages{0};
    void SetSurveyStates(std::map<std::string, std::int64_t> counts);

    std::vector<std::string> SourceNames() const;
    const SourceMetrics* FindSource(const std::string& name) const;
    SourceMetrics* FindSource(const std::string& name);

private:
    struct ActivityTrack {
        std::deque<std::pair<double, std::uint64_t>> samples;  // (unix time, items_fetched), oldest first
        std::uint64_t last_seen = 0;
        double last_item_unixtime = 0.0;
    };

    std::map<std::string, std::unique_ptr<SourceMetrics>> sources_;
    mutable std::mutex activity_mutex_;
    std::map<std::string, ActivityTrack> activity_;
    mutable std::mutex upstream_mutex_;
    UpstreamHttpSnapshot upstream_;
    mutable std::mutex survey_mutex_;
    std::map<std::string, std::int64_t> survey_states_;
};

/// Process figures from /proc/self (0 when unavailable).
std::uint64_t ProcessResidentBytes();
std::uint64_t ProcessOpenFds();

}  // namespace carelisten::daemon
