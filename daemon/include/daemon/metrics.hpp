/// @file
/// @brief Counters and gauges the daemon exports at /metrics in Prometheus text format.
///
/// Labels come from an allow-list: the configured source name only, never anything from a message.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace carelisten::daemon {

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

/// The set of metrics. Sources are registered at start (the set is fixed until restart), so
/// lookups after that need no lock.
class Metrics {
public:
    SourceMetrics& Source(const std::string& name);  ///< registers on first call (start-up only)
    std::string RenderPrometheus() const;

    std::atomic<std::uint64_t> database_errors{0};
    std::atomic<std::uint64_t> reloads{0};
    std::atomic<std::uint64_t> reload_failures{0};
    std::atomic<bool> database_ready{false};

    std::vector<std::string> SourceNames() const;
    const SourceMetrics* FindSource(const std::string& name) const;
    SourceMetrics* FindSource(const std::string& name);

private:
    std::map<std::string, std::unique_ptr<SourceMetrics>> sources_;
};

}  // namespace carelisten::daemon
