/// @file
/// @brief The staff console's tables (V008): users, sessions, API tokens, the audit log, and the case work of
/// patient-relations staff (the queue, a case with its messages and history, the actions, the dashboard's
/// aggregates, exports), scoped by who is asking.
///
/// Scoping is done here, in SQL, not by hiding links: a physician reads as the role carelisten_physician with
/// row-level security (V007), a unit lead sees the cases of their unit, patient-relations staff and admins see
/// every case. A case outside the viewer's scope is CrmErrc::kNotFound, exactly like one that does not exist.
/// Every read of patient data and every change writes its audit_log row in the same transaction.
#pragma once

#include <common/result.hpp>
#include <crm/errc.hpp>
#include <crm/records.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::crm {

/// The console roles (console_user.role).
inline constexpr const char* kRolePatientRelations = "patient_relations";
inline constexpr const char* kRolePhysician = "physician";
inline constexpr const char* kRoleUnitLead = "unit_lead";
inline constexpr const char* kRoleAdmin = "admin";

struct ConsoleUser {
    std::int64_t id = 0;
    std::string username;
    std::string display_name;
    std::string role;
    std::string physician_id;  ///< for role physician
    std::string care_unit;     ///< for role unit_lead
    std::string password_hash;
    bool disabled = false;
    int failed_logins = 0;
    std::optional<Timestamp> locked_until;
    Timestamp created_at;
};

struct NewConsoleUser {
    std::string username;
    std::string display_name;
    std::string role;
    std::string physician_id;
    std::string care_unit;
    std::string password_hash;
};

/// Who is asking: scopes every read and is written to the audit log with every read and change.
struct Viewer {
    std::int64_t user_id = 0;  ///< 0 for the command line
    std::string actor;         ///< the username, or "cli:<login name>"
    std::string role;
    std::string physician_id;
    std::string care_unit;
    std::string remote_address;
};

struct SessionRecord {
    std::int64_t id = 0;
    std::string csrf_secret;
    ConsoleUser user;
    Timestamp created_at;
    Timestamp last_seen_at;
    Timestamp expires_at;
};

struct AuditRecord {
    std::string action;  ///< e.g. "view_case", "assign", "login_failed"
    std::string object_type;
    std::string object_id;
    std::string detail_json = "{}";  ///< ids and values, never message text
};

struct AuditEntry {
    std::int64_t id = 0;
    Timestamp at;
    std::string actor;
    std::string actor_role;
    std::string action;
    std::string object_type;
    std::string object_id;
    std::string remote_address;
    std::string detail_json;
};

struct AuditFilter {
    std::optional<Timestamp> since;
    std::optional<Timestamp> until;
    std::optional<std::string> actor;
    std::optional<std::string> action;
    std::optional<std::string> object_type;
    std::optional<std::string> object_id;
    std::size_t limit = 200;
};

/// The queue's filters; unset fields do not filter.
struct CaseQuery {
    std::optional<std::string> status;    ///< open or closed
    std::optional<std::string> urgency;   ///< none, low, high, critical
    std::optional<std::string> category;  ///< an HCAT category or routing tag of the case
    std::optional<std::string> unit;      ///< the case's care unit or the unit it is assigned to
    std::optional<std::string> physician_id;
    std::optional<std::string> channel;  ///< a channel of one of its messages (sms, email, social, ...)
    std::optional<Timestamp> opened_from;
    std::optional<Timestamp> opened_to;  ///< exclusive
    bool overdue_only = false;           ///< open, no response yet, past its deadline
    std::size_t limit = 50;
    std::size_t offset = 0;
};

struct CaseSummary {
    std::int64_t id = 0;
    std::string source;
    std::string author;  ///< personal data: redacted by the console for roles that should not see it
    std::string status;
    std::string urgency;
    double min_sentiment_score = 0.0;
    std::string sentiment_label;  ///< the staff correction when there is one, else from the items
    std::int64_t item_count = 0;
    Timestamp opened_at;
    Timestamp updated_at;
    std::optional<Timestamp> due_at;
    std::optional<Timestamp> first_response_at;
    std::optional<Timestamp> closed_at;
    std::string outcome;
    std::string assigned_username;
    std::string assigned_unit;
    std::string care_unit;
    std::string physician_id;
    std::vector<std::string> categories;  ///< the staff correction when there is one, else the items' union
    bool categories_corrected = false;
    std::vector<std::string> channels;
    std::optional<std::int64_t> merged_into;
    std::optional<std::int64_t> survey_id;
    std::string preview;  ///< the first message's first 160 bytes (cut at a code point)
};

/// Counts per value of each filter, over the cases the viewer may see that match the other filters.
struct CaseFacets {
    std::int64_t total = 0;
    std::int64_t overdue = 0;
    std::map<std::string, std::int64_t> status;
    std::map<std::string, std::int64_t> urgency;
    std::map<std::string, std::int64_t> category;
    std::map<std::string, std::int64_t> unit;
    std::map<std::string, std::int64_t> channel;
    std::map<std::string, std::int64_t> physician;
};

struct CaseQueuePage {
    std::vector<CaseSummary> cases;
    CaseFacets facets;
};

struct CaseMessage {
    std::int64_t id = 0;
    std::string source;
    std::string external_id;
    std::string channel;
    std::string author;
    std::string text;
    std::string url;
    std::string question;  ///< the survey question it answers
    std::optional<Timestamp> posted_at;
    Timestamp received_at;
    std::string language;
    std::string sentiment_label;
    double sentiment_score = 0.0;
    std::vector<std::string> categories;
    std::string urgency;
    std::vector<std::string> red_flags;
    std::vector<std::string> noise_reasons;
    std::string analyzer_version;
    std::string care_unit;
};

struct CaseEvent {
    std::int64_t id = 0;
    Timestamp at;
    std::string username;  ///< '' for the system
    std::string kind;
    std::string channel;
    std::string body;
    std::string detail_json;
};

struct CasePatient {
    std::int64_t patient_id = 0;
    std::string mrn;
    std::string visit_number;
    std::string care_unit;
    std::string physician_id;
    std::optional<Timestamp> discharged_at;
};

struct CaseDetail {
    CaseSummary summary;
    std::vector<CaseMessage> messages;  ///< in the order they were written (posted, else received)
    std::vector<CaseEvent> events;
    std::optional<CasePatient> patient;
};

/// The deadline rule (the caller's business calendar): when the first response to a case of `urgency` opened
/// at `opened_at` is due.
using CaseDeadlineRule = std::function<Timestamp(const std::string& urgency, Timestamp opened_at)>;

/// What the dashboard draws, over the `days` days ending today in the caller's zone (index 0 is the oldest).
struct DashboardData {
    std::vector<std::string> days;  ///< YYYY-MM-DD
    std::vector<std::int64_t> complaints_per_day;
    std::map<std::string, std::vector<std::int64_t>> complaints_by_category;  ///< per day
    std::map<std::string, std::vector<std::int64_t>> complaints_by_unit;      ///< per day; '' unit: none known
    /// Mean sentiment score per source per day; NaN where a day has no message.
    std::map<std::string, std::vector<double>> sentiment_by_source;
    /// Cases opened in the period, for response times against targets.
    struct CaseTiming {
        std::string urgency;
        Timestamp opened_at;
        std::optional<Timestamp> due_at;
        std::optional<Timestamp> first_response_at;
    };
    std::vector<CaseTiming> case_timings;
    /// Category and routing-tag counts of the last 7 days and of the 7 before.
    std::map<std::string, std::int64_t> themes_this_week;
    std::map<std::string, std::int64_t> themes_last_week;
};

/// One survey as its physician reads it.
struct PhysicianSurveyView {
    SurveyRow survey;
    std::string mrn;
    std::vector<SurveyAnswerRecord> answers;
    std::vector<std::string> questions;  ///< question ids in the definition's order
    std::string definition_json;
    std::optional<std::int64_t> case_id;
};

/// One row of an export: a message with its case.
struct ExportRow {
    std::int64_t case_id = 0;
    std::string case_status;
    std::string case_urgency;
    std::vector<std::string> case_categories;
    std::string outcome;
    Timestamp opened_at;
    CaseMessage message;
};

/// Lifecycle: a view over a Store's connection; use it on the Store's thread. Every call is one transaction.
class ConsoleRepository {
public:
    explicit ConsoleRepository(Store& store) : store_(store) {}

    // ---- users, sessions, tokens -------------------------------------------------------------------------
    /// CrmErrc::kConflict when the username exists; kInvalidInput for a role/physician/unit mismatch.
    Result<ConsoleUser> AddUser(const NewConsoleUser& user, const Viewer& by);
    Result<std::optional<ConsoleUser>> FindUser(const std::string& username);
    Result<std::vector<ConsoleUser>> ListUsers();
    /// Disables (or enables) a user; disabling ends their sessions and revokes their API tokens.
    Result<void> SetUserDisabled(const std::string& username, bool disabled, const Viewer& by);
    /// A new password hash; ends the user's sessions, clears the lock-out.
    Result<void> SetPassword(const std::string& username, const std::string& password_hash, const Viewer& by);

    /// A failed login: counts it and, at `max_failures` in a row, locks the user until `now + lock_for`.
    /// Written (with its audit row) whether or not the user exists (an unknown name is audited, not counted).
    Result<void> RecordLoginFailure(const std::string& username, int max_failures, std::chrono::seconds lock_for,
                                    Timestamp now, const std::string& remote_address);
    /// A successful login: resets the failure count and opens a session (audited).
    Result<std::int64_t> CreateSession(std::int64_t user_id, const std::string& token_digest,
                                       const std::string& csrf_secret, Timestamp now, Timestamp expires_at,
                                       const std::string& remote_address);
    /// The live session of a cookie: not ended, not past expires_at, and last seen after `now - idle_timeout`;
    /// its user not disabled. Touches last_seen_at. nullopt otherwise (and ends a session that timed out).
    Result<std::optional<SessionRecord>> TouchSession(const std::string& token_digest, Timestamp now,
                                                      std::chrono::seconds idle_timeout);
    Result<void> EndSession(std::int64_t session_id, const Viewer& by);

    Result<std::int64_t> CreateApiToken(const std::string& username, const std::string& name,
                                        const std::string& token_digest, const Viewer& by);
    /// The user of a live API token (not revoked, user not disabled); touches last_used_at.
    Result<std::optional<ConsoleUser>> FindApiTokenUser(const std::string& token_digest, Timestamp now);
    Result<void> RevokeApiToken(std::int64_t token_id, const Viewer& by);

    // ---- audit ---------------------------------------------------------------------------------------------
    Result<void> Audit(const Viewer& viewer, const AuditRecord& record);
    Result<std::vector<AuditEntry>> ListAudit(const AuditFilter& filter);

    // ---- the queue and a case ----------------------------------------------------------------------------
    Result<CaseQueuePage> ListCases(const Viewer& viewer, const CaseQuery& query, Timestamp now);
    /// A case with its messages, history and patient link (audited as view_case).
    Result<CaseDetail> GetCase(const Viewer& viewer, std::int64_t case_id);

    /// Assigns to a user (by username; '' clears) and/or a unit. kNotFound for an unknown user.
    Result<void> AssignCase(const Viewer& viewer, std::int64_t case_id, const std::string& username,
                            const std::string& unit);
    Result<void> AddNote(const Viewer& viewer, std::int64_t case_id, const std::string& body);
    /// A response sent to the patient outside the console (phone, letter, e-mail...): sets first_response_at.
    Result<void> RecordResponse(const Viewer& viewer, std::int64_t case_id, const std::string& channel,
                                const std::string& body);
    /// Staff correction of the analyzer: categories (sorted, unique) and/or sentiment. Each item of the case
    /// becomes a labelled_example of the corrected field.
    Result<void> CorrectCase(const Viewer& viewer, std::int64_t case_id,
                             const std::optional<std::vector<std::string>>& categories,
                             const std::optional<std::string>& sentiment);
    /// Moves the duplicate's messages into `into`, closes the duplicate as merged. Both must be open and
    /// distinct (kInvalidInput otherwise).
    Result<void> MergeCases(const Viewer& viewer, std::int64_t duplicate_id, std::int64_t into_id);
    Result<void> ResolveCase(const Viewer& viewer, std::int64_t case_id, const std::string& outcome,
                             const std::string& note);
    /// kConflict when the author already has another open case in the source (merge instead).
    Result<void> ReopenCase(const Viewer& viewer, std::int64_t case_id, const std::string& reason);

    /// Sets due_at on open cases whose due_basis differs from "<urgency>|<settings_fingerprint>", up to `limit`
    /// per call. Returns how many it updated.
    Result<std::size_t> RefreshDeadlines(const std::string& settings_fingerprint, const CaseDeadlineRule& rule,
                                         std::size_t limit);

    // ---- dashboard, export, physicians ---------------------------------------------------------------------
    /// `today_start`: local midnight of today in the caller's zone (days are 24 h steps back from it).
    Result<DashboardData> Dashboard(const Viewer& viewer, Timestamp today_start, int days);
    /// The messages of the cases matching `query` (limit/offset ignored; at most `max_rows`), audited as export.
    Result<std::vector<ExportRow>> Export(const Viewer& viewer, const CaseQuery& query, bool deidentified,
                                          std::size_t max_rows);
    /// One survey read as the viewer's physician (row-level security): nullopt when it is not theirs. Audited
    /// either way (view_survey or view_survey_denied).
    Result<std::optional<PhysicianSurveyView>> PhysicianSurvey(const Viewer& viewer, std::int64_t survey_id);

    /// Staff corrections since `since`, oldest first, with the item's text (for `carelisten corrections`).
    struct Correction {
        std::int64_t id = 0;
        std::int64_t item_id = 0;
        std::string field;
        std::string analyzer_value;
        std::string corrected_value;
        std::string analyzer_version;
        std::string channel;
        std::string text;
        Timestamp created_at;
    };
    Result<std::vector<Correction>> ListCorrections(Timestamp since);

private:
    Store& store_;
};

}  // namespace carelisten::crm
