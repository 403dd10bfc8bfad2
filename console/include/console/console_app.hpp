/// @file
/// @brief The staff console and its JSON API as one request -> response function over a crm::Store.
///
/// Pages (`/console/...`) are server-rendered HTML that works without JavaScript, under a strict
/// Content-Security-Policy; the API (`/api/v1/...`) mirrors them as JSON with bearer tokens. Sessions live in the
/// database (crm V008), so any replica can serve any request. Thread-safety: Handle() is const and may run on
/// several threads at once, each with its own Store.
#pragma once

#include <chrono>
#include <console/business_calendar.hpp>
#include <console/passwords.hpp>
#include <crm/console_repository.hpp>
#include <crm/store.hpp>
#include <functional>
#include <map>
#include <nlp/analyzer.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace carelisten::console {

struct ConsoleRequest {
    std::string method;
    std::string path;
    std::string query;                                         ///< without '?'
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    std::string remote_address;
};

struct ConsoleResponse {
    unsigned status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// How long the first response to a case may take, per urgency, and whether the clock runs around the clock
/// or only in business hours.
struct ResponseTarget {
    std::chrono::minutes duration{24 * 60};
    bool business_hours = true;
};

struct ConsoleSettings {
    std::chrono::seconds idle_timeout{15 * 60};
    std::chrono::seconds session_lifetime{12 * 3600};
    int max_failed_logins = 5;
    std::chrono::seconds lockout{15 * 60};
    /// Session cookies carry Secure (browsers keep them on https:// and on http://localhost only).
    bool secure_cookies = true;
    /// The hospital's zone: days on the dashboard, times on pages.
    std::string time_zone = "UTC";
    BusinessCalendar calendar;
    std::map<std::string, ResponseTarget> targets = {
        {"critical", {std::chrono::minutes(4 * 60), false}},
        {"high", {std::chrono::minutes(24 * 60), true}},
        {"low", {std::chrono::minutes(72 * 60), true}},
        {"none", {std::chrono::minutes(120 * 60), true}},
    };
    std::size_t export_max_rows = 100'000;
    PasswordCost password_cost = InteractiveCost();
    /// Shown in the page header, e.g. the hospital's name.
    std::string site_name = "carelisten";
};

/// When the first response to a case is due under `settings` (the deadline rule of crm::RefreshDeadlines).
std::chrono::system_clock::time_point CaseDueTime(const ConsoleSettings& settings, const std::string& urgency,
                                                  std::chrono::system_clock::time_point opened_at);
/// A fingerprint of everything CaseDueTime depends on: a change recomputes stored deadlines.
std::string DeadlineFingerprint(const ConsoleSettings& settings);

class ConsoleApp {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    /// `analyzer`: re-reads stored messages for the evidence behind each flag and the personal data spans to
    /// redact (nlp is deterministic and pure). It must outlive the app.
    ConsoleApp(ConsoleSettings settings, const nlp::Analyzer& analyzer, Clock clock = {});

    /// True for the paths this app serves (/console/..., /api/v1/...).
    static bool Serves(const std::string& path);

    ConsoleResponse Handle(crm::Store& store, const ConsoleRequest& request) const;

    const ConsoleSettings& Settings() const { return settings_; }

private:
    ConsoleSettings settings_;
    const nlp::Analyzer& analyzer_;
    Clock clock_;
};

}  // namespace carelisten::console
