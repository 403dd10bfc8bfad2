// Follow-up surveys end to end with the real binaries: a question set stored with `carelisten surveys define`, a
// physician's alert address with `carelisten physicians set`, an HL7 ADT^A03 sent over a real MLLP socket (AA only
// after it is stored; a replay is AA again and changes nothing; garbage gets AR), the daemon's scheduler inviting
// the patient by e-mail (an SMTP sink), the web form served on the public listener (GET, a forged CSRF token
// refused, POST recorded once), the red-flag alert e-mailed to the physician, `kill -9` and restart with nothing
// sent twice, `carelisten surveys list` and `summary`, survey metrics, and a log free of the patient's data.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <ctime>
#include <pg/pg_test_database.hpp>
#include <regex>
#include <support/smtp_sink.hpp>
#include <support/temp_dir.hpp>

#include "channel_clients.hpp"
#include "daemon_process.hpp"

namespace carelisten::e2e {
namespace {

constexpr const char* kPatientEmail = "ravi.testpatient@example.com";
constexpr const char* kMrn = "MRN4455667";
constexpr const char* kPhysicianEmail = "asha.rao@cityhosp.example";

// A discharge 15 days ago: the survey is due at once.
std::string DischargeMessage(const std::string& control_id) {
    return Hl7Discharge(control_id, kMrn, "TESTPATIENT", kPatientEmail, 15);
}

std::string QuotedPrintableDecoded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=' && i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
            i += 2;  // a soft line break
        } else if (text[i] == '=' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string Request(const std::string& method, const std::string& address, const std::string& path,
                    const std::string& body = "") {
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + address + "\r\n";
    if (!body.empty()) {
        request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(body.size()) +
                   "\r\n";
    }
    return HttpExchange(address, request + "Connection: close\r\n\r\n" + body);
}

std::size_t CountMessagesTo(carelisten::testing::SmtpSink& sink, const std::string& recipient) {
    std::size_t count = 0;
    for (const auto& message : sink.Messages()) {
        count += message.find("To: " + recipient) != std::string::npos ? 1 : 0;
    }
    return count;
}

TEST(SurveyE2e, FromAnHl7DischargeToARedFlagAtThePhysicianOnce) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase database(*dsn);
    carelisten::testing::TempDir dir;
    carelisten::testing::SmtpSink sink;
    const auto config = dir.Path() / "carelistend.toml";
    carelisten::testing::WriteFile(config, R"([daemon]
state_dir = ")" + dir.Path().string() + R"("
[database]
url = ")" + database.Conninfo() + R"("
[http]
listen_port = 0
[webhooks]
enabled = true
listen_port = 0
public_base_url = "https://feedback.cityhosp.example"
[surveys]
enabled = true
hospital_name = "City Hospital"
tick_interval_ms = 200
console_url = "https://console.cityhosp.example"
smtp_url = ")" + sink.Url() + R"("
smtp_allow_plaintext_loopback = true
from_address = "followup@cityhosp.example"
hl7_enabled = true
hl7_listen_port = 0
)");
    const std::string carelisten = (BinaryDir() / "daemon" / "carelisten").string();
    const auto define =
        RunCommand({carelisten, "--config", config.string(), "surveys", "define",
                    std::string(std::getenv("CARELISTEN_SOURCE_DIR")) + "/surveys/examples/cardiology.toml"});
    ASSERT_EQ(define.status, 0) << define.err;
    // The example's unit is "cardiology"; this hospital's feed says CARD: a default ('*') version covers it.
    carelisten::testing::WriteFile(dir.Path() / "default.toml", AnyHourQuestionSet());
    ASSERT_EQ(RunCommand({carelisten, "--config", config.string(), "surveys", "define",
                          (dir.Path() / "default.toml").string()})
                  .status,
              0);

    const auto log = dir.Path() / "daemon.log";
    auto daemon = std::make_unique<DaemonProcess>(config, log);
    daemon->Start();
    ASSERT_TRUE(WaitUntil([&] { return !TrimmedFile(dir.Path() / "hl7.address").empty(); }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    ASSERT_TRUE(
        WaitUntil([&] { return !TrimmedFile(dir.Path() / "webhooks.address").empty(); }, std::chrono::seconds(30)));
    const auto hl7_address = TrimmedFile(dir.Path() / "hl7.address");
    const auto web_address = TrimmedFile(dir.Path() / "webhooks.address");

    // The physician exists once the feed names them; then the hospital sets where alerts go.
    const auto acks = MllpExchange(hl7_address, {DischargeMessage("CTL-1"), DischargeMessage("CTL-1"), "garbage"});
    ASSERT_EQ(acks.size(), 3u);
    EXPECT_NE(acks[0].find("MSA|AA|CTL-1"), std::string::npos) << acks[0];
    EXPECT_NE(acks[1].find("MSA|AA|CTL-1"), std::string::npos) << "a replay is accepted again: " << acks[1];
    EXPECT_NE(acks[2].find("MSA|AR"), std::string::npos) << acks[2];
    EXPECT_EQ(acks[0].front(), '\x0b');
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM survey"), 1);
    ASSERT_EQ(
        RunCommand({carelisten, "--config", config.string(), "physicians", "set", "D1001", "--email", kPhysicianEmail})
            .status,
        0);

    ASSERT_TRUE(WaitUntil([&] { return CountMessagesTo(sink, kPatientEmail) == 1; }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    std::string invitation;
    for (const auto& message : sink.Messages()) {
        invitation += QuotedPrintableDecoded(message);  // as the patient's mail client shows it
    }
    std::smatch link;
    ASSERT_TRUE(std::regex_search(invitation, link,
                                  std::regex("https://feedback\\.cityhosp\\.example(/survey/[A-Za-z0-9._=-]+)")))
        << invitation;
    const std::string path = link[1];

    const auto page = Request("GET", web_address, path);
    EXPECT_EQ(StatusOf(page), 200) << page;
    EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'"), std::string::npos);
    std::smatch csrf;
    ASSERT_TRUE(std::regex_search(page, csrf, std::regex("name=\"csrf\" value=\"([^\"]+)\"")));
    const std::string answers = "q_pain=9&q_fever=no&q_wound=same&q_comments=thank+you";
    EXPECT_EQ(StatusOf(Request("POST", web_address, path, "csrf=forged&" + answers)), 403);
    EXPECT_EQ(StatusOf(Request("POST", web_address, path, "csrf=" + csrf.str(1) + "&" + answers)), 200);
    EXPECT_EQ(StatusOf(Request("POST", web_address, path, "csrf=" + csrf.str(1) + "&" + answers)), 410);

    ASSERT_TRUE(WaitUntil([&] { return CountMessagesTo(sink, kPhysicianEmail) == 1; }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM feedback_case WHERE urgency = 'critical' AND physician_id = "
                                "'D1001'"),
              1);

    // kill -9 and restart: nothing is sent twice, and the answered survey stays answered.
    daemon->Signal(SIGKILL);
    daemon->Wait(std::chrono::seconds(10));
    daemon = std::make_unique<DaemonProcess>(config, log);
    daemon->Start();
    ASSERT_TRUE(WaitUntil([&] { return HttpGet(TrimmedFile(dir.Path() / "http.address"), "/readyz").status == 200; },
                          std::chrono::seconds(30)));
    std::this_thread::sleep_for(std::chrono::seconds(2));  // ten scheduler passes
    EXPECT_EQ(CountMessagesTo(sink, kPatientEmail), 1u);
    EXPECT_EQ(CountMessagesTo(sink, kPhysicianEmail), 1u);
    const auto metrics = HttpGet(TrimmedFile(dir.Path() / "http.address"), "/metrics");
    EXPECT_NE(metrics.body.find("carelisten_surveys{state=\"answered\"} 1"), std::string::npos) << metrics.body;
    EXPECT_NE(metrics.body.find("carelisten_hl7_messages_total"), std::string::npos);

    const auto listed = RunCommand({carelisten, "--config", config.string(), "surveys", "list"});
    EXPECT_EQ(listed.status, 0) << listed.err;
    EXPECT_NE(listed.out.find("\"state\":\"answered\""), std::string::npos) << listed.out;
    std::tm utc{};
    const std::time_t now = std::time(nullptr);
    ::gmtime_r(&now, &utc);
    char today[16];
    std::strftime(today, sizeof today, "%Y-%m-%d", &utc);
    const auto summary = RunCommand({carelisten, "--config", config.string(), "summary", "--physician", "D1001",
                                     "--from", "2026-01-01", "--to", today});
    EXPECT_EQ(summary.status, 0) << summary.err;
    EXPECT_NE(summary.out.find("Red flags: 1"), std::string::npos) << summary.out;

    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(std::chrono::seconds(30)), 0);
    const auto whole_log = ReadWholeFile(log);
    for (const std::string secret : {kPatientEmail, kMrn, kPhysicianEmail, "TESTPATIENT", "thank you"}) {
        EXPECT_EQ(whole_log.find(secret), std::string::npos) << secret << " in the log";
    }
}

}  // namespace
}  // namespace carelisten::e2e
