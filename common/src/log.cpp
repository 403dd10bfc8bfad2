#include <common/log.hpp>
#include <cstdio>
#include <mutex>

namespace carelisten::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;

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

void Write(Level level, std::string_view module, std::string_view message) {
    if (!Enabled(level)) {
        return;
    }
    std::string line;
    line.reserve(module.size() + message.size() + 8);
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
    line += module;
    line += ": ";
    // One event, one line: a newline inside a message would forge a second journal entry.
    for (const char c : message) {
        line += (c == '\n' || c == '\r') ? ' ' : c;
    }
    const std::lock_guard lock(g_sink_mutex);
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
