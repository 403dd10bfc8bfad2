// The staff console and /api/v1 against a real PostgreSQL (crm V008): login, lock-out, idle timeout, CSRF, every
// case action with its history and audit rows, every API endpoint for every role (scoping, redaction, refusals),
// physicians' row-level security, hostile text escaped, the de-identified export, deadlines in business hours,
// and the audit log's append-only guarantee. The app runs in-process (ConsoleApp::Handle); the browser tests
// (tests/e2e/console_browser_e2e_test.cpp) drive the same pages through carelistend in Chromium.
#include <gtest/gtest.h>

#include <console/console_app.hpp>
#include <console/passwords.hpp>
#include <console/tokens.hpp>
#include <crm/console_repository.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <memory>
#include <nlp/analyzer.hpp>
#include <regex>
#include <string>

#include "pg/pg_test_database.hpp"

namespace carelisten::console {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using Timestamp = std::chrono::system_clock::time_point;

// Wednesday 2026-12-02 10:00 UTC.
const Timestamp kNow = Timestamp{} + std::chrono::seconds(1'796'205'600);
constexpr const char* kPassword = "correct horse battery staple";

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [key, value] : fields) {
        out += (out.empty() ? "" : "&") + key + "=";
        for (const char c : value) {
            const auto byte = static_cast<unsigned char>(c);
            if (std::isalnum(byte) || c == '-' || c == '_' || c == '.') {
                out += c;
            } else {
                char buffer[4];
                std::snprintf(buffer, sizeof buffer, "%%%02X", byte);
                out += buffer;
            }
        }
    }
    return out;
}

std::string HeaderOf(const ConsoleResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

/// The value of `cookie` in the response's Set-Cookie fields ("" when none sets it).
std::string SetCookieValue(const ConsoleResponse& response, const std::string& cookie,
                           std::string* attributes = nullptr) {
    for (const auto& [key, value] : response.headers) {
        if (key == "Set-Cookie" && value.rfind(cookie + "=", 0) == 0) {
            const auto end = value.find(';');
            if (attributes != nullptr) {
                *attributes = value.substr(end);
            }
            return value.substr(cookie.size() + 1, end - cookie.size() - 1);
        }
    }
    return {};
}

std::string CsrfOf(const std::string& html) {
    std::smatch match;
    if (std::regex_search(html, match, std::regex("name=\"csrf\" value=\"([^\"]+)\""))) {
        return match[1];
    }
    return {};
}

class ConsoleTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        db_ = std::make_unique<test::TestDatabase>(*dsn);
        ASSERT_TRUE(crm::ApplyMigrations(db_->Conninfo(), {}));
        auto opened = crm::Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened);
        store_ = std::move(opened.value());
        auto analyzer = nlp::Analyzer::Create();
        ASSERT_TRUE(analyzer);
        analyzer_ = std::make_unique<nlp::Analyzer>(std::move(analyzer.value()));
        ConsoleSettings settings;
        settings.secure_cookies = true;
        settings.password_cost = MinimumCost();
        settings.calendar = *ParseBusinessCalendar("mon-fri 08:00-18:00", {}, "UTC", nullptr);
        app_ = std::make_unique<ConsoleApp>(settings, *analyzer_, [this] { return now_; });
        repository_ = std::make_unique<crm::ConsoleRepository>(*store_);

        AddUser("pr", crm::kRolePatientRelations);
        AddUser("lead", crm::kRoleUnitLead, "", "cardiology");
        AddUser("admin", crm::kRoleAdmin);
        AddUser("dra", crm::kRolePhysician, "PA");
        AddUser("drb", crm::kRolePhysician, "PB");
        for (const auto* name : {"pr", "lead", "admin", "dra", "drb"}) {
            tokens_[name] = "token-" + std::string(name) + "-0123456789abcdef";
            ASSERT_TRUE(repository_->CreateApiToken(name, "test", TokenDigest(tokens_[name]), {.actor = "test"}));
        }
        // Cases: a social post (anonymous unit), a cardiology SMS with a phone number, and a hostile post.
        social_case_ = Ingest("x", "x-1", "social", "@angry", "The ward was filthy and nobody listened to me.", "");
        cardiology_case_ = Ingest("sms", "sms-1", "sms", "+447700900123",
                                  "I was discharged too early, call me on +447700900123 please.", "cardiology");
        hostile_case_ = Ingest("x", "x-2", "social", "@hostile",
                               "<script>alert(1)</script><img src=x onerror=alert(2)> rude staff", "");
    }

    void AddUser(const std::string& name, const std::string& role, const std::string& physician = "",
                 const std::string& unit = "") {
        const auto added = repository_->AddUser({.username = name,
                                                 .display_name = name,
                                                 .role = role,
                                                 .physician_id = physician,
                                                 .care_unit = unit,
                                                 .password_hash = HashPassword(kPassword, MinimumCost())},
                                                {.actor = "test"});
        ASSERT_TRUE(added) << added.error().message();
    }

    std::int64_t Ingest(const std::string& source, const std::string& id, const std::string& channel,
                        const std::string& author, const std::string& text, const std::string& unit) {
        crm::NewItem item;
        item.source = source;
        item.external_id = id;
        item.channel = channel;
        item.author = author;
        item.text = text;
        item.care_unit = unit;
        item.sentiment_label = "negative";
        item.sentiment_score = -0.7;
        item.categories = {"environment"};
        item.urgency = "high";
        item.analyzer_version = "test";
        item.flagged = true;
        EXPECT_TRUE(store_->Ingest({.source = source, .items = {item}}));
        const auto case_id = db_->QueryInt("SELECT case_id FROM item WHERE external_id = '" + id + "'");
        if (!unit.empty()) {
            db_->Execute("UPDATE feedback_case SET care_unit = '" + unit + "' WHERE id = " + std::to_string(case_id));
        }
        return case_id;
    }

    ConsoleResponse Send(const std::string& method, const std::string& target, const std::string& body = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        ConsoleRequest request;
        request.method = method;
        const auto mark = target.find('?');
        request.path = target.substr(0, mark);
        request.query = mark == std::string::npos ? "" : target.substr(mark + 1);
        request.body = body;
        request.remote_address = "127.0.0.1";
        request.headers = headers;
        request.headers.emplace_back("host", "console.test");
        return app_->Handle(*store_, request);
    }

    /// Logs in through the form; returns the session cookie ("" on failure).
    std::string Login(const std::string& name, const std::string& password = kPassword) {
        const auto page = Send("GET", "/console/login");
        const std::string login_cookie = SetCookieValue(page, "carelisten_login");
        const auto answer = Send("POST", "/console/login",
                                 FormEncode({{"csrf", CsrfOf(page.body)}, {"username", name}, {"password", password}}),
                                 {{"cookie", "carelisten_login=" + login_cookie}});
        last_login_ = answer;
        return SetCookieValue(answer, "carelisten_session");
    }

    ConsoleResponse Page(const std::string& session, const std::string& target) {
        return Send("GET", target, "", {{"cookie", "carelisten_session=" + session}});
    }

    ConsoleResponse Post(const std::string& session, const std::string& target,
                         std::vector<std::pair<std::string, std::string>> fields, const std::string& csrf) {
        fields.emplace_back("csrf", csrf);
        return Send("POST", target, FormEncode(fields), {{"cookie", "carelisten_session=" + session}});
    }

    ConsoleResponse Api(const std::string& user, const std::string& method, const std::string& target,
                        const std::string& body = "") {
        return Send(method, target, body, {{"authorization", "Bearer " + tokens_[user]}});
    }

    /// A surveyed patient of physician `physician` whose answer raised a red flag (one critical case).
    std::int64_t SurveyWithRedFlag(const std::string& physician, const std::string& visit) {
        crm::SurveyRepository surveys(*store_);
        EXPECT_TRUE(surveys.AddDefinition({.care_unit = "*",
                                           .version = 1,
                                           .approved_by = "P1",
                                           .approved_at = "2026-10-01",
                                           .definition_json = R"({"questions":[{"id":"fever","text":"Fever?"}]})"}));
        crm::EncounterMessage message;
        message.kind = "discharge";
        message.facility = "GEN";
        message.control_id = "MSG-" + visit;
        message.mrn = "MRN-" + visit;
        message.visit_number = visit;
        message.physician_id = physician;
        message.care_unit = "cardiology";
        message.discharged_at = kNow - hours(24 * 15);
        message.phone = "+15551230000";
        const auto outcome = surveys.ApplyEncounterMessage(
            message, kNow - hours(24 * 15),
            [](const crm::SurveyDefinitionRow&, Timestamp at) { return std::optional<Timestamp>(at); });
        EXPECT_TRUE(outcome);
        const std::int64_t survey = outcome.value().survey_id.value();
        const auto submitted = surveys.SubmitAnswers(
            survey, "phone", {{.question_id = "fever", .value_number = 1, .value_text = "yes", .red_flag = "fever"}},
            {}, crm::RedFlagAlert{.flags = {"fever"}, .message = "red flag"}, kNow - hours(2));
        EXPECT_TRUE(submitted && submitted.value().accepted);
        return survey;
    }

    std::unique_ptr<test::TestDatabase> db_;
    std::unique_ptr<crm::Store> store_;
    std::unique_ptr<nlp::Analyzer> analyzer_;
    std::unique_ptr<ConsoleApp> app_;
    std::unique_ptr<crm::ConsoleRepository> repository_;
    std::map<std::string, std::string> tokens_;
    Timestamp now_ = kNow;
    ConsoleResponse last_login_;
    std::int64_t social_case_ = 0;
    std::int64_t cardiology_case_ = 0;
    std::int64_t hostile_case_ = 0;
};

TEST_F(ConsoleTest, PagesNeedALoginAndTheSessionCookieIsLockedDown) {
    const auto anonymous = Send("GET", "/console/queue");
    EXPECT_EQ(anonymous.status, 303u);
    EXPECT_EQ(HeaderOf(anonymous, "Location"), "/console/login");
    EXPECT_NE(HeaderOf(anonymous, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);

    EXPECT_EQ(Login("pr", "wrong password!!"), "");
    EXPECT_EQ(last_login_.status, 401u);
    EXPECT_NE(last_login_.body.find("login-error"), std::string::npos);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND actor = 'pr'"), 1);

    const std::string session = Login("pr");
    ASSERT_FALSE(session.empty());
    std::string attributes;
    SetCookieValue(last_login_, "carelisten_session", &attributes);
    EXPECT_NE(attributes.find("HttpOnly"), std::string::npos);
    EXPECT_NE(attributes.find("SameSite=Strict"), std::string::npos);
    EXPECT_NE(attributes.find("Secure"), std::string::npos);
    // Only the token's digest is stored.
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM console_session WHERE token_digest = '" + session + "'"), 0);

    const auto queue = Page(session, "/console/queue");
    EXPECT_EQ(queue.status, 200u);
    EXPECT_NE(queue.body.find("<strong id=\"case-total\">3</strong>"), std::string::npos);
    EXPECT_NE(queue.body.find("/console/cases/" + std::to_string(social_case_)), std::string::npos);
}

TEST_F(ConsoleTest, RepeatedFailuresLockTheAccountUntilTheLockoutEnds) {
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(Login("pr", "wrong password " + std::to_string(i)), "");
    }
    EXPECT_EQ(Login("pr"), "") << "locked: even the right password is refused";
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM console_user WHERE username = 'pr' AND locked_until IS NOT NULL"), 1);
    now_ += minutes(16);
    EXPECT_NE(Login("pr"), "");
    EXPECT_EQ(db_->QueryInt("SELECT failed_logins FROM console_user WHERE username = 'pr'"), 0);
}

TEST_F(ConsoleTest, AnIdleSessionEndsAndLogoutEndsItToo) {
    std::string session = Login("pr");
    now_ += minutes(14);
    EXPECT_EQ(Page(session, "/console/queue").status, 200u);
    now_ += minutes(16);
    EXPECT_EQ(Page(session, "/console/queue").status, 303u) << "idle for 16 minutes";

    session = Login("pr");
    const std::string csrf = CsrfOf(Page(session, "/console/queue").body);
    EXPECT_EQ(Post(session, "/console/logout", {}, csrf).status, 303u);
    EXPECT_EQ(Page(session, "/console/queue").status, 303u);
}

TEST_F(ConsoleTest, EveryFormNeedsItsSessionsCsrfTokenAndASameOriginPost) {
    const std::string session = Login("pr");
    const std::string other = Login("lead");
    const std::string csrf = CsrfOf(Page(session, "/console/queue").body);
    const std::string other_csrf = CsrfOf(Page(other, "/console/queue").body);
    ASSERT_FALSE(csrf.empty());
    ASSERT_NE(csrf, other_csrf);
    const std::string target = "/console/cases/" + std::to_string(social_case_) + "/note";
    EXPECT_EQ(Post(session, target, {{"body", "no token"}}, "").status, 403u);
    EXPECT_EQ(Post(session, target, {{"body", "another session's token"}}, other_csrf).status, 403u);
    const auto cross_site = Send("POST", target, FormEncode({{"body", "x"}, {"csrf", csrf}}),
                                 {{"cookie", "carelisten_session=" + session}, {"origin", "https://evil.example"}});
    EXPECT_EQ(cross_site.status, 403u);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM case_event"), 0);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'csrf_refused'"), 3);
    EXPECT_EQ(Post(session, target, {{"body", "with the token"}}, csrf).status, 303u);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM case_event WHERE kind = 'note'"), 1);
}

TEST_F(ConsoleTest, PatientRelationsWorksACaseFromAssignmentToResolution) {
    const std::string session = Login("pr");
    const std::string id = std::to_string(social_case_);
    const std::string csrf = CsrfOf(Page(session, "/console/cases/" + id).body);
    const std::string base = "/console/cases/" + id + "/";
    auto answer = Post(session, base + "assign", {{"user", "pr"}, {"unit", "estates"}}, csrf);
    EXPECT_EQ(answer.status, 303u);
    EXPECT_EQ(HeaderOf(answer, "Location"), "/console/cases/" + id + "?done=assign");
    EXPECT_EQ(Post(session, base + "assign", {{"user", "nobody"}}, csrf).status, 400u);
    EXPECT_EQ(Post(session, base + "note", {{"body", "Called the ward manager."}}, csrf).status, 303u);
    EXPECT_EQ(Post(session, base + "response", {{"channel", "phone"}, {"body", "Apologised"}}, csrf).status, 303u);
    EXPECT_EQ(Post(session, base + "response", {{"channel", "pigeon"}}, csrf).status, 400u);
    EXPECT_EQ(Post(session, base + "correct",
                   {{"category", "environment"}, {"category", "listening"}, {"sentiment", "negative"}}, csrf)
                  .status,
              303u);
    EXPECT_EQ(Post(session, base + "correct", {{"category", "astrology"}}, csrf).status, 400u);

    const auto page = Page(session, "/console/cases/" + id + "?done=correct");
    EXPECT_NE(page.body.find("Environment, Listening <small>(corrected by staff)"), std::string::npos);
    EXPECT_NE(page.body.find("class=\"notice\""), std::string::npos);
    EXPECT_NE(page.body.find("Called the ward manager."), std::string::npos);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM labelled_example WHERE field = 'categories' AND corrected_value = "
                            "'environment,listening'"),
              1);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM feedback_case WHERE id = " + id +
                            " AND first_response_at IS NOT NULL AND assigned_unit = 'estates'"),
              1);

    EXPECT_EQ(Post(session, base + "resolve", {{"outcome", "apology_given"}, {"note", "Done"}}, csrf).status, 303u);
    EXPECT_NE(Page(session, "/console/cases/" + id).body.find("id=\"case-status\">Closed"), std::string::npos);
    EXPECT_EQ(Post(session, base + "resolve", {{"outcome", "resolved"}}, csrf).status, 400u) << "already closed";
    EXPECT_EQ(Post(session, base + "reopen", {{"reason", "The patient wrote again"}}, csrf).status, 303u);
    EXPECT_EQ(db_->QueryValue("SELECT status FROM feedback_case WHERE id = " + id), "open");

    // Merge the hostile post into this case: its message moves, the duplicate closes as merged.
    EXPECT_EQ(Post(session, "/console/cases/" + std::to_string(hostile_case_) + "/merge", {{"into", id}}, csrf).status,
              303u);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM item WHERE case_id = " + id), 2);
    EXPECT_EQ(db_->QueryValue("SELECT outcome FROM feedback_case WHERE id = " + std::to_string(hostile_case_)),
              "merged");
    EXPECT_EQ(Post(session, base + "merge", {{"into", id}}, csrf).status, 400u) << "not into itself";

    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM case_event WHERE case_id = " + id),
              7);  // the refused ones wrote none
    for (const char* action : {"assign", "note", "response", "correct", "resolve", "reopen", "merge", "view_case"}) {
        EXPECT_GE(db_->QueryInt(std::string("SELECT count(*) FROM audit_log WHERE actor = 'pr' AND action = '") +
                                action + "'"),
                  1)
            << action;
    }
}

TEST_F(ConsoleTest, HostilePostsRenderAsInertText) {
    const std::string session = Login("pr");
    const auto page = Page(session, "/console/cases/" + std::to_string(hostile_case_));
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(page.body.find("<script"), std::string::npos);
    EXPECT_EQ(page.body.find("<img"), std::string::npos);
    EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"),
              std::string::npos);
    EXPECT_EQ(Page(session, "/console/queue").body.find("<script"), std::string::npos);
}

TEST_F(ConsoleTest, TheApiScopesAndRedactsByRole) {
    EXPECT_EQ(Send("GET", "/api/v1/cases").status, 401u);
    EXPECT_EQ(Send("GET", "/api/v1/cases", "", {{"authorization", "Bearer nope"}}).status, 401u);
    // A session cookie never authenticates the API.
    EXPECT_EQ(Send("GET", "/api/v1/cases", "", {{"cookie", "carelisten_session=" + Login("pr")}}).status, 401u);

    const auto all = Api("pr", "GET", "/api/v1/cases");
    EXPECT_EQ(all.status, 200u);
    EXPECT_EQ(all.content_type, "application/json");
    EXPECT_NE(all.body.find("\"total\":3"), std::string::npos);
    EXPECT_NE(all.body.find("+447700900123"), std::string::npos) << "patient relations sees contacts";
    EXPECT_NE(all.body.find("\"category\":{\"environment\":3}"), std::string::npos) << all.body;
    EXPECT_NE(all.body.find("\"channel\":{\"sms\":1,\"social\":2}"), std::string::npos) << all.body;

    const auto unit = Api("lead", "GET", "/api/v1/cases");
    EXPECT_NE(unit.body.find("\"total\":1"), std::string::npos) << "a unit lead sees their unit only";
    EXPECT_EQ(unit.body.find("+447700900123"), std::string::npos) << "and no personal data";
    EXPECT_NE(unit.body.find("[phone]"), std::string::npos);
    EXPECT_EQ(Api("lead", "GET", "/api/v1/cases/" + std::to_string(social_case_)).status, 404u);

    const auto admin = Api("admin", "GET", "/api/v1/cases/" + std::to_string(cardiology_case_));
    EXPECT_EQ(admin.status, 200u);
    EXPECT_EQ(admin.body.find("+447700900123"), std::string::npos);
    EXPECT_NE(admin.body.find("\"author\":\"[author]\""), std::string::npos);

    const auto filtered = Api("pr", "GET", "/api/v1/cases?channel=sms&urgency=high");
    EXPECT_NE(filtered.body.find("\"total\":1"), std::string::npos);
    EXPECT_EQ(Api("pr", "GET", "/api/v1/cases?urgency=apocalyptic").status, 400u);
    EXPECT_EQ(Api("pr", "GET", "/api/v1/cases?from=yesterday").status, 400u);
    EXPECT_NE(Api("pr", "GET", "/api/v1/me").body.find("\"role\":\"patient_relations\""), std::string::npos);
}

TEST_F(ConsoleTest, ApiActionsFollowTheRoles) {
    const std::string target = "/api/v1/cases/" + std::to_string(cardiology_case_) + "/";
    EXPECT_EQ(Api("pr", "POST", target + "note", R"({"body":"Logged by the API"})").status, 200u);
    EXPECT_EQ(Api("pr", "POST", target + "correct", R"({"category":["safety"],"sentiment":"neutral"})").status, 200u);
    EXPECT_EQ(db_->QueryValue("SELECT array_to_string(category_override, ',') FROM feedback_case WHERE id = " +
                              std::to_string(cardiology_case_)),
              "safety");
    // The facets follow the correction: the corrected case counts under its new category only.
    const auto facets = Api("pr", "GET", "/api/v1/cases");
    EXPECT_NE(facets.body.find("\"category\":{\"environment\":2,\"safety\":1}"), std::string::npos) << facets.body;
    EXPECT_NE(Api("pr", "GET", "/api/v1/cases?category=safety").body.find("\"total\":1"), std::string::npos);
    EXPECT_EQ(Api("lead", "POST", target + "assign", R"({"user":"pr"})").status, 200u) << "their unit's case";
    EXPECT_EQ(Api("lead", "POST", "/api/v1/cases/" + std::to_string(social_case_) + "/note", R"({"body":"x"})").status,
              404u)
        << "another unit's case";
    EXPECT_EQ(Api("admin", "POST", target + "note", R"({"body":"x"})").status, 403u);
    EXPECT_EQ(Api("dra", "POST", target + "note", R"({"body":"x"})").status, 403u);
    EXPECT_EQ(Api("pr", "POST", target + "note", "not json").status, 400u);
    EXPECT_EQ(Api("pr", "POST", target + "resolve", R"({"outcome":"resolved"})").status, 200u);
    EXPECT_EQ(Api("pr", "POST", target + "unknown", "{}").status, 404u);
    EXPECT_EQ(Api("pr", "DELETE", target).status, 405u);
}

TEST_F(ConsoleTest, DashboardExportAndAuditAreForTheirRoles) {
    const auto dashboard = Api("pr", "GET", "/api/v1/dashboard?days=14");
    EXPECT_EQ(dashboard.status, 200u);
    EXPECT_NE(dashboard.body.find("\"response_times\""), std::string::npos);
    EXPECT_EQ(Api("dra", "GET", "/api/v1/dashboard").status, 403u);
    EXPECT_EQ(Api("pr", "GET", "/api/v1/dashboard?days=3").status, 400u);
    const auto page = Page(Login("lead"), "/console/dashboard");
    EXPECT_EQ(page.status, 200u);
    EXPECT_NE(page.body.find("<svg"), std::string::npos);

    const auto full = Api("pr", "GET", "/api/v1/export.csv");
    EXPECT_EQ(full.status, 200u);
    EXPECT_NE(full.content_type.find("text/csv"), std::string::npos);
    EXPECT_NE(full.body.find("+447700900123"), std::string::npos);
    const auto deidentified = Api("pr", "GET", "/api/v1/export.csv?deidentified=1");
    EXPECT_EQ(deidentified.body.find("+447700900123"), std::string::npos);
    EXPECT_EQ(deidentified.body.find("@angry"), std::string::npos);
    EXPECT_NE(deidentified.body.find("call me on [phone] please"), std::string::npos);
    EXPECT_EQ(Api("admin", "GET", "/api/v1/export.csv").body.find("+447700900123"), std::string::npos)
        << "an admin's export is always de-identified";
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'export'"), 3);

    EXPECT_EQ(Api("pr", "GET", "/api/v1/audit").status, 403u);
    const auto audit = Api("admin", "GET", "/api/v1/audit?action=export");
    EXPECT_EQ(audit.status, 200u);
    EXPECT_NE(audit.body.find("\"action\":\"export\""), std::string::npos);
    EXPECT_NE(audit.body.find("\"deidentified\": true"), std::string::npos);
    EXPECT_EQ(Page(Login("pr"), "/console/audit").status, 403u);
    EXPECT_EQ(Page(Login("admin"), "/console/audit").status, 200u);
}

TEST_F(ConsoleTest, APhysicianSeesOnlyTheirOwnPatients) {
    const std::int64_t own = SurveyWithRedFlag("PA", "V-A");
    const std::int64_t other = SurveyWithRedFlag("PB", "V-B");
    const auto summary = Api("dra", "GET", "/api/v1/physician/summary");
    EXPECT_EQ(summary.status, 200u);
    EXPECT_NE(summary.body.find("\"visit_number\":\"V-A\""), std::string::npos);
    EXPECT_EQ(summary.body.find("V-B"), std::string::npos);
    EXPECT_EQ(Api("dra", "GET", "/api/v1/physician/surveys/" + std::to_string(own)).status, 200u);
    EXPECT_EQ(Api("dra", "GET", "/api/v1/physician/surveys/" + std::to_string(other)).status, 404u);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'view_survey_denied' AND actor = 'dra'"), 1);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'view_survey' AND actor = 'dra' AND "
                            "object_id = '" +
                            std::to_string(other) + "'"),
              0);
    EXPECT_EQ(Api("pr", "GET", "/api/v1/physician/summary").status, 403u);

    // The queue: only the physician's red-flag case, not the complaints of other patients.
    const auto queue = Api("dra", "GET", "/api/v1/cases");
    EXPECT_NE(queue.body.find("\"total\":1"), std::string::npos) << queue.body;
    const auto other_case = db_->QueryInt("SELECT id FROM feedback_case WHERE physician_id = 'PB'");
    EXPECT_EQ(Api("dra", "GET", "/api/v1/cases/" + std::to_string(other_case)).status, 404u);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'view_case_denied' AND actor = 'dra' AND "
                            "object_id = '" +
                            std::to_string(other_case) + "'"),
              1);
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM audit_log WHERE action = 'view_case' AND actor = 'dra' AND "
                            "object_id = '" +
                            std::to_string(other_case) + "'"),
              0);

    const std::string session = Login("dra");
    EXPECT_EQ(HeaderOf(last_login_, "Location"), "/console/physician");
    const auto page = Page(session, "/console/physician");
    EXPECT_EQ(page.status, 200u);
    EXPECT_LT(page.body.find("id=\"red-flags\""), page.body.find("<h2>Questions"));
    EXPECT_NE(page.body.find("/console/physician/surveys/" + std::to_string(own)), std::string::npos);
    const auto answers = Page(session, "/console/physician/surveys/" + std::to_string(own));
    EXPECT_NE(answers.body.find("Fever?"), std::string::npos);
    EXPECT_EQ(Page(session, "/console/physician/surveys/" + std::to_string(other)).status, 404u);
}

TEST_F(ConsoleTest, DeadlinesCountBusinessHoursAndCriticalCasesCountEveryHour) {
    ConsoleSettings settings = app_->Settings();
    // Opened Friday 17:00 UTC: a high case (24 business hours: 1 on Friday, 10 on Monday, 10 on Tuesday, 3 on
    // Wednesday) is due Wednesday 11:00; a critical one (4 clock hours) Friday 21:00.
    const Timestamp friday = kNow + hours(24 * 2 + 7);
    EXPECT_EQ(CaseDueTime(settings, "high", friday), friday + hours(24 * 5 - 6));
    EXPECT_EQ(CaseDueTime(settings, "critical", friday), friday + hours(4));

    db_->Execute(
        "UPDATE feedback_case SET opened_at = 'epoch'::timestamptz + interval '1796205600 seconds' - "
        "interval '5 days' WHERE id = " +
        std::to_string(social_case_));
    const auto refreshed = repository_->RefreshDeadlines(
        DeadlineFingerprint(settings),
        [&](const std::string& urgency, Timestamp opened) { return CaseDueTime(settings, urgency, opened); }, 100);
    ASSERT_TRUE(refreshed);
    EXPECT_EQ(refreshed.value(), 3u);
    const auto again = repository_->RefreshDeadlines(
        DeadlineFingerprint(settings), [&](const std::string&, Timestamp opened) { return opened; }, 100);
    EXPECT_EQ(again.value(), 0u) << "nothing changed, nothing recomputed";

    const auto overdue = Api("pr", "GET", "/api/v1/cases?overdue=1");
    EXPECT_NE(overdue.body.find("\"total\":1"), std::string::npos) << overdue.body;
    EXPECT_NE(overdue.body.find("\"id\":" + std::to_string(social_case_)), std::string::npos);
    EXPECT_NE(Page(Login("pr"), "/console/queue").body.find("is-overdue"), std::string::npos);
}

TEST_F(ConsoleTest, TheAuditLogIsAppendOnly) {
    EXPECT_GT(db_->QueryInt("SELECT count(*) FROM audit_log"), 0);
    EXPECT_THROW(db_->Execute("UPDATE audit_log SET actor = 'someone else'"), std::exception);
    EXPECT_THROW(db_->Execute("DELETE FROM audit_log"), std::exception);
    EXPECT_THROW(db_->Execute("TRUNCATE audit_log"), std::exception);
}

TEST_F(ConsoleTest, ADisabledUserLosesSessionsAndTokens) {
    const std::string session = Login("pr");
    ASSERT_TRUE(repository_->SetUserDisabled("pr", true, {.actor = "test"}));
    EXPECT_EQ(Page(session, "/console/queue").status, 303u);
    EXPECT_EQ(Api("pr", "GET", "/api/v1/cases").status, 401u);
    EXPECT_EQ(Login("pr"), "");
}

}  // namespace
}  // namespace carelisten::console
