// The whole two-week follow-up life on a fake clock, against a real PostgreSQL: HL7 ADT messages in (ACKed only
// after they are stored), the scheduler's passes day by day, SMS conversations (answers stored as the Twilio
// webhook stores them), the web form over its real request handler, red flags reaching the physician, reminders,
// quiet hours and expiry. Messages "sent" are the outbox rows the SMS and e-mail senders would send.
#include <gtest/gtest.h>

#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <daemon/config.hpp>
#include <daemon/survey_commands.hpp>
#include <daemon/survey_planner.hpp>
#include <daemon/survey_service.hpp>
#include <daemon/survey_summary.hpp>
#include <fstream>
#include <memory>
#include <nlp/analyzer.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <surveys/definition.hpp>

#include "pg/pg_test_database.hpp"

namespace carelisten::daemon {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr const char* kSmsSource = "hospital_sms";
constexpr const char* kPatientPhone = "+15551230000";

// 2026-11-18T09:30:00Z, the discharge of most scenarios; the survey is due 14 days later at the same time.
const crm::Timestamp kDischarge = crm::Timestamp{} + std::chrono::seconds(1'795'080'600);
const crm::Timestamp kDue = kDischarge + hours(24 * 14);

std::string Hl7Time(crm::Timestamp time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S+0000", &utc);
    return text;
}

struct Adt {
    std::string event = "A03";
    std::string control_id = "MSG1";
    std::string visit = "V1";
    std::string mrn = "MRN1";
    std::string phone = kPatientPhone;
    std::string email;
    std::string disposition = "01";
    crm::Timestamp discharged = kDischarge;
    std::string physician = "D1001";
    std::string language = "en";
};

// An ADT message in HL7 v2.5 as a hospital's interface engine sends it (see tests/fixtures/hl7/).
std::string AdtMessage(const Adt& adt) {
    std::string pid13 = adt.phone.empty() ? "" : adt.phone + "^PRN^CP";
    if (!adt.email.empty()) {
        pid13 += (pid13.empty() ? "" : "~") + std::string("^NET^Internet^") + adt.email;
    }
    std::ostringstream message;
    message << "MSH|^~\\&|EPICADT|CITYHOSP|CARELISTEN|CITYHOSP|" << Hl7Time(adt.discharged) << "||ADT^" << adt.event
            << "^ADT_" << adt.event << "|" << adt.control_id << "|P|2.5\r"
            << "EVN|" << adt.event << "|" << Hl7Time(adt.discharged) << "\r"
            << "PID|1||" << adt.mrn << "^^^CITYHOSP^MR||TESTPATIENT^RAVI||19700412|M|||||" << pid13 << "||"
            << adt.language << "\r"
            << "PV1|1|I|CARD^W12^B04^CITYHOSP|R|||" << adt.physician << "^RAO^ASHA^^^DR|||CAR||||7|||" << adt.physician
            << "^RAO^ASHA|IP|" << adt.visit << "^^^CITYHOSP^VN|||||||||||||||||" << adt.disposition
            << "||||||||20261110093000+0000|" << (adt.event == "A03" ? Hl7Time(adt.discharged) : "") << "\r";
    return message.str();
}

surveys::SurveyDefinition CardiologyDefinition() {
    std::ifstream in(std::string(std::getenv("CARELISTEN_SOURCE_DIR")) + "/surveys/examples/cardiology.toml");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = surveys::ParseDefinitionToml(text.str());
    auto definition = std::get<surveys::SurveyDefinition>(std::move(parsed));
    definition.time_zone = "UTC";  // so the quiet hours read plainly below: 21:00-08:00 UTC
    return definition;
}

class SurveyLifecycleTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        db_ = std::make_unique<test::TestDatabase>(*dsn);
        const auto migrated = crm::ApplyMigrations(db_->Conninfo(), {});
        ASSERT_TRUE(migrated) << migrated.error().message();
        auto opened = crm::Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened);
        store_ = std::move(opened.value());
        repository_ = std::make_unique<crm::SurveyRepository>(*store_);
        const auto definition = CardiologyDefinition();
        ASSERT_TRUE(
            repository_->AddDefinition({.care_unit = "card",  // the feed writes CARD: units compare in lower case
                                        .version = definition.version,
                                        .approved_by = definition.approved_by,
                                        .approved_at = definition.approved_at,
                                        .definition_json = surveys::ToJson(definition)}));
        planner_ = std::make_unique<SurveyPlanner>(SurveyPlannerOptions{.hospital_name = "City Hospital",
                                                                        .sms_source = kSmsSource,
                                                                        .email_source = std::string(kSurveyEmailSource),
                                                                        .form_base_url = "https://feedback.example",
                                                                        .link_key = std::string(32, 'k'),
                                                                        .console_url = "https://console.example"});
    }

    std::string SendHl7(const Adt& adt, crm::Timestamp now = kDischarge) {
        return HandleHl7Frame(*planner_, store_.get(), AdtMessage(adt), now, "UTC", "US");
    }
    std::string SendHl7Frame(const std::string& frame) {
        return HandleHl7Frame(*planner_, store_.get(), frame, kDischarge, "UTC", "US");
    }
    SurveyPassCounts Pass(crm::Timestamp now) {
        auto counts = RunSurveyPass(*planner_, *store_, now);
        EXPECT_TRUE(counts) << counts.error().message();
        return counts ? counts.value() : SurveyPassCounts{};
    }
    // An inbound SMS, stored as the twilio_sms connector's webhook stores it.
    void PatientTexts(const std::string& text, const std::string& from = kPatientPhone) {
        crm::NewItem item;
        item.source = kSmsSource;
        item.external_id = "SM" + std::to_string(++sms_counter_);
        item.channel = "sms";
        item.author = from;
        item.text = text;
        item.sentiment_label = "neutral";
        item.urgency = "none";
        item.analyzer_version = "test";
        const std::string upper = text;
        if (upper == "STOP") {
            item.is_noise = true;
            item.noise_reasons = {"opt_out"};
        }
        ASSERT_TRUE(store_->Ingest({.source = kSmsSource, .items = {item}}));
    }
    long long Count(const std::string& sql) const { return db_->QueryInt(sql); }
    std::string Value(const std::string& sql) const { return db_->QueryValue(sql).value_or(""); }
    long long Sent(const std::string& purpose = "survey") const {
        return Count("SELECT count(*) FROM outbound_message WHERE purpose = '" + purpose + "'");
    }
    std::string LastSms() const {
        return Value(
            "SELECT body FROM outbound_message WHERE channel = 'sms' AND purpose = 'survey' ORDER BY id DESC "
            "LIMIT 1");
    }
    HttpResponse Form(const std::string& method, const std::string& path, const std::string& body = "",
                      crm::Timestamp now = kDue + hours(1)) {
        HttpRequest request;
        request.method = method;
        request.path = path;
        request.target = path;
        request.body = body;
        return HandleSurveyForm(*planner_, *store_, analyzer_.get(), request, now);
    }

    std::unique_ptr<test::TestDatabase> db_;
    std::unique_ptr<crm::Store> store_;
    std::unique_ptr<crm::SurveyRepository> repository_;
    std::unique_ptr<SurveyPlanner> planner_;
    std::unique_ptr<nlp::Analyzer> analyzer_ = std::make_unique<nlp::Analyzer>(nlp::Analyzer::Create().value());
    int sms_counter_ = 0;
};

TEST_F(SurveyLifecycleTest, ADischargeReplayedThreeTimesGetsOneSurveyAndOneInvitation) {
    for (int delivery = 0; delivery < 3; ++delivery) {
        const std::string ack = SendHl7({});
        EXPECT_NE(ack.find("MSA|AA|MSG1"), std::string::npos) << ack;
        EXPECT_NE(ack.find("ACK^A03"), std::string::npos) << ack;
    }
    EXPECT_EQ(Count("SELECT count(*) FROM survey"), 1);
    EXPECT_EQ(Pass(kDue - minutes(1)).due_processed, 0u) << "nothing before 14 days";
    EXPECT_EQ(Pass(kDue).due_processed, 1u);
    EXPECT_EQ(Pass(kDue + minutes(5)).due_processed, 0u);
    EXPECT_EQ(Sent(), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message WHERE recipient = '+15551230000' AND source = "
                    "'hospital_sms' AND body LIKE '%City Hospital%' AND body LIKE '%https://feedback.example/survey/%' "
                    "AND body LIKE '%STOP%'"),
              1);
    EXPECT_EQ(Value("SELECT state FROM survey"), "invited");
}

TEST_F(SurveyLifecycleTest, DischargeThenCancelDischargeSendsNothing) {
    SendHl7({});
    const std::string ack = SendHl7({.event = "A13", .control_id = "MSG2"});
    EXPECT_NE(ack.find("MSA|AA|MSG2"), std::string::npos) << ack;
    for (int day = 13; day <= 30; ++day) {
        Pass(kDischarge + hours(24 * day));
    }
    EXPECT_EQ(Sent(), 0);
    EXPECT_EQ(Value("SELECT state FROM survey"), "cancelled");
}

TEST_F(SurveyLifecycleTest, AnOptedOutPatientGetsNothing) {
    SendHl7({});
    PatientTexts("STOP");  // answered to an earlier message: the consent registry records it
    Pass(kDue);
    EXPECT_EQ(Sent(), 0);
    EXPECT_EQ(Value("SELECT state || ':' || reason FROM survey"), "skipped:opted_out");
}

TEST_F(SurveyLifecycleTest, ADeathDispositionSendsNothing) {
    SendHl7({.disposition = "20"});  // HL7 table 0112: expired
    Pass(kDue);
    EXPECT_EQ(Sent(), 0);
    EXPECT_EQ(Value("SELECT state || ':' || reason FROM survey"), "skipped:deceased");
}

TEST_F(SurveyLifecycleTest, AReadmittedPatientGetsNothing) {
    SendHl7({});
    auto readmission = Adt{.event = "A08", .control_id = "MSG2", .visit = "V2"};  // a new visit, in hospital
    EXPECT_NE(SendHl7(readmission, kDischarge + hours(24 * 5)).find("MSA|AA"), std::string::npos);
    Pass(kDue);
    EXPECT_EQ(Sent(), 0);
    EXPECT_EQ(Value("SELECT state || ':' || reason FROM survey WHERE encounter_id = (SELECT id FROM encounter WHERE "
                    "visit_number = 'V1')"),
              "skipped:readmitted");
}

TEST_F(SurveyLifecycleTest, QuietHoursHoldTheInvitationUntilMorning) {
    const crm::Timestamp evening = kDischarge + hours(13);  // 22:30 UTC, inside 21:00-08:00
    SendHl7({.discharged = evening});
    for (auto now = evening + hours(24 * 14) - hours(1); now < evening + hours(24 * 14) + hours(12);
         now += minutes(30)) {
        Pass(now);
        if (Sent() == 1) {
            const auto sent_hour = Count("SELECT extract(hour FROM invited_at AT TIME ZONE 'UTC') FROM survey");
            EXPECT_EQ(sent_hour, 8) << "sent when the quiet hours ended";
            return;
        }
        const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        std::tm utc{};
        ::gmtime_r(&seconds, &utc);
        EXPECT_TRUE(utc.tm_hour >= 21 || utc.tm_hour < 8 || now < evening + hours(24 * 14))
            << "nothing sent at " << utc.tm_hour << ":00 outside quiet hours";
    }
    ADD_FAILURE() << "the invitation never went out";
}

TEST_F(SurveyLifecycleTest, TwoRemindersAtMostThenExpiry) {
    SendHl7({});
    for (auto now = kDue; now <= kDue + hours(24 * 10); now += hours(6)) {
        Pass(now);
    }
    EXPECT_EQ(Sent(), 3) << "the invitation and two reminders";
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message WHERE body LIKE 'Reminder from City Hospital%'"), 2);
    EXPECT_EQ(Value("SELECT state FROM survey"), "expired");
    EXPECT_EQ(Count("SELECT count(*) FROM survey WHERE next_action_at IS NULL"), 1);
    // An answer after expiry is not a conversation any more, and the form link is gone.
    PatientTexts("5");
    EXPECT_EQ(Pass(kDue + hours(24 * 11)).sms_replies, 0u);
    const std::string link = Value(
        "SELECT substring(body FROM 'https://feedback.example(/survey/[^ ]+)') FROM outbound_message ORDER BY "
        "id LIMIT 1");
    EXPECT_EQ(Form("GET", link, "", kDue + hours(24 * 11)).status, 410u);
}

TEST_F(SurveyLifecycleTest, AnSmsConversationWithUnusableAnswersAndRemindersStoppingAfterIt) {
    SendHl7({});
    Pass(kDue);
    ASSERT_EQ(Sent(), 1);
    EXPECT_NE(LastSms().find("0"), std::string::npos);  // the first question (pain 0-10) is in the invitation

    const auto step = [&](const std::string& text, crm::Timestamp now) {
        PatientTexts(text);
        return Pass(now).sms_replies;
    };
    EXPECT_EQ(step("banana", kDue + minutes(10)), 1u);
    EXPECT_NE(LastSms().find("0 to 10"), std::string::npos) << "re-asked with the expected form: " << LastSms();
    step("seven", kDue + minutes(11));
    EXPECT_NE(LastSms().find("fever"), std::string::npos) << LastSms();
    step("maybe", kDue + minutes(12));
    step("dunno", kDue + minutes(13));  // a second unusable answer: the question is skipped
    EXPECT_NE(LastSms().find("wound"), std::string::npos) << LastSms();
    step("1", kDue + minutes(14));  // the first choice, "Better"
    step("The nurses on ward 12 were lovely", kDue + minutes(15));
    EXPECT_EQ(Value("SELECT state || ':' || answered_via FROM survey"), "answered:sms");
    EXPECT_EQ(Value("SELECT string_agg(question_id || '=' || value_text, ',' ORDER BY question_id) FROM "
                    "survey_answer"),
              "comments=The nurses on ward 12 were lovely,pain=7,wound=better");
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE survey_id IS NOT NULL"), 0) << "no red flag";
    const auto messages = Sent();
    for (auto now = kDue + hours(1); now <= kDue + hours(24 * 9); now += hours(12)) {
        Pass(now);
    }
    EXPECT_EQ(Sent(), messages) << "no reminder after the answer";
}

TEST_F(SurveyLifecycleTest, ARedFlagOpensAnUrgentCaseAndAlertsThePhysicianAtOnce) {
    ASSERT_TRUE(repository_->UpdatePhysicianContact({.id = "D1001", .email = "asha.rao@cityhosp.example"}));
    SendHl7({});
    Pass(kDue);
    PatientTexts("9");  // pain 9: the rule ">= 8"
    Pass(kDue + minutes(3));
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE urgency = 'critical' AND physician_id = 'D1001' AND "
                    "care_unit = 'card' AND status = 'open'"),
              1);
    const std::string alert = Value(
        "SELECT body FROM outbound_message WHERE purpose = 'clinical_alert' AND recipient = "
        "'asha.rao@cityhosp.example' AND source = 'surveys_email'");
    EXPECT_NE(alert.find("uncontrolled_pain"), std::string::npos) << alert;
    EXPECT_NE(alert.find("https://console.example"), std::string::npos);
    EXPECT_EQ(alert.find(kPatientPhone), std::string::npos) << "no contact details in the alert";
    EXPECT_EQ(alert.find("TESTPATIENT"), std::string::npos) << "no name in the alert";
    PatientTexts("yes");  // fever: a second flag on the same survey extends its case
    Pass(kDue + minutes(4));
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE survey_id IS NOT NULL"), 1);
    EXPECT_EQ(Sent("clinical_alert"), 2);
}

TEST_F(SurveyLifecycleTest, TheWebFormIsSingleUseCsrfSafeAndEscapesWhatItShows) {
    ASSERT_TRUE(repository_->UpdatePhysicianContact({.id = "D1001", .email = "asha.rao@cityhosp.example"}));
    SendHl7({.phone = "", .email = "Ravi.Testpatient@Example.com"});
    Pass(kDue);
    const std::string body = Value("SELECT body FROM outbound_message WHERE channel = 'email' AND purpose = 'survey'");
    ASSERT_EQ(Value("SELECT recipient FROM outbound_message WHERE purpose = 'survey'"), "ravi.testpatient@example.com");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(body, match, std::regex("https://feedback\\.example(/survey/[A-Za-z0-9._-]+)")))
        << body;
    const std::string path = match[1];

    const auto page = Form("GET", path);
    EXPECT_EQ(page.status, 200u);
    EXPECT_NE(page.body.find("<form"), std::string::npos);
    EXPECT_EQ(page.body.find("<script"), std::string::npos);
    bool has_csp = false;
    for (const auto& [name, value] : page.headers) {
        has_csp = has_csp || (name == "Content-Security-Policy" && value.find("default-src 'none'") == 0);
    }
    EXPECT_TRUE(has_csp);
    std::smatch csrf;
    ASSERT_TRUE(std::regex_search(page.body, csrf, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));

    const std::string answers = "q_pain=9&q_fever=no&q_wound=same&q_comments=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    EXPECT_EQ(Form("POST", path, "csrf=forged&" + answers).status, 403u) << "a forged CSRF token is refused";
    EXPECT_EQ(Form("POST", path.substr(0, path.size() - 2) + "xx", "csrf=" + csrf.str(1) + "&" + answers).status, 404u)
        << "a tampered link is unknown";
    EXPECT_EQ(Form("POST", path, "csrf=" + csrf.str(1) + "&q_pain=eleven").status, 422u) << "shown again with errors";
    const auto thanks = Form("POST", path, "csrf=" + csrf.str(1) + "&" + answers);
    EXPECT_EQ(thanks.status, 200u) << thanks.body;
    EXPECT_EQ(Form("POST", path, "csrf=" + csrf.str(1) + "&" + answers).status, 410u) << "single use";
    EXPECT_EQ(Form("GET", path).status, 410u);
    EXPECT_EQ(Count("SELECT count(*) FROM survey_answer"), 4);
    EXPECT_EQ(Value("SELECT value_text FROM survey_answer WHERE question_id = 'comments'"), "<script>alert(1)</script>")
        << "stored as typed; every page escapes it";
    EXPECT_EQ(Value("SELECT state || ':' || answered_via FROM survey"), "answered:web");
    EXPECT_EQ(Sent("clinical_alert"), 1) << "pain 9 by the form alerts too";
    EXPECT_EQ(Form("GET", "/survey/static/form.css").content_type, "text/css; charset=utf-8");
}

TEST_F(SurveyLifecycleTest, TheEmailUnsubscribeLinkStopsFurtherSurveyMessages) {
    SendHl7({.phone = "", .email = "ravi.testpatient@example.com"});
    Pass(kDue);
    const std::string body = Value("SELECT body FROM outbound_message WHERE purpose = 'survey'");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(body, match,
                                  std::regex("To stop these messages: https://feedback\\.example(/survey/unsubscribe/"
                                             "[A-Za-z0-9._-]+)")))
        << body;
    const std::string path = match[1];
    const auto page = Form("GET", path);
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(Count("SELECT count(*) FROM consent"), 0) << "opening the link changes nothing";
    std::smatch csrf;
    ASSERT_TRUE(std::regex_search(page.body, csrf, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));
    EXPECT_EQ(Form("POST", path, "csrf=forged").status, 403u);
    EXPECT_EQ(Form("POST", path, "csrf=" + csrf.str(1)).status, 200u);
    EXPECT_EQ(Count("SELECT count(*) FROM consent WHERE contact = 'ravi.testpatient@example.com' AND channel = "
                    "'email' AND purpose = 'survey' AND state = 'opted_out'"),
              1);
    EXPECT_EQ(Count("SELECT count(*) FROM consent_event WHERE reason = 'unsubscribe_link'"), 1);
    // The reminder falls due; the e-mail sender's claim refuses it, and the invitation not yet sent, because
    // consent is checked right before sending.
    Pass(kDue + hours(49));
    const auto claimed = store_->ClaimOutbound(std::string(kSurveyEmailSource));
    ASSERT_TRUE(claimed);
    EXPECT_FALSE(claimed.value().has_value());
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message WHERE state = 'refused'"), 2);
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message WHERE body LIKE 'Reminder%' AND state = 'refused'"), 1);
}

TEST_F(SurveyLifecycleTest, TheAnalyzerRaisesRedFlagsInFreeTextAnswers) {
    ASSERT_TRUE(repository_->UpdatePhysicianContact({.id = "D1001", .email = "asha.rao@cityhosp.example"}));
    SendHl7({.phone = "", .email = "ravi.testpatient@example.com"});
    Pass(kDue);
    std::smatch match;
    const std::string body = Value("SELECT body FROM outbound_message WHERE purpose = 'survey'");
    ASSERT_TRUE(std::regex_search(body, match, std::regex("https://feedback\\.example(/survey/[A-Za-z0-9._-]+)")));
    const std::string path = match[1];
    std::smatch csrf;
    const auto page = Form("GET", path);
    ASSERT_TRUE(std::regex_search(page.body, csrf, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));
    // No rule fires (pain 3, no fever by the yes/no question, wound the same), but the comment says otherwise.
    const auto answered = Form("POST", path,
                               "csrf=" + csrf.str(1) +
                                   "&q_pain=3&q_fever=no&q_wound=same&q_comments=since+yesterday+I+have+a+high+fever+"
                                   "and+the+wound+is+oozing+pus");
    EXPECT_EQ(answered.status, 200u);
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE urgency = 'critical' AND physician_id = 'D1001'"), 1);
    EXPECT_EQ(Sent("clinical_alert"), 1);
    EXPECT_EQ(Value("SELECT red_flag FROM survey_answer WHERE question_id = 'comments'"), "clinical");
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE channel = 'survey' AND 'clinical' = ANY (red_flags) AND "
                    "analyzer_version <> ''"),
              2)
        << "the analyzed comment, and the survey's red-flag record";
}

TEST_F(SurveyLifecycleTest, MalformedHl7IsRefusedWithTheReasonAndStoresNothing) {
    const std::string no_visit = std::regex_replace(AdtMessage({}), std::regex("V1\\^\\^\\^CITYHOSP\\^VN"), "");
    const std::string ack = SendHl7Frame(no_visit);
    EXPECT_NE(ack.find("MSA|AE|MSG1"), std::string::npos) << ack;
    EXPECT_NE(ack.find("PV1"), std::string::npos) << "says where: " << ack;
    EXPECT_NE(SendHl7Frame("this is not hl7").find("MSA|AR"), std::string::npos);
    const std::string oru = std::regex_replace(AdtMessage({}), std::regex("ADT\\^A03\\^ADT_A03"), "ORU^R01^ORU_R01");
    EXPECT_NE(SendHl7Frame(oru).find("MSA|AR|MSG1"), std::string::npos);
    EXPECT_EQ(Count("SELECT count(*) FROM encounter"), 0);
    // Without a database connection nothing is acknowledged: the sender keeps the message and sends it again.
    EXPECT_EQ(HandleHl7Frame(*planner_, nullptr, AdtMessage({}), kDischarge, "UTC", "US"), "");
}

TEST_F(SurveyLifecycleTest, ThePhysiciansSummaryShowsOnlyTheirPatients) {
    for (int i = 0; i < 6; ++i) {
        SendHl7({.control_id = "A" + std::to_string(i),
                 .visit = "VA" + std::to_string(i),
                 .mrn = "MA" + std::to_string(i),
                 .phone = "+1555123100" + std::to_string(i)});
        SendHl7({.control_id = "B" + std::to_string(i),
                 .visit = "VB" + std::to_string(i),
                 .mrn = "MB" + std::to_string(i),
                 .phone = "+1555123200" + std::to_string(i),
                 .physician = "D2002"});
    }
    Pass(kDue);
    for (int i = 0; i < 6; ++i) {
        PatientTexts(std::to_string(i + 2), "+1555123100" + std::to_string(i));
        PatientTexts("3", "+1555123200" + std::to_string(i));
    }
    Pass(kDue + hours(1));
    const auto summary = repository_->PhysicianSummary("D1001", kDue - hours(1), kDue + hours(24));
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_EQ(summary.value().invitations, 6);
    ASSERT_FALSE(summary.value().questions.empty());
    const auto text = FormatSummary(summary.value(), "Dr Rao", true);
    EXPECT_NE(text.find("Invitations: 6"), std::string::npos) << text;
    EXPECT_NE(text.find("mean 4.50"), std::string::npos) << text;  // pain 2..7
    EXPECT_NE(text.find("unit card: mean"), std::string::npos) << text;
}

TEST_F(SurveyLifecycleTest, ThePatientsLanguagePicksTheWording) {
    SendHl7({.language = "hi"});  // PID-15
    Pass(kDue);
    const std::string invitation = LastSms();
    EXPECT_NE(invitation.find("\u0926\u0930\u094d\u0926"), std::string::npos)
        << "the Hindi wording (dard): " << invitation;
    PatientTexts("saat");  // seven, in romanized Hindi
    Pass(kDue + minutes(5));
    EXPECT_EQ(Value("SELECT value_text FROM survey_answer WHERE question_id = 'pain'"), "7");
}

TEST_F(SurveyLifecycleTest, TheWeeklyDigestGoesToEachPhysicianWithOnlyTheirPatients) {
    ASSERT_TRUE(repository_->UpdatePhysicianContact({.id = "D1001", .email = "asha.rao@cityhosp.example"}));
    ASSERT_TRUE(repository_->UpdatePhysicianContact({.id = "D2002", .email = "vikram.iyer@cityhosp.example"}));
    for (int i = 0; i < 5; ++i) {
        SendHl7({.control_id = "A" + std::to_string(i),
                 .visit = "VA" + std::to_string(i),
                 .mrn = "MA" + std::to_string(i),
                 .phone = "+1555123100" + std::to_string(i)});
    }
    SendHl7({.control_id = "B", .visit = "VB", .mrn = "MB", .phone = "+15551232000", .physician = "D2002"});
    Pass(kDue);
    for (int i = 0; i < 5; ++i) {
        PatientTexts("4", "+1555123100" + std::to_string(i));
    }
    PatientTexts("9", "+15551232000");
    Pass(kDue + hours(1));
    const auto queued =
        QueueWeeklyDigests(*store_, std::string(kSurveyEmailSource), kDue + hours(24 * 3), "2026-12-05");
    ASSERT_TRUE(queued) << queued.error().message();
    EXPECT_EQ(queued.value(), 2u);
    const std::string asha = Value(
        "SELECT body FROM outbound_message WHERE purpose = 'digest' AND recipient = "
        "'asha.rao@cityhosp.example'");
    EXPECT_NE(asha.find("Invitations: 5, answered: 0"), std::string::npos) << asha;
    EXPECT_NE(asha.find("Question pain: 5 answers"), std::string::npos) << asha;
    EXPECT_NE(asha.find("Red flags: 0"), std::string::npos) << "D2002's patient's flag is not in it: " << asha;
    const std::string vikram = Value(
        "SELECT body FROM outbound_message WHERE purpose = 'digest' AND recipient = "
        "'vikram.iyer@cityhosp.example'");
    EXPECT_NE(vikram.find("Red flags: 1"), std::string::npos) << vikram;
    EXPECT_NE(vikram.find("fewer than 5"), std::string::npos) << "one answer: figures withheld: " << vikram;
    EXPECT_EQ(QueueWeeklyDigests(*store_, std::string(kSurveyEmailSource), kDue + hours(24 * 3), "2026-12-05").value(),
              2u);
    EXPECT_EQ(Sent("digest"), 2) << "once per physician and day";
}

// `carelisten encounters import` and `carelisten surveys import-calls`, for hospitals without an HL7 feed and for
// answers a call centre collected.
TEST_F(SurveyLifecycleTest, EncounterImportsAndCallCentreAnswersAreAppliedOnce) {
    const std::string dir = ::testing::TempDir();
    const std::string encounters = dir + "/encounters.csv";
    std::ofstream(encounters) << "record_id,facility,mrn,visit_number,physician_id,unit,discharge_time,phone,event\r\n"
                              << "R1,CITYHOSP,MRN9,V9,D1001,CARD,2026-11-18T09:30:00Z,+15551239999,discharge\r\n"
                              << "R2,CITYHOSP,,V10,D1001,CARD,2026-11-18T09:30:00Z,,discharge\r\n";
    const auto config = LoadConfigText("", "empty.toml");
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(RunEncountersImport(*store_, config, encounters, kDischarge, out, err), 1) << "one row refused";
    EXPECT_NE(out.str().find("1 survey(s) scheduled"), std::string::npos) << out.str();
    EXPECT_NE(err.str().find(":3:"), std::string::npos) << "the refused row is named by its line: " << err.str();
    EXPECT_EQ(err.str().find("MRN9"), std::string::npos) << "no patient data in the problems";
    std::ostringstream again;
    RunEncountersImport(*store_, config, encounters, kDischarge, again, err);
    EXPECT_NE(again.str().find("(1 already imported)"), std::string::npos) << again.str();
    EXPECT_EQ(Count("SELECT count(*) FROM survey"), 1);

    Pass(kDue);  // invited by SMS; the patient never answers, the call centre rings instead
    const std::string calls = dir + "/calls.csv";
    std::ofstream(calls) << "visit_number,question_id,answer\n"
                         << "V9,pain,eight\n"
                         << "V9,fever,nahi\n"
                         << "V9,wound,worse\n"
                         << "V9,comments,\"She said: \"\"the stitches itch\"\"\"\n"
                         << "V9,pain,banana\n";
    std::ostringstream call_out;
    std::ostringstream call_err;
    EXPECT_EQ(RunImportCalls(*store_, config, nullptr, calls, kDue + hours(30), call_out, call_err), 1)
        << "the unusable row is refused";
    EXPECT_NE(call_out.str().find("1 survey(s) recorded"), std::string::npos) << call_out.str();
    EXPECT_NE(call_err.str().find(":6:"), std::string::npos) << call_err.str();
    EXPECT_EQ(Value("SELECT string_agg(question_id || '=' || value_text || ':' || red_flag, ',' ORDER BY question_id) "
                    "FROM survey_answer"),
              "comments=She said: \"the stitches itch\":,fever=no:,pain=8:uncontrolled_pain,wound=worse:wound");
    EXPECT_EQ(Value("SELECT state || ':' || answered_via FROM survey"), "answered:phone");
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE urgency = 'critical'"), 1);
    std::ostringstream twice;
    EXPECT_EQ(RunImportCalls(*store_, config, nullptr, calls, kDue + hours(31), twice, call_err), 1);
    EXPECT_NE(twice.str().find("0 survey(s) recorded, 1 already answered"), std::string::npos) << twice.str();
    EXPECT_EQ(Count("SELECT count(*) FROM survey_answer"), 4);
}

}  // namespace
}  // namespace carelisten::daemon
