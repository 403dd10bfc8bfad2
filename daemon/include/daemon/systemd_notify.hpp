/// @file
/// @brief sd_notify, precisely: READY=1 only when serving, RELOADING=1 with MONOTONIC_USEC, STOPPING=1,
/// WATCHDOG=1 and STATUS=. Every call is a no-op outside systemd (no $NOTIFY_SOCKET).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace carelisten::daemon::systemd {

void NotifyReady(const std::string& status);
void NotifyReloading();
void NotifyStopping();
void NotifyStatus(const std::string& status);
void NotifyWatchdog();

/// The watchdog interval systemd expects pings within (WatchdogSec=), if enabled for this process.
std::optional<std::chrono::microseconds> WatchdogInterval();

}  // namespace carelisten::daemon::systemd
