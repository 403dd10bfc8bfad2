#include <common/log.hpp>
#include <console/business_calendar.hpp>
#include <crm/console_repository.hpp>
#include <daemon/config.hpp>
#include <daemon/console_service.hpp>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "console";
/// Requests waiting beyond this many are refused with 503 at once rather than queued for seconds.
constexpr std::size_t kMaxQueuedRequests = 512;
constexpr std::chrono::seconds kDeadlineRefreshInterval{30};
/// Forms and API bodies: notes and responses are text, so this is generous.
constexpr std::size_t kConsoleBodyLimit = 256 * 1024;

const SettingSpec kSpecs[] = {
    SettingSpec{.key = "enabled",
                .type = SettingType::kBool,
                .default_value = true,
                .description = "Serve the staff console (/console/) and its API (/api/v1/) on the internal listener "
                               "([http]). Users come from `carelisten users add`."},
    SettingSpec{.key = "workers",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{4},
                .description = "Threads (each with its own database connection) that answer console and API requests.",
                .min = 1,
                .max = 64},
    SettingSpec{.key = "site_name",
                .type = SettingType::kString,
                .default_value = std::string("carelisten"),
                .description = "Shown in the page header and titles, e.g. the hospital's name.",
                .reloadable = false},
    SettingSpec{.key = "time_zone",
                .type = SettingType::kString,
                .default_value = std::string("UTC"),
                .description = "The hospital's IANA time zone: times on pages, the dashboard's days, business hours."},
    SettingSpec{.key = "business_hours",
                .type = SettingType::kString,
                .default_value = std::string("mon-fri 08:00-18:00"),
                .description = "When patient relations works, for response deadlines: days and hours, e.g. "
                               "\"mon-fri 08:00-18:00; sat 09:00-13:00\". Empty: around the clock."},
    SettingSpec{.key = "holidays",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Local dates (YYYY-MM-DD) without business hours."},
    SettingSpec{.key = "round_the_clock_urgencies",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{"critical"},
                .description = "Urgencies whose response target counts every hour, not only business hours "
                               "(self-harm, abuse and clinical red flags cannot wait for Monday)."},
    SettingSpec{.key = "idle_timeout_minutes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{15},
                .description = "A session with no request for this long ends.",
                .min = 1,
                .max = 24 * 60},
    SettingSpec{.key = "session_hours",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{12},
                .description = "A session ends this long after login, however active.",
                .min = 1,
                .max = 7 * 24},
    SettingSpec{.key = "max_failed_logins",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{5},
                .description = "Failed logins in a row that lock an account.",
                .min = 1,
                .max = 100},
    SettingSpec{.key = "lockout_minutes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{15},
                .description = "How long a locked account refuses logins (`carelisten users reset` unlocks it).",
                .min = 1,
                .max = 24 * 60},
    SettingSpec{.key = "secure_cookies",
                .type = SettingType::kBool,
                .default_value = true,
                .description = "Session cookies carry Secure: browsers send them over https:// and to localhost "
                               "only. Serve the console through TLS (a reverse proxy) off the machine."},
    SettingSpec{.key = "export_max_rows",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{100'000},
                .description = "Most messages in one CSV export.",
                .min = 1,
                .max = 10'000'000},
};

const SettingsTable kTable{"console", kSpecs};

std::optional<console::BusinessCalendar> CalendarOf(const Config& config, std::string* error) {
    return console::ParseBusinessCalendar(config.console.GetString("business_hours"),
                                          config.console.GetStringList("holidays"),
                                          config.console.GetString("time_zone"), error);
}

}  // namespace

const SettingsTable& ConsoleSettingsTable() {
    return kTable;
}

std::vector<std::string> ConsoleSettingsProblems(const Config& config) {
    std::vector<std::string> problems;
    std::string error;
    if (!CalendarOf(config, &error)) {
        problems.push_back("console: " + error);
    }
    for (const auto& urgency : config.console.GetStringList("round_the_clock_urgencies")) {
        if (urgency != "critical" && urgency != "high" && urgency != "low" && urgency != "none") {
            problems.push_back("console.round_the_clock_urgencies: unknown urgency '" + urgency +
                               "' (critical, high, low, none)");
        }
    }
    return problems;
}

console::ConsoleSettings ConsoleSettingsFrom(const Config& config) {
    console::ConsoleSettings settings;
    std::string error;
    auto calendar = CalendarOf(config, &error);
    if (!calendar) {
        throw ConfigError({"console: " + error});
    }
    settings.calendar = std::move(*calendar);
    settings.time_zone = config.console.GetString("time_zone");
    settings.site_name = config.console.GetString("site_name");
    settings.idle_timeout = std::chrono::minutes(config.console.GetInt("idle_timeout_minutes"));
    settings.session_lifetime = std::chrono::hours(config.console.GetInt("session_hours"));
    settings.max_failed_logins = static_cast<int>(config.console.GetInt("max_failed_logins"));
    settings.lockout = std::chrono::minutes(config.console.GetInt("lockout_minutes"));
    settings.secure_cookies = config.console.GetBool("secure_cookies");
    settings.export_max_rows = static_cast<std::size_t>(config.console.GetInt("export_max_rows"));
    const auto& round_the_clock = config.console.GetStringList("round_the_clock_urgencies");
    for (const char* urgency : {"critical", "high", "low", "none"}) {
        settings.targets[urgency] = console::ResponseTarget{
            std::chrono::hours(config.cases.GetInt(std::string("response_target_hours_") + urgency)),
            std::find(round_the_clock.begin(), round_the_clock.end(), urgency) == round_the_clock.end()};
    }
    return settings;
}

ConsoleService::ConsoleService(console::ConsoleSettings settings, int workers, StoreFactory open_store,
                               const nlp::Analyzer& analyzer)
    : app_(std::move(settings), analyzer),
      worker_count_(workers),
      open_store_(std::move(open_store)),
      deadline_fingerprint_(console::DeadlineFingerprint(app_.Settings())) {}

ConsoleService::~ConsoleService() {
    Stop();
}

void ConsoleService::Register(HttpServer& server) {
    server.SetBodyLimit(kConsoleBodyLimit);
    const auto enqueue = [this](HttpRequest request, std::function<void(HttpResponse)> reply) {
        {
            std::lock_guard lock(mutex_);
            if (!stopping_ && jobs_.size() < kMaxQueuedRequests) {
                jobs_.push_back({std::move(request), std::move(reply)});
                wake_.notify_one();
                return;
            }
        }
        reply(HttpResponse{
            503, "text/plain; charset=utf-8", "the console is busy or stopping; try again\n", {{"Retry-After", "2"}}});
    };
    server.AddPrefixRoute("/console", enqueue);
    server.AddPrefixRoute("/api/v1", enqueue);
}

void ConsoleService::Start() {
    for (int i = 0; i < worker_count_; ++i) {
        workers_.emplace_back([this, i] { Work(static_cast<std::size_t>(i)); });
    }
}

void ConsoleService::Stop() {
    std::deque<Job> refused;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) {
            return;
        }
        stopping_ = true;
        refused.swap(jobs_);
        wake_.notify_all();
    }
    for (auto& job : refused) {
        job.reply(HttpResponse{503, "text/plain; charset=utf-8", "stopping\n"});
    }
    for (auto& worker : workers_) {
        worker.join();
    }
    workers_.clear();
}

void ConsoleService::RefreshDeadlines(crm::Store& store) {
    crm::ConsoleRepository repository(store);
    const console::ConsoleSettings& settings = app_.Settings();
    for (int round = 0; round < 100; ++round) {  // at most 100 000 cases per pass; the next pass continues
        const auto updated = repository.RefreshDeadlines(
            deadline_fingerprint_,
            [&settings](const std::string& urgency, crm::Timestamp opened) {
                return console::CaseDueTime(settings, urgency, opened);
            },
            1000);
        if (!updated || updated.value() < 1000) {
            return;
        }
    }
}

void ConsoleService::Work(std::size_t index) {
    std::unique_ptr<crm::Store> store;
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) {
                return;
            }
            if (!jobs_.empty()) {
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
        }
        if (!store) {
            auto opened = open_store_();
            if (opened) {
                store = std::move(opened.value());
            }
        }
        // The first worker keeps response deadlines current (new cases, changed urgencies or settings).
        if (index == 0 && store && std::chrono::steady_clock::now() >= next_deadline_refresh_) {
            next_deadline_refresh_ = std::chrono::steady_clock::now() + kDeadlineRefreshInterval;
            RefreshDeadlines(*store);
        }
        if (!job.reply) {
            continue;
        }
        if (!store) {
            job.reply(HttpResponse{503,
                                   "text/plain; charset=utf-8",
                                   "the database is not reachable; try again\n",
                                   {{"Retry-After", "5"}}});
            continue;
        }
        console::ConsoleRequest request{.method = std::move(job.request.method),
                                        .path = std::move(job.request.path),
                                        .query = std::move(job.request.query),
                                        .headers = std::move(job.request.headers),
                                        .body = std::move(job.request.body),
                                        .remote_address = std::move(job.request.remote_address)};
        console::ConsoleResponse response;
        try {
            response = app_.Handle(*store, request);
        } catch (const std::exception& e) {
            // A bug, not the request's fault: answer 500 and keep serving. The message names no patient data
            // (handlers throw only on programming errors).
            log::Error(kLogModule, "console request failed: ", e.what());
            response = {500, "text/plain; charset=utf-8", "internal error\n", {}};
        }
        job.reply(HttpResponse{response.status, std::move(response.content_type), std::move(response.body),
                               std::move(response.headers)});
    }
}

}  // namespace carelisten::daemon
