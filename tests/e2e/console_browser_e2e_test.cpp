// The staff console in a real browser. This test prepares what a hospital would have: a fresh database, posts
// dropped into a jsonl_drop source (one carries a <script> and an <img onerror>, one looks like HTML), two
// physicians' patients whose follow-up answers (a call centre's import) raised red flags, and console users of
// every role; it starts the real carelistend, installs playwright-core into the build directory (npm ci from
// tests/browser/package-lock.json; skipped when already there), and runs tests/browser/console.spec.mjs with
// `node --test` in Debian's headless Chromium. The scenarios and what each asserts are in that file; this one
// asserts that all of them passed. Screenshots: <build>/tests/browser/screenshots/*.png.
//
// Skips (with the reason) only when node, npm or Chromium is missing; scripts/install_deps.sh installs them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <pg/pg_test_database.hpp>
#include <support/temp_dir.hpp>

#include "channel_clients.hpp"
#include "daemon_process.hpp"

namespace carelisten::e2e {
namespace {

constexpr const char* kPassword = "correct horse battery staple";

/// The first executable called `name` on $PATH, or "".
std::string FindOnPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const auto end = std::min(dirs.find(':', start), dirs.size());
        const auto candidate = std::filesystem::path(dirs.substr(start, end - start)) / name;
        if (!candidate.parent_path().empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
        start = end + 1;
    }
    return "";
}

std::string IsoTime(std::time_t seconds) {
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

/// playwright-core into <build>/tests/browser/node_modules, from the committed lock file; nothing when the same
/// lock file is installed there already. Returns "" or what went wrong.
std::string InstallPlaywright(const std::string& npm, const std::filesystem::path& source,
                              const std::filesystem::path& target) {
    const auto lock = ReadWholeFile(source / "package-lock.json");
    if (std::filesystem::exists(target / "node_modules" / "playwright-core" / "package.json") &&
        ReadWholeFile(target / "package-lock.json") == lock &&
        ReadWholeFile(target / "package.json") == ReadWholeFile(source / "package.json")) {
        return "";
    }
    std::filesystem::create_directories(target);
    for (const char* file : {"package.json", "package-lock.json"}) {
        std::filesystem::copy_file(source / file, target / file, std::filesystem::copy_options::overwrite_existing);
    }
    const auto installed = RunCommand(
        {npm, "ci", "--prefix", target.string(), "--no-audit", "--no-fund", "--loglevel=error", "--ignore-scripts"});
    if (installed.status != 0) {
        std::filesystem::remove(target / "package-lock.json");  // so the next run tries again
        return "npm ci in " + target.string() + " failed (" + std::to_string(installed.status) + "): " + installed.out +
               installed.err;
    }
    return "";
}

TEST(ConsoleBrowserE2e, TheConsoleWorksInHeadlessChromium) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    const std::string node = FindOnPath("node");
    const std::string npm = FindOnPath("npm");
    const std::string chromium = std::getenv("CHROMIUM") != nullptr ? std::getenv("CHROMIUM") : "/usr/bin/chromium";
    if (node.empty() || npm.empty()) {
        GTEST_SKIP() << "node or npm is not on PATH: the browser tests need Node.js (scripts/install_deps.sh "
                        "installs nodejs and npm)";
    }
    if (::access(chromium.c_str(), X_OK) != 0) {
        GTEST_SKIP() << chromium
                     << " is missing: the browser tests need Debian's chromium package "
                        "(scripts/install_deps.sh installs it)";
    }
    const std::filesystem::path source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    const auto browser_dir = BinaryDir() / "tests" / "browser";
    const auto installed = InstallPlaywright(npm, source_dir / "tests" / "browser", browser_dir);
    ASSERT_EQ(installed, "");

    test::TestDatabase database(*dsn);
    carelisten::testing::TempDir dir;
    const auto config = dir.Path() / "carelistend.toml";
    carelisten::testing::WriteFile(config, R"([daemon]
state_dir = ")" + dir.Path().string() + R"("
poll_interval_ms = 200
[database]
url = ")" + database.Conninfo() + R"("
[http]
listen_port = 0
[console]
secure_cookies = false
[sources.drop]
type = "jsonl_drop"
directory = ")" + (dir.Path() / "drop").string() +
                                               R"("
)");
    const std::string carelisten = (BinaryDir() / "daemon" / "carelisten").string();
    const auto cli = [&](std::vector<std::string> args, const std::string& input = {}) {
        args.insert(args.begin(), {carelisten, "--config", config.string()});
        return RunCommand(args, input);
    };

    // Two physicians' patients, discharged 15 days ago; a call centre's answers with a pain of 9 raise a red flag
    // and open a critical case for each physician.
    const auto defined = cli({"surveys", "define", (source_dir / "surveys/examples/cardiology.toml").string()});
    ASSERT_EQ(defined.status, 0) << defined.err;
    const std::string discharged = IsoTime(std::time(nullptr) - 15 * 86400);
    carelisten::testing::WriteFile(
        dir.Path() / "encounters.jsonl",
        R"({"record_id": "enc-a", "mrn": "MRN100001", "visit_number": "V-A1", "physician_id": "D1001", "physician_name": "Asha Rao", "unit": "cardiology", "discharge_time": ")" +
            discharged + R"(", "email": "patient.a@example.com"}
{"record_id": "enc-b", "mrn": "MRN200002", "visit_number": "V-B1", "physician_id": "D2002", "physician_name": "Ben Okafor", "unit": "cardiology", "discharge_time": ")" +
            discharged + R"(", "email": "patient.b@example.com"}
)");
    const auto imported = cli({"encounters", "import", (dir.Path() / "encounters.jsonl").string()});
    ASSERT_EQ(imported.status, 0) << imported.out << imported.err;
    carelisten::testing::WriteFile(dir.Path() / "calls.csv",
                                   "visit_number,question_id,answer\nV-A1,pain,9\nV-A1,fever,no\nV-B1,pain,9\n"
                                   "V-B1,fever,yes\n");
    const auto calls = cli({"surveys", "import-calls", (dir.Path() / "calls.csv").string()});
    ASSERT_EQ(calls.status, 0) << calls.out << calls.err;

    const std::map<std::string, std::vector<std::string>> users = {
        {"pr.desk", {"--role", "patient_relations", "--name", "Priya Desk"}},
        {"admin.it", {"--role", "admin"}},
        {"dr.rao", {"--role", "physician", "--physician", "D1001"}},
        {"dr.okafor", {"--role", "physician", "--physician", "D2002"}},
    };
    for (const auto& [name, options] : users) {
        std::vector<std::string> args = {"users", "add", name};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--password-stdin");
        const auto added = cli(args, std::string(kPassword) + "\n");
        ASSERT_EQ(added.status, 0) << name << ": " << added.err;
    }

    // The posts. All but the thank-you are negative and open a case each (one author each).
    const std::vector<std::pair<std::string, std::string>> posts = {
        {"work-1",
         R"({"external_id": "work-1", "text": "Waited six hours in A&E with no updates. Nobody told us anything. Terrible.", "channel": "social", "author": "@ward7_visitor", "posted_at": "2026-12-01T09:10:00Z"})"},
        {"hostile-1",
         R"({"external_id": "hostile-1", "text": "The ward was filthy and the nurse was rude to my father. <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">", "channel": "social", "author": "@hostile_poster", "posted_at": "2026-12-01T10:00:00Z"})"},
        {"html-1",
         R"({"external_id": "html-1", "text": "<b>URGENT</b> the toilets on ward 3 were disgusting and nobody cleaned them <a href=\"javascript:alert(1)\">see photos</a> &amp; I complained twice.", "channel": "forum", "author": "html_poster", "posted_at": "2026-12-01T11:00:00Z"})"},
        {"rude-1",
         R"({"external_id": "rude-1", "text": "The doctor was rude and dismissive when I asked about my medication.", "channel": "review", "author": "med_patient", "posted_at": "2026-12-01T12:00:00Z"})"},
        {"bill-1",
         R"({"external_id": "bill-1", "text": "Charged twice for the same scan and billing never answers the phone. Awful service.", "channel": "email", "author": "billing.victim", "posted_at": "2026-12-01T13:00:00Z"})"},
        {"thanks-1",
         R"({"external_id": "thanks-1", "text": "The nurses on ward 7 were wonderful, thank you for looking after my mother.", "channel": "review", "author": "happy_son", "posted_at": "2026-12-01T14:00:00Z"})"},
    };
    std::string drop;
    for (const auto& [id, line] : posts) {
        drop += line + "\n";
    }
    carelisten::testing::WriteFile(dir.Path() / "drop" / ".posts.part", drop);
    std::filesystem::rename(dir.Path() / "drop" / ".posts.part", dir.Path() / "drop" / "20261201-posts.jsonl");

    const auto log = dir.Path() / "daemon.log";
    DaemonProcess daemon(config, log);
    daemon.Start();
    ASSERT_TRUE(WaitUntil([&] { return !TrimmedFile(dir.Path() / "http.address").empty(); }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    const auto address = TrimmedFile(dir.Path() / "http.address");
    ASSERT_TRUE(WaitUntil([&] { return HttpGet(address, "/readyz").status == 200; }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    ASSERT_TRUE(WaitUntil(
        [&] {
            return database.QueryInt("SELECT count(*) FROM item WHERE source = 'drop'") ==
                   static_cast<long long>(posts.size());
        },
        std::chrono::seconds(60)))
        << ReadWholeFile(log);

    const auto case_of = [&](const std::string& external_id) {
        return database.QueryValue("SELECT case_id FROM item WHERE source = 'drop' AND external_id = '" + external_id +
                                   "'");
    };
    for (const auto& [id, line] : posts) {
        if (id != "thanks-1") {
            ASSERT_TRUE(case_of(id).has_value()) << id << " opened no case";
        }
    }
    const auto survey_of = [&](const std::string& visit) {
        return *database.QueryValue(
            "SELECT s.id FROM survey AS s JOIN encounter AS e ON e.id = s.encounter_id WHERE "
            "e.visit_number = '" +
            visit + "'");
    };
    const std::string own_survey = survey_of("V-A1");
    const std::string other_survey = survey_of("V-B1");
    const auto own_case = database.QueryValue("SELECT id FROM feedback_case WHERE survey_id = " + own_survey);
    const auto other_case = database.QueryValue("SELECT id FROM feedback_case WHERE survey_id = " + other_survey);
    ASSERT_TRUE(own_case && other_case) << "the red flags opened no case";
    std::string open_cases;
    for (const auto& row : database.Query("SELECT id FROM feedback_case WHERE status = 'open' ORDER BY id")) {
        open_cases += (open_cases.empty() ? "" : ",") + *row[0];
    }

    const auto screenshots = browser_dir / "screenshots";
    std::filesystem::remove_all(screenshots);
    const std::vector<std::string> env = {
        "BASE_URL=http://" + address,
        "PR_USER=pr.desk",
        std::string("PR_PASSWORD=") + kPassword,
        "ADMIN_USER=admin.it",
        std::string("ADMIN_PASSWORD=") + kPassword,
        "PHYSICIAN_USER=dr.rao",
        std::string("PHYSICIAN_PASSWORD=") + kPassword,
        "WORK_CASE_ID=" + *case_of("work-1"),
        "HOSTILE_CASE_ID=" + *case_of("hostile-1"),
        "HTML_CASE_ID=" + *case_of("html-1"),
        "OPEN_CASE_IDS=" + open_cases,
        "OWN_CASE_ID=" + *own_case,
        "OTHER_CASE_ID=" + *other_case,
        "OWN_SURVEY_ID=" + own_survey,
        "OTHER_SURVEY_ID=" + other_survey,
        "SCREENSHOT_DIR=" + screenshots.string(),
        "BROWSER_DEPS_DIR=" + browser_dir.string(),
        "CHROMIUM=" + chromium,
    };
    const auto started = std::chrono::steady_clock::now();
    const auto run = RunCommand({node, "--test", "--test-reporter=spec", "--test-timeout=120000",
                                 (source_dir / "tests" / "browser" / "console.spec.mjs").string()},
                                {}, env);
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << run.out << run.err << "browser scenarios took " << seconds << " s; screenshots in " << screenshots
              << "\n";
    EXPECT_EQ(run.status, 0) << "node --test console.spec.mjs failed; its report is above. Daemon log:\n"
                             << ReadWholeFile(log);
    for (const char* name : {"login", "queue", "case", "dashboard", "physician-summary", "phone-queue"}) {
        EXPECT_TRUE(std::filesystem::exists(screenshots / (std::string(name) + ".png"))) << name << ".png";
    }

    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace carelisten::e2e
