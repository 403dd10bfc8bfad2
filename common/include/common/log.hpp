/// @file
/// @brief Operator logs: one line per event on stderr, prefixed with the syslog priority in the form
/// journald understands (`<3>` error ... `<7>` debug), then `module: message`.
///
/// A message may carry structured fields from a fixed allow-list (the Fields struct: SOURCE=,
/// ITEM_ID=, ERROR_CLASS=). When stderr is connected to the journal ($JOURNAL_STREAM names stderr's
/// device and inode, as systemd sets it) each event is sent with sd_journal_send, fields included, so
/// `journalctl SOURCE=x` works; otherwise the fields follow the message as a readable suffix
/// ` [SOURCE=x ERROR_CLASS=rate_limited]`.
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
#include <vector>

namespace carelisten::log {

enum class Level : int { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

/// The structured fields a log event may carry, and only these: the type is the allow-list. Empty
/// fields are left out. None may hold patient data.
struct Fields {
    std::string_view source;       ///< SOURCE=: the configured source name
    std::string_view item_id;      ///< ITEM_ID=: a surrogate id (database id, quarantine id, upstream id)
    std::string_view error_class;  ///< ERROR_CLASS=: e.g. "rate_limited" (connectors::ConnectorErrc names)
};

/// Writes one event; thread-safe. Messages above the minimum level are dropped.
void Write(Level level, std::string_view module, std::string_view message, const Fields& fields = {});

void SetMinLevel(Level level);
bool Enabled(Level level);

/// Replaces stderr as the destination (tests capture lines); nullptr restores stderr.
void SetSinkForTesting(std::function<void(std::string_view line)> sink);
/// Replaces the journal as the destination and forces journal mode (tests capture the fields that
/// would go to sd_journal_send); nullptr restores detection.
void SetJournalSinkForTesting(std::function<void(const std::vector<std::string>& fields)> sink);

/// True when `journal_stream` ("<device>:<inode>", the value of $JOURNAL_STREAM) names the file
/// open on `fd`: systemd connected that descriptor to the journal.
bool StreamIsJournal(const char* journal_stream, int fd);
/// The "KEY=value" fields sent to the journal for one event (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
/// CARELISTEN_MODULE and the non-empty Fields).
std::vector<std::string> JournalRecord(Level level, std::string_view module, std::string_view message,
                                       const Fields& fields);
/// The stderr line for one event, without the trailing newline.
std::string TextLine(Level level, std::string_view module, std::string_view message, const Fields& fields);

template <typename... Parts>
void Format(Level level, std::string_view module, const Parts&... parts) {
    if (!Enabled(level)) {
        return;
    }
    std::ostringstream out;
    (out << ... << parts);
    Write(level, module, out.str());
}

/// The same with structured fields: log::With(fields).Warning(module, parts...).
class With {
public:
    explicit With(const Fields& fields) : fields_(fields) {}
    template <typename... Parts>
    void Error(std::string_view module, const Parts&... parts) const {
        Emit(Level::kError, module, parts...);
    }
    template <typename... Parts>
    void Warning(std::string_view module, const Parts&... parts) const {
        Emit(Level::kWarning, module, parts...);
    }
    template <typename... Parts>
    void Notice(std::string_view module, const Parts&... parts) const {
        Emit(Level::kNotice, module, parts...);
    }
    template <typename... Parts>
    void Info(std::string_view module, const Parts&... parts) const {
        Emit(Level::kInfo, module, parts...);
    }
    template <typename... Parts>
    void Debug(std::string_view module, const Parts&... parts) const {
        Emit(Level::kDebug, module, parts...);
    }

private:
    template <typename... Parts>
    void Emit(Level level, std::string_view module, const Parts&... parts) const {
        if (!Enabled(level)) {
            return;
        }
        std::ostringstream out;
        (out << ... << parts);
        Write(level, module, out.str(), fields_);
    }
    Fields fields_;
};

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
