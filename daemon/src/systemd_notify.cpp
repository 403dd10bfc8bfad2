#include <systemd/sd-daemon.h>

#include <ctime>
#include <daemon/systemd_notify.hpp>

namespace carelisten::daemon::systemd {
namespace {

void Send(const std::string& state) {
    ::sd_notify(0, state.c_str());
}

}  // namespace

void NotifyReady(const std::string& status) {
    Send("READY=1\nSTATUS=" + status);
}

void NotifyReloading() {
    // systemd 253+ requires MONOTONIC_USEC with RELOADING=1 for Type=notify-reload; 252 ignores it.
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
    Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=reloading configuration");
}

void NotifyStopping() {
    Send("STOPPING=1\nSTATUS=stopping: finishing the in-flight transaction");
}

void NotifyStatus(const std::string& status) {
    Send("STATUS=" + status);
}

void NotifyWatchdog() {
    Send("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> WatchdogInterval() {
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        return std::chrono::microseconds(static_cast<std::int64_t>(usec));
    }
    return std::nullopt;
}

}  // namespace carelisten::daemon::systemd
