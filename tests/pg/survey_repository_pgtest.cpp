// V007 against a real PostgreSQL: encounter messages applied once (replays change nothing), one survey per
// encounter, cancel-discharge and re-discharge, the due-survey transaction with its eligibility facts, SMS replies
// consumed once, form answers accepted once, red-flag cases for the physician, and row-level security (a physician
// reads only their own patients; other units only as aggregates of at least five answers).
#include <gtest/gtest.h>

#include <crm/errc.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <crm/survey_repository.hpp>
#include <memory>
#include <string>

#include "pg/pg_test_database.hpp"

namespace carelisten::crm {
namespace {

using std::chrono::hours;

const Timestamp kDischarge = Timestamp{} + std::chrono::seconds(1'795'000'000);  // 2026-11-18

EncounterMessage Discharge(const std::string& control_id, const std::string& visit, const std::string& mrn,
                           const std::string& physician, const std::string& unit = "cardiology") {
    EncounterMessage message;
    message.kind = "discharge";
    message.facility = "GENHOSP";
    message.control_id = control_id;
    message.mrn = mrn;
    message.visit_number = visit;
    message.physician_id = physician;
    message.physician_name = "Dr " + physician;
    message.care_unit = unit;
    message.discharged_at = kDischarge;
    message.phone = "+15551230000";
    message.language = "en";
    return message;
}

// The caller's rule in these tests: due 14 days after discharge.
std::optional<Timestamp> FourteenDays(const SurveyDefinitionRow&, Timestamp discharged) {
    return discharged + hours(24 * 14);
}

class SurveyRepositoryTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        db_ = std::make_unique<test::TestDatabase>(*dsn);  // a pristine database per test: counts stay simple
        const auto migrated = ApplyMigrations(db_->Conninfo(), {});
        ASSERT_TRUE(migrated) << migrated.error().message();
        auto opened = Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened) << opened.error().message();
        store_ = std::move(opened.value());
        surveys_ = std::make_unique<SurveyRepository>(*store_);
        ASSERT_TRUE(surveys_->AddDefinition({.care_unit = "cardiology",
                                             .version = 1,
                                             .approved_by = "P100",
                                             .approved_at = "2026-10-01",
                                             .definition_json = R"({"questions":["pain","fever","comment"]})"}));
    }
    long long Count(const std::string& sql) const { return db_->QueryInt(sql); }

    EncounterOutcome Apply(const EncounterMessage& message) {
        auto outcome = surveys_->ApplyEncounterMessage(message, kDischarge, FourteenDays);
        EXPECT_TRUE(outcome) << outcome.error().message();
        return outcome ? outcome.value() : EncounterOutcome{};
    }

    // Invites every due survey by SMS to its first consented contact, like the daemon's scheduler would.
    std::size_t InviteDue(Timestamp now) {
        auto processed = surveys_->ProcessDue(now, 100, [&](const DueSurvey& due) {
            SurveyDecision decision;
            decision.state = "invited";
            decision.invited_now = true;
            decision.channel = "sms";
            decision.contact = due.contacts.empty() ? "" : due.contacts[0].value;
            decision.next_action_at = now + hours(48);
            decision.expires_at = now + hours(24 * 7);
            decision.messages.push_back({.source = "sms",
                                         .channel = "sms",
                                         .recipient = decision.contact,
                                         .purpose = "survey",
                                         .body = "Q1/3: pain 0-10?",
                                         .dedupe_key = "survey:" + std::to_string(due.id) + ":invite"});
            return decision;
        });
        EXPECT_TRUE(processed) << processed.error().message();
        return processed ? processed.value() : 0;
    }

    void StoreSms(const std::string& sid, const std::string& from, const std::string& text) {
        NewItem item;
        item.source = "sms";
        item.external_id = sid;
        item.channel = "sms";
        item.author = from;
        item.text = text;
        item.sentiment_label = "neutral";
        item.urgency = "none";
        item.analyzer_version = "test";
        ASSERT_TRUE(store_->Ingest({.source = "sms", .items = {item}}));
    }

    std::unique_ptr<test::TestDatabase> db_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<SurveyRepository> surveys_;
};

TEST_F(SurveyRepositoryTest, DischargeReplayedThreeTimesMakesOneSurvey) {
    const auto first = Apply(Discharge("MSG1", "V1", "MRN1", "P100"));
    EXPECT_FALSE(first.replay);
    ASSERT_TRUE(first.survey_id.has_value());
    EXPECT_EQ(first.survey_state, "scheduled");
    for (int replay = 0; replay < 3; ++replay) {
        const auto again = Apply(Discharge("MSG1", "V1", "MRN1", "P100"));
        EXPECT_TRUE(again.replay);
        EXPECT_EQ(again.survey_id, first.survey_id);
    }
    // A new control id for the same visit (the hospital re-sent the discharge as a new message) still finds it.
    const auto resent = Apply(Discharge("MSG2", "V1", "MRN1", "P100"));
    EXPECT_FALSE(resent.replay);
    EXPECT_EQ(resent.survey_id, first.survey_id);
    EXPECT_EQ(Count("SELECT count(*) FROM survey"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM encounter"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM patient"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM encounter_message"), 2);
    EXPECT_EQ(Count("SELECT count(*) FROM patient_contact WHERE value = '+15551230000'"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM survey WHERE due_at = to_timestamp(1795000000 + 14 * 86400) AND "
                    "next_action_at = due_at AND state = 'scheduled' AND physician_id = 'P100'"),
              1);
}

TEST_F(SurveyRepositoryTest, CancelDischargeCancelsAndARedischargeReschedules) {
    const auto discharged = Apply(Discharge("A03-1", "V2", "MRN2", "P100"));
    auto cancel = Discharge("A13-1", "V2", "MRN2", "P100");
    cancel.kind = "cancel_discharge";
    cancel.discharged_at.reset();
    const auto cancelled = Apply(cancel);
    EXPECT_EQ(cancelled.survey_state, "cancelled");
    EXPECT_EQ(InviteDue(kDischarge + hours(24 * 15)), 0u) << "a cancelled survey is never due";
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message"), 0);

    const auto again = Apply(Discharge("A03-2", "V2", "MRN2", "P100"));
    EXPECT_EQ(again.survey_id, discharged.survey_id);
    EXPECT_EQ(again.survey_state, "scheduled");

    auto cancel_visit = Discharge("A11-1", "V2", "MRN2", "P100");
    cancel_visit.kind = "cancel_visit";
    EXPECT_EQ(Apply(cancel_visit).survey_state, "cancelled");
    EXPECT_EQ(Count("SELECT count(*) FROM encounter WHERE status = 'cancelled'"), 1);
}

TEST_F(SurveyRepositoryTest, AUnitWithoutDefinitionGetsNoSurveyUntilADefaultExists) {
    const auto outcome = Apply(Discharge("M1", "V3", "MRN3", "P100", "oncology"));
    EXPECT_FALSE(outcome.survey_id.has_value());
    EXPECT_EQ(outcome.note, "no survey definition for the unit");
    ASSERT_TRUE(surveys_->AddDefinition(
        {.care_unit = "*", .version = 1, .approved_by = "P1", .approved_at = "2026-09-01", .definition_json = "{}"}));
    const auto later = Apply(Discharge("M2", "V4", "MRN4", "P100", "oncology"));
    EXPECT_TRUE(later.survey_id.has_value());
}

TEST_F(SurveyRepositoryTest, ApprovedDefinitionVersionsNeverChange) {
    const auto same = surveys_->AddDefinition({.care_unit = "cardiology",
                                               .version = 1,
                                               .approved_by = "P100",
                                               .approved_at = "2026-10-01",
                                               .definition_json = R"({"questions":["pain","fever","comment"]})"});
    ASSERT_TRUE(same);
    const auto changed = surveys_->AddDefinition({.care_unit = "cardiology",
                                                  .version = 1,
                                                  .approved_by = "P100",
                                                  .approved_at = "2026-10-01",
                                                  .definition_json = R"({"questions":["pain"]})"});
    ASSERT_FALSE(changed);
    EXPECT_EQ(changed.error(), make_error_code(CrmErrc::kConflict));
    const auto definitions = surveys_->ListDefinitions();
    ASSERT_TRUE(definitions);
    EXPECT_EQ(definitions.value().size(), 1u);
}

TEST_F(SurveyRepositoryTest, DueSurveysCarryTheirEligibilityFactsAndAreTakenOnce) {
    Apply(Discharge("M1", "V10", "MRN10", "P100"));
    // A second discharge for another patient who has since died.
    auto deceased = Discharge("M2", "V11", "MRN11", "P100");
    deceased.phone = "+15551230011";
    Apply(deceased);
    auto update = deceased;
    update.kind = "update";
    update.control_id = "M3";
    update.deceased = true;
    Apply(update);
    // The first patient is back in hospital on a new visit; and opted out of surveys on their phone.
    auto readmission = Discharge("M4", "V12", "MRN10", "P100");
    readmission.kind = "update";
    readmission.discharged_at.reset();
    Apply(readmission);
    ASSERT_TRUE(store_->RecordConsent("+15551230000", "sms", "survey", false, "operator"));

    EXPECT_EQ(surveys_
                  ->ProcessDue(kDischarge + hours(24 * 13), 10,
                               [](const DueSurvey&) {
                                   ADD_FAILURE() << "nothing is due before 14 days";
                                   return SurveyDecision{};
                               })
                  .value(),
              0u);
    std::map<std::string, DueSurvey> seen;
    const auto processed = surveys_->ProcessDue(kDischarge + hours(24 * 14), 10, [&](const DueSurvey& due) {
        seen[due.visit_number] = due;
        return SurveyDecision{.state = "skipped", .reason = "test"};
    });
    ASSERT_TRUE(processed);
    EXPECT_EQ(processed.value(), 2u);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_TRUE(seen["V10"].readmitted);
    EXPECT_FALSE(seen["V10"].deceased);
    ASSERT_EQ(seen["V10"].contacts.size(), 1u);
    EXPECT_FALSE(seen["V10"].contacts[0].may_send);
    EXPECT_TRUE(seen["V11"].deceased);
    EXPECT_FALSE(seen["V11"].readmitted);
    EXPECT_TRUE(seen["V11"].contacts.at(0).may_send);
    EXPECT_EQ(seen["V11"].physician_id, "P100");
    EXPECT_EQ(seen["V11"].definition.version, 1);
    // The decision cleared next_action_at: a second pass takes nothing.
    EXPECT_EQ(InviteDue(kDischarge + hours(24 * 20)), 0u);
    EXPECT_EQ(Count("SELECT count(*) FROM survey WHERE state = 'skipped' AND reason = 'test'"), 2);
}

TEST_F(SurveyRepositoryTest, InvitationsQueueTheirMessageOnceAndSmsRepliesAreConsumedOnce) {
    StoreSms("SM-before", "+15551230000", "an old message before the invitation");
    const auto outcome = Apply(Discharge("M1", "V20", "MRN20", "P100"));
    EXPECT_EQ(InviteDue(kDischarge + hours(24 * 14)), 1u);
    EXPECT_EQ(InviteDue(kDischarge + hours(24 * 14)), 0u);
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message WHERE purpose = 'survey' AND recipient = '+15551230000'"),
              1);

    StoreSms("SM-1", "+15551230000", "7");
    StoreSms("SM-2", "+15559999999", "someone else");
    std::vector<std::string> texts;
    auto apply = [&](const SmsSurveyReply& reply) {
        texts.push_back(reply.text);
        EXPECT_EQ(reply.survey_id, *outcome.survey_id);
        EXPECT_EQ(reply.physician_id, "P100");
        SmsReplyDecision decision;
        decision.dialog_json = R"({"next":1})";
        decision.answers.push_back({.question_id = "pain", .value_number = 7, .value_text = "7"});
        decision.messages.push_back({.source = "sms",
                                     .channel = "sms",
                                     .recipient = reply.from,
                                     .purpose = "survey",
                                     .body = "Q2/3",
                                     .dedupe_key = "survey-reply:" + std::to_string(reply.item_id)});
        return decision;
    };
    const auto first = surveys_->ProcessSmsReplies(kDischarge + hours(24 * 14 + 1), 10, apply);
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_EQ(first.value(), 1u);
    EXPECT_EQ(texts, std::vector<std::string>{"7"});
    EXPECT_EQ(surveys_->ProcessSmsReplies(kDischarge + hours(24 * 14 + 2), 10, apply).value(), 0u);
    EXPECT_EQ(Count("SELECT count(*) FROM survey_answer WHERE value_number = 7 AND physician_id = 'P100' AND "
                    "item_id IS NOT NULL"),
              1);
    EXPECT_EQ(Count("SELECT count(*) FROM survey WHERE dialog->>'next' = '1'"), 1);
}

TEST_F(SurveyRepositoryTest, FormAnswersAreAcceptedOnceAndRedFlagsOpenTheirPhysiciansCase) {
    const auto outcome = Apply(Discharge("M1", "V30", "MRN30", "P100"));
    const auto now = kDischarge + hours(24 * 14);
    EXPECT_FALSE(surveys_->OpenFormSurvey(*outcome.survey_id, now).value().has_value()) << "not invited yet";
    InviteDue(now);
    const auto form = surveys_->OpenFormSurvey(*outcome.survey_id, now + hours(1));
    ASSERT_TRUE(form && form.value().has_value());
    EXPECT_EQ(form.value()->care_unit, "cardiology");
    EXPECT_FALSE(surveys_->OpenFormSurvey(*outcome.survey_id, now + hours(24 * 8)).value().has_value())
        << "expired after 7 days";

    const std::vector<SurveyAnswerRecord> answers{
        {.question_id = "pain", .value_number = 9, .value_text = "9", .red_flag = "uncontrolled_pain"},
        {.question_id = "fever", .value_number = 0, .value_text = "no"},
        {.question_id = "comment", .value_text = "the nurse was kind", .free_text = true}};
    NewItem comment;
    comment.source = "surveys";
    comment.external_id = "survey:" + std::to_string(*outcome.survey_id) + ":comment";
    comment.text = "the nurse was kind";
    comment.sentiment_label = "positive";
    comment.sentiment_score = 0.7;
    comment.categories = {"communication"};
    comment.analyzer_version = "test";
    ASSERT_TRUE(surveys_->UpdatePhysicianContact(
        {.id = "P100", .email = "Dr.P100@Hospital.Example", .phone = "+15557770100", .alert_channel = "sms"}));
    const RedFlagAlert alert{
        .flags = {"uncontrolled_pain"}, .message = "red flag", .email_source = "mail", .sms_source = "sms"};
    const auto submitted = surveys_->SubmitAnswers(
        *outcome.survey_id, "web", answers, {{.question_id = "comment", .item = comment}}, alert, now + hours(2));
    ASSERT_TRUE(submitted) << submitted.error().message();
    EXPECT_TRUE(submitted.value().accepted);
    ASSERT_TRUE(submitted.value().case_id.has_value());
    const auto twice = surveys_->SubmitAnswers(*outcome.survey_id, "web", answers, {}, alert, now + hours(3));
    ASSERT_TRUE(twice);
    EXPECT_FALSE(twice.value().accepted);
    EXPECT_EQ(twice.value().state, "answered");

    EXPECT_EQ(Count("SELECT count(*) FROM survey_answer"), 3);
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE urgency = 'critical' AND physician_id = 'P100' AND "
                    "status = 'open' AND item_count = 1"),
              1);
    EXPECT_EQ(Count("SELECT count(*) FROM outbound_message WHERE purpose = 'clinical_alert' AND channel = 'sms' AND "
                    "recipient = '+15557770100' AND source = 'sms'"),
              1);
    const auto physician = surveys_->GetPhysician("P100");
    ASSERT_TRUE(physician && physician.value().has_value());
    EXPECT_EQ(physician.value()->email, "dr.p100@hospital.example");
    EXPECT_EQ(physician.value()->name, "Dr P100");
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE channel = 'survey'"), 2);  // the comment and the flag record
    EXPECT_EQ(Count("SELECT count(*) FROM survey WHERE state = 'answered' AND answered_via = 'web'"), 1);
}

TEST_F(SurveyRepositoryTest, APhysicianReadsOnlyTheirOwnPatients) {
    // Six answered surveys for P100 and two for P200 (cardiology), five for P300 (oncology).
    ASSERT_TRUE(surveys_->AddDefinition({.care_unit = "oncology",
                                         .version = 1,
                                         .approved_by = "P300",
                                         .approved_at = "2026-10-01",
                                         .definition_json = "{}"}));
    const auto now = kDischarge + hours(24 * 14);
    std::map<std::string, std::vector<std::int64_t>> surveys_of;
    int visit = 0;
    for (const auto& [physician, unit, count] : std::vector<std::tuple<std::string, std::string, int>>{
             {"P100", "cardiology", 6}, {"P200", "cardiology", 2}, {"P300", "oncology", 5}}) {
        for (int i = 0; i < count; ++i) {
            ++visit;
            auto message = Discharge("M" + std::to_string(visit), "V" + std::to_string(visit),
                                     "MRN" + std::to_string(visit), physician, unit);
            message.phone = "+1555200" + std::to_string(1000 + visit);
            surveys_of[physician].push_back(*Apply(message).survey_id);
        }
    }
    InviteDue(now);
    for (const auto& [physician, ids] : surveys_of) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const int pain = physician == "P100" ? 2 + static_cast<int>(i) : 8;
            ASSERT_TRUE(surveys_->SubmitAnswers(
                ids[i], "phone",
                {{.question_id = "pain", .value_number = pain, .value_text = std::to_string(pain)},
                 {.question_id = "comment", .value_text = "comment of " + physician, .free_text = true}},
                {}, std::nullopt, now + hours(1)));
        }
    }
    const auto visible = surveys_->SurveysVisibleTo("P100");
    ASSERT_TRUE(visible) << visible.error().message();
    EXPECT_EQ(visible.value(), surveys_of["P100"]);
    EXPECT_EQ(surveys_->SurveysVisibleTo("P200").value(), surveys_of["P200"]);
    EXPECT_TRUE(surveys_->SurveysVisibleTo("nobody").value().empty());
    // Directly, as the role: another physician's rows are not there at all, whatever the query asks.
    EXPECT_EQ(db_->QueryInt("BEGIN; SET LOCAL ROLE carelisten_physician; SELECT set_config('carelisten.physician_id', "
                            "'P200', true); SELECT count(*) FROM survey_answer WHERE physician_id = 'P100'"),
              0);

    const auto summary = surveys_->PhysicianSummary("P100", now, now + hours(24));
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_EQ(summary.value().invitations, 6);
    EXPECT_EQ(summary.value().responses, 6);
    ASSERT_EQ(summary.value().questions.size(), 2u);
    const auto& pain = summary.value().questions[1];
    EXPECT_EQ(pain.question_id, "pain");
    EXPECT_EQ(pain.numeric_answers, 6);
    EXPECT_DOUBLE_EQ(pain.total, 2 + 3 + 4 + 5 + 6 + 7);
    EXPECT_EQ(pain.distribution.at("7"), 1);
    ASSERT_EQ(summary.value().comments.size(), 6u);
    for (const auto& comment : summary.value().comments) {
        EXPECT_EQ(comment.text, "comment of P100");
    }
    // Units: cardiology has 8 pain answers, oncology 5: both shown; a unit of fewer than five is suppressed.
    std::map<std::string, std::int64_t> unit_answers;
    for (const auto& unit : summary.value().units) {
        if (unit.question_id == "pain") {
            unit_answers[unit.care_unit] = unit.answers;
        }
    }
    EXPECT_EQ(unit_answers, (std::map<std::string, std::int64_t>{{"cardiology", 8}, {"oncology", 5}}));
    const auto p200 = surveys_->PhysicianSummary("P200", now, now + hours(24));
    ASSERT_TRUE(p200);
    EXPECT_EQ(p200.value().comments.size(), 2u);
    const auto unit = surveys_->UnitSummary("cardiology", now, now + hours(24));
    ASSERT_TRUE(unit);
    EXPECT_EQ(unit.value().invitations, 8);
}

// A managed server: the daemon's user may not create or grant roles. The migration still applies (the tables
// are there, row-level security on, so the role sees nothing); once the DBA grants the role, the next start
// completes the set-up and a physician's summary reads.
TEST(SurveyRowLevelSecurity, AnUnprivilegedOwnerMigratesAndTheNextStartCompletesTheSetUpOnceTheDbaGrantsTheRole) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase db(*dsn);
    const std::string user = "app_" + db.Name().substr(db.Name().size() - 4);
    db.Execute("CREATE ROLE " + user + " LOGIN NOCREATEROLE; ALTER DATABASE " + db.Name() + " OWNER TO " + user +
               "; ALTER SCHEMA public OWNER TO " + user +
               "; DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'carelisten_physician') THEN "
               "CREATE ROLE carelisten_physician NOLOGIN; END IF; END $$;");
    const std::string as_app = db.Conninfo() + " user=" + user;
    ASSERT_TRUE(ApplyMigrations(as_app, {})) << "the migration applies without CREATEROLE";
    auto opened = Store::Open(as_app);
    ASSERT_TRUE(opened);
    SurveyRepository surveys(*opened.value());
    EXPECT_FALSE(surveys.SurveysVisibleTo("P1")) << "not a member of the role yet: refused, never unfiltered";
    db.Execute("GRANT carelisten_physician TO " + user);  // the DBA
    ASSERT_TRUE(ApplyMigrations(as_app, {}));             // the next start
    auto reopened = Store::Open(as_app);
    ASSERT_TRUE(reopened);
    SurveyRepository after(*reopened.value());
    const auto visible = after.SurveysVisibleTo("P1");
    ASSERT_TRUE(visible) << visible.error().message();
    EXPECT_TRUE(visible.value().empty());
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM pg_policies WHERE policyname LIKE '%own%'"), 6);
    db.Execute("REASSIGN OWNED BY " + user + " TO CURRENT_USER; DROP OWNED BY " + user);
    db.Execute("DROP ROLE " + user);
}

TEST_F(SurveyRepositoryTest, PhoneAnswersWithoutAnInvitationCountAsReachedAndAnswered) {
    // The call centre records answers of a survey that was never invited (scheduled, phone list): the summary
    // counts it as reached and answered at the time of the answer, not "0 answered" beside its answers.
    const auto invited = *Apply(Discharge("M1", "V1", "MRN1", "P100")).survey_id;
    const auto now = kDischarge + hours(24 * 14);
    InviteDue(now);
    const auto never_invited = *Apply(Discharge("M2", "V2", "MRN2", "P100")).survey_id;
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM survey WHERE id = " + std::to_string(never_invited) +
                            " AND invited_at IS NULL"),
              1);
    for (const auto id : {invited, never_invited}) {
        const auto submitted = surveys_->SubmitAnswers(id, "phone", {{.question_id = "pain", .value_number = 3}}, {},
                                                       std::nullopt, now + hours(2));
        ASSERT_TRUE(submitted) << submitted.error().message();
        EXPECT_TRUE(submitted.value().accepted);
    }
    const auto summary = surveys_->PhysicianSummary("P100", now, now + hours(24));
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_EQ(summary.value().invitations, 2);
    EXPECT_EQ(summary.value().responses, 2);
    ASSERT_EQ(summary.value().questions.size(), 1u);
    EXPECT_EQ(summary.value().questions[0].numeric_answers, 2);
    // The period is the answer's: a day later neither survey is in it.
    const auto later = surveys_->PhysicianSummary("P100", now + hours(24), now + hours(48));
    ASSERT_TRUE(later);
    EXPECT_EQ(later.value().invitations, 0);
    EXPECT_EQ(later.value().responses, 0);
}

TEST_F(SurveyRepositoryTest, OpenCasesCountAsOverdueAfterTheirUrgencysTarget) {
    // Four flagged items of four authors: four open cases, then aged by hand.
    IngestBatch batch{.source = "drop"};
    const std::vector<std::string> urgencies{"critical", "high", "low", "none"};
    for (std::size_t i = 0; i < urgencies.size(); ++i) {
        NewItem item;
        item.source = "drop";
        item.external_id = "c" + std::to_string(i);
        item.channel = "review";
        item.author = "author" + std::to_string(i);
        item.text = "bad";
        item.sentiment_label = "negative";
        item.sentiment_score = -0.9;
        item.urgency = urgencies[i];
        item.analyzer_version = "test";
        item.flagged = true;
        batch.items.push_back(item);
    }
    ASSERT_TRUE(store_->Ingest(batch));
    db_->Execute("UPDATE feedback_case SET opened_at = now() - interval '5 hours'");
    const auto now = std::chrono::system_clock::now();
    const CaseTargets targets;  // 4, 24, 72, 120 hours
    auto counts = store_->CountCases(now, targets);
    ASSERT_TRUE(counts) << counts.error().message();
    EXPECT_EQ(counts.value().open, 4);
    EXPECT_EQ(counts.value().overdue, 1) << "only the critical case is past its 4 hours";
    db_->Execute("UPDATE feedback_case SET opened_at = now() - interval '100 hours'");
    EXPECT_EQ(store_->CountCases(now, targets).value().overdue, 3);
    db_->Execute("UPDATE feedback_case SET status = 'closed' WHERE urgency = 'critical'");
    EXPECT_EQ(store_->CountCases(now, targets).value().open, 3);
    EXPECT_EQ(store_->CountCases(now, targets).value().overdue, 2) << "a closed case is never overdue";
}

}  // namespace
}  // namespace carelisten::crm
