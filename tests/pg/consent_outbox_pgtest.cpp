// V004 against a real PostgreSQL: patient matching (exactly one patient links, several are flagged ambiguous),
// the consent registry fed by STOP/START messages in the ingest transaction, MaySend, and the outbox's
// exactly-once states (queued -> sending committed before the call -> sent -> delivered; refused by consent).
#include <gtest/gtest.h>

#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <memory>
#include <string>

#include "pg/pg_test_database.hpp"

namespace carelisten::crm {
namespace {

NewItem Sms(const std::string& source, const std::string& sid, const std::string& from, const std::string& text,
            std::vector<std::string> noise_reasons = {}) {
    NewItem item;
    item.source = source;
    item.external_id = sid;
    item.channel = "sms";
    item.author = from;
    item.text = text;
    item.language = "en";
    item.sentiment_label = "neutral";
    item.sentiment_scored = noise_reasons.empty();
    item.is_noise = !noise_reasons.empty();
    item.noise_reasons = std::move(noise_reasons);
    item.urgency = "none";
    item.analyzer_version = "test-1";
    return item;
}

class ConsentOutboxTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            return;
        }
        db_ = new test::TestDatabase(*dsn);
        migrated_ = static_cast<bool>(ApplyMigrations(db_->Conninfo(), {}));
    }
    static void TearDownTestSuite() {
        delete db_;
        db_ = nullptr;
    }
    void SetUp() override {
        if (db_ == nullptr) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        ASSERT_TRUE(migrated_);
        auto opened = Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened) << opened.error().message();
        store_ = std::move(opened.value());
    }
    long long Count(const std::string& sql) const { return db_->QueryInt(sql); }

    static test::TestDatabase* db_;
    static bool migrated_;
    std::unique_ptr<Store> store_;
};

test::TestDatabase* ConsentOutboxTest::db_ = nullptr;
bool ConsentOutboxTest::migrated_ = false;

TEST_F(ConsentOutboxTest, AnSmsLinksToTheOnlyPatientWithThatNumberAndASharedNumberIsFlaggedAmbiguous) {
    const auto alone = store_->AddPatient({.mrn = "MRN-1001", .phones = {"+919812300101"}, .emails = {}});
    ASSERT_TRUE(alone);
    ASSERT_TRUE(store_->AddPatient({.mrn = "MRN-1002", .phones = {"+919812300202"}, .emails = {}}));
    ASSERT_TRUE(
        store_->AddPatient({.mrn = "MRN-1003", .phones = {"+919812300202"}, .emails = {"A.Patient@Example.org"}}));
    IngestBatch batch;
    batch.source = "match_sms";
    batch.items = {Sms("match_sms", "SM1", "+919812300101", "thank you"),
                   Sms("match_sms", "SM2", "+919812300202", "billing is wrong"),
                   Sms("match_sms", "SM3", "+919812300303", "who is this")};
    const auto outcome = store_->Ingest(batch);
    ASSERT_TRUE(outcome) << outcome.error().message();
    EXPECT_EQ(outcome.value().patients_linked, 1U);
    EXPECT_EQ(Count("SELECT patient_id FROM item WHERE source = 'match_sms' AND external_id = 'SM1'"), alone.value());
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'match_sms' AND external_id = 'SM1' AND "
                    "patient_match = 'matched'"),
              1);
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'match_sms' AND external_id = 'SM2' AND "
                    "patient_match = 'ambiguous' AND patient_id IS NULL"),
              1);
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'match_sms' AND external_id = 'SM3' AND "
                    "patient_match = 'none'"),
              1);
    // E-mail authors match case-insensitively.
    IngestBatch mail;
    mail.source = "match_mail";
    auto item = Sms("match_mail", "<m1@example.org>", "a.patient@EXAMPLE.org", "hello");
    item.channel = "email";
    mail.items = {item};
    ASSERT_TRUE(store_->Ingest(mail));
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'match_mail' AND patient_match = 'matched'"), 1);
}

// A forum username links to the patient the hospital linked it to, per forum: the same name on another forum
// is someone else.
TEST_F(ConsentOutboxTest, AForumPostLinksToThePatientTheHospitalLinkedItsUsernameTo) {
    const auto linked =
        store_->AddPatient({.mrn = "MRN-2001", .phones = {}, .emails = {}, .forum_names = {"forum_heart/Sunita_P"}});
    ASSERT_TRUE(linked) << linked.error().message();
    IngestBatch batch;
    batch.source = "forum_heart";
    auto post = Sms("forum_heart", "846", "sunita_p", "the billing office charged me twice");
    post.channel = "forum";
    post.community = "heart";
    post.care_unit = "cardiology";
    batch.items = {post};
    ASSERT_TRUE(store_->Ingest(batch));
    EXPECT_EQ(Count("SELECT patient_id FROM item WHERE source = 'forum_heart' AND external_id = '846'"),
              linked.value());
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'forum_heart' AND care_unit = 'cardiology'"), 1);

    IngestBatch other;
    other.source = "forum_cancer";
    auto namesake = Sms("forum_cancer", "12", "sunita_p", "hello");
    namesake.channel = "forum";
    other.items = {namesake};
    ASSERT_TRUE(store_->Ingest(other));
    EXPECT_EQ(Count("SELECT count(*) FROM item WHERE source = 'forum_cancer' AND patient_match = 'none' AND "
                    "patient_id IS NULL"),
              1);
}

TEST_F(ConsentOutboxTest, AStopMessageOptsTheNumberOutOnceAndAStartOptsItBackIn) {
    const std::string number = "+919812300404";
    ASSERT_TRUE(store_->MaySend(number, "sms", "survey").value());
    IngestBatch stop;
    stop.source = "consent_sms";
    stop.items = {Sms("consent_sms", "SM10", number, "STOP", {"opt_out"})};
    auto outcome = store_->Ingest(stop);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().consent_changes, 1U);
    EXPECT_FALSE(store_->MaySend(number, "sms", "survey").value());
    EXPECT_FALSE(store_->MaySend(number, "sms", "acknowledgement").value());
    EXPECT_TRUE(store_->MaySend(number, "email", "survey").value());
    EXPECT_EQ(Count("SELECT count(*) FROM feedback_case WHERE source = 'consent_sms'"), 0);
    // Twilio retries the webhook and the poll sees it too: the second delivery records no second event.
    outcome = store_->Ingest(stop);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome.value().consent_changes, 0U);
    EXPECT_EQ(Count("SELECT count(*) FROM consent_event WHERE contact = '" + number + "'"), 1);
    IngestBatch start;
    start.source = "consent_sms";
    start.items = {Sms("consent_sms", "SM11", number, "START", {"opt_in"})};
    ASSERT_TRUE(store_->Ingest(start));
    EXPECT_TRUE(store_->MaySend(number, "sms", "survey").value());
    EXPECT_EQ(Count("SELECT count(*) FROM consent_event WHERE contact = '" + number + "'"), 2);
}

TEST_F(ConsentOutboxTest, AStopFromOneOfAPatientsNumbersStopsThemAllUntilStart) {
    const std::string mobile = "+919812300606";
    const std::string landline = "+912240006060";
    ASSERT_TRUE(
        store_->AddPatient({.mrn = "MRN-CONSENT-1", .phones = {mobile, landline}, .emails = {"p1@example.org"}}));
    IngestBatch stop;
    stop.source = "patient_sms";
    stop.items = {Sms("patient_sms", "SM30", mobile, "STOP", {"opt_out"})};
    ASSERT_TRUE(store_->Ingest(stop));
    EXPECT_FALSE(store_->MaySend(mobile, "sms", "survey").value());
    EXPECT_FALSE(store_->MaySend(landline, "sms", "survey").value()) << "the patient said stop, not the number";
    EXPECT_TRUE(store_->MaySend("p1@example.org", "email", "survey").value()) << "another channel";
    EXPECT_TRUE(store_->MaySend("+919812399999", "sms", "survey").value()) << "someone else";
    IngestBatch start;
    start.source = "patient_sms";
    start.items = {Sms("patient_sms", "SM31", mobile, "START", {"opt_in"})};
    ASSERT_TRUE(store_->Ingest(start));
    EXPECT_TRUE(store_->MaySend(landline, "sms", "survey").value());
}

TEST_F(ConsentOutboxTest, StopThenStartInOneBatchIsAppliedInArrivalOrder) {
    const std::string number = "+919812300505";
    IngestBatch batch;
    batch.source = "order_sms";
    batch.items = {Sms("order_sms", "SM20", number, "STOP", {"opt_out"}),
                   Sms("order_sms", "SM21", number, "UNSTOP", {"opt_in"})};
    ASSERT_TRUE(store_->Ingest(batch));
    EXPECT_TRUE(store_->MaySend(number, "sms", "survey").value());
}

TEST_F(ConsentOutboxTest, AnOperatorOptOutOfOnePurposeLeavesTheOthers) {
    ASSERT_TRUE(store_->RecordConsent("Someone@Example.org", "email", "survey", false, "unsubscribe_link"));
    EXPECT_FALSE(store_->MaySend("someone@example.org", "email", "survey").value());
    EXPECT_TRUE(store_->MaySend("someone@example.org", "email", "acknowledgement").value());
}

TEST_F(ConsentOutboxTest, TheOutboxGoesQueuedSendingSentDeliveredAndADedupeKeyQueuesOnce) {
    NewOutbound message{.source = "outbox_sms",
                        .channel = "sms",
                        .recipient = "+919812300606",
                        .purpose = "survey",
                        .body = "How was your stay at St Elsewhere? Reply 1-5",
                        .dedupe_key = "survey:visit-77"};
    const auto queued = store_->EnqueueOutbound(message);
    ASSERT_TRUE(queued) << queued.error().message();
    EXPECT_EQ(queued.value().state, "queued");
    EXPECT_EQ(queued.value().marker.size(), 36U);
    const auto again = store_->EnqueueOutbound(message);
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value().id, queued.value().id);
    const auto claimed = store_->ClaimOutbound("outbox_sms");
    ASSERT_TRUE(claimed && claimed.value());
    EXPECT_EQ(claimed.value()->state, "sending");
    EXPECT_EQ(claimed.value()->attempts, 1);
    // 'sending' is committed: a second worker (or the same after a crash) does not claim it again.
    EXPECT_FALSE(store_->ClaimOutbound("outbox_sms").value());
    EXPECT_EQ(store_->ListOutbound("outbox_sms", "sending").value().size(), 1U);
    ASSERT_TRUE(store_->CompleteOutbound(queued.value().id, "SMf0000000000000000000000000000001", "queued"));
    EXPECT_EQ(store_->GetOutbound(queued.value().id).value().state, "sent");
    IngestBatch callback;
    callback.source = "outbox_sms";
    callback.delivery_reports = {{queued.value().marker, "SMf0000000000000000000000000000001", "delivered", ""}};
    const auto applied = store_->Ingest(callback);
    ASSERT_TRUE(applied);
    EXPECT_EQ(applied.value().delivery_reports, 1U);
    EXPECT_EQ(store_->GetOutbound(queued.value().id).value().state, "delivered");
    // A late 'sent' callback does not move a delivered message back.
    callback.delivery_reports = {{queued.value().marker, "SMf0000000000000000000000000000001", "sent", ""}};
    ASSERT_TRUE(store_->Ingest(callback));
    EXPECT_EQ(store_->GetOutbound(queued.value().id).value().state, "delivered");
}

TEST_F(ConsentOutboxTest, AMessageToANumberThatSaidStopIsRefusedWhenDueAndARetryGoesBackToTheQueue) {
    const std::string number = "+919812300707";
    const auto refused = store_->EnqueueOutbound(
        {.source = "refuse_sms", .channel = "sms", .recipient = number, .purpose = "survey", .body = "Survey"});
    ASSERT_TRUE(refused);
    ASSERT_TRUE(store_->RecordConsent(number, "sms", "all", false, "operator"));
    EXPECT_FALSE(store_->ClaimOutbound("refuse_sms").value());
    EXPECT_EQ(store_->GetOutbound(refused.value().id).value().state, "refused");

    const auto retried = store_->EnqueueOutbound({.source = "refuse_sms",
                                                  .channel = "sms",
                                                  .recipient = "+919812300808",
                                                  .purpose = "acknowledgement",
                                                  .body = "We received your message, reference SE-1"});
    ASSERT_TRUE(retried);
    ASSERT_TRUE(store_->ClaimOutbound("refuse_sms").value());
    ASSERT_TRUE(store_->RetryOutbound(retried.value().id, std::chrono::system_clock::now() + std::chrono::hours(1),
                                      "429 Twilio error 20429"));
    EXPECT_EQ(store_->GetOutbound(retried.value().id).value().state, "queued");
    EXPECT_FALSE(store_->ClaimOutbound("refuse_sms").value());  // not due before its retry time
}

}  // namespace
}  // namespace carelisten::crm
