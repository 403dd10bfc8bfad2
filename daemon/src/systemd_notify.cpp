#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <daemon/systemd_notify.hpp>

namespace carelisten::daemon::systemd {
namespace {

void Send(const std::string& state) {
    ::sd_notify(0, state.c_str());
}

/// For the periodic messages (WATCHDOG=1, STATUS=): a datagram that cannot be queued right now is dropped
/// instead of blocking the loop. sd_notify() blocks while the receiver's queue is full, and a daemon whose loop
/// waits on its supervisor's socket answers no HTTP request and pings no watchdog: the next ping or status
/// line replaces a dropped one anyway.
void SendWithoutBlocking(const std::string& state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || (path[0] != '/' && path[0] != '@')) {
        return;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(path);
    if (length >= sizeof(address.sun_path)) {
        return;
    }
    std::memcpy(address.sun_path, path, length);
    if (address.sun_path[0] == '@') {
        address.sun_path[0] = '\0';  // an abstract socket
    }
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return;
    }
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&address),
                   size);
    ::close(fd);
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
    SendWithoutBlocking("STATUS=" + status);
}

void NotifyWatchdog() {
    SendWithoutBlocking("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> WatchdogInterval() {
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        return std::chrono::microseconds(static_cast<std::int64_t>(usec));
    }
    return std::nullopt;
}

}  // namespace carelisten::daemon::systemd
