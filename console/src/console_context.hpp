/// @file
/// @brief What one console request carries through the handlers: the request, the repository, who is asking,
/// and the helpers every page and API answer shares (roles, redaction, times, responses).
#pragma once

#include <chrono>
#include <console/console_app.hpp>
#include <console/csv.hpp>
#include <crm/console_repository.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "request_util.hpp"

namespace carelisten::console::detail {

using TimePoint = std::chrono::system_clock::time_point;

struct Context {
    const ConsoleRequest& request;
    crm::Store& store;
    crm::ConsoleRepository repository;
    const ConsoleSettings& settings;
    const nlp::Analyzer& analyzer;
    TimePoint now;
    Fields query;
    Fields form;
    bool api = false;
    std::optional<crm::SessionRecord> session;  ///< pages only
    crm::ConsoleUser user;
    crm::Viewer viewer;
    std::string csrf_token;  ///< for the forms of this page
};

// ---- roles -------------------------------------------------------------------------------------------------------
/// Who may read the case queue and cases (physicians: their own patients' cases only).
bool MayReadCases(const std::string& role);
/// Who may change a case: patient-relations staff, and unit leads for their unit.
bool MayActOnCases(const std::string& role);
bool MayViewDashboard(const std::string& role);
/// Personal data (authors, phone numbers, e-mail addresses, record numbers) is shown to patient-relations staff
/// and to a patient's own physician; unit leads and admins see it redacted.
bool SeesPersonalData(const std::string& role);

// ---- text --------------------------------------------------------------------------------------------------------
/// The personal-data spans of `text` found by the analyzer.
std::vector<TextSpan> PersonalDataSpans(const nlp::Analyzer& analyzer, std::string_view text,
                                        const std::string& channel);
/// `text` as the viewer may see it.
std::string VisibleText(const Context& context, std::string_view text, const std::string& channel);
/// The author as the viewer may see it ("[author]" when redacted, "anonymous" when none).
std::string VisibleAuthor(const Context& context, const std::string& author);
/// "2026-12-02 14:05" in the hospital's zone.
std::string FormatLocalTime(TimePoint time, const std::string& time_zone);
/// "YYYY-MM-DD" in the zone.
std::string FormatLocalDate(TimePoint time, const std::string& time_zone);
/// Local midnight of the day `time` falls on.
TimePoint LocalDayStart(TimePoint time, const std::string& time_zone);
/// Parses "YYYY-MM-DD" as local midnight in the zone; nullopt when malformed.
std::optional<TimePoint> ParseLocalDate(std::string_view text, const std::string& time_zone);
std::string FormatDuration(std::chrono::minutes minutes);
std::string FormatNumber(double value, int decimals);

// ---- the shared vocabularies ---------------------------------------------------------------------------------
extern const std::vector<std::string> kHcatCategories;
extern const std::vector<std::string> kRoutingTags;
extern const std::vector<std::string> kResponseChannels;
extern const std::vector<std::string> kOutcomes;
extern const std::vector<std::string> kUrgencies;
extern const std::vector<std::string> kChannels;
std::string HumanLabel(std::string_view name);  ///< "institutional_processes" -> "Institutional processes"

// ---- queries -------------------------------------------------------------------------------------------------------
/// The queue filters from query fields (status defaults to open); nullopt with `error` set for bad input.
std::optional<crm::CaseQuery> ReadCaseQuery(const Context& context, std::string* error);
/// The query string that reproduces `query` (for links, pagination and exports).
std::string CaseQueryString(const crm::CaseQuery& query, const std::string& time_zone);

// ---- responses -----------------------------------------------------------------------------------------------------
ConsoleResponse Redirect(const std::string& location);
ConsoleResponse Html(unsigned status, std::string body);
ConsoleResponse Json(unsigned status, std::string body);
ConsoleResponse Csv(std::string body, const std::string& filename);
/// The error answer: an HTML page or a JSON {"error": ...} (API).
ConsoleResponse Error(const Context& context, unsigned status, const std::string& message);
/// Maps a repository error to 404/409/400/503.
ConsoleResponse RepositoryError(const Context& context, const std::error_code& error);

// ---- pages (pages.cpp) -----------------------------------------------------------------------------------------
std::string RenderLayout(const Context& context, std::string_view title, std::string_view active,
                         const std::string& content);
std::string RenderLogin(const std::string& site_name, const std::string& login_token, const std::string& message);
std::string RenderQueue(const Context& context, const crm::CaseQuery& query, const crm::CaseQueuePage& page);
std::string RenderCase(const Context& context, const crm::CaseDetail& detail, const std::string& notice);
std::string RenderDashboard(const Context& context, const crm::DashboardData& data);
std::string RenderPhysicianSummary(const Context& context, const crm::SummaryData& summary, int days);
std::string RenderPhysicianSurvey(const Context& context, const crm::PhysicianSurveyView& view);
std::string RenderAudit(const Context& context, const std::vector<crm::AuditEntry>& entries,
                        const crm::AuditFilter& filter);
std::string RenderErrorPage(const std::string& site_name, unsigned status, const std::string& message);
extern const char* const kStylesheet;

// ---- JSON (api_json.cpp) -------------------------------------------------------------------------------------
std::string QueueJson(const Context& context, const crm::CaseQueuePage& page);
std::string CaseJson(const Context& context, const crm::CaseDetail& detail);
std::string DashboardJson(const Context& context, const crm::DashboardData& data);
std::string PhysicianSummaryJson(const crm::SummaryData& summary);
std::string PhysicianSurveyJson(const crm::PhysicianSurveyView& view);
std::string AuditJson(const std::vector<crm::AuditEntry>& entries);
std::string MeJson(const Context& context);
/// Reads a JSON object body's string fields (and string arrays) into Fields; nullopt when it is not an object.
std::optional<Fields> ReadJsonFields(std::string_view body);

// ---- CSV -----------------------------------------------------------------------------------------------------------
std::string ExportCsv(const Context& context, const std::vector<crm::ExportRow>& rows, bool deidentified);

// ---- dashboard figures (shared by the page and the API) ----------------------------------------------------------
struct ResponseTimeRow {
    std::string urgency;
    std::int64_t cases = 0;
    std::int64_t responded = 0;
    std::int64_t within_target = 0;
    std::int64_t overdue_open = 0;  ///< no response yet and past the deadline
    std::optional<std::chrono::minutes> median_business_time;
    std::chrono::minutes target{0};
};
std::vector<ResponseTimeRow> ResponseTimes(const Context& context, const crm::DashboardData& data);

}  // namespace carelisten::console::detail
