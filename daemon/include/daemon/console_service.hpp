/// @file
/// @brief The staff console on carelistend's internal listener: /console/... pages and the /api/v1 JSON API
/// (console/), served by a small pool of worker threads, each with its own database connection, so a slow
/// query never blocks the listener's thread. Also keeps the cases' response deadlines current.
#pragma once

#include <atomic>
#include <condition_variable>
#include <console/console_app.hpp>
#include <crm/store.hpp>
#include <daemon/http_server.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace carelisten::daemon {

struct Config;

/// The `[console]` table.
const SettingsTable& ConsoleSettingsTable();

/// The console's settings from `[console]` and `[cases]` (response targets). Throws ConfigError when the
/// business hours, holidays or zone cannot be read (LoadConfig validates them first, so the daemon never does).
console::ConsoleSettings ConsoleSettingsFrom(const Config& config);
/// Problems with `[console]` that the key types cannot express (business hours, holidays, zone); empty: fine.
std::vector<std::string> ConsoleSettingsProblems(const Config& config);

class ConsoleService {
public:
    using StoreFactory = std::function<Result<std::unique_ptr<crm::Store>>()>;

    ConsoleService(console::ConsoleSettings settings, int workers, StoreFactory open_store,
                   const nlp::Analyzer& analyzer);
    ~ConsoleService();
    ConsoleService(const ConsoleService&) = delete;
    ConsoleService& operator=(const ConsoleService&) = delete;

    /// Routes /console and /api/v1 of `server` here (call before server.Listen()).
    void Register(HttpServer& server);
    void Start();
    /// Finishes the requests in hand, answers queued ones with 503, joins the threads.
    void Stop();

private:
    struct Job {
        HttpRequest request;
        std::function<void(HttpResponse)> reply;
    };
    void Work(std::size_t index);
    void RefreshDeadlines(crm::Store& store);

    console::ConsoleApp app_;
    int worker_count_;
    StoreFactory open_store_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
    std::string deadline_fingerprint_;
    std::chrono::steady_clock::time_point next_deadline_refresh_{};
};

}  // namespace carelisten::daemon
