/// @file
/// @brief Runs the real carelistend / carelisten binaries as an operator would, for the e2e tier.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace carelisten::e2e {

std::filesystem::path BinaryDir();  ///< $CARELISTEN_BINARY_DIR
std::string ReadWholeFile(const std::filesystem::path& path);
/// Entries in `directory`; 0 while it does not exist yet (the daemon creates done/ on its first move).
std::size_t CountDirectoryEntries(const std::filesystem::path& directory);

/// One carelistend process; its stderr goes to `log_path` (appended, so restarts share one log).
/// The destructor kills a process still running.
class DaemonProcess {
public:
    DaemonProcess(std::filesystem::path config, std::filesystem::path log_path,
                  std::vector<std::string> extra_env = {});
    ~DaemonProcess();

    void Start();
    /// Sends a signal (SIGTERM, SIGHUP, SIGKILL ...).
    void Signal(int signal_number);
    /// Waits for exit; the exit status, or nullopt on timeout. 128+N when killed by signal N.
    std::optional<int> Wait(std::chrono::milliseconds timeout);
    bool Running();
    pid_t Pid() const { return pid_; }

private:
    std::filesystem::path config_;
    std::filesystem::path log_path_;
    std::vector<std::string> extra_env_;
    pid_t pid_ = -1;
};

struct CommandResult {
    int status = -1;
    std::string out;
    std::string err;
};

/// Runs a command to completion, capturing stdout and stderr; `input` goes to its stdin.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = {},
                         const std::vector<std::string>& extra_env = {});

/// GET http://<address><path>; returns status code and body, or status 0 when unreachable.
struct HttpResult {
    int status = 0;
    std::string body;
};
HttpResult HttpGet(const std::string& address, const std::string& path);
/// Sends `request` (a whole HTTP/1.1 request, "Connection: close") to <address> and returns the whole answer,
/// status line and headers included; "" when unreachable.
std::string HttpExchange(const std::string& address, const std::string& request);

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
template <typename Condition>
bool WaitUntil(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

}  // namespace carelisten::e2e
