// Exactly once across kill -9, SIGTERM and a database restart: 20,000 items through jsonl_drop, the
// daemon killed (or stopped) at random moments and restarted, and the database server restarted under it
// once; at the end the database holds each item once, each bad line once in quarantine, and every file is
// in done/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <pg/pg_test_database.hpp>
#include <random>
#include <support/temp_dir.hpp>

#include "daemon_process.hpp"

namespace carelisten::e2e {
namespace {

constexpr int kFiles = 20;
constexpr int kItemsPerFile = 1000;
constexpr int kBadLinesPerFile = 3;
constexpr int kKills = 7;

TEST(ExactlyOnce, SurvivesKillDashNineAtRandomMoments) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase database(*dsn);
    testing::TempDir dir;
    const auto drop = dir.Path() / "drop";
    std::filesystem::create_directories(drop);
    for (int file = 0; file < kFiles; ++file) {
        std::string content;
        for (int i = 0; i < kItemsPerFile; ++i) {
            const int id = file * kItemsPerFile + i;
            content +=
                R"({"external_id":"item-)" + std::to_string(id) + R"(","author":"patient-)" + std::to_string(id % 97) +
                R"(","text":"Visit )" + std::to_string(id) +
                (id % 5 == 0 ? R"(: the nurse was rude and I waited hours"})" : R"(: kind and helpful staff"})") + "\n";
            if (i % (kItemsPerFile / kBadLinesPerFile) == 7) {
                content += "{\"external_id\": \"broken-" + std::to_string(id) + "\", \"text\": \n";
            }
        }
        testing::WriteFile(drop / ("batch-" + std::to_string(1000 + file) + ".jsonl"), content);
    }
    testing::WriteFile(dir.Path() / "carelistend.toml", R"([daemon]
state_dir = ")" + dir.Path().string() + R"("
batch_size = 250
poll_interval_ms = 100
[database]
url = ")" + database.Conninfo() + R"("
[http]
listen_port = 0
[sources.drop]
type = "jsonl_drop"
directory = ")" + drop.string() + R"("
)");

    const auto log = dir.Path() / "daemon.log";
    std::mt19937 random(20261123);
    std::uniform_int_distribution<int> delay_ms(200, 1500);
    int kills = 0;
    int kills_mid_flow = 0;  // kills that landed while items were still arriving
    int graceful_stops = 0;
    for (; kills < kKills; ++kills) {
        DaemonProcess daemon(dir.Path() / "carelistend.toml", log);
        daemon.Start();
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
        if (kills == 2) {
            // The database server restarts under the running daemon: it must reconnect, not crash.
            const auto restarted =
                RunCommand({std::string(std::getenv("CARELISTEN_SOURCE_DIR")) + "/tests/support/pg_cluster.sh",
                            "restart", std::getenv("CARELISTEN_TEST_PG_DIR")});
            ASSERT_EQ(restarted.status, 0) << restarted.err;
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
            ASSERT_TRUE(daemon.Running()) << ReadWholeFile(log);
        }
        if (kills % 3 == 1) {
            // SIGTERM mid-flow: the in-flight transaction finishes and the daemon exits 0. Wait until its
            // signal handlers are installed (the HTTP address is written after them).
            WaitUntil([&] { return std::filesystem::exists(dir.Path() / "http.address"); }, std::chrono::seconds(30));
            daemon.Signal(SIGTERM);
            ASSERT_EQ(daemon.Wait(std::chrono::seconds(30)), 0) << ReadWholeFile(log);
            ++graceful_stops;
        } else {
            daemon.Signal(SIGKILL);
            ASSERT_EQ(daemon.Wait(std::chrono::seconds(10)), 128 + SIGKILL);
        }
        std::filesystem::remove(dir.Path() / "http.address");
        const auto stored = database.QueryInt("SELECT count(*) FROM item");
        kills_mid_flow += (stored > 0 && stored < kFiles * kItemsPerFile) ? 1 : 0;
    }

    // A last run drains everything, then stops cleanly (SIGTERM once it is ready: its handlers are set).
    std::filesystem::remove(dir.Path() / "http.address");
    DaemonProcess daemon(dir.Path() / "carelistend.toml", log);
    daemon.Start();
    ASSERT_TRUE(WaitUntil(
        [&] {
            auto address = ReadWholeFile(dir.Path() / "http.address");
            while (!address.empty() && address.back() == '\n') {
                address.pop_back();
            }
            return !address.empty() && HttpGet(address, "/readyz").status == 200;
        },
        std::chrono::minutes(1)))
        << ReadWholeFile(log);
    const bool drained =
        WaitUntil([&] { return CountDirectoryEntries(drop / "done") == static_cast<std::size_t>(kFiles); },
                  std::chrono::minutes(5));
    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0);
    ASSERT_TRUE(drained) << ReadWholeFile(log);

    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), kFiles * kItemsPerFile);
    EXPECT_EQ(database.QueryInt("SELECT count(DISTINCT external_id) FROM item"), kFiles * kItemsPerFile);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM quarantine"), kFiles * kBadLinesPerFile);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE external_id LIKE 'item-%'"), kFiles * kItemsPerFile);
    // Every flagged item belongs to exactly one case, and case counts add up to the flagged items.
    EXPECT_EQ(database.QueryInt("SELECT coalesce(sum(item_count), 0) FROM feedback_case"),
              database.QueryInt("SELECT count(*) FROM item WHERE case_id IS NOT NULL"));
    EXPECT_GT(database.QueryInt("SELECT count(*) FROM item WHERE case_id IS NOT NULL"), 0);
    for (const auto& entry : std::filesystem::directory_iterator(drop)) {
        EXPECT_TRUE(entry.is_directory()) << entry.path() << " was not moved to done/";
    }
    EXPECT_EQ(kills, kKills);
    EXPECT_GE(kills_mid_flow, 2) << "the kills must interrupt the flow, not only an idle daemon";
    EXPECT_EQ(graceful_stops, 2);
    EXPECT_THAT(ReadWholeFile(log), ::testing::HasSubstr("stopped cleanly"));
}

}  // namespace
}  // namespace carelisten::e2e
