#include <common/log.hpp>
#include <connectors/http/client.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <csignal>
#include <daemon/application.hpp>
#include <daemon/console_service.hpp>
#include <daemon/database_target.hpp>
#include <daemon/http_server.hpp>
#include <daemon/ingest.hpp>
#include <daemon/mail_acknowledger.hpp>
#include <daemon/metrics.hpp>
#include <daemon/reanalyze.hpp>
#include <daemon/sms_sender.hpp>
#include <daemon/status.hpp>
#include <daemon/survey_service.hpp>
#include <daemon/systemd_notify.hpp>
#include <daemon/wiring.hpp>
#include <fstream>
#include <iostream>
#include <nlp/analyzer.hpp>
#include <sstream>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "carelistend";
constexpr std::chrono::seconds kStatusInterval{5};
constexpr std::chrono::milliseconds kShutdownPoll{20};
// The ingest loop sleeps up to poll_interval_ms between turns, or retry_max_delay_ms after failures; a
// fetch may take a minute (HTTP timeouts). Beyond that plus this slack, the loop is considered hung.
constexpr std::chrono::seconds kAliveSlack{90};

double UnixNow() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Application::Application(std::string config_path)
    : config_path_(std::move(config_path)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_timer_(io_),
      status_timer_(io_),
      shutdown_timer_(io_) {}

Application::~Application() {
    StopAll();
}

void Application::StopAll() {
    while (!stop_stack_.empty()) {
        auto stop = std::move(stop_stack_.back());
        stop_stack_.pop_back();
        stop();
    }
}

int Application::Run() {
    try {
        config_ = LoadConfigFile(config_path_);
    } catch (const ConfigError& error) {
        for (const auto& problem : error.Problems()) {
            log::Error(kLogModule, problem);
        }
        return 2;
    }
    ApplyLogLevel(config_);
    log::Notice(kLogModule, "starting carelistend ", Version(), " (", LibraryVersions(), ")");

    try {
        Start();
    } catch (const std::exception& error) {
        log::Error(kLogModule, "start-up failed: ", error.what());
        StopAll();
        return 1;
    }
    systemd::NotifyReady(StatusLine());
    log::Notice(kLogModule, "ready");

    io_.run();
    StopAll();
    log::Notice(kLogModule, drained_ ? "stopped cleanly" : "stopped without finishing the in-flight transaction");
    return drained_ ? 0 : 1;
}

void Application::Start() {
    metrics_ = std::make_unique<Metrics>();

    systemd::NotifyStatus("starting: opening the database");
    database_ = std::make_unique<DatabaseTarget>(config_);
    database_->Open();
    stop_stack_.emplace_back([this] { database_->Close(); });

    auto migrated = crm::ApplyMigrations(database_->Conninfo(), database_->Password());
    if (!migrated) {
        throw std::runtime_error("database migrations: " + migrated.error().message());
    }
    for (const auto& name : migrated.value().applied) {
        log::Notice(kLogModule, "applied migration ", name);
    }
    log::Info(kLogModule, "database schema at version ", migrated.value().schema_version);
    int expected_schema = 0;
    for (const auto& migration : crm::EmbeddedMigrations()) {
        expected_schema = std::max(expected_schema, migration.version);
    }
    metrics_->expected_schema_version.store(expected_schema);
    metrics_->schema_version.store(migrated.value().schema_version);
    metrics_->database_ready.store(true);

    auto analyzer = nlp::Analyzer::Create(MakeAnalyzerOptions(config_));
    if (!analyzer) {
        throw std::runtime_error("analyzer models: " + analyzer.error().message());
    }
    analyzer_ = std::make_unique<nlp::Analyzer>(std::move(analyzer).value());
    log::Info(kLogModule, "analyzer ", analyzer_->Version());

    std::map<std::string, HttpHandler> routes;
    // Alive: the process answers and its ingest loop turns. Failing sources do not make it unhealthy
    // (restarting would not fix an upstream); they show in the body, /status and STATUS=.
    routes["/healthz"] = [this] {
        const auto status = CurrentStatus();
        std::ostringstream body;
        body << "{\"status\":\"" << (status.alive ? (status.ok ? "ok" : "degraded") : "hung")
             << "\",\"alive\":" << (status.alive ? "true" : "false") << ",\"sources\":{";
        bool first = true;
        for (const auto& source : status.sources) {
            body << (first ? "" : ",") << "\"" << source.name << "\":\"" << ToString(source.state) << "\"";
            first = false;
        }
        body << "}}\n";
        return HttpResponse{status.alive ? 200u : 503u, "application/json", body.str()};
    };
    // Ready: the database is reachable, the schema is at this binary's version, and not stopping.
    routes["/readyz"] = [this] {
        const auto status = CurrentStatus();
        const bool ready = IsReady(status);
        std::string body = ready ? "ready\n" : "not ready:";
        if (!ready) {
            body += status.database_ready ? "" : " database unreachable;";
            body += status.schema_version == status.expected_schema_version
                        ? ""
                        : " schema " + std::to_string(status.schema_version) + " (expected " +
                              std::to_string(status.expected_schema_version) + ");";
            body += status.stopping ? " stopping;" : "";
            body += "\n";
        }
        return HttpResponse{ready ? 200u : 503u, "text/plain; charset=utf-8", body};
    };
    routes["/status"] = [this] { return HttpResponse{200, "application/json", StatusJson(CurrentStatus())}; };
    routes["/metrics"] = [this] {
        RefreshUpstreamStats();
        return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_->RenderPrometheus()};
    };
    http_ = std::make_unique<HttpServer>(io_, std::move(routes));
    if (config_.console.GetBool("enabled")) {
        // The staff console and its API share the internal listener; their own threads do the database work.
        console_ = std::make_unique<ConsoleService>(
            ConsoleSettingsFrom(config_), static_cast<int>(config_.console.GetInt("workers")),
            [conninfo = database_->Conninfo(), password = database_->Password()]() {
                return crm::Store::Open(conninfo, password);
            },
            *analyzer_);
        console_->Register(*http_);
    }
    const auto endpoint = http_->Listen(config_.http.GetString("listen_address"),
                                        static_cast<unsigned short>(config_.http.GetInt("listen_port")));
    stop_stack_.emplace_back([this] { http_->Stop(); });
    const std::string address = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    log::Notice(kLogModule, "http listener on ", address, " (/healthz, /readyz, /status, /metrics",
                console_ ? ", /console/, /api/v1/)" : ")");
    if (console_) {
        console_->Start();
        stop_stack_.emplace_back([this] { console_->Stop(); });
    }
    std::ofstream(config_.daemon.GetString("state_dir") + "/http.address") << address << "\n";

    upstream_http_ = std::make_unique<connectors::http::Client>(fetch_loop_, MakeClientOptions(config_));
    stop_stack_.emplace_back([this] { upstream_http_.reset(); });  // after the worker stopped the fetch loop

    const std::string conninfo = database_->Conninfo();
    const std::string password = database_->Password();
    auto ingest_settings = MakeIngestSettings(config_);
    // Optional e-mail acknowledgements, sent on the store thread after each committed batch.
    if (std::shared_ptr<MailAcknowledger> acknowledger = MailAcknowledger::Create(config_.mail_acknowledgement)) {
        ingest_settings.after_commit = [acknowledger](crm::Store& store, const std::string& source,
                                                      const std::vector<connectors::RawItem>& items) {
            acknowledger->AfterCommit(store, source, items);
        };
        log::Notice(kLogModule, "e-mail acknowledgements on");
    }
    worker_ = std::make_unique<IngestWorker>(
        MakeConnectors(config_, connectors::ConnectorContext{.loop = &fetch_loop_, .http = upstream_http_.get()}),
        *analyzer_,
        [conninfo, password, metrics = metrics_.get()]() -> Result<std::unique_ptr<crm::Store>> {
            auto store = crm::Store::Open(conninfo, password);
            if (store) {
                store.value()->SetTransactionObserver(
                    [metrics](auto elapsed, bool committed) { metrics->ObserveTransaction(elapsed, committed); });
            }
            return store;
        },
        *metrics_, std::move(ingest_settings), fetch_loop_);
    worker_->Start();
    stop_stack_.emplace_back([this] {
        worker_->RequestStop();
        worker_->Join(std::chrono::milliseconds(config_.daemon.GetInt("stop_timeout_ms")));
    });
    if (SurveysEnabled(config_)) {
        surveys_ = std::make_unique<SurveyService>(
            config_, [conninfo, password]() { return crm::Store::Open(conninfo, password); }, analyzer_.get(),
            metrics_.get());
        surveys_->Start();
        stop_stack_.emplace_back([this] {
            surveys_->RequestStop();
            surveys_->Join();
        });
        if (!config_.webhooks.GetBool("enabled")) {
            log::Warning(kLogModule, "surveys: the web form needs [webhooks] enabled (the public listener)");
        }
        log::Notice(kLogModule, "follow-up surveys on");
    }
    StartWebhookListener();
    for (auto& options : MakeSmsSenderOptions(config_)) {
        sms_senders_.push_back(std::make_unique<SmsSender>(
            std::move(options), [conninfo, password]() { return crm::Store::Open(conninfo, password); }));
        sms_senders_.back()->Start();
    }
    stop_stack_.emplace_back([this] {
        for (auto& sender : sms_senders_) {
            sender->RequestStop();
        }
        sms_senders_.clear();  // joins: each stops between two sends
    });

    WaitForSignals();
    ScheduleWatchdog();
    ScheduleStatus();
}

void Application::StartWebhookListener() {
    if (!config_.webhooks.GetBool("enabled")) {
        return;
    }
    webhooks_ = std::make_unique<HttpServer>(io_, std::map<std::string, HttpHandler>{});
    webhooks_->SetBodyLimit(static_cast<std::size_t>(config_.webhooks.GetInt("max_body_bytes")));
    webhooks_->AddPrefixRoute("/webhooks/", [this](HttpRequest request, std::function<void(HttpResponse)> reply) {
        HandleWebhook(std::move(request), std::move(reply));
    });
    if (surveys_) {
        // The patients' questionnaire: /survey/<signed token> (GET shows it, POST records it once).
        webhooks_->AddPrefixRoute("/survey/", [this](HttpRequest request, std::function<void(HttpResponse)> reply) {
            if (stopping_) {
                reply({503, "text/plain; charset=utf-8", "stopping\n"});
                return;
            }
            surveys_->PostForm(std::move(request), std::move(reply));
        });
    }
    const auto endpoint = webhooks_->Listen(config_.webhooks.GetString("listen_address"),
                                            static_cast<unsigned short>(config_.webhooks.GetInt("listen_port")));
    stop_stack_.emplace_back([this] { webhooks_->Stop(); });
    const std::string address = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    log::Notice(kLogModule, "webhook listener on ", address, " (POST /webhooks/<source>)");
    std::ofstream(config_.daemon.GetString("state_dir") + "/webhooks.address") << address << "\n";
}

void Application::HandleWebhook(HttpRequest request, std::function<void(HttpResponse)> reply) {
    const std::string source = request.path.substr(std::string_view("/webhooks/").size());
    const connectors::Connector* connector = worker_ ? worker_->FindConnector(source) : nullptr;
    if (connector == nullptr || stopping_) {
        reply({stopping_ ? 503u : 404u, "text/plain; charset=utf-8", stopping_ ? "stopping\n" : "not found\n"});
        return;
    }
    connectors::WebhookRequest push;
    push.method = std::move(request.method);
    push.path = request.path;
    push.query = request.query;
    push.headers = std::move(request.headers);
    push.body = std::move(request.body);
    const auto& base = config_.webhooks.GetString("public_base_url");
    if (!base.empty()) {
        push.public_url = base + request.target;
    } else if (const auto* host = push.Header("host")) {
        push.public_url = "http://" + *host + request.target;
    }
    auto result = connector->HandleWebhook(push);
    auto* source_metrics = metrics_->FindSource(source);
    if (!result) {
        reply({404, "text/plain; charset=utf-8", "this source takes no webhooks\n"});
        return;
    }
    if (result->status != 200) {
        if (source_metrics != nullptr) {
            source_metrics->webhooks_rejected.fetch_add(1);
        }
        std::uint64_t count = 0;
        if (webhook_rejections_.ShouldLog(count)) {
            log::Warning(kLogModule, "source ", source, ": webhook refused with ", result->status, " (", result->detail,
                         "), refusal #", count);
        }
        reply({result->status, result->response_content_type,
               result->response_body.empty() ? result->detail + "\n" : result->response_body});
        return;
    }
    if (source_metrics != nullptr) {
        source_metrics->webhooks_accepted.fetch_add(1);
    }
    connectors::Batch batch;
    batch.items = std::move(result->items);
    batch.bad_records = std::move(result->bad_records);
    batch.delivery_updates = std::move(result->delivery_updates);
    worker_->StorePushed(source, std::move(batch),
                         [reply = std::move(reply), body = std::move(result->response_body),
                          content_type = std::move(result->response_content_type)](bool stored) {
                             // 200 only after the commit: an upstream that gets anything else re-delivers, and
                             // re-delivery is a no-op.
                             reply(stored ? HttpResponse{200, content_type, body.empty() ? "ok\n" : body}
                                          : HttpResponse{503, "text/plain; charset=utf-8", "not stored; retry\n"});
                         });
}

void Application::WaitForSignals() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
        if (ec) {
            return;
        }
        OnSignal(signal_number);
        WaitForSignals();
    });
}

void Application::OnSignal(int signal_number) {
    if (signal_number == SIGHUP) {
        Reload();
        return;
    }
    if (stopping_) {
        log::Warning(kLogModule, "second stop signal: exiting now");
        std::_Exit(1);
    }
    log::Notice(kLogModule, signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                ": stopping after the in-flight transaction");
    BeginShutdown();
}

void Application::BeginShutdown() {
    stopping_ = true;
    systemd::NotifyStopping();
    http_->Stop();
    if (webhooks_) {
        webhooks_->Stop();
    }
    worker_->RequestStop();
    shutdown_deadline_ =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.daemon.GetInt("stop_timeout_ms"));
    PollShutdown();
}

void Application::PollShutdown() {
    if (worker_->Finished()) {
        drained_ = true;
        io_.stop();
        return;
    }
    if (std::chrono::steady_clock::now() >= shutdown_deadline_) {
        log::Error(kLogModule, "stop timeout reached with a transaction still in flight; it will be rolled back");
        std::_Exit(1);
    }
    shutdown_timer_.expires_after(kShutdownPoll);
    shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            PollShutdown();
        }
    });
}

void Application::Reload() {
    systemd::NotifyReloading();
    try {
        Config next = LoadConfigFile(config_path_);
        const auto plan = PlanReload(config_, next);
        for (const auto& key : plan.changed_restart_only) {
            log::Warning(kLogModule, "reload: '", key, "' changed but takes effect only after a restart");
        }
        for (const auto& key : plan.changed_reloadable) {
            log::Notice(kLogModule, "reload: applying '", key, "'");
        }
        ApplyLogLevel(next);
        worker_->UpdateSettings(MakeIngestSettings(next));
        config_.daemon = next.daemon;
        config_.analysis = next.analysis;
        config_.cases = next.cases;
        for (auto& source : config_.sources) {
            for (const auto& updated : next.sources) {
                if (updated.name == source.name && updated.type == source.type) {
                    source.common = updated.common;
                }
            }
        }
        metrics_->reloads.fetch_add(1);
        log::Notice(kLogModule, "configuration reloaded");
    } catch (const ConfigError& error) {
        metrics_->reload_failures.fetch_add(1);
        for (const auto& problem : error.Problems()) {
            log::Error(kLogModule, "reload refused: ", problem);
        }
        log::Error(kLogModule, "reload refused: keeping the running configuration");
    }
    systemd::NotifyReady(StatusLine());
}

void Application::ScheduleWatchdog() {
    const auto interval = systemd::WatchdogInterval();
    if (!interval) {
        return;
    }
    watchdog_timer_.expires_after(*interval / 2);
    watchdog_timer_.async_wait([this, interval](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        // Ping only while the working loop turns: a hung ingest thread must get the service restarted.
        if (std::chrono::steady_clock::now() - worker_->LastHeartbeat() < *interval) {
            systemd::NotifyWatchdog();
        } else {
            log::Error(kLogModule, "ingest loop has not turned within the watchdog interval");
        }
        ScheduleWatchdog();
    });
}

void Application::RefreshUpstreamStats() {
    if (!upstream_http_) {
        return;
    }
    // Client::Stats() takes the runtime's own lock, so the HTTP thread may copy it while the fetch loop runs.
    auto stats = upstream_http_->Stats();
    metrics_->SetUpstreamHttp({.requests = stats.requests,
                               .transport_errors = stats.transport_errors,
                               .rate_limit_waits = stats.rate_limit_waits,
                               .responses_by_status = std::move(stats.responses_by_status)});
}

void Application::ScheduleStatus() {
    metrics_->SampleActivity(UnixNow());
    RefreshUpstreamStats();
    status_timer_.expires_after(kStatusInterval);
    status_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        const auto status = CurrentStatus();
        for (const auto& source : status.sources) {
            // Only registered sources are in the status, so Source() finds and never inserts here.
            metrics_->Source(source.name).stale.store(source.state == SourceState::kStale);
        }
        systemd::NotifyStatus(StatusSummary(status));
        ScheduleStatus();
    });
}

DaemonStatus Application::CurrentStatus() const {
    const auto loop_age = std::chrono::steady_clock::now() - worker_->LastHeartbeat();
    const auto patience = std::chrono::milliseconds(std::max(config_.daemon.GetInt("poll_interval_ms"),
                                                             config_.daemon.GetInt("retry_max_delay_ms"))) +
                          kAliveSlack;
    const bool alive = worker_->Finished() ? stopping_ : loop_age < patience;
    return BuildStatus(*metrics_, MakeSourceExpectations(config_), UnixNow(), alive, stopping_);
}

std::string Application::StatusLine() const {
    return StatusSummary(CurrentStatus());
}

}  // namespace carelisten::daemon
