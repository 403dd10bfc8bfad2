/// @file
/// @brief The daemon's health as an operator reads it: per-source state (last success, last error
/// class, items in the last hour, "no data for longer than expected"), served as JSON at /status,
/// summarized in systemd's STATUS= line, and printed by `carelisten status`.
///
/// Pure functions over a Metrics snapshot: no I/O, so every state is unit-tested. Nothing here holds
/// patient data: source names come from the configuration, error details are written by connectors
/// without message content.
#pragma once

#include <cstdint>
#include <daemon/metrics.hpp>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::daemon {

/// What the configuration says about one source.
struct SourceExpectation {
    std::string name;
    std::string type;
    bool enabled = true;
    std::int64_t expected_interval_s = 0;  ///< 0: any silence is normal
};

/// From best to worst; the overall status is "ok" only when every enabled source is ok or starting.
enum class SourceState {
    kOk,           ///< the last attempt succeeded and data arrives as expected
    kStarting,     ///< no attempt has completed since start
    kDisabled,     ///< enabled = false: not polled
    kStale,        ///< works, but no item for longer than expected_interval_s
    kRetrying,     ///< the last attempt failed with a transient error; backing off
    kRateLimited,  ///< the upstream asked us to wait
    kFailing,      ///< needs an operator (credentials rejected, permanent error)
};
std::string_view ToString(SourceState state);
/// connectors::ConnectorErrc as an int -> "none", "retry_later", "rate_limited", "auth_broken",
/// "malformed", "permanent" (unknown values: "unknown").
std::string_view ErrorClassName(int error_class);

struct SourceStatus {
    std::string name;
    std::string type;
    SourceState state = SourceState::kStarting;
    double last_success_unixtime = 0;  ///< 0: never since start
    double last_item_unixtime = 0;     ///< 0: no item since start
    std::uint64_t items_last_hour = 0;
    std::int64_t expected_interval_s = 0;
    std::string last_error_class;  ///< ErrorClassName()
    std::string last_error_detail;
    double blocked_until_unixtime = 0;
    std::uint64_t errors_total = 0;
    std::uint64_t items_stored_total = 0;
    std::uint64_t quarantined_total = 0;
};

struct DaemonStatus {
    bool ok = false;  ///< database ready and every enabled source ok or starting
    bool alive = true;
    bool database_ready = false;
    int schema_version = 0;
    int expected_schema_version = 0;
    bool stopping = false;
    double now_unixtime = 0;
    double start_unixtime = 0;
    std::vector<SourceStatus> sources;
};

/// `alive`: the ingest loop turned within the watchdog interval.
DaemonStatus BuildStatus(const Metrics& metrics, const std::vector<SourceExpectation>& sources, double now_unixtime,
                         bool alive, bool stopping);

/// /readyz: the database is reachable, migrations are current and the daemon is not stopping.
bool IsReady(const DaemonStatus& status);

/// The /status document (one JSON object).
std::string StatusJson(const DaemonStatus& status);
/// systemd's STATUS= line, e.g. "3 source(s): 1 ok, 1 stale (rss), 1 failing (x); 120 stored, 2 quarantined;
/// database ok".
std::string StatusSummary(const DaemonStatus& status);

/// What `carelisten status` prints for a /status document: a readable table. Returns nullopt when the
/// text is not a /status document (it is parsed as untrusted JSON, with a size cap).
std::optional<std::string> FormatStatusForTerminal(const std::string& json, bool& all_ok);

}  // namespace carelisten::daemon
