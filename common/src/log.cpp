#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <common/log.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace carelisten::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;
std::function<void(const std::vector<std::string>&)> g_journal_sink;

// A field value is capped so that one event stays one readable line.
constexpr std::size_t kMaxFieldBytes = 256;

// One event, one line: a newline inside a message would forge a second journal entry.
void AppendOneLine(std::string& out, std::string_view text, std::size_t limit = std::string_view::npos) {
    std::size_t written = 0;
    for (const char c : text) {
        if (written++ == limit) {
            out += "...";
            break;
        }
        out += (c == '\n' || c == '\r') ? ' ' : c;
    }
}

// Field values also lose spaces and brackets in the text suffix, so `[KEY=value ...]` stays parseable.
std::string SuffixValue(std::string_view value) {
    std::string out;
    AppendOneLine(out, value, kMaxFieldBytes);
    for (auto& c : out) {
        if (c == ' ' || c == ']' || c == '[') {
            c = '_';
        }
    }
    return out;
}

struct NamedField {
    const char* name;
    std::string_view value;
};

std::vector<NamedField> NonEmpty(const Fields& fields) {
    std::vector<NamedField> out;
    for (const NamedField field : {NamedField{"SOURCE", fields.source}, NamedField{"ITEM_ID", fields.item_id},
                                   NamedField{"ERROR_CLASS", fields.error_class}}) {
        if (!field.value.empty()) {
            out.push_back(field);
        }
    }
    return out;
}

// Decided once: systemd sets JOURNAL_STREAM for the main process, and stderr does not move later.
bool StderrIsJournal() {
    static const bool is_journal = StreamIsJournal(std::getenv("JOURNAL_STREAM"), STDERR_FILENO);
    return is_journal;
}

}  // namespace

void SetMinLevel(Level level) {
    g_min_level.store(static_cast<int>(level));
}

bool Enabled(Level level) {
    return static_cast<int>(level) <= g_min_level.load(std::memory_order_relaxed);
}

void SetSinkForTesting(std::function<void(std::string_view line)> sink) {
    const std::lock_guard lock(g_sink_mutex);
    g_sink = std::move(sink);
}

void SetJournalSinkForTesting(std::function<void(const std::vector<std::string>& fields)> sink) {
    const std::lock_guard lock(g_sink_mutex);
    g_journal_sink = std::move(sink);
}

bool StreamIsJournal(const char* journal_stream, int fd) {
    if (journal_stream == nullptr) {
        return false;
    }
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (std::sscanf(journal_stream, "%llu:%llu", &device, &inode) != 2) {
        return false;
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        return false;
    }
    return static_cast<unsigned long long>(info.st_dev) == device &&
           static_cast<unsigned long long>(info.st_ino) == inode;
}

std::vector<std::string> JournalRecord(Level level, std::string_view module, std::string_view message,
                                       const Fields& fields) {
    std::vector<std::string> record;
    std::string text = "MESSAGE=";
    text += module;
    text += ": ";
    AppendOneLine(text, message);
    record.push_back(std::move(text));
    record.push_back("PRIORITY=" + std::to_string(static_cast<int>(level)));
    record.push_back(std::string("SYSLOG_IDENTIFIER=") + program_invocation_short_name);
    record.push_back("CARELISTEN_MODULE=" + std::string(module));
    for (const auto& field : NonEmpty(fields)) {
        std::string entry = std::string(field.name) + "=";
        AppendOneLine(entry, field.value, kMaxFieldBytes);
        record.push_back(std::move(entry));
    }
    return record;
}

std::string TextLine(Level level, std::string_view module, std::string_view message, const Fields& fields) {
    std::string line;
    line.reserve(module.size() + message.size() + 8);
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
    line += module;
    line += ": ";
    AppendOneLine(line, message);
    const auto named = NonEmpty(fields);
    if (!named.empty()) {
        line += " [";
        for (std::size_t i = 0; i < named.size(); ++i) {
            line += (i == 0 ? "" : " ");
            line += named[i].name;
            line += '=';
            line += SuffixValue(named[i].value);
        }
        line += ']';
    }
    return line;
}

void Write(Level level, std::string_view module, std::string_view message, const Fields& fields) {
    if (!Enabled(level)) {
        return;
    }
    const std::lock_guard lock(g_sink_mutex);
    if (g_journal_sink) {
        g_journal_sink(JournalRecord(level, module, message, fields));
        return;
    }
    if (!g_sink && StderrIsJournal()) {
        const auto record = JournalRecord(level, module, message, fields);
        std::vector<iovec> vectors;
        vectors.reserve(record.size());
        for (const auto& entry : record) {
            vectors.push_back({const_cast<char*>(entry.data()), entry.size()});  // NOLINT: iovec is not const
        }
        if (::sd_journal_sendv(vectors.data(), static_cast<int>(vectors.size())) >= 0) {
            return;
        }
        // The journal refused (not running, full socket buffer): fall back to the stream it reads anyway.
    }
    auto line = TextLine(level, module, message, fields);
    if (g_sink) {
        g_sink(line);
        return;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

bool RepeatLimiter::ShouldLog(std::uint64_t& count) {
    count = occurrences_.fetch_add(1) + 1;
    return (count & (count - 1)) == 0;  // 1, 2, 4, 8, ...
}

}  // namespace carelisten::log
