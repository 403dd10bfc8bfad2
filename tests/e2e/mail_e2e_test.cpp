// E-mail end to end: the real carelistend reads a real Dovecot mailbox (imaps, the `dovecot` fixture) into a
// real PostgreSQL (the `pg_cluster` fixture). The first run dies by SIGKILL between the commit and the move
// (the test-only fault hook CARELISTEN_FAULT_IMAP_KILL_BEFORE_ACK); after a restart nothing is stored twice,
// every message ends up moved, a new message still arrives, and automated mail is stored as noise.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "channel_clients.hpp"
#include "daemon_process.hpp"
#include "pg/pg_test_database.hpp"
#include "support/temp_dir.hpp"

namespace carelisten::e2e {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
    return ReadWholeFile(fs::path(std::getenv("CARELISTEN_SOURCE_DIR")) / "tests/fixtures/mail" / name);
}

long long MessageCount(const std::string& mailbox) {
    const auto result = RunCommand({"/usr/bin/curl", "-s", "--cacert", (DovecotDir() / "cert.pem").string(), "-u",
                                    "patientmail:" + TrimmedFile(DovecotDir() / "password"),
                                    "imaps://127.0.0.1:" + TrimmedFile(DovecotDir() / "imaps_port") + "/", "-X",
                                    "STATUS \"" + mailbox + "\" (MESSAGES)"});
    const auto at = result.out.find("MESSAGES ");
    return at == std::string::npos ? -1 : std::stoll(result.out.substr(at + 9));
}

TEST(MailE2e, KillBetweenCommitAndMoveStoresNothingTwiceAndMovesEverything) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    ASSERT_FALSE(DovecotDir().empty()) << "CARELISTEN_TEST_DOVECOT_DIR is not set: run through ctest";
    test::TestDatabase database(*dsn);
    testing::TempDir dir;
    const std::vector<std::string> fixtures = {"plain.eml",  "reply.eml",      "auto_reply.eml",
                                               "bounce.eml", "newsletter.eml", "shift_jis.eml"};
    for (std::size_t i = 0; i < fixtures.size(); ++i) {
        DeliverMail("E2E", "m" + std::to_string(i) + ".eml", Fixture(fixtures[i]));
    }
    testing::WriteFile(dir.Path() / "carelistend.toml", R"([daemon]
state_dir = ")" + dir.Path().string() + R"("
poll_interval_ms = 200
[database]
url = ")" + database.Conninfo() + R"("
[http]
listen_port = 0
[sources.feedback_mail]
type = "imap"
url = "imaps://127.0.0.1:)" + TrimmedFile(DovecotDir() / "imaps_port") +
                                                            R"("
username = "patientmail"
password_file = ")" + (DovecotDir() / "password").string() +
                                                            R"("
ca_file = ")" + (DovecotDir() / "cert.pem").string() + R"("
mailboxes = ["E2E"]
after_commit = "move"
move_to = "E2EDone"
)");
    const auto log = dir.Path() / "daemon.log";
    {
        DaemonProcess daemon(dir.Path() / "carelistend.toml", log, {"CARELISTEN_FAULT_IMAP_KILL_BEFORE_ACK=1"});
        daemon.Start();
        const auto status = daemon.Wait(std::chrono::seconds(60));
        ASSERT_TRUE(status) << ReadWholeFile(log);
        EXPECT_EQ(*status, 128 + SIGKILL) << "died in Acknowledge, after the commit";
    }
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE source = 'feedback_mail'"),
              static_cast<long long>(fixtures.size()));
    EXPECT_EQ(MessageCount("E2E"), static_cast<long long>(fixtures.size())) << "killed before the move";

    fs::remove(dir.Path() / "http.address");
    DaemonProcess daemon(dir.Path() / "carelistend.toml", log);
    daemon.Start();
    EXPECT_TRUE(WaitUntil([&] { return MessageCount("E2EDone") == static_cast<long long>(fixtures.size()); },
                          std::chrono::seconds(60)))
        << ReadWholeFile(log);
    DeliverMail("E2E", "late.eml", Fixture("latin1.eml"));
    EXPECT_TRUE(
        WaitUntil([&] { return database.QueryInt("SELECT count(*) FROM item WHERE source = 'feedback_mail'") == 7; },
                  std::chrono::seconds(60)))
        << ReadWholeFile(log);
    EXPECT_TRUE(WaitUntil([&] { return MessageCount("E2E") == 0; }, std::chrono::seconds(60)));
    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0);

    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE source = 'feedback_mail'"), 7);
    EXPECT_EQ(database.QueryInt("SELECT count(DISTINCT external_id) FROM item WHERE source = 'feedback_mail'"), 7);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE source = 'feedback_mail' AND external_id IN "
                                "('ooo-1@example.org', 'bounce-1@example.org', 'news-1@example.org') AND is_noise"),
              3)
        << "auto-reply, bounce and newsletter are noise";
    EXPECT_EQ(database.QueryValue("SELECT thread_id FROM item WHERE external_id = 'reply-2@example.org'"),
              std::optional<std::string>("plain-1@example.org"));
    EXPECT_EQ(ReadWholeFile(log).find("anna@example.org"), std::string::npos) << "no e-mail addresses in the log";
}

}  // namespace
}  // namespace carelisten::e2e
