/// @file
/// @brief Counters and gauges the daemon exports at /metrics in Prometheus text format.
///
/// Labels come from an allow-list: the configured source name only, never anything from a message.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
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

private:
    std::map<std::string, std::unique_ptr<SourceMetrics>> sources_;
};

}  // namespace carelisten::daemon
