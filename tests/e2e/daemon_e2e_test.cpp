// The daemon as an operator meets it: embedded database, health and metrics, CLI, quarantine and
// replay, SIGHUP reload, SIGTERM drain, sd_notify, config errors, and logs free of patient data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <csignal>
#include <cstring>
#include <regex>
#include <sstream>
#include <support/temp_dir.hpp>

#include "daemon_process.hpp"

namespace carelisten::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Patient data the test feeds the daemon: none of it may appear in the log.
const std::vector<std::string> kPatientData = {
    "Asha Verma",  "asha.verma@example.org",           "+44 7700 900123", "the nurse left my father on the floor",
    "Rohan Mehta", "fever of 39 and the wound is red",
};

std::string DropFile() {
    return R"({"external_id":"e-1","author":"Asha Verma","text":"Complaint from asha.verma@example.org, call +44 7700 900123: the nurse left my father on the floor for an hour. Disgusting, terrible care."})"
           "\n"
           R"({"external_id":"e-2","author":"Rohan Mehta","text":"I have a fever of 39 and the wound is red","channel":"sms"})"
           "\n"
           R"({"external_id":"e-3","author":"Asha Verma","text":"Still no call back. Awful, rude, useless."})"
           "\n"
           R"({"external_id":"e-4","text":"Lovely staff, thank you!"})"
           "\n"
           "{\"external_id\":\"e-5\",\"text\":\"" +
           std::string(1500, 'x') +
           "\"}\n"
           "{\"external_id\": \"e-6\", \"text\": \n";
}

class DaemonE2e : public ::testing::Test {
protected:
    void SetUp() override {
        drop_ = dir_.Path() / "drop";
        std::filesystem::create_directories(drop_);
        WriteConfig(1024, "info");
    }

    void WriteConfig(int max_record_bytes, const std::string& log_level) {
        testing::WriteFile(config_, R"([daemon]
state_dir = ")" + (dir_.Path() / "state").string() +
                                        R"("
poll_interval_ms = 100
log_level = ")" + log_level + R"("
[http]
listen_port = 0
[sources.drop]
type = "jsonl_drop"
directory = ")" + drop_.string() + R"("
max_record_bytes = )" + std::to_string(max_record_bytes) +
                                        "\n");
    }

    std::string HttpAddress() {
        auto text = ReadWholeFile(dir_.Path() / "state" / "http.address");
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
            text.pop_back();
        }
        return text;
    }

    CommandResult Cli(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {(BinaryDir() / "daemon" / "carelisten").string(), "--config",
                                         config_.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return RunCommand(argv);
    }

    testing::TempDir dir_;
    std::filesystem::path drop_;
    std::filesystem::path config_ = dir_.Path() / "carelistend.toml";
    std::filesystem::path log_ = dir_.Path() / "daemon.log";
};

TEST_F(DaemonE2e, RunsOnTheEmbeddedDatabaseEndToEnd) {
    // sd_notify: a datagram socket standing in for systemd.
    const auto notify_path = dir_.Path() / "notify.sock";
    const int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(notify, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, notify_path.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(::bind(notify, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    std::string notifications;
    auto drain_notifications = [&] {
        char buffer[4096];
        ssize_t got = 0;
        while ((got = ::recv(notify, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
            notifications.append(buffer, static_cast<std::size_t>(got)).append("\n");
        }
        return notifications;
    };

    testing::WriteFile(drop_ / "feedback.jsonl", DropFile());
    // The environment systemd gives the unit: NOTIFY_SOCKET, WATCHDOG_USEC for WatchdogSec= (the daemon
    // must ping while its loop turns) and CREDENTIALS_DIRECTORY for LoadCredential= (unused here).
    const auto credentials = dir_.Path() / "credentials";
    std::filesystem::create_directories(credentials);
    DaemonProcess daemon(config_, log_,
                         {"NOTIFY_SOCKET=" + notify_path.string(), "WATCHDOG_USEC=400000",
                          "CREDENTIALS_DIRECTORY=" + credentials.string()});
    daemon.Start();
    ASSERT_TRUE(
        WaitUntil([&] { return drain_notifications().find("READY=1") != std::string::npos; }, std::chrono::minutes(2)))
        << ReadWholeFile(log_);
    // READY=1 came only after the listener was bound and its address written.
    const auto http = HttpAddress();
    ASSERT_FALSE(http.empty());
    EXPECT_THAT(notifications, HasSubstr("STATUS=1 source(s)"));
    EXPECT_TRUE(WaitUntil([&] { return drain_notifications().find("WATCHDOG=1") != std::string::npos; },
                          std::chrono::seconds(5)));
    EXPECT_EQ(HttpGet(http, "/readyz").status, 200);

    ASSERT_TRUE(
        WaitUntil([&] { return std::filesystem::exists(drop_ / "done" / "feedback.jsonl"); }, std::chrono::seconds(60)))
        << ReadWholeFile(log_);
    const auto health = HttpGet(http, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_THAT(health.body, HasSubstr("\"drop\":\"ok\""));
    const auto metrics = HttpGet(http, "/metrics").body;
    EXPECT_THAT(metrics, HasSubstr("carelisten_items_stored_total{source=\"drop\"} 4\n"));
    EXPECT_THAT(metrics, HasSubstr("carelisten_items_quarantined_total{source=\"drop\"} 2\n"));
    EXPECT_THAT(metrics, HasSubstr("carelisten_database_ready 1\n"));
    EXPECT_THAT(metrics, HasSubstr("carelisten_schema_version "));
    EXPECT_THAT(metrics, HasSubstr("carelisten_db_transaction_duration_seconds_count{result=\"committed\"} "));
    EXPECT_THAT(metrics, HasSubstr("process_resident_memory_bytes "));
    // The live exposition is valid Prometheus text, lint included.
    const auto promtool = RunCommand({"/usr/bin/promtool", "check", "metrics"}, metrics);
    EXPECT_EQ(promtool.status, 0) << promtool.out << promtool.err;

    // /status: the per-source view (items in the last hour come from a sampler that runs every 5 s).
    EXPECT_TRUE(
        WaitUntil([&] { return HttpGet(http, "/status").body.find("\"items_last_hour\":4") != std::string::npos; },
                  std::chrono::seconds(15)))
        << HttpGet(http, "/status").body;
    const auto status = HttpGet(http, "/status");
    EXPECT_EQ(status.status, 200);
    EXPECT_THAT(status.body, HasSubstr(R"("name":"drop","type":"jsonl_drop","state":"ok")"));
    EXPECT_THAT(status.body, HasSubstr(R"("database":{"ready":true,"schema_version":)"));
    EXPECT_THAT(status.body, HasSubstr(R"("last_error_class":"none")"));
    // `carelisten status` finds the daemon through <state_dir>/http.address and prints the same.
    const auto cli_status = Cli({"status"});
    EXPECT_EQ(cli_status.status, 0) << cli_status.out << cli_status.err;
    EXPECT_THAT(cli_status.out, HasSubstr("carelistend: ok, ready"));
    EXPECT_THAT(cli_status.out, HasSubstr("drop"));
    const auto cli_json = Cli({"status", "--json"});
    EXPECT_THAT(cli_json.out, HasSubstr(R"("status":"ok")"));
    EXPECT_THAT(drain_notifications(), HasSubstr("STATUS=1 source(s): 1 ok; 4 stored, 2 quarantined; database ok"));

    // The CLI talks to the same embedded database while the daemon runs.
    const auto items = Cli({"items", "list"});
    EXPECT_EQ(items.status, 0) << items.err;
    EXPECT_THAT(items.out, HasSubstr("\"external_id\":\"e-1\""));
    EXPECT_THAT(items.out, Not(HasSubstr("Asha"))) << "items list shows analysis, not patient text";
    const auto cases = Cli({"cases", "list"});
    EXPECT_EQ(cases.status, 0) << cases.err;
    EXPECT_THAT(cases.out, HasSubstr("\"status\":\"open\""));
    EXPECT_THAT(cases.out, HasSubstr("\"items\":2")) << "Asha's two complaints share one case: " << cases.out;
    const auto quarantine = Cli({"quarantine", "list"});
    EXPECT_EQ(quarantine.status, 0) << quarantine.err;
    EXPECT_THAT(quarantine.out, HasSubstr("exceeds max_record_bytes"));
    EXPECT_THAT(quarantine.out, HasSubstr("invalid JSON"));

    // SIGHUP with an invalid file keeps the running configuration.
    testing::WriteFile(config_, "[daemon]\nbatch_size = \"lots\"\n");
    daemon.Signal(SIGHUP);
    ASSERT_TRUE(WaitUntil([&] { return ReadWholeFile(log_).find("reload refused") != std::string::npos; },
                          std::chrono::seconds(10)));
    EXPECT_EQ(HttpGet(http, "/healthz").status, 200);
    EXPECT_TRUE(WaitUntil(
        [&] {
            return HttpGet(http, "/metrics").body.find("carelisten_config_reload_failures_total 1") !=
                   std::string::npos;
        },
        std::chrono::seconds(5)));

    // A valid reload: the oversized record's limit is raised (restart-only, reported) and the level changes.
    WriteConfig(4096, "debug");
    daemon.Signal(SIGHUP);
    ASSERT_TRUE(WaitUntil([&] { return ReadWholeFile(log_).find("configuration reloaded") != std::string::npos; },
                          std::chrono::seconds(10)));
    EXPECT_THAT(ReadWholeFile(log_),
                HasSubstr("'sources.drop.max_record_bytes' changed but takes effect only after a restart"));
    EXPECT_THAT(ReadWholeFile(log_), HasSubstr("reload: applying 'daemon.log_level'"));
    // The reload protocol of Type=notify on systemd 252: RELOADING=1 (with MONOTONIC_USEC), then READY=1.
    // READY=1 is sent just after the "configuration reloaded" line: wait for it rather than race it.
    std::string after_reload;
    WaitUntil(
        [&] {
            after_reload = drain_notifications();
            const auto at = after_reload.rfind("RELOADING=1");
            return at != std::string::npos && after_reload.find("READY=1", at) != std::string::npos;
        },
        std::chrono::seconds(5));
    const auto reloading_at = after_reload.rfind("RELOADING=1");
    ASSERT_NE(reloading_at, std::string::npos) << after_reload;
    EXPECT_NE(after_reload.find("MONOTONIC_USEC=", reloading_at), std::string::npos);
    EXPECT_NE(after_reload.find("READY=1", reloading_at), std::string::npos) << "READY=1 must follow RELOADING=1";

    // Replay the oversized record, now that the configured limit allows it.
    const auto listed = Cli({"quarantine", "list"}).out;
    const auto id_at = listed.find("\"id\":");
    ASSERT_NE(id_at, std::string::npos);
    std::string oversized_id;
    for (std::size_t line_start = 0; line_start < listed.size();) {
        const auto line_end = listed.find('\n', line_start);
        const auto line = listed.substr(line_start, line_end - line_start);
        if (line.find("max_record_bytes") != std::string::npos) {
            oversized_id = line.substr(6, line.find(',') - 6);
        }
        line_start = line_end == std::string::npos ? listed.size() : line_end + 1;
    }
    ASSERT_FALSE(oversized_id.empty()) << listed;
    const auto replay = Cli({"quarantine", "replay", oversized_id});
    EXPECT_EQ(replay.status, 0) << replay.out << replay.err;
    EXPECT_THAT(replay.out, HasSubstr("stored"));
    EXPECT_THAT(Cli({"items", "list"}).out, HasSubstr("\"external_id\":\"e-5\""));
    EXPECT_THAT(Cli({"quarantine", "list"}).out, Not(HasSubstr("max_record_bytes")));
    // The malformed JSON line is still malformed: replay says so and fails.
    std::string broken_id;
    const auto remaining = Cli({"quarantine", "list"}).out;
    broken_id = remaining.substr(6, remaining.find(',') - 6);
    const auto failed_replay = Cli({"quarantine", "replay", broken_id});
    EXPECT_EQ(failed_replay.status, 1);
    EXPECT_THAT(failed_replay.out, HasSubstr("still unreadable"));

    // The CLI used the daemon's cluster without stopping it: the daemon never lost its database.
    EXPECT_THAT(HttpGet(http, "/metrics").body, HasSubstr("carelisten_database_errors_total 0\n"));

    // SIGTERM: STOPPING=1, clean exit 0.
    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0);
    EXPECT_THAT(drain_notifications(), HasSubstr("STOPPING=1"));
    ::close(notify);
    // A stopped daemon: `carelisten status` says so with exit 3, as `systemctl status` would.
    const auto stopped = Cli({"status"});
    EXPECT_EQ(stopped.status, 3) << stopped.out;
    EXPECT_THAT(stopped.err, HasSubstr("does not answer"));

    // A second start reuses the cluster; the same file dropped again stores nothing twice.
    testing::WriteFile(drop_ / "again.jsonl", DropFile());
    DaemonProcess second(config_, log_);
    second.Start();
    ASSERT_TRUE(
        WaitUntil([&] { return std::filesystem::exists(drop_ / "done" / "again.jsonl"); }, std::chrono::minutes(2)))
        << ReadWholeFile(log_);
    const auto http2 = HttpAddress();
    EXPECT_TRUE(WaitUntil(
        [&] {
            return HttpGet(http2, "/metrics").body.find("carelisten_items_duplicate_total{source=\"drop\"} 5") !=
                   std::string::npos;
        },
        std::chrono::seconds(10)))
        << HttpGet(http2, "/metrics").body;
    second.Signal(SIGTERM);
    EXPECT_EQ(second.Wait(std::chrono::seconds(30)), 0);

    // Invariant 4: the whole log of both runs holds none of the patient data.
    const auto log_text = ReadWholeFile(log_);
    EXPECT_THAT(log_text, HasSubstr("ready"));
    EXPECT_THAT(log_text, Not(HasSubstr("pg_ctl stop exited"))) << "the embedded cluster must stop cleanly";
    for (const auto& secret : kPatientData) {
        EXPECT_THAT(log_text, Not(HasSubstr(secret))) << "patient data in the log";
    }
    // ...nor anything shaped like an e-mail address or an international phone number.
    std::smatch found;
    EXPECT_FALSE(std::regex_search(log_text, found, std::regex(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,})")))
        << "an e-mail address in the log: " << found.str();
    EXPECT_FALSE(std::regex_search(log_text, found, std::regex(R"(\+[0-9][0-9 ]{8,}[0-9])")))
        << "a phone number in the log: " << found.str();
    // Every line is in journald's priority-prefix form.
    std::istringstream lines(log_text);
    std::string line;
    while (std::getline(lines, line)) {
        ASSERT_GE(line.size(), 3u);
        EXPECT_EQ(line[0], '<') << line;
        EXPECT_EQ(line[2], '>') << line;
    }
}

TEST_F(DaemonE2e, CheckConfigReportsEveryProblemWithLine) {
    testing::WriteFile(config_, "[daemon]\nbatch_size = 0\nwhat = 1\n[sources.x]\ntype = \"nope\"\n");
    const auto bad =
        RunCommand({(BinaryDir() / "daemon" / "carelistend").string(), "--check-config", "--config", config_.string()});
    EXPECT_EQ(bad.status, 2);
    EXPECT_THAT(bad.err, HasSubstr(config_.string() + ":2:"));
    EXPECT_THAT(bad.err, HasSubstr(config_.string() + ":3:"));
    EXPECT_THAT(bad.err, HasSubstr(config_.string() + ":5:"));
    // The daemon itself refuses to start on it, saying the same.
    DaemonProcess daemon(config_, log_);
    daemon.Start();
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 2);
    EXPECT_THAT(ReadWholeFile(log_), HasSubstr("unknown key 'daemon.what'"));

    WriteConfig(2048, "info");
    const auto good =
        RunCommand({(BinaryDir() / "daemon" / "carelistend").string(), "--check-config", "--config", config_.string()});
    EXPECT_EQ(good.status, 0) << good.err;
    const auto example =
        RunCommand({(BinaryDir() / "daemon" / "carelistend").string(), "--check-config", "--config",
                    std::string(std::getenv("CARELISTEN_SOURCE_DIR")) + "/config/carelistend.toml.example"});
    EXPECT_EQ(example.status, 0) << example.err;
}

TEST_F(DaemonE2e, AnalyzeCommandFollowsItsContract) {
    const auto result = RunCommand({(BinaryDir() / "daemon" / "carelisten").string(), "analyze"},
                                   R"({"id":"1","text":"Waited 5 hours, nobody cared. Awful."})"
                                   "\n{oops\n");
    EXPECT_EQ(result.status, 1) << "a malformed line makes the exit status 1";
    EXPECT_THAT(result.out, HasSubstr(R"({"id":"1","language":"en",)"));
    EXPECT_THAT(result.out, HasSubstr(R"("sentiment":{"label":"negative")"));
    EXPECT_THAT(result.out, HasSubstr(R"({"line":2,"error":)"));
}

}  // namespace
}  // namespace carelisten::e2e
