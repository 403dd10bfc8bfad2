/// @file
/// @brief Operator logs: one line per event on stderr, prefixed with the syslog priority in the form
/// journald understands (`<3>` error ... `<7>` debug), then `module: message`.
///
/// Private health information never goes into a log: identify items by (source, external id) or by
/// database id, never by their text, author, phone number or e-mail address. The end-to-end tests grep
/// the daemon's log for the patient data they fed it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace carelisten::log {

enum class Level : int { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

/// Writes one line; thread-safe. Messages above the minimum level are dropped.
void Write(Level level, std::string_view module, std::string_view message);

void SetMinLevel(Level level);
bool Enabled(Level level);

/// Replaces stderr as the destination (tests capture lines); nullptr restores stderr.
void SetSinkForTesting(std::function<void(std::string_view line)> sink);

template <typename... Parts>
void Format(Level level, std::string_view module, const Parts&... parts) {
    if (!Enabled(level)) {
        return;
    }
    std::ostringstream out;
    (out << ... << parts);
    Write(level, module, out.str());
}

template <typename... Parts>
void Error(std::string_view module, const Parts&... parts) {
    Format(Level::kError, module, parts...);
}
template <typename... Parts>
void Warning(std::string_view module, const Parts&... parts) {
    Format(Level::kWarning, module, parts...);
}
template <typename... Parts>
void Notice(std::string_view module, const Parts&... parts) {
    Format(Level::kNotice, module, parts...);
}
template <typename... Parts>
void Info(std::string_view module, const Parts&... parts) {
    Format(Level::kInfo, module, parts...);
}
template <typename... Parts>
void Debug(std::string_view module, const Parts&... parts) {
    Format(Level::kDebug, module, parts...);
}

/// Repeated failures are logged the 1st, 2nd, 4th, 8th ... time, so an upstream that fails every
/// second does not flood the journal; the caller counts every occurrence in a metric regardless.
/// Thread-safe.
class RepeatLimiter {
public:
    /// True when this occurrence should be logged; `count` receives the occurrence number.
    bool ShouldLog(std::uint64_t& count);
    void Reset() { occurrences_.store(0); }

private:
    std::atomic<std::uint64_t> occurrences_{0};
};

}  // namespace carelisten::log
