// Several replicas on one database (crm V009): three carelistend processes share four jsonl_drop sources, one
// replica at a time per source under a lease. Each round drops a new file into every source and, once the replicas
// are storing it, kills a holder with SIGKILL at a random moment and restarts it (once one is frozen with SIGSTOP past
// its lease and thawed); the others take its sources within the lease time. At the end every item is stored exactly
// once, every file is in done/, and the takeover times are printed. The files are fed round by round, not all at
// the start, so that the kills land while work is in flight however fast the machine drains the drops.
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <pg/pg_test_database.hpp>
#include <random>
#include <support/temp_dir.hpp>

#include "daemon_process.hpp"

namespace carelisten::e2e {
namespace {

constexpr int kReplicas = 3;
constexpr int kSources = 4;
constexpr int kKills = 8;
constexpr int kFilesPerSource = kKills;  // one new file per source each round
constexpr int kItemsPerFile = 1000;
constexpr int kLeaseSeconds = 4;

TEST(Replicas, ThreeReplicasShareTheSourcesAndSurviveKills) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase database(*dsn);
    testing::TempDir dir;
    std::string sources;
    const auto drop_of = [&](int source) { return dir.Path() / ("drop" + std::to_string(source)); };
    for (int source = 0; source < kSources; ++source) {
        std::filesystem::create_directories(drop_of(source));
        sources += "[sources.drop" + std::to_string(source) + "]\ntype = \"jsonl_drop\"\ndirectory = \"" +
                   drop_of(source).string() + "\"\n";
    }
    // A drop appears whole: written under a hidden name, which the connector skips, then renamed into place.
    const auto drop_file = [&](int source, int file) {
        std::string content;
        for (int i = 0; i < kItemsPerFile; ++i) {
            const int id = (source * kFilesPerSource + file) * kItemsPerFile + i;
            content += R"({"external_id":"item-)" + std::to_string(id) + R"(","author":"p-)" + std::to_string(id % 89) +
                       R"(","text":"Visit )" + std::to_string(id) +
                       (id % 7 == 0 ? R"(: nobody answered the call bell"})" : R"(: thank you all"})") + "\n";
        }
        const auto name = "batch-" + std::to_string(100 + file) + ".jsonl";
        testing::WriteFile(drop_of(source) / ("." + name), content);
        std::filesystem::rename(drop_of(source) / ("." + name), drop_of(source) / name);
    };
    std::vector<std::filesystem::path> configs;
    for (int replica = 0; replica < kReplicas; ++replica) {
        const auto state = dir.Path() / ("replica" + std::to_string(replica));
        std::filesystem::create_directories(state);
        configs.push_back(state / "carelistend.toml");
        testing::WriteFile(
            configs.back(),
            "[daemon]\nstate_dir = \"" + state.string() + "\"\nreplica_id = \"r" + std::to_string(replica) +
                "\"\nbatch_size = 10\npoll_interval_ms = 100\nsource_lease_seconds = " + std::to_string(kLeaseSeconds) +
                "\n[database]\nurl = \"" + database.Conninfo() +
                "\"\n[http]\nlisten_port = 0\n[console]\nenabled = false\n" + sources);
    }
    const auto log = dir.Path() / "replicas.log";
    std::vector<std::unique_ptr<DaemonProcess>> replicas;
    for (int replica = 0; replica < kReplicas; ++replica) {
        replicas.push_back(std::make_unique<DaemonProcess>(configs[replica], log));
        replicas.back()->Start();
    }
    const auto holders = [&] {
        std::map<std::string, std::string> out;  // source -> live holder
        if (database.QueryValue("SELECT to_regclass('source_lease')::text") == std::nullopt) {
            return out;  // the first replica has not migrated yet
        }
        for (const auto& row :
             database.Query("SELECT source, holder FROM source_lease WHERE expires_at > now() ORDER BY source")) {
            out[*row[0]] = *row[1];
        }
        return out;
    };
    ASSERT_TRUE(WaitUntil([&] { return holders().size() == kSources; }, std::chrono::seconds(60)))
        << ReadWholeFile(log);

    std::mt19937 random(20261202);
    std::vector<double> takeover_seconds;
    int kills_mid_flow = 0;
    int frozen = 0;
    long long written = 0;
    for (int kill = 0; kill < kKills; ++kill) {
        const auto stored_before = database.QueryInt("SELECT count(*) FROM item");
        for (int source = 0; source < kSources; ++source) {
            drop_file(source, kill);
        }
        written += static_cast<long long>(kSources) * kItemsPerFile;
        ASSERT_TRUE(WaitUntil([&] { return database.QueryInt("SELECT count(*) FROM item") > stored_before; },
                              std::chrono::seconds(30)))
            << "round " << kill << ": the new drops are not being stored\n"
            << ReadWholeFile(log);
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 300)(random)));
        // Kill a replica that holds at least one source (the interesting case), else any.
        const auto held = holders();
        int victim = std::uniform_int_distribution<int>(0, kReplicas - 1)(random);
        if (!held.empty()) {
            auto pick = held.begin();
            std::advance(pick, std::uniform_int_distribution<int>(0, static_cast<int>(held.size()) - 1)(random));
            victim = std::stoi(pick->second.substr(1));
        }
        std::vector<std::string> its_sources;
        for (const auto& [source, holder] : held) {
            if (holder == "r" + std::to_string(victim)) {
                its_sources.push_back(source);
            }
        }
        const auto stored = database.QueryInt("SELECT count(*) FROM item");
        kills_mid_flow += stored < written ? 1 : 0;  // items dropped and not yet stored: the kill cuts into work
        // One round freezes the holder instead (SIGSTOP: a replica paused past its lease, e.g. a stalled VM), to
        // thaw it after the takeover: whatever batch it had in hand must then be refused by the lease's fence.
        const bool freeze = kill == kKills / 2;
        replicas[victim]->Signal(freeze ? SIGSTOP : SIGKILL);
        if (!freeze) {
            ASSERT_EQ(replicas[victim]->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
        }
        const auto killed_at = std::chrono::steady_clock::now();
        // The survivors take every source of the dead replica once its leases run out.
        const bool taken = WaitUntil(
            [&] {
                const auto now_held = holders();
                for (const auto& source : its_sources) {
                    const auto found = now_held.find(source);
                    if (found == now_held.end() || found->second == "r" + std::to_string(victim)) {
                        return false;
                    }
                }
                return true;
            },
            std::chrono::seconds(kLeaseSeconds * 3));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
        ASSERT_TRUE(taken) << "sources of r" << victim << " not taken over\n" << ReadWholeFile(log);
        if (!its_sources.empty()) {
            takeover_seconds.push_back(seconds);
            EXPECT_LE(seconds, kLeaseSeconds + 1.5) << "takeover within the lease time (plus one look)";
        }
        if (freeze) {
            replicas[victim]->Signal(SIGCONT);  // it wakes up holding nothing it may write
            ++frozen;
            continue;
        }
        std::filesystem::remove(configs[victim].parent_path() / "http.address");
        replicas[victim] = std::make_unique<DaemonProcess>(configs[victim], log);
        replicas[victim]->Start();
    }

    const bool drained = WaitUntil(
        [&] {
            for (int source = 0; source < kSources; ++source) {
                const auto done = drop_of(source) / "done";
                if (CountDirectoryEntries(done) != static_cast<std::size_t>(kFilesPerSource)) {
                    return false;
                }
            }
            return true;
        },
        std::chrono::minutes(5));
    // SIGTERM once each replica's handlers are installed (the HTTP address is written after them): a clean stop.
    for (const auto& config : configs) {
        EXPECT_TRUE(WaitUntil([&] { return std::filesystem::exists(config.parent_path() / "http.address"); },
                              std::chrono::seconds(30)));
    }
    for (auto& replica : replicas) {
        replica->Signal(SIGTERM);
    }
    for (auto& replica : replicas) {
        EXPECT_EQ(replica->Wait(std::chrono::seconds(30)), 0);
    }
    ASSERT_TRUE(drained) << ReadWholeFile(log);

    const long long expected = kSources * kFilesPerSource * kItemsPerFile;
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), expected) << "nothing lost";
    EXPECT_EQ(database.QueryInt("SELECT count(DISTINCT (source, external_id)) FROM item"), expected) << "nothing twice";
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM quarantine"), 0);
    EXPECT_EQ(database.QueryInt("SELECT coalesce(sum(item_count), 0) FROM feedback_case"),
              database.QueryInt("SELECT count(*) FROM item WHERE case_id IS NOT NULL"));
    // Work was shared: more than one replica stored batches (each holder renews its lease with every commit).
    EXPECT_GE(database.QueryInt("SELECT max(fencing_token) FROM source_lease"), 2) << "sources changed hands";
    EXPECT_GE(kills_mid_flow, kKills / 2) << "the kills must interrupt the flow";
    EXPECT_EQ(frozen, 1);
    double worst = 0;
    for (const double s : takeover_seconds) {
        worst = std::max(worst, s);
    }
    std::cout << "replicas: " << kReplicas << ", sources: " << kSources << ", items: " << expected
              << ", kills: " << kKills << " (" << kills_mid_flow
              << " mid-flow), takeovers measured: " << takeover_seconds.size() << ", worst takeover " << worst
              << " s with a " << kLeaseSeconds << " s lease\n";
}

}  // namespace
}  // namespace carelisten::e2e
