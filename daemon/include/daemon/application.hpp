/// @file
/// @brief carelistend's Application: builds every service in order, runs the event loop, and stops
/// the services in reverse order.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <common/log.hpp>
#include <daemon/config.hpp>
#include <daemon/http_server.hpp>
#include <daemon/status.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::nlp {
class Analyzer;
}

namespace carelisten::connectors::http {
class Client;
}

namespace carelisten::daemon {

class DatabaseTarget;
class HttpServer;
class IngestWorker;
class SmsSender;
class SurveyService;
class ConsoleService;
class Metrics;

/// Phases: load config -> construct and start services (each pushes its stop onto a LIFO stack) ->
/// READY=1 -> run the Asio loop (signals, HTTP, watchdog) -> stop everything in reverse.
/// Signals are handled inside the loop: SIGTERM/SIGINT drain (the in-flight transaction finishes),
/// a second one exits at once; SIGHUP reloads (an invalid new file keeps the old configuration).
/// Thread-safety: Run() is called once, from main.
class Application {
public:
    explicit Application(std::string config_path);
    ~Application();

    /// Returns the process exit status.
    int Run();

private:
    void Start();
    void StopAll();
    void WaitForSignals();
    void OnSignal(int signal_number);
    void Reload();
    void BeginShutdown();
    void PollShutdown();
    void ScheduleWatchdog();
    void ScheduleStatus();
    std::string StatusLine() const;
    DaemonStatus CurrentStatus() const;
    void RefreshUpstreamStats();
    void StartWebhookListener();
    void HandleWebhook(HttpRequest request, std::function<void(HttpResponse)> reply);

    std::string config_path_;
    Config config_;
    boost::asio::io_context io_;
    /// The fetch loop: network connectors and the HTTP runtime run here, on the ingest worker's loop thread.
    boost::asio::io_context fetch_loop_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer watchdog_timer_;
    boost::asio::steady_timer status_timer_;
    boost::asio::steady_timer shutdown_timer_;

    std::unique_ptr<Metrics> metrics_;
    std::unique_ptr<DatabaseTarget> database_;
    std::unique_ptr<nlp::Analyzer> analyzer_;
    std::unique_ptr<IngestWorker> worker_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<HttpServer> webhooks_;
    std::unique_ptr<ConsoleService> console_;  ///< on http_; stopped before it
    std::unique_ptr<connectors::http::Client> upstream_http_;
    std::vector<std::unique_ptr<SmsSender>> sms_senders_;  ///< one per twilio_sms source: the outbox
    std::unique_ptr<SurveyService> surveys_;               ///< follow-up surveys, HL7 and the web form
    log::RepeatLimiter webhook_rejections_;
    std::vector<std::function<void()>> stop_stack_;

    bool stopping_ = false;
    bool drained_ = false;
    std::chrono::steady_clock::time_point shutdown_deadline_;
};

}  // namespace carelisten::daemon
