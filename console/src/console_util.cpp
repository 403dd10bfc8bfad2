#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <console/html.hpp>
#include <crm/errc.hpp>
#include <cstdio>
#include <ctime>
#include <memory>

#include "console_context.hpp"

namespace carelisten::console::detail {

const std::vector<std::string> kHcatCategories = {
    "quality", "safety", "environment", "institutional_processes", "listening", "communication", "respect"};
const std::vector<std::string> kRoutingTags = {"waiting_time", "billing",        "discharge",  "food",
                                               "cleanliness",  "staff_attitude", "medication", "privacy",
                                               "appointments", "parking"};
const std::vector<std::string> kResponseChannels = {"phone", "email", "letter", "sms", "social", "in_person"};
const std::vector<std::string> kOutcomes = {"resolved",         "apology_given", "explanation_given", "referred",
                                            "no_action_needed", "withdrawn",     "not_a_complaint"};
const std::vector<std::string> kUrgencies = {"critical", "high", "low", "none"};
const std::vector<std::string> kChannels = {"sms", "email", "social", "review", "forum", "survey", "unknown"};

bool MayReadCases(const std::string& role) {
    return role == crm::kRolePatientRelations || role == crm::kRoleUnitLead || role == crm::kRoleAdmin ||
           role == crm::kRolePhysician;
}

bool MayActOnCases(const std::string& role) {
    return role == crm::kRolePatientRelations || role == crm::kRoleUnitLead;
}

bool MayViewDashboard(const std::string& role) {
    return role == crm::kRolePatientRelations || role == crm::kRoleUnitLead || role == crm::kRoleAdmin;
}

bool SeesPersonalData(const std::string& role) {
    return role == crm::kRolePatientRelations || role == crm::kRolePhysician;
}

std::vector<TextSpan> PersonalDataSpans(const nlp::Analyzer& analyzer, std::string_view text,
                                        const std::string& channel) {
    nlp::AnalysisInput input;
    input.text = text;
    input.channel = nlp::ParseChannel(channel).value_or(nlp::Channel::kUnknown);
    const nlp::Analysis analysis = analyzer.Analyze(input);
    std::vector<TextSpan> spans;
    for (const auto& span : analysis.personal_data) {
        spans.push_back({span.span.begin, span.span.end, span.kind});
    }
    return spans;
}

std::string VisibleText(const Context& context, std::string_view text, const std::string& channel) {
    if (SeesPersonalData(context.viewer.role)) {
        return std::string(text);
    }
    return RedactSpans(text, PersonalDataSpans(context.analyzer, text, channel));
}

std::string VisibleAuthor(const Context& context, const std::string& author) {
    if (author.empty()) {
        return "anonymous";
    }
    return SeesPersonalData(context.viewer.role) ? author : "[author]";
}

namespace {

/// The zone's offset from UTC at `time` (DST included); 0 for an unknown zone.
std::chrono::seconds ZoneOffset(TimePoint time, const std::string& time_zone) {
    std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
    UErrorCode status = U_ZERO_ERROR;
    int32_t raw = 0;
    int32_t dst = 0;
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    zone->getOffset(static_cast<UDate>(millis), false, raw, dst, status);
    if (U_FAILURE(status)) {
        return std::chrono::seconds(0);
    }
    return std::chrono::seconds((raw + dst) / 1000);
}

std::tm LocalTm(TimePoint time, const std::string& time_zone) {
    const std::time_t local = std::chrono::system_clock::to_time_t(time + ZoneOffset(time, time_zone));
    std::tm tm{};
    gmtime_r(&local, &tm);
    return tm;
}

}  // namespace

std::string FormatLocalTime(TimePoint time, const std::string& time_zone) {
    const std::tm tm = LocalTm(time, time_zone);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M", &tm);
    return buffer;
}

std::string FormatLocalDate(TimePoint time, const std::string& time_zone) {
    const std::tm tm = LocalTm(time, time_zone);
    char buffer[16];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &tm);
    return buffer;
}

std::optional<TimePoint> ParseLocalDate(std::string_view text, const std::string& time_zone) {
    int year = 0;
    int month = 0;
    int day = 0;
    char tail = 0;
    if (text.size() != 10 || std::sscanf(std::string(text).c_str(), "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3 ||
        month < 1 || month > 12 || day < 1 || day > 31 || year < 1970 || year > 9999) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    const TimePoint as_utc = std::chrono::system_clock::from_time_t(timegm(&tm));
    // Local midnight = the UTC instant minus the offset in force then (two steps settle a DST change).
    TimePoint guess = as_utc - ZoneOffset(as_utc, time_zone);
    guess = as_utc - ZoneOffset(guess, time_zone);
    return guess;
}

TimePoint LocalDayStart(TimePoint time, const std::string& time_zone) {
    return ParseLocalDate(FormatLocalDate(time, time_zone), time_zone).value_or(time);
}

std::string FormatDuration(std::chrono::minutes minutes) {
    const auto total = minutes.count();
    if (total < 60) {
        return std::to_string(total) + " min";
    }
    const auto hours = total / 60;
    if (hours < 48) {
        return std::to_string(hours) + " h " + std::to_string(total % 60) + " min";
    }
    return std::to_string(hours / 24) + " d " + std::to_string(hours % 24) + " h";
}

std::string FormatNumber(double value, int decimals) {
    if (!std::isfinite(value)) {
        return "–";
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string HumanLabel(std::string_view name) {
    std::string out(name);
    std::replace(out.begin(), out.end(), '_', ' ');
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
        out[0] = static_cast<char>(out[0] - 'a' + 'A');
    }
    return out;
}

std::optional<crm::CaseQuery> ReadCaseQuery(const Context& context, std::string* error) {
    const Fields& q = context.query;
    crm::CaseQuery query;
    const auto one_of = [&](std::string_view name, const std::vector<std::string>& allowed) -> bool {
        const std::string value = q.Get(name);
        if (!value.empty() && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
            *error = "unknown " + std::string(name) + " '" + value + "'";
            return false;
        }
        return true;
    };
    const std::string status = q.Has("status") ? q.Get("status") : std::string("open");
    if (status != "open" && status != "closed" && status != "any" && !status.empty()) {
        *error = "unknown status '" + status + "' (open, closed or any)";
        return std::nullopt;
    }
    if (status == "open" || status == "closed") {
        query.status = status;
    }
    if (!one_of("urgency", kUrgencies) || !one_of("channel", kChannels)) {
        return std::nullopt;
    }
    query.urgency = q.Optional("urgency");
    query.channel = q.Optional("channel");
    query.category = q.Optional("category");
    query.unit = q.Optional("unit");
    query.physician_id = q.Optional("physician");
    for (const auto& [name, target] : {std::pair{"from", &query.opened_from}, std::pair{"to", &query.opened_to}}) {
        if (const auto text = q.Optional(name)) {
            const auto parsed = ParseLocalDate(*text, context.settings.time_zone);
            if (!parsed) {
                *error = std::string(name) + " must be a date YYYY-MM-DD";
                return std::nullopt;
            }
            // "to" is inclusive for people: up to the end of that day.
            *target = std::string_view(name) == "to" ? *parsed + std::chrono::hours(24) : *parsed;
        }
    }
    query.overdue_only = q.Get("overdue") == "1";
    const std::string page = q.Get("page");
    if (!page.empty()) {
        if (page.size() > 6 || !std::all_of(page.begin(), page.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            *error = "page must be a number";
            return std::nullopt;
        }
        query.offset = (static_cast<std::size_t>(std::max(1, std::stoi(page))) - 1) * query.limit;
    }
    const std::string limit = q.Get("limit");
    if (!limit.empty()) {
        if (limit.size() > 4 || !std::all_of(limit.begin(), limit.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            *error = "limit must be a number up to 500";
            return std::nullopt;
        }
        query.limit = std::clamp<std::size_t>(static_cast<std::size_t>(std::stoi(limit)), 1, 500);
    }
    return query;
}

std::string CaseQueryString(const crm::CaseQuery& query, const std::string& time_zone) {
    std::string out = "status=" + (query.status ? *query.status : std::string("any"));
    const auto add = [&out](const char* name, const std::optional<std::string>& value) {
        if (value) {
            out += std::string("&") + name + "=" + EncodeUrlComponent(*value);
        }
    };
    add("urgency", query.urgency);
    add("category", query.category);
    add("unit", query.unit);
    add("physician", query.physician_id);
    add("channel", query.channel);
    if (query.opened_from) {
        out += "&from=" + FormatLocalDate(*query.opened_from, time_zone);
    }
    if (query.opened_to) {
        out += "&to=" + FormatLocalDate(*query.opened_to - std::chrono::hours(24), time_zone);
    }
    if (query.overdue_only) {
        out += "&overdue=1";
    }
    return out;
}

ConsoleResponse Redirect(const std::string& location) {
    ConsoleResponse response;
    response.status = 303;
    response.headers.emplace_back("Location", location);
    response.body = "See " + location + "\n";
    response.content_type = "text/plain; charset=utf-8";
    return response;
}

ConsoleResponse Html(unsigned status, std::string body) {
    ConsoleResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

ConsoleResponse Json(unsigned status, std::string body) {
    ConsoleResponse response;
    response.status = status;
    response.content_type = "application/json";
    response.body = std::move(body);
    return response;
}

ConsoleResponse Csv(std::string body, const std::string& filename) {
    ConsoleResponse response;
    response.content_type = "text/csv; charset=utf-8";
    response.body = std::move(body);
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    return response;
}

ConsoleResponse Error(const Context& context, unsigned status, const std::string& message) {
    if (context.api) {
        std::string body = "{\"error\":\"";
        for (const char c : message) {
            if (c == '"' || c == '\\') {
                body += '\\';
            }
            if (static_cast<unsigned char>(c) >= 0x20) {
                body += c;
            }
        }
        return Json(status, body + "\"}");
    }
    return Html(status, RenderErrorPage(context.settings.site_name, status, message));
}

ConsoleResponse RepositoryError(const Context& context, const std::error_code& error) {
    if (error == crm::CrmErrc::kNotFound) {
        return Error(context, 404, "Not found, or not yours to see.");
    }
    if (error == crm::CrmErrc::kConflict) {
        return Error(context, 409,
                     "This conflicts with the stored data (for a reopen: the author has another open case in the "
                     "source; merge into it instead).");
    }
    if (error == crm::CrmErrc::kInvalidInput) {
        return Error(context, 400, "This action does not apply to the case in its current state.");
    }
    return Error(context, 503, "The database is not available just now; try again in a moment.");
}

std::vector<ResponseTimeRow> ResponseTimes(const Context& context, const crm::DashboardData& data) {
    std::vector<ResponseTimeRow> rows;
    for (const auto& urgency : kUrgencies) {
        ResponseTimeRow row;
        row.urgency = urgency;
        if (const auto target = context.settings.targets.find(urgency); target != context.settings.targets.end()) {
            row.target = target->second.duration;
        }
        const bool business =
            context.settings.targets.count(urgency) != 0 && context.settings.targets.at(urgency).business_hours;
        std::vector<std::chrono::minutes> times;
        for (const auto& timing : data.case_timings) {
            if (timing.urgency != urgency) {
                continue;
            }
            ++row.cases;
            if (timing.first_response_at) {
                ++row.responded;
                times.push_back(business ? BusinessTimeBetween(timing.opened_at, *timing.first_response_at,
                                                               context.settings.calendar)
                                         : std::chrono::duration_cast<std::chrono::minutes>(*timing.first_response_at -
                                                                                            timing.opened_at));
                if (timing.due_at && *timing.first_response_at <= *timing.due_at) {
                    ++row.within_target;
                }
            } else if (timing.due_at && *timing.due_at < context.now) {
                ++row.overdue_open;
            }
        }
        if (!times.empty()) {
            std::sort(times.begin(), times.end());
            row.median_business_time = times[times.size() / 2];
        }
        rows.push_back(row);
    }
    return rows;
}

}  // namespace carelisten::console::detail
