// E-mail acknowledgements against a real PostgreSQL and an in-process SMTP sink: messages parsed by the IMAP
// connector's MIME path go through the real analyzer, mapping and BatchProcessor (as the ingest loop stores them),
// then MailAcknowledger answers each patient once per thread per day and never automated mail.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <connectors/imap/imap_connector.hpp>
#include <connectors/mail/mail_wire.hpp>
#include <crm/migrator.hpp>
#include <crm/store.hpp>
#include <cstdlib>
#include <daemon/ingest.hpp>
#include <daemon/mail_acknowledger.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "pg/pg_test_database.hpp"
#include "support/smtp_sink.hpp"

namespace carelisten {
namespace {

using testing::SmtpSink;

const daemon::FlagPolicy kPolicy{.negative_below = -0.3, .min_urgency = nlp::Urgency::kHigh};

std::string MailFixture(const std::string& name) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    if (source_dir == nullptr) {
        throw std::runtime_error("CARELISTEN_SOURCE_DIR is not set");
    }
    std::ifstream in(std::string(source_dir) + "/tests/fixtures/mail/" + name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class MailAcknowledgementPgTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto created = nlp::Analyzer::Create();
        ASSERT_TRUE(created) << created.error().message();
        analyzer_ = new nlp::Analyzer(std::move(created).value());
        const auto dsn = test::PgTestDsn();
        if (!dsn) {
            return;
        }
        db_ = new test::TestDatabase(*dsn);
        migrated_ = static_cast<bool>(crm::ApplyMigrations(db_->Conninfo(), {}));
    }
    static void TearDownTestSuite() {
        delete db_;
        db_ = nullptr;
        delete analyzer_;
        analyzer_ = nullptr;
    }
    void SetUp() override {
        if (db_ == nullptr) {
            GTEST_SKIP() << test::kPgSkipMessage;
        }
        ASSERT_TRUE(migrated_) << "the migrations did not apply";
        auto opened = crm::Store::Open(db_->Conninfo());
        ASSERT_TRUE(opened) << opened.error().message();
        store_ = std::move(opened.value());
    }

    /// Parses the fixtures as the IMAP connector does and stores them as the ingest loop does.
    std::vector<connectors::RawItem> Store(const std::string& source, const std::vector<std::string>& fixtures) {
        connectors::Batch batch;
        for (const auto& name : fixtures) {
            auto record = connectors::imap::MessageToItem(source, MailFixture(name), "INBOX;UIDVALIDITY=1;UID=1");
            EXPECT_TRUE(std::holds_alternative<connectors::RawItem>(record)) << name;
            batch.items.push_back(std::get<connectors::RawItem>(record));
        }
        const auto items = batch.items;
        daemon::BatchProcessor processor(*analyzer_);
        const auto stored = processor.Store(*store_, source, batch, kPolicy);
        EXPECT_TRUE(stored) << stored.error().message();
        return items;
    }

    Settings AckSettings(const SmtpSink& sink, const std::string& source) const {
        Settings settings = DefaultSettings(daemon::MailAcknowledgementSettingsTable());
        settings.Set("enabled", true);
        settings.Set("sources", std::vector<std::string>{source});
        settings.Set("smtp_url", sink.Url());
        settings.Set("smtp_allow_plaintext_loopback", true);
        settings.Set("from_address", std::string("feedback@hospital.example"));
        return settings;
    }

    static inline nlp::Analyzer* analyzer_ = nullptr;
    static inline test::TestDatabase* db_ = nullptr;
    static inline bool migrated_ = false;
    std::unique_ptr<crm::Store> store_;
};

TEST_F(MailAcknowledgementPgTest, PatientsGetOneReferencePerThreadAndAutomatedMailNone) {
    SmtpSink sink;
    auto acknowledger = daemon::MailAcknowledger::Create(AckSettings(sink, "mail_ack"));
    ASSERT_TRUE(acknowledger);
    // plain.eml starts a thread that reply.eml continues; the rest is automated mail.
    const auto items = Store("mail_ack", {"plain.eml", "reply.eml", "auto_reply.eml", "bounce.eml", "newsletter.eml"});
    EXPECT_EQ(db_->QueryInt("SELECT count(*) FROM item WHERE source = 'mail_ack' AND is_noise"), 3);
    acknowledger->AfterCommit(*store_, "mail_ack", items);
    EXPECT_EQ(acknowledger->Sent(), 1U) << "one thread, one day: one acknowledgement; none to automated mail";
    EXPECT_EQ(acknowledger->Failed(), 0U);
    const auto messages = sink.Messages();
    ASSERT_EQ(messages.size(), 1U);
    const auto sent = connectors::mail::ParseMail(messages[0]);
    ASSERT_TRUE(sent);
    const std::string item_id = db_->QueryValue(
                                       "SELECT id FROM item WHERE source = 'mail_ack' AND external_id = "
                                       "'plain-1@example.org'")
                                    .value_or("");
    EXPECT_NE(sent->new_text.find(daemon::ReferenceNumber(std::stoll(item_id))), std::string::npos);
    EXPECT_EQ(sent->subject, "Re: Thank you, ward 3");
    EXPECT_EQ(sent->in_reply_to, "plain-1@example.org");
    bool auto_submitted = false;
    for (const auto& header : sent->headers) {
        auto_submitted = auto_submitted || (header.name == "Auto-Submitted" && header.value == "auto-replied");
    }
    EXPECT_TRUE(auto_submitted);
    EXPECT_EQ(db_->QueryValue("SELECT status || ' ' || (message_id = '" + sent->message_id +
                              "')::text FROM mail_acknowledgement WHERE source = 'mail_ack'"),
              std::optional<std::string>("sent true"));

    // The same batch acknowledged again (a crash after the send, or a sweep re-reading it): nothing more is sent.
    acknowledger->AfterCommit(*store_, "mail_ack", items);
    EXPECT_EQ(sink.Messages().size(), 1U);
}

TEST_F(MailAcknowledgementPgTest, AnAddressThatOptedOutOfEmailGetsNoAcknowledgement) {
    SmtpSink sink;
    auto acknowledger = daemon::MailAcknowledger::Create(AckSettings(sink, "mail_optout"));
    ASSERT_TRUE(acknowledger);
    const auto items = Store("mail_optout", {"html_only.eml"});  // a text no other test stores (no near-duplicate)
    const std::string address = db_->QueryValue("SELECT author FROM item WHERE source = 'mail_optout'").value_or("");
    ASSERT_FALSE(address.empty());
    ASSERT_TRUE(store_->RecordConsent(address, "email", "all", false, "unsubscribe_link"));
    acknowledger->AfterCommit(*store_, "mail_optout", items);
    EXPECT_EQ(acknowledger->Sent(), 0U);
    EXPECT_EQ(acknowledger->Refused(), 1U);
    EXPECT_TRUE(sink.Messages().empty());
    EXPECT_EQ(db_->QueryValue("SELECT status FROM mail_acknowledgement WHERE source = 'mail_optout'"),
              std::optional<std::string>("failed"));
}

TEST_F(MailAcknowledgementPgTest, SourcesNotListedAndDisabledSettingsSendNothing) {
    SmtpSink sink;
    auto settings = AckSettings(sink, "mail_ack_listed");
    auto acknowledger = daemon::MailAcknowledger::Create(settings);
    ASSERT_TRUE(acknowledger);
    const auto items = Store("mail_ack_other", {"latin1.eml"});
    acknowledger->AfterCommit(*store_, "mail_ack_other", items);
    EXPECT_TRUE(sink.Messages().empty());
    settings.Set("enabled", false);
    EXPECT_FALSE(daemon::MailAcknowledger::Create(settings)) << "off by default and when disabled";
    EXPECT_FALSE(daemon::MailAcknowledger::Create(DefaultSettings(daemon::MailAcknowledgementSettingsTable())));
}

TEST(MailAcknowledgementText, ReferencePlaceholderIsReplacedEverywhere) {
    EXPECT_EQ(daemon::ReferenceNumber(42), "CL-000042");
    EXPECT_EQ(daemon::AcknowledgementText("Ref {reference}; again {reference}.", "CL-000042"),
              "Ref CL-000042; again CL-000042.");
}

}  // namespace
}  // namespace carelisten
