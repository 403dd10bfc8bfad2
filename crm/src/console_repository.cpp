#include <algorithm>
#include <cmath>
#include <crm/console_repository.hpp>
#include <limits>
#include <pqxx/pqxx>

#include "convert.hpp"
#include "sql_util.hpp"
#include "store_impl.hpp"

namespace carelisten::crm {
namespace {

/// A JSON string literal for audit details (ids, role names, categories: short, and never message text).
std::string JsonString(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", byte);
            out += buffer;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string JsonArray(const std::vector<std::string>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i ? "," : "") + JsonString(values[i]);
    }
    return out + "]";
}

void InsertAudit(pqxx::transaction_base& txn, const Viewer& viewer, const AuditRecord& record) {
    Prepared(txn, "crm_console_audit",
             "INSERT INTO audit_log (actor, actor_role, action, object_type, object_id, remote_address, detail) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
             viewer.actor.empty() ? std::string("system") : viewer.actor, viewer.role, record.action,
             record.object_type, record.object_id, viewer.remote_address,
             record.detail_json.empty() ? std::string("{}") : record.detail_json);
}

const std::string kUserColumns =
    "u.id, u.username, u.display_name, u.role, COALESCE(u.physician_id, ''), u.care_unit, u.password_hash, "
    "u.disabled, u.failed_logins, " +
    TimeColumn("u.locked_until") + ", " + TimeColumn("u.created_at");

ConsoleUser ToUser(const pqxx::row& row, int first = 0) {
    ConsoleUser user;
    user.id = row[first].as<std::int64_t>();
    user.username = row[first + 1].as<std::string>();
    user.display_name = row[first + 2].as<std::string>();
    user.role = row[first + 3].as<std::string>();
    user.physician_id = row[first + 4].as<std::string>();
    user.care_unit = row[first + 5].as<std::string>();
    user.password_hash = row[first + 6].as<std::string>();
    user.disabled = row[first + 7].as<bool>();
    user.failed_logins = row[first + 8].as<int>();
    user.locked_until = OptionalTime(row[first + 9]);
    user.created_at = FromUnixMicros(row[first + 10].as<std::int64_t>());
    return user;
}

/// The cases a viewer may see, as a condition on feedback_case AS c. Physicians are narrowed by row-level
/// security too (BecomePhysician); this condition only keeps their queue to the cases that are theirs.
std::string ScopeCondition(pqxx::transaction_base& txn, const Viewer& viewer) {
    if (viewer.role == kRoleUnitLead) {
        const std::string unit = txn.quote(viewer.care_unit);
        return "(c.care_unit = " + unit + " OR c.assigned_unit = " + unit + ")";
    }
    if (viewer.role == kRolePhysician) {
        return "c.physician_id = " + txn.quote(viewer.physician_id);
    }
    if (viewer.role == kRolePatientRelations || viewer.role == kRoleAdmin) {
        return "TRUE";
    }
    return "FALSE";  // an unknown role sees nothing
}

/// Starts a read of case data: audits it as the owner, then, for a physician, continues under row-level security.
void BeginCaseRead(pqxx::work& txn, const Viewer& viewer, const AuditRecord& audit) {
    InsertAudit(txn, viewer, audit);
    if (viewer.role == kRolePhysician) {
        BecomePhysician(txn, viewer.physician_id);
    }
}

const std::string kCaseCategories =
    "COALESCE(c.category_override, ARRAY(SELECT DISTINCT x FROM item AS i, unnest(i.categories) AS x "
    "WHERE i.case_id = c.id ORDER BY 1))";
const std::string kCaseChannels = "ARRAY(SELECT DISTINCT i.channel FROM item AS i WHERE i.case_id = c.id ORDER BY 1)";
const std::string kCaseSentiment =
    "COALESCE(c.sentiment_override, (SELECT i.sentiment_label FROM item AS i WHERE i.case_id = c.id "
    "ORDER BY i.sentiment_score, i.id LIMIT 1), 'neutral')";
const std::string kCasePreview =
    "COALESCE((SELECT left(i.text, 160) FROM item AS i WHERE i.case_id = c.id "
    "ORDER BY COALESCE(i.posted_at, i.received_at), i.id LIMIT 1), '')";

const std::string kCaseColumns =
    "c.id, c.source, c.author, c.status, c.urgency, c.min_sentiment_score, " + kCaseSentiment + ", c.item_count, " +
    TimeColumn("c.opened_at") + ", " + TimeColumn("c.updated_at") + ", " + TimeColumn("c.due_at") + ", " +
    TimeColumn("c.first_response_at") + ", " + TimeColumn("c.closed_at") +
    ", c.outcome, COALESCE((SELECT u.username FROM console_user AS u WHERE u.id = c.assigned_user_id), ''), "
    "c.assigned_unit, c.care_unit, COALESCE(c.physician_id, ''), " +
    kCaseCategories + ", c.category_override IS NOT NULL, " + kCaseChannels + ", c.merged_into, c.survey_id, " +
    kCasePreview;

CaseSummary ToCaseSummary(const pqxx::row& row) {
    CaseSummary out;
    out.id = row[0].as<std::int64_t>();
    out.source = row[1].as<std::string>();
    out.author = row[2].as<std::string>();
    out.status = row[3].as<std::string>();
    out.urgency = row[4].as<std::string>();
    out.min_sentiment_score = row[5].as<double>();
    out.sentiment_label = row[6].as<std::string>();
    out.item_count = row[7].as<std::int64_t>();
    out.opened_at = FromUnixMicros(row[8].as<std::int64_t>());
    out.updated_at = FromUnixMicros(row[9].as<std::int64_t>());
    out.due_at = OptionalTime(row[10]);
    out.first_response_at = OptionalTime(row[11]);
    out.closed_at = OptionalTime(row[12]);
    out.outcome = row[13].as<std::string>();
    out.assigned_username = row[14].as<std::string>();
    out.assigned_unit = row[15].as<std::string>();
    out.care_unit = row[16].as<std::string>();
    out.physician_id = row[17].as<std::string>();
    out.categories = ParseTextArray(row[18]);
    out.categories_corrected = row[19].as<bool>();
    out.channels = ParseTextArray(row[20]);
    if (!row[21].is_null()) {
        out.merged_into = row[21].as<std::int64_t>();
    }
    if (!row[22].is_null()) {
        out.survey_id = row[22].as<std::int64_t>();
    }
    out.preview = row[23].as<std::string>();
    return out;
}

/// The filters of `query` as conditions on feedback_case AS c, leaving out the facet `except` (so a facet
/// counts what choosing one of its values would show).
std::string FilterConditions(pqxx::transaction_base& txn, const CaseQuery& query, Timestamp now,
                             std::string_view except = {}) {
    std::string where;
    const auto add = [&where](const std::string& condition) { where += " AND " + condition; };
    if (query.status && except != "status") {
        add("c.status = " + txn.quote(*query.status));
    }
    if (query.urgency && except != "urgency") {
        add("c.urgency = " + txn.quote(*query.urgency));
    }
    if (query.category && except != "category") {
        add(txn.quote(*query.category) + " = ANY(" + kCaseCategories + ")");
    }
    if (query.unit && except != "unit") {
        const std::string unit = txn.quote(*query.unit);
        add("(c.care_unit = " + unit + " OR c.assigned_unit = " + unit + ")");
    }
    if (query.physician_id && except != "physician") {
        add("c.physician_id = " + txn.quote(*query.physician_id));
    }
    if (query.channel && except != "channel") {
        add("EXISTS (SELECT 1 FROM item AS i WHERE i.case_id = c.id AND i.channel = " + txn.quote(*query.channel) +
            ")");
    }
    if (query.opened_from) {
        add("c.opened_at >= 'epoch'::timestamptz + " + std::to_string(ToUnixMicros(*query.opened_from)) +
            " * interval '1 microsecond'");
    }
    if (query.opened_to) {
        add("c.opened_at < 'epoch'::timestamptz + " + std::to_string(ToUnixMicros(*query.opened_to)) +
            " * interval '1 microsecond'");
    }
    if (query.overdue_only) {
        add("c.status = 'open' AND c.first_response_at IS NULL AND c.due_at < 'epoch'::timestamptz + " +
            std::to_string(ToUnixMicros(now)) + " * interval '1 microsecond'");
    }
    return where;
}

std::map<std::string, std::int64_t> CountBy(pqxx::transaction_base& txn, const std::string& scope,
                                            const std::string& filters, const std::string& value_expression) {
    std::map<std::string, std::int64_t> counts;
    const std::string sql = "SELECT v, count(*) FROM feedback_case AS c, LATERAL (SELECT " + value_expression +
                            ") AS f (v) WHERE " + scope + filters + " GROUP BY v";
    for (const auto& row : txn.exec(sql)) {
        counts[TextOr(row[0])] = row[1].as<std::int64_t>();
    }
    return counts;
}

const std::string kMessageColumns =
    "i.id, i.source, i.external_id, i.channel, i.author, i.text, i.url, i.question, " + TimeColumn("i.posted_at") +
    ", " + TimeColumn("i.received_at") +
    ", i.language, i.sentiment_label, i.sentiment_score, i.categories, i.urgency, i.red_flags, i.noise_reasons, "
    "i.analyzer_version, i.care_unit";

CaseMessage ToMessage(const pqxx::row& row, int first = 0) {
    CaseMessage out;
    out.id = row[first].as<std::int64_t>();
    out.source = row[first + 1].as<std::string>();
    out.external_id = row[first + 2].as<std::string>();
    out.channel = row[first + 3].as<std::string>();
    out.author = row[first + 4].as<std::string>();
    out.text = row[first + 5].as<std::string>();
    out.url = row[first + 6].as<std::string>();
    out.question = row[first + 7].as<std::string>();
    out.posted_at = OptionalTime(row[first + 8]);
    out.received_at = FromUnixMicros(row[first + 9].as<std::int64_t>());
    out.language = row[first + 10].as<std::string>();
    out.sentiment_label = row[first + 11].as<std::string>();
    out.sentiment_score = row[first + 12].as<double>();
    out.categories = ParseTextArray(row[first + 13]);
    out.urgency = row[first + 14].as<std::string>();
    out.red_flags = ParseTextArray(row[first + 15]);
    out.noise_reasons = ParseTextArray(row[first + 16]);
    out.analyzer_version = row[first + 17].as<std::string>();
    out.care_unit = row[first + 18].as<std::string>();
    return out;
}

/// Locks a case the viewer may change (FOR UPDATE) and returns its status; nullopt when it does not exist or is
/// outside the viewer's scope.
std::optional<std::string> LockCase(pqxx::work& txn, const Viewer& viewer, std::int64_t case_id) {
    const pqxx::result rows =
        txn.exec("SELECT c.status FROM feedback_case AS c WHERE c.id = " + std::to_string(case_id) + " AND " +
                 ScopeCondition(txn, viewer) + " FOR UPDATE");
    if (rows.empty()) {
        return std::nullopt;
    }
    return rows[0][0].as<std::string>();
}

void InsertEvent(pqxx::work& txn, const Viewer& viewer, std::int64_t case_id, const std::string& kind,
                 const std::string& channel, const std::string& body, const std::string& detail_json) {
    Prepared(txn, "crm_console_event",
             "INSERT INTO case_event (case_id, user_id, kind, channel, body, detail) "
             "VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6::jsonb)",
             case_id, viewer.user_id, kind, channel, body, detail_json);
    txn.exec("UPDATE feedback_case SET updated_at = now() WHERE id = " + std::to_string(case_id));
}

/// One case action: lock, check, change, event, audit; all in one transaction.
template <typename Change>
Result<void> CaseAction(Store::Impl& impl, const char* operation, const Viewer& viewer, std::int64_t case_id,
                        Change&& change) {
    return impl.Run<void>(operation, [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, operation);
        const std::optional<std::string> status = LockCase(txn, viewer, case_id);
        if (!status) {
            return CrmErrc::kNotFound;
        }
        Result<void> changed = change(txn, *status);
        if (!changed) {
            return changed;
        }
        txn.commit();
        return outcome::success();
    });
}

}  // namespace

// ---- users, sessions, tokens ---------------------------------------------------------------------------------

Result<ConsoleUser> ConsoleRepository::AddUser(const NewConsoleUser& user, const Viewer& by) {
    return store_.impl_->Run<ConsoleUser>("add console user", [&](pqxx::connection& conn) -> Result<ConsoleUser> {
        pqxx::work txn(conn, "add console user");
        if (user.role == kRolePhysician) {
            // The physician may not have come through the HL7 feed yet: create the row it will fill in.
            Prepared(txn, "crm_console_1", "INSERT INTO physician (id) VALUES ($1) ON CONFLICT (id) DO NOTHING",
                     user.physician_id);
        }
        const pqxx::result rows = Prepared(
            txn, "crm_console_2",
            "INSERT INTO console_user (username, display_name, role, physician_id, care_unit, password_hash) "
            "VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6) ON CONFLICT (username) DO NOTHING RETURNING id",
            user.username, user.display_name, user.role, user.physician_id, user.care_unit, user.password_hash);
        if (rows.empty()) {
            return CrmErrc::kConflict;
        }
        const auto id = rows[0][0].as<std::int64_t>();
        InsertAudit(txn, by,
                    {"user_add", "user", user.username,
                     "{\"role\":" + JsonString(user.role) + ",\"physician_id\":" + JsonString(user.physician_id) +
                         ",\"care_unit\":" + JsonString(user.care_unit) + "}"});
        const pqxx::row row =
            Prepared1(txn, "crm_console_3", "SELECT " + kUserColumns + " FROM console_user AS u WHERE u.id = $1", id);
        ConsoleUser added = ToUser(row);
        txn.commit();
        return added;
    });
}

Result<std::optional<ConsoleUser>> ConsoleRepository::FindUser(const std::string& username) {
    return store_.impl_->Run<std::optional<ConsoleUser>>(
        "find console user", [&](pqxx::connection& conn) -> Result<std::optional<ConsoleUser>> {
            pqxx::nontransaction txn(conn, "find console user");
            const pqxx::result rows =
                Prepared(txn, "crm_console_4",
                         "SELECT " + kUserColumns + " FROM console_user AS u WHERE u.username = $1", username);
            if (rows.empty()) {
                return std::optional<ConsoleUser>();
            }
            return std::optional<ConsoleUser>(ToUser(rows[0]));
        });
}

Result<std::vector<ConsoleUser>> ConsoleRepository::ListUsers() {
    return store_.impl_->Run<std::vector<ConsoleUser>>(
        "list console users", [&](pqxx::connection& conn) -> Result<std::vector<ConsoleUser>> {
            pqxx::nontransaction txn(conn, "list console users");
            std::vector<ConsoleUser> users;
            for (const auto& row : Prepared(txn, "crm_console_5",
                                            "SELECT " + kUserColumns + " FROM console_user AS u ORDER BY u.username")) {
                users.push_back(ToUser(row));
            }
            return users;
        });
}

Result<void> ConsoleRepository::SetUserDisabled(const std::string& username, bool disabled, const Viewer& by) {
    return store_.impl_->Run<void>("disable console user", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "disable console user");
        const pqxx::result rows =
            Prepared(txn, "crm_console_6", "UPDATE console_user SET disabled = $2 WHERE username = $1 RETURNING id",
                     username, disabled);
        if (rows.empty()) {
            return CrmErrc::kNotFound;
        }
        if (disabled) {
            const auto id = rows[0][0].as<std::int64_t>();
            Prepared(txn, "crm_console_7",
                     "UPDATE console_session SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL", id);
            Prepared(txn, "crm_console_8",
                     "UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", id);
        }
        InsertAudit(txn, by, {disabled ? "user_disable" : "user_enable", "user", username, "{}"});
        txn.commit();
        return outcome::success();
    });
}

Result<void> ConsoleRepository::SetPassword(const std::string& username, const std::string& password_hash,
                                            const Viewer& by) {
    return store_.impl_->Run<void>("reset console password", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "reset console password");
        const pqxx::result rows =
            Prepared(txn, "crm_console_9",
                     "UPDATE console_user SET password_hash = $2, password_changed_at = now(), failed_logins = 0, "
                     "locked_until = NULL WHERE username = $1 RETURNING id",
                     username, password_hash);
        if (rows.empty()) {
            return CrmErrc::kNotFound;
        }
        Prepared(txn, "crm_console_7",
                 "UPDATE console_session SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL",
                 rows[0][0].as<std::int64_t>());
        InsertAudit(txn, by, {"password_reset", "user", username, "{}"});
        txn.commit();
        return outcome::success();
    });
}

Result<void> ConsoleRepository::RecordLoginFailure(const std::string& username, int max_failures,
                                                   std::chrono::seconds lock_for, Timestamp now,
                                                   const std::string& remote_address) {
    return store_.impl_->Run<void>("record login failure", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "record login failure");
        const pqxx::result rows = Prepared(
            txn, "crm_console_10",
            "UPDATE console_user SET failed_logins = failed_logins + 1, locked_until = CASE WHEN failed_logins + 1 "
            ">= $2 THEN " +
                TimeParam(3) +
                " ELSE locked_until END WHERE username = $1 RETURNING failed_logins, "
                "locked_until IS NOT NULL AND locked_until > " +
                TimeParam(4),
            username, max_failures, ToUnixMicros(now + lock_for), ToUnixMicros(now));
        Viewer anonymous{.actor = username.empty() ? std::string("(empty)") : username,
                         .remote_address = remote_address};
        std::string detail = "{\"known_user\":" + std::string(rows.empty() ? "false" : "true");
        if (!rows.empty()) {
            detail += ",\"failures\":" + std::to_string(rows[0][0].as<int>()) +
                      ",\"locked\":" + (rows[0][1].as<bool>() ? "true" : "false");
        }
        InsertAudit(txn, anonymous, {"login_failed", "user", username, detail + "}"});
        txn.commit();
        return outcome::success();
    });
}

Result<std::int64_t> ConsoleRepository::CreateSession(std::int64_t user_id, const std::string& token_digest,
                                                      const std::string& csrf_secret, Timestamp now,
                                                      Timestamp expires_at, const std::string& remote_address) {
    return store_.impl_->Run<std::int64_t>(
        "create console session", [&](pqxx::connection& conn) -> Result<std::int64_t> {
            pqxx::work txn(conn, "create console session");
            const pqxx::result user = Prepared(
                txn, "crm_console_11",
                "UPDATE console_user SET failed_logins = 0, locked_until = NULL WHERE id = $1 AND NOT disabled "
                "RETURNING username, role",
                user_id);
            if (user.empty()) {
                return CrmErrc::kNotFound;
            }
            const auto id =
                Prepared1(txn, "crm_console_12",
                          "INSERT INTO console_session (token_digest, csrf_secret, user_id, remote_address, "
                          "created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, " +
                              TimeParam(5) + ", " + TimeParam(5) + ", " + TimeParam(6) + ") RETURNING id",
                          token_digest, csrf_secret, user_id, remote_address, ToUnixMicros(now),
                          ToUnixMicros(expires_at))[0]
                    .as<std::int64_t>();
            const Viewer viewer{.user_id = user_id,
                                .actor = user[0][0].as<std::string>(),
                                .role = user[0][1].as<std::string>(),
                                .remote_address = remote_address};
            InsertAudit(txn, viewer, {"login", "session", std::to_string(id), "{}"});
            txn.commit();
            return id;
        });
}

Result<std::optional<SessionRecord>> ConsoleRepository::TouchSession(const std::string& token_digest, Timestamp now,
                                                                     std::chrono::seconds idle_timeout) {
    return store_.impl_->Run<std::optional<SessionRecord>>(
        "touch console session", [&](pqxx::connection& conn) -> Result<std::optional<SessionRecord>> {
            pqxx::work txn(conn, "touch console session");
            const pqxx::result rows = Prepared(
                txn, "crm_console_13",
                "SELECT s.id, s.csrf_secret, " + TimeColumn("s.created_at") + ", " + TimeColumn("s.last_seen_at") +
                    ", " + TimeColumn("s.expires_at") + ", s.ended_at IS NOT NULL, " + kUserColumns +
                    " FROM console_session AS s JOIN console_user AS u ON u.id = s.user_id WHERE s.token_digest = $1",
                token_digest);
            if (rows.empty()) {
                return std::optional<SessionRecord>();
            }
            SessionRecord session;
            session.id = rows[0][0].as<std::int64_t>();
            session.csrf_secret = rows[0][1].as<std::string>();
            session.created_at = FromUnixMicros(rows[0][2].as<std::int64_t>());
            session.last_seen_at = FromUnixMicros(rows[0][3].as<std::int64_t>());
            session.expires_at = FromUnixMicros(rows[0][4].as<std::int64_t>());
            const bool ended = rows[0][5].as<bool>();
            session.user = ToUser(rows[0], 6);
            if (ended) {
                return std::optional<SessionRecord>();
            }
            if (session.user.disabled || now >= session.expires_at || now - session.last_seen_at > idle_timeout) {
                Prepared(txn, "crm_console_14", "UPDATE console_session SET ended_at = now() WHERE id = $1",
                         session.id);
                txn.commit();
                return std::optional<SessionRecord>();
            }
            Prepared(txn, "crm_console_15",
                     "UPDATE console_session SET last_seen_at = " + TimeParam(2) + " WHERE id = $1", session.id,
                     ToUnixMicros(now));
            session.last_seen_at = now;
            txn.commit();
            return std::optional<SessionRecord>(std::move(session));
        });
}

Result<void> ConsoleRepository::EndSession(std::int64_t session_id, const Viewer& by) {
    return store_.impl_->Run<void>("end console session", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "end console session");
        Prepared(txn, "crm_console_14", "UPDATE console_session SET ended_at = now() WHERE id = $1", session_id);
        InsertAudit(txn, by, {"logout", "session", std::to_string(session_id), "{}"});
        txn.commit();
        return outcome::success();
    });
}

Result<std::int64_t> ConsoleRepository::CreateApiToken(const std::string& username, const std::string& name,
                                                       const std::string& token_digest, const Viewer& by) {
    return store_.impl_->Run<std::int64_t>("create api token", [&](pqxx::connection& conn) -> Result<std::int64_t> {
        pqxx::work txn(conn, "create api token");
        const pqxx::result rows =
            Prepared(txn, "crm_console_16",
                     "INSERT INTO api_token (token_digest, user_id, name) SELECT $1, u.id, $3 FROM console_user AS u "
                     "WHERE u.username = $2 AND NOT u.disabled RETURNING id",
                     token_digest, username, name);
        if (rows.empty()) {
            return CrmErrc::kNotFound;
        }
        const auto id = rows[0][0].as<std::int64_t>();
        InsertAudit(txn, by, {"api_token_create", "user", username, "{\"token_id\":" + std::to_string(id) + "}"});
        txn.commit();
        return id;
    });
}

Result<std::optional<ConsoleUser>> ConsoleRepository::FindApiTokenUser(const std::string& token_digest, Timestamp now) {
    return store_.impl_->Run<std::optional<ConsoleUser>>(
        "find api token", [&](pqxx::connection& conn) -> Result<std::optional<ConsoleUser>> {
            pqxx::work txn(conn, "find api token");
            const pqxx::result rows = Prepared(
                txn, "crm_console_17",
                "UPDATE api_token AS t SET last_used_at = " + TimeParam(2) +
                    " FROM console_user AS u WHERE "
                    "u.id = t.user_id AND t.token_digest = $1 AND t.revoked_at IS NULL AND NOT u.disabled RETURNING " +
                    kUserColumns,
                token_digest, ToUnixMicros(now));
            txn.commit();
            if (rows.empty()) {
                return std::optional<ConsoleUser>();
            }
            return std::optional<ConsoleUser>(ToUser(rows[0]));
        });
}

Result<void> ConsoleRepository::RevokeApiToken(std::int64_t token_id, const Viewer& by) {
    return store_.impl_->Run<void>("revoke api token", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "revoke api token");
        const pqxx::result rows = Prepared(
            txn, "crm_console_18",
            "UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id", token_id);
        if (rows.empty()) {
            return CrmErrc::kNotFound;
        }
        InsertAudit(txn, by, {"api_token_revoke", "api_token", std::to_string(token_id), "{}"});
        txn.commit();
        return outcome::success();
    });
}

// ---- audit -----------------------------------------------------------------------------------------------------

Result<void> ConsoleRepository::Audit(const Viewer& viewer, const AuditRecord& record) {
    return store_.impl_->Run<void>("audit", [&](pqxx::connection& conn) -> Result<void> {
        pqxx::work txn(conn, "audit");
        InsertAudit(txn, viewer, record);
        txn.commit();
        return outcome::success();
    });
}

Result<std::vector<AuditEntry>> ConsoleRepository::ListAudit(const AuditFilter& filter) {
    return store_.impl_->Run<std::vector<AuditEntry>>(
        "list audit", [&](pqxx::connection& conn) -> Result<std::vector<AuditEntry>> {
            pqxx::nontransaction txn(conn, "list audit");
            std::string sql = "SELECT a.id, " + TimeColumn("a.at") +
                              ", a.actor, a.actor_role, a.action, a.object_type, a.object_id, a.remote_address, "
                              "a.detail::text FROM audit_log AS a WHERE TRUE";
            if (filter.since) {
                sql += " AND a.at >= 'epoch'::timestamptz + " + std::to_string(ToUnixMicros(*filter.since)) +
                       " * interval '1 microsecond'";
            }
            if (filter.until) {
                sql += " AND a.at < 'epoch'::timestamptz + " + std::to_string(ToUnixMicros(*filter.until)) +
                       " * interval '1 microsecond'";
            }
            if (filter.actor) {
                sql += " AND a.actor = " + txn.quote(*filter.actor);
            }
            if (filter.action) {
                sql += " AND a.action = " + txn.quote(*filter.action);
            }
            if (filter.object_type) {
                sql += " AND a.object_type = " + txn.quote(*filter.object_type);
            }
            if (filter.object_id) {
                sql += " AND a.object_id = " + txn.quote(*filter.object_id);
            }
            sql += " ORDER BY a.id DESC LIMIT " + std::to_string(filter.limit);
            std::vector<AuditEntry> entries;
            for (const auto& row : txn.exec(sql)) {
                AuditEntry entry;
                entry.id = row[0].as<std::int64_t>();
                entry.at = FromUnixMicros(row[1].as<std::int64_t>());
                entry.actor = row[2].as<std::string>();
                entry.actor_role = row[3].as<std::string>();
                entry.action = row[4].as<std::string>();
                entry.object_type = row[5].as<std::string>();
                entry.object_id = row[6].as<std::string>();
                entry.remote_address = row[7].as<std::string>();
                entry.detail_json = row[8].as<std::string>();
                entries.push_back(std::move(entry));
            }
            return entries;
        });
}

// ---- the queue and a case ------------------------------------------------------------------------------------

Result<CaseQueuePage> ConsoleRepository::ListCases(const Viewer& viewer, const CaseQuery& query, Timestamp now) {
    return store_.impl_->Run<CaseQueuePage>("list cases", [&](pqxx::connection& conn) -> Result<CaseQueuePage> {
        pqxx::work txn(conn, "list cases");
        BeginCaseRead(txn, viewer, {"view_queue", "queue", "", "{}"});
        const std::string scope = ScopeCondition(txn, viewer);
        const std::string filters = FilterConditions(txn, query, now);
        CaseQueuePage page;
        const std::string sql = "SELECT " + kCaseColumns + " FROM feedback_case AS c WHERE " + scope + filters +
                                " ORDER BY (c.status = 'open') DESC, urgency_rank(c.urgency) DESC, "
                                "c.due_at ASC NULLS LAST, c.opened_at ASC, c.id LIMIT " +
                                std::to_string(query.limit) + " OFFSET " + std::to_string(query.offset);
        for (const auto& row : txn.exec(sql)) {
            page.cases.push_back(ToCaseSummary(row));
        }
        const std::string now_sql =
            "'epoch'::timestamptz + " + std::to_string(ToUnixMicros(now)) + " * interval '1 microsecond'";
        const pqxx::row totals = txn.exec1(
            "SELECT count(*), count(*) FILTER (WHERE c.status = 'open' AND c.first_response_at IS NULL AND c.due_at "
            "< " +
            now_sql + ") FROM feedback_case AS c WHERE " + scope + filters);
        page.facets.total = totals[0].as<std::int64_t>();
        page.facets.overdue = totals[1].as<std::int64_t>();
        page.facets.status = CountBy(txn, scope, FilterConditions(txn, query, now, "status"), "c.status");
        page.facets.urgency = CountBy(txn, scope, FilterConditions(txn, query, now, "urgency"), "c.urgency");
        page.facets.unit = CountBy(txn, scope, FilterConditions(txn, query, now, "unit"),
                                   "COALESCE(NULLIF(c.assigned_unit, ''), c.care_unit)");
        page.facets.physician =
            CountBy(txn, scope, FilterConditions(txn, query, now, "physician"), "COALESCE(c.physician_id, '')");
        // Categories and channels come from the cases' messages: one join each, not a subquery per case (the
        // queue page's most expensive part with thousands of open cases).
        const std::string category_filters = FilterConditions(txn, query, now, "category");
        for (
            const auto& row : txn.exec(
                "SELECT v, count(*) FROM (SELECT DISTINCT c.id, x AS v FROM feedback_case AS c JOIN item AS i ON "
                "i.case_id = c.id CROSS JOIN LATERAL unnest(i.categories) AS x WHERE c.category_override IS NULL AND " +
                scope + category_filters +
                " UNION ALL SELECT c.id, x FROM feedback_case AS c CROSS JOIN LATERAL unnest(c.category_override) AS x "
                "WHERE c.category_override IS NOT NULL AND " +
                scope + category_filters + ") AS t GROUP BY v")) {
            page.facets.category[row[0].as<std::string>()] = row[1].as<std::int64_t>();
        }
        for (const auto& row : txn.exec("SELECT i.channel, count(DISTINCT c.id) FROM feedback_case AS c JOIN item AS i "
                                        "ON i.case_id = c.id WHERE " +
                                        scope + FilterConditions(txn, query, now, "channel") + " GROUP BY 1")) {
            page.facets.channel[row[0].as<std::string>()] = row[1].as<std::int64_t>();
        }
        txn.commit();
        return page;
    });
}

Result<CaseDetail> ConsoleRepository::GetCase(const Viewer& viewer, std::int64_t case_id) {
    return store_.impl_->Run<CaseDetail>("get case", [&](pqxx::connection& conn) -> Result<CaseDetail> {
        pqxx::work txn(conn, "get case");
        if (viewer.role == kRolePhysician) {
            BecomePhysician(txn, viewer.physician_id);
        }
        const pqxx::result rows =
            txn.exec("SELECT " + kCaseColumns + " FROM feedback_case AS c WHERE c.id = " + std::to_string(case_id) +
                     " AND " + ScopeCondition(txn, viewer));
        // The audit row says whether the case was shown or refused (written as the owner: a physician's role
        // may not write the log).
        if (viewer.role == kRolePhysician) {
            txn.exec("RESET ROLE");
        }
        InsertAudit(txn, viewer,
                    {rows.empty() ? "view_case_denied" : "view_case", "case", std::to_string(case_id), "{}"});
        if (rows.empty()) {
            txn.commit();  // the audit row of the attempt stays
            return CrmErrc::kNotFound;
        }
        if (viewer.role == kRolePhysician) {
            BecomePhysician(txn, viewer.physician_id);
        }
        CaseDetail detail;
        detail.summary = ToCaseSummary(rows[0]);
        for (const auto& row :
             txn.exec("SELECT " + kMessageColumns + " FROM item AS i WHERE i.case_id = " + std::to_string(case_id) +
                      " ORDER BY COALESCE(i.posted_at, i.received_at), i.id")) {
            detail.messages.push_back(ToMessage(row));
        }
        if (viewer.role != kRolePhysician) {
            for (const auto& row :
                 txn.exec("SELECT e.id, " + TimeColumn("e.at") +
                          ", COALESCE(u.username, ''), e.kind, e.channel, e.body, e.detail::text FROM case_event AS e "
                          "LEFT JOIN console_user AS u ON u.id = e.user_id WHERE e.case_id = " +
                          std::to_string(case_id) + " ORDER BY e.id")) {
                CaseEvent event;
                event.id = row[0].as<std::int64_t>();
                event.at = FromUnixMicros(row[1].as<std::int64_t>());
                event.username = row[2].as<std::string>();
                event.kind = row[3].as<std::string>();
                event.channel = row[4].as<std::string>();
                event.body = row[5].as<std::string>();
                event.detail_json = row[6].as<std::string>();
                detail.events.push_back(std::move(event));
            }
        }
        // The patient: the case's own link (surveys), else the patient whose contact wrote the case's messages.
        const pqxx::result patient = txn.exec(
            "SELECT p.id, COALESCE(p.mrn, ''), COALESCE(e.visit_number, ''), COALESCE(e.care_unit, ''), "
            "COALESCE(e.physician_id, ''), " +
            TimeColumn("e.discharged_at") +
            " FROM feedback_case AS c JOIN patient AS p ON p.id = COALESCE(c.patient_id, " +
            // Physicians see only the case's own link (patient_contact is not theirs to read).
            std::string(viewer.role == kRolePhysician
                            ? "NULL"
                            : "(SELECT pc.patient_id FROM patient_contact AS pc WHERE pc.value = c.author AND "
                              "c.author <> '' LIMIT 1)") +
            ") "
            "LEFT JOIN survey AS s ON s.id = c.survey_id LEFT JOIN encounter AS e ON e.id = COALESCE(s.encounter_id, "
            "(SELECT e2.id FROM encounter AS e2 WHERE e2.patient_id = p.id ORDER BY e2.discharged_at DESC NULLS LAST "
            "LIMIT 1)) WHERE c.id = " +
            std::to_string(case_id));
        if (!patient.empty()) {
            CasePatient link;
            link.patient_id = patient[0][0].as<std::int64_t>();
            link.mrn = patient[0][1].as<std::string>();
            link.visit_number = patient[0][2].as<std::string>();
            link.care_unit = patient[0][3].as<std::string>();
            link.physician_id = patient[0][4].as<std::string>();
            link.discharged_at = OptionalTime(patient[0][5]);
            detail.patient = link;
        }
        txn.commit();
        return detail;
    });
}

Result<void> ConsoleRepository::AssignCase(const Viewer& viewer, std::int64_t case_id, const std::string& username,
                                           const std::string& unit) {
    return CaseAction(
        *store_.impl_, "assign case", viewer, case_id, [&](pqxx::work& txn, const std::string&) -> Result<void> {
            std::optional<std::int64_t> user_id;
            if (!username.empty()) {
                const pqxx::result user =
                    Prepared(txn, "crm_console_20", "SELECT id FROM console_user WHERE username = $1 AND NOT disabled",
                             username);
                if (user.empty()) {
                    return CrmErrc::kNotFound;
                }
                user_id = user[0][0].as<std::int64_t>();
            }
            Prepared(txn, "crm_console_21",
                     "UPDATE feedback_case SET assigned_user_id = $2, assigned_unit = $3 WHERE id = $1", case_id,
                     user_id, unit);
            const std::string detail = "{\"user\":" + JsonString(username) + ",\"unit\":" + JsonString(unit) + "}";
            InsertEvent(txn, viewer, case_id, "assigned", "", "", detail);
            InsertAudit(txn, viewer, {"assign", "case", std::to_string(case_id), detail});
            return outcome::success();
        });
}

Result<void> ConsoleRepository::AddNote(const Viewer& viewer, std::int64_t case_id, const std::string& body) {
    return CaseAction(*store_.impl_, "add case note", viewer, case_id,
                      [&](pqxx::work& txn, const std::string&) -> Result<void> {
                          InsertEvent(txn, viewer, case_id, "note", "", body, "{}");
                          InsertAudit(txn, viewer, {"note", "case", std::to_string(case_id), "{}"});
                          return outcome::success();
                      });
}

Result<void> ConsoleRepository::RecordResponse(const Viewer& viewer, std::int64_t case_id, const std::string& channel,
                                               const std::string& body) {
    return CaseAction(*store_.impl_, "record case response", viewer, case_id,
                      [&](pqxx::work& txn, const std::string&) -> Result<void> {
                          txn.exec(
                              "UPDATE feedback_case SET first_response_at = COALESCE(first_response_at, now()) "
                              "WHERE id = " +
                              std::to_string(case_id));
                          const std::string detail = "{\"channel\":" + JsonString(channel) + "}";
                          InsertEvent(txn, viewer, case_id, "response", channel, body, detail);
                          InsertAudit(txn, viewer, {"response", "case", std::to_string(case_id), detail});
                          return outcome::success();
                      });
}

Result<void> ConsoleRepository::CorrectCase(const Viewer& viewer, std::int64_t case_id,
                                            const std::optional<std::vector<std::string>>& categories,
                                            const std::optional<std::string>& sentiment) {
    return CaseAction(
        *store_.impl_, "correct case", viewer, case_id, [&](pqxx::work& txn, const std::string&) -> Result<void> {
            std::string detail = "{";
            if (categories) {
                std::vector<std::string> sorted = *categories;
                std::sort(sorted.begin(), sorted.end());
                sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
                const std::string literal = TextArrayLiteral(sorted);
                // Each message becomes a labelled example: what the analyzer said, what staff say it is.
                Prepared(txn, "crm_console_22",
                         "INSERT INTO labelled_example (item_id, field, analyzer_value, corrected_value, "
                         "analyzer_version, user_id) SELECT i.id, 'categories', array_to_string(i.categories, ','), "
                         "array_to_string($2::text[], ','), i.analyzer_version, NULLIF($3, 0) FROM item AS i "
                         "WHERE i.case_id = $1",
                         case_id, literal, viewer.user_id);
                Prepared(txn, "crm_console_23", "UPDATE feedback_case SET category_override = $2::text[] WHERE id = $1",
                         case_id, literal);
                detail += "\"categories\":" + JsonArray(sorted);
            }
            if (sentiment) {
                Prepared(txn, "crm_console_24",
                         "INSERT INTO labelled_example (item_id, field, analyzer_value, corrected_value, "
                         "analyzer_version, user_id) SELECT i.id, 'sentiment', i.sentiment_label, $2, "
                         "i.analyzer_version, NULLIF($3, 0) FROM item AS i WHERE i.case_id = $1",
                         case_id, *sentiment, viewer.user_id);
                Prepared(txn, "crm_console_25", "UPDATE feedback_case SET sentiment_override = $2 WHERE id = $1",
                         case_id, *sentiment);
                detail += std::string(categories ? "," : "") + "\"sentiment\":" + JsonString(*sentiment);
            }
            detail += "}";
            InsertEvent(txn, viewer, case_id, "correction", "", "", detail);
            InsertAudit(txn, viewer, {"correct", "case", std::to_string(case_id), detail});
            return outcome::success();
        });
}

Result<void> ConsoleRepository::MergeCases(const Viewer& viewer, std::int64_t duplicate_id, std::int64_t into_id) {
    return store_.impl_->Run<void>("merge cases", [&](pqxx::connection& conn) -> Result<void> {
        if (duplicate_id == into_id) {
            return CrmErrc::kInvalidInput;
        }
        pqxx::work txn(conn, "merge cases");
        // Lock both in id order, so two merges of the same pair in opposite directions cannot deadlock.
        const auto [first, second] = std::minmax(duplicate_id, into_id);
        const std::optional<std::string> first_status = LockCase(txn, viewer, first);
        const std::optional<std::string> second_status = LockCase(txn, viewer, second);
        if (!first_status || !second_status) {
            return CrmErrc::kNotFound;
        }
        if (*first_status != "open" || *second_status != "open") {
            return CrmErrc::kInvalidInput;
        }
        const std::string dup = std::to_string(duplicate_id);
        const std::string into = std::to_string(into_id);
        txn.exec("UPDATE item SET case_id = " + into + " WHERE case_id = " + dup);
        txn.exec(
            "UPDATE feedback_case AS t SET item_count = t.item_count + d.item_count, "
            "urgency = CASE WHEN urgency_rank(d.urgency) > urgency_rank(t.urgency) THEN d.urgency ELSE t.urgency "
            "END, min_sentiment_score = least(t.min_sentiment_score, d.min_sentiment_score), "
            "opened_at = least(t.opened_at, d.opened_at) FROM feedback_case AS d WHERE t.id = " +
            into + " AND d.id = " + dup);
        txn.exec("UPDATE feedback_case SET status = 'closed', closed_at = now(), outcome = 'merged', merged_into = " +
                 into + " WHERE id = " + dup);
        const std::string detail = "{\"duplicate\":" + dup + ",\"into\":" + into + "}";
        InsertEvent(txn, viewer, duplicate_id, "merged", "", "", detail);
        InsertEvent(txn, viewer, into_id, "merged", "", "", detail);
        InsertAudit(txn, viewer, {"merge", "case", into, detail});
        txn.commit();
        return outcome::success();
    });
}

Result<void> ConsoleRepository::ResolveCase(const Viewer& viewer, std::int64_t case_id, const std::string& outcome,
                                            const std::string& note) {
    return CaseAction(*store_.impl_, "resolve case", viewer, case_id,
                      [&](pqxx::work& txn, const std::string& status) -> Result<void> {
                          if (status != "open") {
                              return CrmErrc::kInvalidInput;
                          }
                          Prepared(txn, "crm_console_26",
                                   "UPDATE feedback_case SET status = 'closed', closed_at = now(), outcome = $2 "
                                   "WHERE id = $1",
                                   case_id, outcome);
                          const std::string detail = "{\"outcome\":" + JsonString(outcome) + "}";
                          InsertEvent(txn, viewer, case_id, "resolved", "", note, detail);
                          InsertAudit(txn, viewer, {"resolve", "case", std::to_string(case_id), detail});
                          return outcome::success();
                      });
}

Result<void> ConsoleRepository::ReopenCase(const Viewer& viewer, std::int64_t case_id, const std::string& reason) {
    return CaseAction(*store_.impl_, "reopen case", viewer, case_id,
                      [&](pqxx::work& txn, const std::string& status) -> Result<void> {
                          if (status != "closed") {
                              return CrmErrc::kInvalidInput;
                          }
                          // The one-open-case-per-author index: a savepoint turns its violation into kConflict.
                          try {
                              pqxx::subtransaction reopen(txn, "reopen");
                              Prepared(reopen, "crm_console_27",
                                       "UPDATE feedback_case SET status = 'open', closed_at = NULL, outcome = '', "
                                       "merged_into = NULL, due_basis = NULL WHERE id = $1",
                                       case_id);
                              reopen.commit();
                          } catch (const pqxx::unique_violation&) {
                              return CrmErrc::kConflict;
                          }
                          InsertEvent(txn, viewer, case_id, "reopened", "", reason, "{}");
                          InsertAudit(txn, viewer, {"reopen", "case", std::to_string(case_id), "{}"});
                          return outcome::success();
                      });
}

Result<std::size_t> ConsoleRepository::RefreshDeadlines(const std::string& settings_fingerprint,
                                                        const CaseDeadlineRule& rule, std::size_t limit) {
    return store_.impl_->Run<std::size_t>("refresh case deadlines", [&](pqxx::connection& conn) -> Result<std::size_t> {
        pqxx::work txn(conn, "refresh case deadlines");
        const pqxx::result rows = Prepared(
            txn, "crm_console_28",
            "SELECT id, urgency, " + TimeColumn("opened_at") +
                " FROM feedback_case WHERE status = 'open' AND due_basis IS DISTINCT FROM (urgency || '|' || $1) "
                "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            settings_fingerprint, static_cast<std::int64_t>(limit));
        for (const auto& row : rows) {
            const std::string urgency = row[1].as<std::string>();
            const Timestamp due = rule(urgency, FromUnixMicros(row[2].as<std::int64_t>()));
            Prepared(txn, "crm_console_29",
                     "UPDATE feedback_case SET due_at = " + TimeParam(2) + ", due_basis = $3 WHERE id = $1",
                     row[0].as<std::int64_t>(), ToUnixMicros(due), urgency + "|" + settings_fingerprint);
        }
        txn.commit();
        return rows.size();
    });
}

// ---- dashboard, export, physicians ---------------------------------------------------------------------------

Result<DashboardData> ConsoleRepository::Dashboard(const Viewer& viewer, Timestamp today_start, int days) {
    return store_.impl_->Run<DashboardData>("dashboard", [&](pqxx::connection& conn) -> Result<DashboardData> {
        pqxx::work txn(conn, "dashboard");
        BeginCaseRead(txn, viewer, {"view_dashboard", "dashboard", "", "{}"});
        DashboardData data;
        const auto day_count = static_cast<std::size_t>(std::max(days, 1));
        const Timestamp from = today_start - std::chrono::hours(24) * static_cast<int>(day_count - 1);
        const std::int64_t from_micros = ToUnixMicros(from);
        constexpr std::int64_t kDayMicros = 86'400'000'000;
        for (std::size_t d = 0; d < day_count; ++d) {
            const auto day_time =
                std::chrono::system_clock::to_time_t(from + std::chrono::hours(24) * static_cast<int>(d));
            std::tm tm{};
            gmtime_r(&day_time, &tm);
            char buffer[16];
            std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &tm);
            data.days.emplace_back(buffer);
        }
        data.complaints_per_day.assign(day_count, 0);
        const std::string scope = ScopeCondition(txn, viewer);
        const std::string from_sql =
            "'epoch'::timestamptz + " + std::to_string(from_micros) + " * interval '1 microsecond'";
        const std::string day_index = "floor((extract(epoch FROM i.received_at) * 1000000 - " +
                                      std::to_string(from_micros) + ") / " + std::to_string(kDayMicros) + ")::int";
        // Complaints: messages that are not noise and belong to a case (flagged), by day, category and unit.
        const std::string flagged_from = " FROM item AS i JOIN feedback_case AS c ON c.id = i.case_id";
        const std::string flagged_where = " WHERE " + scope + " AND NOT i.is_noise AND i.received_at >= " + from_sql;
        const auto add_count = [day_count](std::vector<std::int64_t>& series, int index, std::int64_t count) {
            series.resize(day_count, 0);
            if (index >= 0 && static_cast<std::size_t>(index) < day_count) {
                series[static_cast<std::size_t>(index)] = count;
            }
        };
        for (const auto& row :
             txn.exec("SELECT " + day_index + ", count(*)" + flagged_from + flagged_where + " GROUP BY 1")) {
            add_count(data.complaints_per_day, row[0].as<int>(), row[1].as<std::int64_t>());
        }
        for (const auto& row :
             txn.exec("SELECT " + day_index + ", x, count(*)" + flagged_from +
                      " CROSS JOIN LATERAL unnest(i.categories) AS x" + flagged_where + " GROUP BY 1, 2")) {
            add_count(data.complaints_by_category[row[1].as<std::string>()], row[0].as<int>(),
                      row[2].as<std::int64_t>());
        }
        for (const auto& row :
             txn.exec("SELECT " + day_index + ", COALESCE(NULLIF(i.care_unit, ''), c.care_unit), count(*)" +
                      flagged_from + flagged_where + " GROUP BY 1, 2")) {
            add_count(data.complaints_by_unit[row[1].as<std::string>()], row[0].as<int>(), row[2].as<std::int64_t>());
        }
        // Sentiment per source: every scored, non-noise message the viewer may see. Physicians only see their
        // patients' messages (row-level security); staff see all sources.
        const std::string sentiment_scope =
            viewer.role == kRoleUnitLead ? "i.care_unit = " + txn.quote(viewer.care_unit) : std::string("TRUE");
        for (const auto& row : txn.exec("SELECT " + day_index +
                                        ", i.source, avg(i.sentiment_score) FROM item AS i "
                                        "WHERE " +
                                        sentiment_scope +
                                        " AND NOT i.is_noise AND i.sentiment_scored AND "
                                        "i.received_at >= " +
                                        from_sql + " GROUP BY 1, 2")) {
            const int index = row[0].as<int>();
            auto& series = data.sentiment_by_source[row[1].as<std::string>()];
            series.resize(day_count, std::numeric_limits<double>::quiet_NaN());
            if (index >= 0 && static_cast<std::size_t>(index) < day_count) {
                series[static_cast<std::size_t>(index)] = row[2].as<double>();
            }
        }
        for (const auto& row :
             txn.exec("SELECT c.urgency, " + TimeColumn("c.opened_at") + ", " + TimeColumn("c.due_at") + ", " +
                      TimeColumn("c.first_response_at") + " FROM feedback_case AS c WHERE " + scope +
                      " AND c.opened_at >= " + from_sql + " AND c.merged_into IS NULL")) {
            data.case_timings.push_back({row[0].as<std::string>(), FromUnixMicros(row[1].as<std::int64_t>()),
                                         OptionalTime(row[2]), OptionalTime(row[3])});
        }
        const std::int64_t week_micros = 7 * kDayMicros;
        const std::int64_t end_micros = ToUnixMicros(today_start) + kDayMicros;
        const auto themes = [&](std::int64_t start, std::int64_t end, std::map<std::string, std::int64_t>& out) {
            for (const auto& row :
                 txn.exec("SELECT x, count(*) FROM item AS i JOIN feedback_case AS c ON c.id = i.case_id, "
                          "unnest(i.categories) AS x WHERE " +
                          scope +
                          " AND NOT i.is_noise AND i.received_at >= "
                          "'epoch'::timestamptz + " +
                          std::to_string(start) +
                          " * interval '1 microsecond' AND "
                          "i.received_at < 'epoch'::timestamptz + " +
                          std::to_string(end) + " * interval '1 microsecond' GROUP BY 1")) {
                out[row[0].as<std::string>()] = row[1].as<std::int64_t>();
            }
        };
        themes(end_micros - week_micros, end_micros, data.themes_this_week);
        themes(end_micros - 2 * week_micros, end_micros - week_micros, data.themes_last_week);
        txn.commit();
        return data;
    });
}

Result<std::vector<ExportRow>> ConsoleRepository::Export(const Viewer& viewer, const CaseQuery& query,
                                                         bool deidentified, std::size_t max_rows) {
    return store_.impl_->Run<std::vector<ExportRow>>(
        "export cases", [&](pqxx::connection& conn) -> Result<std::vector<ExportRow>> {
            pqxx::work txn(conn, "export cases");
            BeginCaseRead(
                txn, viewer,
                {"export", "cases", "", std::string("{\"deidentified\":") + (deidentified ? "true" : "false") + "}"});
            std::vector<ExportRow> rows;
            const std::string sql =
                "SELECT c.id, c.status, c.urgency, " + kCaseCategories + ", c.outcome, " + TimeColumn("c.opened_at") +
                ", " + kMessageColumns + " FROM feedback_case AS c JOIN item AS i ON i.case_id = c.id WHERE " +
                ScopeCondition(txn, viewer) + FilterConditions(txn, query, Timestamp{}) +
                " ORDER BY c.id, COALESCE(i.posted_at, i.received_at), i.id LIMIT " + std::to_string(max_rows);
            for (const auto& row : txn.exec(sql)) {
                ExportRow out;
                out.case_id = row[0].as<std::int64_t>();
                out.case_status = row[1].as<std::string>();
                out.case_urgency = row[2].as<std::string>();
                out.case_categories = ParseTextArray(row[3]);
                out.outcome = row[4].as<std::string>();
                out.opened_at = FromUnixMicros(row[5].as<std::int64_t>());
                out.message = ToMessage(row, 6);
                rows.push_back(std::move(out));
            }
            txn.commit();
            return rows;
        });
}

Result<std::optional<PhysicianSurveyView>> ConsoleRepository::PhysicianSurvey(const Viewer& viewer,
                                                                              std::int64_t survey_id) {
    return store_.impl_->Run<std::optional<PhysicianSurveyView>>(
        "physician survey", [&](pqxx::connection& conn) -> Result<std::optional<PhysicianSurveyView>> {
            pqxx::work txn(conn, "physician survey");
            // Row-level security decides what is visible; the audit row (as the owner) says shown or refused.
            const std::string id = std::to_string(survey_id);
            BecomePhysician(txn, viewer.physician_id);
            const pqxx::result rows = txn.exec(
                "SELECT s.id, s.encounter_id, e.visit_number, s.state, s.reason, COALESCE(s.physician_id, ''), "
                "s.care_unit, s.channel, " +
                TimeColumn("s.due_at") + ", " + TimeColumn("s.next_action_at") + ", " + TimeColumn("s.invited_at") +
                ", " + TimeColumn("s.answered_at") +
                ", s.reminders_sent, s.definition_id, COALESCE(p.mrn, ''), d.definition::text, "
                "(SELECT c.id FROM feedback_case AS c WHERE c.survey_id = s.id) FROM survey AS s "
                "JOIN encounter AS e ON e.id = s.encounter_id LEFT JOIN patient AS p ON p.id = e.patient_id "
                "JOIN survey_definition AS d ON d.id = s.definition_id WHERE s.id = " +
                id);
            if (rows.empty()) {
                txn.exec("RESET ROLE");
                InsertAudit(txn, viewer, {"view_survey_denied", "survey", id, "{}"});
                txn.commit();
                return std::optional<PhysicianSurveyView>();
            }
            txn.exec("RESET ROLE");
            InsertAudit(txn, viewer, {"view_survey", "survey", id, "{}"});
            BecomePhysician(txn, viewer.physician_id);
            const pqxx::row& row = rows[0];
            PhysicianSurveyView view;
            view.survey.id = row[0].as<std::int64_t>();
            view.survey.encounter_id = row[1].as<std::int64_t>();
            view.survey.visit_number = row[2].as<std::string>();
            view.survey.state = row[3].as<std::string>();
            view.survey.reason = row[4].as<std::string>();
            view.survey.physician_id = row[5].as<std::string>();
            view.survey.care_unit = row[6].as<std::string>();
            view.survey.channel = row[7].as<std::string>();
            view.survey.due_at = FromUnixMicros(row[8].as<std::int64_t>());
            view.survey.next_action_at = OptionalTime(row[9]);
            view.survey.invited_at = OptionalTime(row[10]);
            view.survey.answered_at = OptionalTime(row[11]);
            view.survey.reminders_sent = row[12].as<int>();
            view.survey.definition_id = row[13].as<std::int64_t>();
            view.mrn = row[14].as<std::string>();
            view.definition_json = row[15].as<std::string>();
            if (!row[16].is_null()) {
                view.case_id = row[16].as<std::int64_t>();
            }
            for (const auto& answer : txn.exec("SELECT question_id, value_number, value_text, red_flag, is_free_text "
                                               "FROM survey_answer WHERE survey_id = " +
                                               id + " ORDER BY question_id")) {
                SurveyAnswerRecord record;
                record.question_id = answer[0].as<std::string>();
                if (!answer[1].is_null()) {
                    record.value_number = answer[1].as<int>();
                }
                record.value_text = answer[2].as<std::string>();
                record.red_flag = answer[3].as<std::string>();
                record.free_text = answer[4].as<bool>();
                view.answers.push_back(std::move(record));
            }
            txn.commit();
            return std::optional<PhysicianSurveyView>(std::move(view));
        });
}

Result<std::vector<ConsoleRepository::Correction>> ConsoleRepository::ListCorrections(Timestamp since) {
    return store_.impl_->Run<std::vector<Correction>>(
        "list corrections", [&](pqxx::connection& conn) -> Result<std::vector<Correction>> {
            pqxx::nontransaction txn(conn, "list corrections");
            std::vector<Correction> corrections;
            for (const auto& row :
                 Prepared(txn, "crm_console_30",
                          "SELECT l.id, l.item_id, l.field, l.analyzer_value, l.corrected_value, l.analyzer_version, "
                          "i.channel, i.text, " +
                              TimeColumn("l.created_at") +
                              " FROM labelled_example AS l JOIN item AS i ON i.id = l.item_id WHERE l.created_at >= " +
                              TimeParam(1) + " ORDER BY l.id",
                          ToUnixMicros(since))) {
                Correction c;
                c.id = row[0].as<std::int64_t>();
                c.item_id = row[1].as<std::int64_t>();
                c.field = row[2].as<std::string>();
                c.analyzer_value = row[3].as<std::string>();
                c.corrected_value = row[4].as<std::string>();
                c.analyzer_version = row[5].as<std::string>();
                c.channel = row[6].as<std::string>();
                c.text = row[7].as<std::string>();
                c.created_at = FromUnixMicros(row[8].as<std::int64_t>());
                corrections.push_back(std::move(c));
            }
            return corrections;
        });
}

}  // namespace carelisten::crm
