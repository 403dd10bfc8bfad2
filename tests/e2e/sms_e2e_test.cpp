// SMS end to end with the real carelistend and carelisten against a fake Twilio (FakeUpstream speaking the 2010
// API's form and JSON shapes): signed inbound webhooks (a forged one gets 403 and stores nothing, a retry is a
// no-op), a STOP that makes the next send be refused by consent, a send that goes out once and is delivered by a
// signed status callback, and a send whose daemon is killed with SIGKILL while Twilio holds the answer: after the
// restart it is reconciled by listing, never POSTed twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <connectors/twilio/twilio_wire.hpp>
#include <csignal>
#include <ctime>
#include <mutex>
#include <pg/pg_test_database.hpp>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

#include "channel_clients.hpp"
#include "daemon_process.hpp"

namespace carelisten::e2e {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;
namespace twilio = connectors::twilio;

constexpr std::string_view kAccount = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr std::string_view kToken = "e2e-auth-t0ken";
constexpr std::string_view kPublicBase = "https://listen.stelsewhere.example";

std::string PostForm(const std::string& address, const std::string& target, const twilio::FormParams& params,
                     std::string_view token) {
    return PostTwilioForm(address, target, params, token, kPublicBase);
}

twilio::FormParams Inbound(const std::string& sid, const std::string& from, const std::string& body) {
    return TwilioInbound(kAccount, sid, from, body);
}

std::string Rfc2822Now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return text;
}

/// Twilio's Messages resource: POST creates an outbound message (counted), GET lists them.
class FakeTwilio {
public:
    explicit FakeTwilio(FakeUpstream& upstream) {
        const std::string path = "/2010-04-01/Accounts/" + std::string(kAccount) + "/Messages.json";
        upstream.Route("POST", path, [this](const RecordedRequest& request) { return Create(request); });
        upstream.Route("GET", path, [this](const RecordedRequest& request) { return List(request); });
    }
    int Posts() const { return posts_.load(); }
    int BusyRefusals() const { return busy_refusals_.load(); }
    int PostsWithBody(const std::string& body) const {
        const std::lock_guard lock(mutex_);
        int count = 0;
        for (const auto& message : messages_) {
            count += message.body == body ? 1 : 0;
        }
        return count;
    }

private:
    struct Message {
        std::string sid, to, from, body, created;
    };

    FakeResponse Create(const RecordedRequest& request) {
        ++posts_;
        const auto form = twilio::ParseForm(request.body);
        if (!form || !twilio::FindParam(*form, "To") || !twilio::FindParam(*form, "Body")) {
            return FakeResponse::Json(R"({"code":21604,"message":"A 'To' phone number is required.","status":400})",
                                      400);
        }
        if (twilio::FindParam(*form, "Body")->find("BUSY") != std::string::npos && busy_refusals_.load() == 0) {
            ++busy_refusals_;  // the account's concurrency is exhausted once: 20429, created nothing
            auto busy = FakeResponse::Json(
                R"({"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429",)"
                R"("status":429})",
                429);
            busy.headers.emplace_back("Retry-After", "1");
            return busy;
        }
        Message message;
        {
            const std::lock_guard lock(mutex_);
            char sid[40];
            std::snprintf(sid, sizeof sid, "SMf%031zu", messages_.size() + 1);
            message = {sid, *twilio::FindParam(*form, "To"), *twilio::FindParam(*form, "From"),
                       *twilio::FindParam(*form, "Body"), Rfc2822Now()};
            messages_.push_back(message);
        }
        auto response = FakeResponse::Json(R"({"sid":")" + message.sid +
                                               R"(","status":"queued","direction":"outbound-api","account_sid":")" +
                                               std::string(kAccount) + R"("})",
                                           201);
        if (message.body.find("SLOW") != std::string::npos) {
            response.delay = std::chrono::seconds(20);  // Twilio created it, the answer is late: the test kills
        }
        return response;
    }

    FakeResponse List(const RecordedRequest& request) {
        const std::string to = request.QueryParam("To");
        const std::string from = request.QueryParam("From");
        std::string body = R"({"messages":[)";
        const std::lock_guard lock(mutex_);
        bool first = true;
        for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
            if (from.empty() || it->to != to || it->from != from) {
                continue;  // the poller asks for inbound to our number: there is none in this fake
            }
            body += std::string(first ? "" : ",") + R"({"sid":")" + it->sid + R"(","to":")" + it->to + R"(","from":")" +
                    it->from + R"(","body":")" + it->body +
                    R"(","status":"sent","direction":"outbound-api","date_created":")" + it->created + R"("})";
            first = false;
        }
        return FakeResponse::Json(body + R"(],"next_page_uri":null,"page":0,"page_size":50})");
    }

    std::atomic<int> posts_{0};
    std::atomic<int> busy_refusals_{0};
    mutable std::mutex mutex_;
    std::vector<Message> messages_;
};

TEST(Sms, SignedWebhooksConsentAndExactlyOnceSendingSurviveAKill) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase database(*dsn);
    carelisten::testing::TempDir dir;
    FakeUpstream upstream;
    FakeTwilio twilio_fake(upstream);
    carelisten::testing::WriteFile(dir.Path() / "twilio-token", std::string(kToken) + "\n");
    const auto config = dir.Path() / "carelistend.toml";
    carelisten::testing::WriteFile(config, R"([daemon]
state_dir = ")" + dir.Path().string() + R"("
poll_interval_ms = 200
[database]
url = ")" + database.Conninfo() + R"("
[http]
listen_port = 0
[upstream]
allow_plain_http_loopback = true
[webhooks]
enabled = true
listen_port = 0
public_base_url = ")" + std::string(kPublicBase) +
                                               R"("
[sources.hospital_sms]
type = "twilio_sms"
base_url = ")" + upstream.BaseUrl() + R"("
account_sid = ")" + std::string(kAccount) + R"("
auth_token_file = ")" + (dir.Path() / "twilio-token").string() +
                                               R"("
phone_number = "022 4000 1234"
default_region = "IN"
)");
    const auto log = dir.Path() / "daemon.log";
    auto daemon = std::make_unique<DaemonProcess>(config, log);
    daemon->Start();
    ASSERT_TRUE(
        WaitUntil([&] { return !TrimmedFile(dir.Path() / "webhooks.address").empty(); }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    const auto address = TrimmedFile(dir.Path() / "webhooks.address");
    const std::string target = "/webhooks/hospital_sms";

    // Inbound: forged and unsigned pushes are refused and store nothing.
    const auto complaint = Inbound("SMc0000000000000000000000000000001", "+919812300001",
                                   "Waited 5 hours in casualty and the billing desk was rude");
    EXPECT_EQ(StatusOf(PostForm(address, target, complaint, "a-guessed-token")), 403);
    EXPECT_EQ(StatusOf(PostForm(address, target, complaint, "")), 403);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), 0);
    // A signed push is stored before the empty TwiML answer; Twilio's retry is a no-op.
    const auto answer = PostForm(address, target, complaint, kToken);
    EXPECT_EQ(StatusOf(answer), 200) << ReadWholeFile(log);
    EXPECT_THAT(answer, ::testing::HasSubstr("<Response></Response>"));
    EXPECT_THAT(answer, ::testing::HasSubstr("text/xml"));
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE channel = 'sms' AND author = '+919812300001' AND "
                                "external_id = 'SMc0000000000000000000000000000001'"),
              1);
    EXPECT_EQ(StatusOf(PostForm(address, target, complaint, kToken)), 200);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), 1);

    // STOP (written locally, normalized to E.164) is an opt-out event: noise, no case, a consent row.
    EXPECT_EQ(StatusOf(PostForm(address, target, Inbound("SMc0000000000000000000000000000002", "09812300002", "Stop"),
                                kToken)),
              200);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE external_id = 'SMc0000000000000000000000000000002' "
                                "AND is_noise AND 'opt_out' = ANY (noise_reasons) AND case_id IS NULL"),
              1);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM consent WHERE contact = '+919812300002' AND state = "
                                "'opted_out'"),
              1);
    const auto carelisten = (BinaryDir() / "daemon" / "carelisten").string();
    const auto refused = RunCommand({carelisten, "--config", config.string(), "sms", "send", "--to", "098123 00002",
                                     "--body", "How was your stay? Reply 1-5", "--purpose", "survey"});
    EXPECT_EQ(refused.status, 3) << refused.err;
    EXPECT_THAT(refused.err, ::testing::HasSubstr("opted out"));

    // A send goes out once; the signed status callback marks it delivered.
    const auto sent = RunCommand({carelisten, "--config", config.string(), "sms", "send", "--to", "+919812300001",
                                  "--body", "We are sorry. Your reference is SE-1041"});
    ASSERT_EQ(sent.status, 0) << sent.err;
    EXPECT_TRUE(
        WaitUntil([&] { return database.QueryInt("SELECT count(*) FROM outbound_message WHERE state = 'sent'") == 1; },
                  std::chrono::seconds(30)))
        << ReadWholeFile(log);
    EXPECT_EQ(twilio_fake.Posts(), 1);
    const auto sent_id = database.QueryInt("SELECT id FROM outbound_message WHERE state = 'sent'");
    const auto marker =
        database.QueryValue("SELECT marker FROM outbound_message WHERE id = " + std::to_string(sent_id));
    const auto sid =
        database.QueryValue("SELECT upstream_id FROM outbound_message WHERE id = " + std::to_string(sent_id));
    ASSERT_TRUE(marker && sid);
    const std::string callback_target = target + "?callback=status&outbox=" + *marker;
    const twilio::FormParams delivered = {{"MessageSid", *sid},
                                          {"MessageStatus", "delivered"},
                                          {"AccountSid", std::string(kAccount)},
                                          {"To", "+919812300001"}};
    EXPECT_EQ(StatusOf(PostForm(address, callback_target, delivered, "forged")), 403);
    EXPECT_EQ(StatusOf(PostForm(address, callback_target, delivered, kToken)), 200) << ReadWholeFile(log);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM outbound_message WHERE state = 'delivered'"), 1);
    const auto status = RunCommand({carelisten, "--config", config.string(), "sms", "status", std::to_string(sent_id)});
    EXPECT_THAT(status.out, ::testing::HasSubstr("delivered"));

    // 20429 with Retry-After: the message goes back to the queue and is sent once after the wait.
    const auto busy = RunCommand({carelisten, "--config", config.string(), "sms", "send", "--to", "+919812300004",
                                  "--body", "BUSY: your reference is SE-1043"});
    ASSERT_EQ(busy.status, 0) << busy.err;
    EXPECT_TRUE(WaitUntil(
        [&] {
            return database.QueryInt(
                       "SELECT count(*) FROM outbound_message WHERE body LIKE 'BUSY%' AND state = "
                       "'sent' AND attempts = 2") == 1;
        },
        std::chrono::seconds(30)))
        << ReadWholeFile(log);
    EXPECT_EQ(twilio_fake.BusyRefusals(), 1);
    EXPECT_EQ(twilio_fake.PostsWithBody("BUSY: your reference is SE-1043"), 1);
    EXPECT_EQ(twilio_fake.Posts(), 3);

    // The slow send: Twilio creates the message but holds the answer; the daemon is killed meanwhile.
    const auto slow = RunCommand({carelisten, "--config", config.string(), "sms", "send", "--to", "+919812300003",
                                  "--body", "SLOW: your reference is SE-1042"});
    ASSERT_EQ(slow.status, 0) << slow.err;
    ASSERT_TRUE(WaitUntil([&] { return twilio_fake.Posts() == 4; }, std::chrono::seconds(30))) << ReadWholeFile(log);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM outbound_message WHERE state = 'sending'"), 1);
    daemon->Signal(SIGKILL);
    daemon->Wait(std::chrono::seconds(10));
    daemon = std::make_unique<DaemonProcess>(config, log);
    daemon->Start();
    EXPECT_TRUE(WaitUntil(
        [&] {
            return database.QueryInt("SELECT count(*) FROM outbound_message WHERE state IN ('sent', 'delivered')") ==
                       3 &&
                   database.QueryInt("SELECT count(*) FROM outbound_message WHERE state = 'sending'") == 0;
        },
        std::chrono::seconds(30)))
        << ReadWholeFile(log);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_EQ(twilio_fake.Posts(), 4);
    EXPECT_EQ(twilio_fake.PostsWithBody("SLOW: your reference is SE-1042"), 1);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM outbound_message WHERE upstream_id IS NOT NULL"), 3);

    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(std::chrono::seconds(30)), 0);
    const auto text = ReadWholeFile(log);
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("9812300")));
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("casualty")));
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("SE-104")));
}

}  // namespace
}  // namespace carelisten::e2e
