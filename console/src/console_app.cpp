// Routing, authentication and the case actions. Pages authenticate with a session cookie and check a CSRF token
// on every POST; the API authenticates with a bearer token only (no cookie is ever read for /api/v1, so a
// browser cannot be tricked into calling it). Every answer carries the security headers in SecureHeaders().
#include <algorithm>
#include <console/console_app.hpp>
#include <console/csv.hpp>
#include <console/tokens.hpp>
#include <crm/errc.hpp>
#include <variant>

#include "console_context.hpp"

namespace carelisten::console {

using detail::Context;
using detail::Error;
using detail::Fields;

namespace {

constexpr const char* kSessionCookie = "carelisten_session";
constexpr const char* kLoginCookie = "carelisten_login";
constexpr std::string_view kCsrfPurpose = "console-form";

const char* const kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

void SecureHeaders(ConsoleResponse& response) {
    response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("X-Frame-Options", "DENY");
    // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the console's own form
    // posts, which SameOrigin() must refuse. Other sites still get no referrer (a case URL names a case number).
    response.headers.emplace_back("Referrer-Policy", "same-origin");
    response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

std::string CookieAttributes(const ConsoleSettings& settings) {
    return std::string("; Path=/; HttpOnly; SameSite=Strict") + (settings.secure_cookies ? "; Secure" : "");
}

/// Splits "/console/cases/12/assign" after the prefix into {"cases", "12", "assign"}.
std::vector<std::string> PathParts(std::string_view path, std::string_view prefix) {
    std::vector<std::string> parts;
    path.remove_prefix(std::min(prefix.size(), path.size()));
    while (!path.empty()) {
        const auto slash = path.find('/');
        if (slash != 0) {
            parts.emplace_back(path.substr(0, slash));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return parts;
}

std::optional<std::int64_t> ParseId(const std::string& text) {
    if (text.empty() || text.size() > 18 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    return std::stoll(text);
}

crm::Viewer ViewerOf(const crm::ConsoleUser& user, const std::string& remote_address) {
    return {.user_id = user.id,
            .actor = user.username,
            .role = user.role,
            .physician_id = user.physician_id,
            .care_unit = user.care_unit,
            .remote_address = remote_address};
}

/// A cross-site form post is refused even before the CSRF token: when the browser names the origin, it must be
/// this host.
bool SameOrigin(const ConsoleRequest& request) {
    const std::string origin = detail::Header(request, "origin");
    if (origin.empty() || origin == "null") {
        return origin.empty();
    }
    const std::string host = detail::Header(request, "host");
    return origin == "http://" + host || origin == "https://" + host;
}

// ---- login -------------------------------------------------------------------------------------------------------

ConsoleResponse LoginPage(const ConsoleSettings& settings, const std::string& message, unsigned status = 200) {
    // Login CSRF: a random value in a cookie and in the form; a cross-site page can set neither.
    const std::string token = RandomToken(24);
    ConsoleResponse response = detail::Html(status, detail::RenderLogin(settings.site_name, token, message));
    response.headers.emplace_back(
        "Set-Cookie", std::string(kLoginCookie) + "=" + token + CookieAttributes(settings) + "; Max-Age=3600");
    return response;
}

ConsoleResponse HandleLogin(Context& context) {
    const ConsoleSettings& settings = context.settings;
    const auto form = detail::ParseUrlEncoded(context.request.body);
    const std::string cookie = detail::Cookie(context.request, kLoginCookie);
    if (!form || cookie.empty() || !ConstantTimeEquals(Fields(*form).Get("csrf"), cookie) ||
        !SameOrigin(context.request)) {
        return LoginPage(settings, "The login form expired. Please try again.", 400);
    }
    const Fields fields(*form);
    const std::string username = fields.Get("username");
    const std::string password = fields.Get("password");
    const auto user = context.repository.FindUser(username);
    if (!user) {
        return Error(context, 503, "The database is not available just now; try again in a moment.");
    }
    const bool locked = user.value() && user.value()->locked_until && *user.value()->locked_until > context.now;
    const bool valid =
        user.value() && !user.value()->disabled && !locked && VerifyPassword(password, user.value()->password_hash);
    if (!valid) {
        if (!user.value()) {
            // Spend the same time as a real check, so response times do not reveal which usernames exist.
            static const std::string kDummyHash = HashPassword("not a real password", settings.password_cost);
            VerifyPassword(password, kDummyHash);
        }
        (void)context.repository.RecordLoginFailure(username.substr(0, 64), settings.max_failed_logins,
                                                    settings.lockout, context.now, context.request.remote_address);
        return LoginPage(settings,
                         "The username or password is wrong, or the account is locked after repeated failed "
                         "attempts. Try again later, or ask an administrator.",
                         401);
    }
    const std::string token = RandomToken(32);
    const auto session =
        context.repository.CreateSession(user.value()->id, TokenDigest(token), RandomToken(32), context.now,
                                         context.now + settings.session_lifetime, context.request.remote_address);
    if (!session) {
        return detail::RepositoryError(context, session.error());
    }
    ConsoleResponse response =
        detail::Redirect(user.value()->role == crm::kRolePhysician ? "/console/physician" : "/console/queue");
    response.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + token + CookieAttributes(settings));
    response.headers.emplace_back("Set-Cookie",
                                  std::string(kLoginCookie) + "=" + CookieAttributes(settings) + "; Max-Age=0");
    return response;
}

// ---- case actions (pages and API share them) ------------------------------------------------------------------

/// Runs one case action from form or JSON fields; returns the notice to show, or an error response.
std::variant<std::string, ConsoleResponse> CaseAction(Context& context, std::int64_t case_id, const std::string& action,
                                                      const Fields& fields) {
    if (!detail::MayActOnCases(context.viewer.role)) {
        return Error(context, 403, "Your role may read cases but not change them.");
    }
    const auto limit = [&](const std::string& text, std::size_t max,
                           const char* what) -> std::optional<ConsoleResponse> {
        if (text.size() > max) {
            return Error(context, 400, std::string(what) + " is too long (at most " + std::to_string(max) + " bytes).");
        }
        return std::nullopt;
    };
    Result<void> done = outcome::success();
    std::string notice;
    if (action == "assign") {
        const std::string user = fields.Get("user");
        const std::string unit = fields.Get("unit");
        if (auto bad = limit(unit, 100, "The unit")) {
            return *bad;
        }
        done = context.repository.AssignCase(context.viewer, case_id, user, unit);
        notice = "Assigned.";
        if (!done && done.error() == crm::CrmErrc::kNotFound && !user.empty()) {
            // Either the case or the user is unknown; say which when the case is visible.
            if (context.repository.GetCase(context.viewer, case_id)) {
                return Error(context, 400, "There is no active user with that username.");
            }
        }
    } else if (action == "note") {
        const std::string body = fields.Get("body");
        if (body.empty()) {
            return Error(context, 400, "A note needs some text.");
        }
        if (auto bad = limit(body, 20000, "The note")) {
            return *bad;
        }
        done = context.repository.AddNote(context.viewer, case_id, body);
        notice = "Note added.";
    } else if (action == "response") {
        const std::string channel = fields.Get("channel");
        if (std::find(detail::kResponseChannels.begin(), detail::kResponseChannels.end(), channel) ==
            detail::kResponseChannels.end()) {
            return Error(context, 400, "Choose the channel the response went through.");
        }
        if (auto bad = limit(fields.Get("body"), 20000, "The response")) {
            return *bad;
        }
        done = context.repository.RecordResponse(context.viewer, case_id, channel, fields.Get("body"));
        notice = "Response recorded.";
    } else if (action == "correct") {
        std::optional<std::vector<std::string>> categories;
        if (fields.Has("category") || fields.Has("category[]") || fields.Has("csrf")) {
            // A form always corrects the categories (an empty set of boxes means "none applies").
            categories = fields.All("category");
            for (const auto& category : *categories) {
                if (std::find(detail::kHcatCategories.begin(), detail::kHcatCategories.end(), category) ==
                        detail::kHcatCategories.end() &&
                    std::find(detail::kRoutingTags.begin(), detail::kRoutingTags.end(), category) ==
                        detail::kRoutingTags.end()) {
                    return Error(context, 400, "Unknown category '" + category + "'.");
                }
            }
        }
        std::optional<std::string> sentiment = fields.Optional("sentiment");
        if (sentiment && *sentiment != "positive" && *sentiment != "neutral" && *sentiment != "negative") {
            return Error(context, 400, "Sentiment is positive, neutral or negative.");
        }
        if (!categories && !sentiment) {
            return Error(context, 400, "Nothing to correct: give categories or a sentiment.");
        }
        done = context.repository.CorrectCase(context.viewer, case_id, categories, sentiment);
        notice = "Correction saved; it is kept as a labelled example for retraining.";
    } else if (action == "merge") {
        const auto into = ParseId(fields.Get("into"));
        if (!into) {
            return Error(context, 400, "Give the number of the case to merge into.");
        }
        done = context.repository.MergeCases(context.viewer, case_id, *into);
        notice = "Merged into case #" + std::to_string(*into) + ".";
    } else if (action == "resolve") {
        const std::string outcome_name = fields.Get("outcome");
        if (std::find(detail::kOutcomes.begin(), detail::kOutcomes.end(), outcome_name) == detail::kOutcomes.end()) {
            return Error(context, 400, "Choose an outcome.");
        }
        if (auto bad = limit(fields.Get("note"), 20000, "The note")) {
            return *bad;
        }
        done = context.repository.ResolveCase(context.viewer, case_id, outcome_name, fields.Get("note"));
        notice = "Resolved.";
    } else if (action == "reopen") {
        if (auto bad = limit(fields.Get("reason"), 20000, "The reason")) {
            return *bad;
        }
        done = context.repository.ReopenCase(context.viewer, case_id, fields.Get("reason"));
        notice = "Reopened.";
    } else {
        return Error(context, 404, "No such action.");
    }
    if (!done) {
        return detail::RepositoryError(context, done.error());
    }
    return notice;
}

const std::map<std::string, std::string> kNotices = {
    {"assign", "Assigned."},
    {"note", "Note added."},
    {"response", "Response recorded."},
    {"correct", "Correction saved; it is kept as a labelled example for retraining."},
    {"merge", "Merged."},
    {"resolve", "Resolved."},
    {"reopen", "Reopened."}};

// ---- the read handlers (pages and API) ---------------------------------------------------------------------------

ConsoleResponse Queue(Context& context) {
    if (!detail::MayReadCases(context.viewer.role)) {
        return Error(context, 403, "Your role has no case queue.");
    }
    std::string problem;
    const auto query = detail::ReadCaseQuery(context, &problem);
    if (!query) {
        return Error(context, 400, problem);
    }
    const auto page = context.repository.ListCases(context.viewer, *query, context.now);
    if (!page) {
        return detail::RepositoryError(context, page.error());
    }
    if (context.api) {
        return detail::Json(200, detail::QueueJson(context, page.value()));
    }
    return detail::Html(
        200, detail::RenderLayout(context, "Queue", "queue", detail::RenderQueue(context, *query, page.value())));
}

ConsoleResponse CaseRead(Context& context, std::int64_t case_id, const std::string& notice) {
    if (!detail::MayReadCases(context.viewer.role)) {
        return Error(context, 403, "Your role cannot read cases.");
    }
    const auto detail = context.repository.GetCase(context.viewer, case_id);
    if (!detail) {
        return detail::RepositoryError(context, detail.error());
    }
    if (context.api) {
        return detail::Json(200, detail::CaseJson(context, detail.value()));
    }
    return detail::Html(200, detail::RenderLayout(context, "Case #" + std::to_string(case_id), "queue",
                                                  detail::RenderCase(context, detail.value(), notice)));
}

ConsoleResponse Dashboard(Context& context) {
    if (!detail::MayViewDashboard(context.viewer.role)) {
        return Error(context, 403, "Your role has no dashboard.");
    }
    int days = 30;
    if (const std::string text = context.query.Get("days"); !text.empty()) {
        const auto parsed = ParseId(text);
        if (!parsed || *parsed < 7 || *parsed > 366) {
            return Error(context, 400, "days must be between 7 and 366.");
        }
        days = static_cast<int>(*parsed);
    }
    const auto today = detail::LocalDayStart(context.now, context.settings.time_zone);
    const auto data = context.repository.Dashboard(context.viewer, today, days);
    if (!data) {
        return detail::RepositoryError(context, data.error());
    }
    if (context.api) {
        return detail::Json(200, detail::DashboardJson(context, data.value()));
    }
    return detail::Html(
        200, detail::RenderLayout(context, "Dashboard", "dashboard", detail::RenderDashboard(context, data.value())));
}

ConsoleResponse Export(Context& context) {
    if (!detail::MayViewDashboard(context.viewer.role)) {
        return Error(context, 403, "Your role cannot export cases.");
    }
    const bool deidentified =
        context.query.Get("deidentified") == "1" || !detail::SeesPersonalData(context.viewer.role);
    std::string problem;
    auto query = detail::ReadCaseQuery(context, &problem);
    if (!query) {
        return Error(context, 400, problem);
    }
    const auto rows = context.repository.Export(context.viewer, *query, deidentified, context.settings.export_max_rows);
    if (!rows) {
        return detail::RepositoryError(context, rows.error());
    }
    return detail::Csv(detail::ExportCsv(context, rows.value(), deidentified),
                       deidentified ? "carelisten-cases-deidentified.csv" : "carelisten-cases.csv");
}

ConsoleResponse PhysicianSummary(Context& context) {
    if (context.viewer.role != crm::kRolePhysician) {
        return Error(context, 403, "The follow-up summary is for physicians.");
    }
    int days = 30;
    if (const std::string text = context.query.Get("days"); !text.empty()) {
        const auto parsed = ParseId(text);
        if (!parsed || *parsed < 1 || *parsed > 366) {
            return Error(context, 400, "days must be between 1 and 366.");
        }
        days = static_cast<int>(*parsed);
    }
    (void)context.repository.Audit(context.viewer, {"view_summary", "physician", context.viewer.physician_id, "{}"});
    crm::SurveyRepository surveys(context.store);
    const auto summary =
        surveys.PhysicianSummary(context.viewer.physician_id, context.now - std::chrono::hours(24) * days, context.now);
    if (!summary) {
        return detail::RepositoryError(context, summary.error());
    }
    if (context.api) {
        return detail::Json(200, detail::PhysicianSummaryJson(summary.value()));
    }
    return detail::Html(200, detail::RenderLayout(context, "Follow-up summary", "physician",
                                                  detail::RenderPhysicianSummary(context, summary.value(), days)));
}

ConsoleResponse PhysicianSurvey(Context& context, std::int64_t survey_id) {
    if (context.viewer.role != crm::kRolePhysician) {
        return Error(context, 403, "Survey answers are for the patient's physician.");
    }
    const auto view = context.repository.PhysicianSurvey(context.viewer, survey_id);
    if (!view) {
        return detail::RepositoryError(context, view.error());
    }
    if (!view.value()) {
        return Error(context, 404, "Not found, or not your patient.");
    }
    if (context.api) {
        return detail::Json(200, detail::PhysicianSurveyJson(view.value().value()));
    }
    return detail::Html(200, detail::RenderLayout(context, "Follow-up answers", "physician",
                                                  detail::RenderPhysicianSurvey(context, view.value().value())));
}

ConsoleResponse Audit(Context& context) {
    if (context.viewer.role != crm::kRoleAdmin) {
        return Error(context, 403, "The audit log is for administrators.");
    }
    crm::AuditFilter filter;
    filter.actor = context.query.Optional("actor");
    filter.action = context.query.Optional("action");
    filter.object_type = context.query.Optional("object_type");
    filter.object_id = context.query.Optional("object_id");
    const auto entries = context.repository.ListAudit(filter);
    if (!entries) {
        return detail::RepositoryError(context, entries.error());
    }
    if (context.api) {
        return detail::Json(200, detail::AuditJson(entries.value()));
    }
    return detail::Html(200, detail::RenderLayout(context, "Audit log", "audit",
                                                  detail::RenderAudit(context, entries.value(), filter)));
}

// ---- dispatch -------------------------------------------------------------------------------------------------------

ConsoleResponse Route(Context& context, const std::vector<std::string>& parts) {
    const std::string& method = context.request.method;
    const bool get = method == "GET" || method == "HEAD";
    const std::string first = parts.empty() ? "" : parts[0];
    if (first.empty() && get) {
        return context.api ? detail::Json(200, detail::MeJson(context))
                           : detail::Redirect(context.viewer.role == crm::kRolePhysician ? "/console/physician"
                                                                                         : "/console/queue");
    }
    if (first == "me" && get && context.api) {
        return detail::Json(200, detail::MeJson(context));
    }
    if ((first == "queue" || (first == "cases" && parts.size() == 1)) && get) {
        return Queue(context);
    }
    if (first == "cases" && parts.size() >= 2) {
        const auto id = ParseId(parts[1]);
        if (!id) {
            return Error(context, 404, "No such case.");
        }
        if (parts.size() == 2 && get) {
            const std::string done = context.query.Get("done");
            const auto notice = kNotices.find(done);
            return CaseRead(context, *id, notice == kNotices.end() ? "" : notice->second);
        }
        if (parts.size() == 3 && method == "POST") {
            auto result = CaseAction(context, *id, parts[2], context.form);
            if (auto* response = std::get_if<ConsoleResponse>(&result)) {
                return *response;
            }
            if (context.api) {
                return detail::Json(200, "{\"ok\":true,\"notice\":\"" + std::get<std::string>(result) + "\"}");
            }
            return detail::Redirect("/console/cases/" + std::to_string(*id) + "?done=" + parts[2]);
        }
    }
    if (first == "dashboard" && get) {
        return Dashboard(context);
    }
    if (first == "export.csv" && get) {
        return Export(context);
    }
    if (first == "physician" && get) {
        if (parts.size() == 1 || (parts.size() == 2 && parts[1] == "summary")) {
            return PhysicianSummary(context);
        }
        if (parts.size() == 3 && parts[1] == "surveys") {
            const auto id = ParseId(parts[2]);
            return id ? PhysicianSurvey(context, *id) : Error(context, 404, "No such survey.");
        }
    }
    if (first == "audit" && get) {
        return Audit(context);
    }
    if (!get && method != "POST") {
        ConsoleResponse response = Error(context, 405, "Method not allowed.");
        response.headers.emplace_back("Allow", "GET, POST");
        return response;
    }
    return Error(context, 404, "No such page.");
}

ConsoleResponse HandlePage(Context& context) {
    const std::string& path = context.request.path;
    const std::string& method = context.request.method;
    if (path == "/console/static/console.css") {
        ConsoleResponse response;
        response.content_type = "text/css; charset=utf-8";
        response.body = detail::kStylesheet;
        return response;
    }
    if (path == "/console/login") {
        if (method == "POST") {
            return HandleLogin(context);
        }
        return LoginPage(context.settings, "");
    }
    const std::string cookie = detail::Cookie(context.request, kSessionCookie);
    if (!cookie.empty()) {
        auto session = context.repository.TouchSession(TokenDigest(cookie), context.now, context.settings.idle_timeout);
        if (!session) {
            return detail::RepositoryError(context, session.error());
        }
        context.session = std::move(session.value());
    }
    if (!context.session) {
        if (method != "GET") {
            return LoginPage(context.settings, "Your session ended. Please log in again.", 401);
        }
        return detail::Redirect("/console/login");
    }
    context.user = context.session->user;
    context.viewer = ViewerOf(context.user, context.request.remote_address);
    context.csrf_token = CsrfToken(context.session->csrf_secret, kCsrfPurpose);
    if (method == "POST") {
        const auto form = detail::ParseUrlEncoded(context.request.body);
        if (!form) {
            return Error(context, 400, "The form could not be read (not valid URL encoding or UTF-8).");
        }
        context.form = Fields(*form);
        if (!SameOrigin(context.request) ||
            !CheckCsrfToken(context.session->csrf_secret, kCsrfPurpose, context.form.Get("csrf"))) {
            (void)context.repository.Audit(context.viewer, {"csrf_refused", "request", "", "{}"});
            return Error(context, 403,
                         "This form is out of date or did not come from the console. Reload the page and try again.");
        }
        if (path == "/console/logout") {
            (void)context.repository.EndSession(context.session->id, context.viewer);
            ConsoleResponse response = detail::Redirect("/console/login");
            response.headers.emplace_back(
                "Set-Cookie", std::string(kSessionCookie) + "=" + CookieAttributes(context.settings) + "; Max-Age=0");
            return response;
        }
    }
    return Route(context, PathParts(path, "/console"));
}

ConsoleResponse HandleApi(Context& context) {
    const std::string authorization = detail::Header(context.request, "authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() || authorization.compare(0, kBearer.size(), kBearer) != 0) {
        ConsoleResponse response = Error(context, 401, "Authorization: Bearer <token> is required.");
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"carelisten\"");
        return response;
    }
    const auto user =
        context.repository.FindApiTokenUser(TokenDigest(authorization.substr(kBearer.size())), context.now);
    if (!user) {
        return detail::RepositoryError(context, user.error());
    }
    if (!user.value()) {
        ConsoleResponse response = Error(context, 401, "The token is unknown, revoked, or its user is disabled.");
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"carelisten\", error=\"invalid_token\"");
        return response;
    }
    context.user = user.value().value();
    context.viewer = ViewerOf(context.user, context.request.remote_address);
    if (context.request.method == "POST") {
        auto fields = context.request.body.empty() ? std::optional<Fields>(Fields{})
                                                   : detail::ReadJsonFields(context.request.body);
        if (!fields) {
            return Error(context, 400, "The body must be a JSON object of strings (and arrays of strings).");
        }
        context.form = std::move(*fields);
    }
    return Route(context, PathParts(context.request.path, "/api/v1"));
}

}  // namespace

std::chrono::system_clock::time_point CaseDueTime(const ConsoleSettings& settings, const std::string& urgency,
                                                  std::chrono::system_clock::time_point opened_at) {
    const auto target = settings.targets.find(urgency);
    const ResponseTarget rule = target == settings.targets.end() ? ResponseTarget{} : target->second;
    if (!rule.business_hours) {
        return opened_at + rule.duration;
    }
    return AddBusinessTime(opened_at, rule.duration, settings.calendar);
}

std::string DeadlineFingerprint(const ConsoleSettings& settings) {
    std::string text = settings.calendar.time_zone + ";";
    for (std::size_t day = 0; day < settings.calendar.open_minutes.size(); ++day) {
        for (const auto& [start, end] : settings.calendar.open_minutes[day]) {
            text += std::to_string(day) + ":" + std::to_string(start) + "-" + std::to_string(end) + ",";
        }
    }
    for (const auto& holiday : settings.calendar.holidays) {
        text += holiday + ",";
    }
    for (const auto& [urgency, target] : settings.targets) {
        text += urgency + "=" + std::to_string(target.duration.count()) + (target.business_hours ? "b" : "c") + ",";
    }
    return TokenDigest(text).substr(0, 16);
}

ConsoleApp::ConsoleApp(ConsoleSettings settings, const nlp::Analyzer& analyzer, Clock clock)
    : settings_(std::move(settings)), analyzer_(analyzer), clock_(std::move(clock)) {
    if (!clock_) {
        clock_ = [] { return std::chrono::system_clock::now(); };
    }
}

bool ConsoleApp::Serves(const std::string& path) {
    return path == "/console" || path.rfind("/console/", 0) == 0 || path == "/api/v1" || path.rfind("/api/v1/", 0) == 0;
}

ConsoleResponse ConsoleApp::Handle(crm::Store& store, const ConsoleRequest& request) const {
    Context context{.request = request,
                    .store = store,
                    .repository = crm::ConsoleRepository(store),
                    .settings = settings_,
                    .analyzer = analyzer_,
                    .now = clock_()};
    context.api = request.path == "/api/v1" || request.path.rfind("/api/v1/", 0) == 0;
    const auto query = detail::ParseUrlEncoded(request.query);
    ConsoleResponse response;
    if (!query) {
        response = Error(context, 400, "The query string could not be read.");
    } else {
        context.query = Fields(*query);
        response = context.api ? HandleApi(context) : HandlePage(context);
    }
    SecureHeaders(response);
    return response;
}

}  // namespace carelisten::console
