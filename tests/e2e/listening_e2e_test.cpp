// Listening end to end: 30 network sources polled at once by the real carelistend from fake upstreams that
// speak X's and Mastodon's wire formats (cursors, paging, Link headers), with posts arriving all the time and
// one source failing throughout and one whose token was revoked. carelistend is killed with SIGKILL mid-way and
// restarted. At the end every post of every healthy source is stored exactly once, the failing source backed off (a
// handful of requests, no retry storm) and shows as failing in /healthz and /metrics, and the log holds no patient
// text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <map>
#include <mutex>
#include <pg/pg_test_database.hpp>
#include <random>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>
#include <thread>

#include "channel_clients.hpp"
#include "daemon_process.hpp"
#include "fake_networks.hpp"

namespace carelisten::e2e {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;

constexpr int kXSources = 15;
constexpr int kMastodonSources = 14;
constexpr auto kArrivalPeriod = std::chrono::seconds(75);
constexpr int kKills = 2;

/// Sends raw bytes to host:port and reads the whole answer (the listener closes after one exchange).
std::string RawHttpExchange(const std::string& host, int port, const std::string& request) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address(host), static_cast<unsigned short>(port)}, ec);
    if (ec) {
        return {};
    }
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    std::string answer;
    boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
    return answer;
}

TEST(Listening, ThirtySourcesAtOnceOneFailingAndAKillStoreEveryPostOnce) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase database(*dsn);
    testing::TempDir dir;
    Networks networks;
    FakeUpstream upstream;
    std::atomic<int> failing_requests{0};
    std::atomic<int> revoked_requests{0};

    std::vector<std::string> x_sources;
    std::vector<std::string> mastodon_sources;
    for (int i = 0; i < kXSources; ++i) {
        x_sources.push_back("x_" + std::to_string(i));
    }
    for (int i = 0; i < kMastodonSources; ++i) {
        mastodon_sources.push_back("mastodon_" + std::to_string(i));
    }
    // Each source lives under /<source name>/ on the one fake server.
    upstream.Route("GET", "/", [&](const RecordedRequest& request) {
        const auto slash = request.path.find('/', 1);
        const std::string source = request.path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
        const std::string rest = slash == std::string::npos ? "" : request.path.substr(slash);
        if (source == "x_failing") {
            ++failing_requests;
            return FakeResponse::Json(R"({"title":"Service Unavailable","status":503})", 503);
        }
        if (source == "x_revoked") {
            ++revoked_requests;  // its token was revoked: 401 on every call (XSearch checks the token)
        }
        if (source.rfind("x_", 0) == 0 && rest == "/2/tweets/search/recent") {
            return XSearch(networks, source, request, "e2e-x-token");
        }
        if (source.rfind("mastodon_", 0) == 0 && rest.rfind("/api/v1/timelines/tag/", 0) == 0) {
            return MastodonTag(networks, source, upstream.BaseUrl() + "/" + source, request);
        }
        return FakeResponse::Json(R"({"error":"Record not found"})", 404);
    });

    testing::WriteFile(dir.Path() / "x-token", "e2e-x-token\n");
    std::string config = R"([daemon]
state_dir = ")" + dir.Path().string() +
                         R"("
poll_interval_ms = 300
retry_max_delay_ms = 8000
batch_size = 200
[database]
url = ")" + database.Conninfo() +
                         R"("
[http]
listen_port = 0
[upstream]
allow_plain_http_loopback = true
request_timeout_ms = 5000
)";
    for (const auto& name : x_sources) {
        config += "[sources." + name + "]\ntype = \"x_recent_search\"\nbase_url = \"" + upstream.BaseUrl() + "/" +
                  name + "\"\nquery = [\"St Elsewhere\"]\nbearer_token_file = \"" + (dir.Path() / "x-token").string() +
                  "\"\nrequests_per_minute = 600\n";
    }
    config += "[sources.x_failing]\ntype = \"x_recent_search\"\nbase_url = \"" + upstream.BaseUrl() +
              "/x_failing\"\nquery = [\"St Elsewhere\"]\nbearer_token_file = \"" + (dir.Path() / "x-token").string() +
              "\"\nrequests_per_minute = 600\n";
    testing::WriteFile(dir.Path() / "revoked-token", "a-revoked-token\n");
    config += "[sources.x_revoked]\ntype = \"x_recent_search\"\nbase_url = \"" + upstream.BaseUrl() +
              "/x_revoked\"\nquery = [\"St Elsewhere\"]\nbearer_token_file = \"" +
              (dir.Path() / "revoked-token").string() + "\"\nrequests_per_minute = 600\n";
    for (const auto& name : mastodon_sources) {
        // One account per source (its own token, so its own rate-limit budget), as on separate instances.
        testing::WriteFile(dir.Path() / (name + "-token"), "token-of-" + name + "\n");
        config += "[sources." + name + "]\ntype = \"mastodon\"\nbase_url = \"" + upstream.BaseUrl() + "/" + name +
                  "\"\nhashtags = [\"stelsewhere\"]\nsearch_terms = []\nrequests_per_minute = 60\n" +
                  "access_token_file = \"" + (dir.Path() / (name + "-token")).string() + "\"\n";
    }
    testing::WriteFile(dir.Path() / "carelistend.toml", config);

    // Posts arrive on every healthy source for kArrivalPeriod, a few per source and second.
    std::atomic<bool> arriving{true};
    std::thread arrivals([&] {
        std::mt19937 random(20261125);
        std::uint64_t next_id = 1'000'000;
        const auto end = std::chrono::steady_clock::now() + kArrivalPeriod;
        while (std::chrono::steady_clock::now() < end) {
            for (const auto& name : x_sources) {
                for (int n = static_cast<int>(random() % 4); n > 0; --n) {
                    networks.Add(name, next_id += 1 + random() % 7);
                }
            }
            for (const auto& name : mastodon_sources) {
                for (int n = static_cast<int>(random() % 4); n > 0; --n) {
                    networks.Add(name, next_id += 1 + random() % 7);
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        arriving = false;
    });

    const auto log = dir.Path() / "daemon.log";
    std::mt19937 random(7);
    std::uniform_int_distribution<int> run_ms(6000, 15000);
    int kills_mid_flow = 0;
    for (int kill = 0; kill < kKills; ++kill) {
        DaemonProcess daemon(dir.Path() / "carelistend.toml", log);
        daemon.Start();
        std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(random)));
        ASSERT_TRUE(daemon.Running()) << ReadWholeFile(log);
        daemon.Signal(SIGKILL);
        ASSERT_EQ(daemon.Wait(std::chrono::seconds(10)), 128 + SIGKILL);
        kills_mid_flow += arriving.load() && database.QueryInt("SELECT count(*) FROM item") > 0 ? 1 : 0;
        std::filesystem::remove(dir.Path() / "http.address");
    }

    DaemonProcess daemon(dir.Path() / "carelistend.toml", log);
    daemon.Start();
    arrivals.join();
    long long expected = 0;
    for (const auto& name : x_sources) {
        expected += static_cast<long long>(networks.Total(name));
    }
    for (const auto& name : mastodon_sources) {
        expected += static_cast<long long>(networks.Total(name));
    }
    const bool drained =
        WaitUntil([&] { return database.QueryInt("SELECT count(*) FROM item") >= expected; }, std::chrono::minutes(2));
    ASSERT_TRUE(WaitUntil([&] { return !TrimmedFile(dir.Path() / "http.address").empty(); }, std::chrono::seconds(30)));
    const auto address = TrimmedFile(dir.Path() / "http.address");
    const auto health = HttpGet(address, "/healthz");
    const auto metrics = HttpGet(address, "/metrics");
    const auto status = HttpGet(address, "/status");
    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0) << ReadWholeFile(log);
    if (!drained) {
        std::string per_source;
        for (const auto& names : {x_sources, mastodon_sources}) {
            for (const auto& name : names) {
                per_source +=
                    name + " " +
                    std::to_string(database.QueryInt("SELECT count(*) FROM item WHERE source = '" + name + "'")) + "/" +
                    std::to_string(networks.Total(name)) + "; ";
            }
        }
        FAIL() << "stored " << database.QueryInt("SELECT count(*) FROM item") << " of " << expected << ": "
               << per_source;
    }

    // Exactly once, per source: every post the upstream served is stored, none twice.
    for (const auto& names : {x_sources, mastodon_sources}) {
        for (const auto& name : names) {
            const auto total = static_cast<long long>(networks.Total(name));
            EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE source = '" + name + "'"), total) << name;
            EXPECT_EQ(database.QueryInt("SELECT count(DISTINCT external_id) FROM item WHERE source = '" + name + "'"),
                      total)
                << name;
        }
    }
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), expected);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE source = 'x_failing'"), 0);
    EXPECT_GT(database.QueryInt("SELECT count(*) FROM item WHERE channel = 'social' AND url <> ''"), 0);
    EXPECT_GE(kills_mid_flow, 1) << "a kill must interrupt the flow";

    // The failing source backed off: over ~100 s a retry storm would be hundreds of requests; exponential
    // back-off capped at 8 s (and restarted by each kill) stays in the tens.
    EXPECT_GT(failing_requests.load(), 3);
    EXPECT_LT(failing_requests.load(), 60);
    // Alive (200) but degraded, naming the failing source; /status says why.
    EXPECT_THAT(health.body, ::testing::HasSubstr("\"status\":\"degraded\""));
    EXPECT_THAT(health.body, ::testing::HasSubstr("\"x_failing\":\"failing\""));
    EXPECT_THAT(health.body, ::testing::HasSubstr("\"x_0\":\"ok\""));
    EXPECT_THAT(status.body, ::testing::HasSubstr("retry_later"));
    // A refused credential stops its source at once and says what to fix: one request per daemon start, no
    // retry storm, until the operator fixes the file and reloads.
    EXPECT_GE(revoked_requests.load(), 1);
    EXPECT_LE(revoked_requests.load(), kKills + 1);
    EXPECT_THAT(health.body, ::testing::HasSubstr("\"x_revoked\":\"failing\""));
    EXPECT_THAT(status.body, ::testing::HasSubstr("auth_broken"));
    EXPECT_THAT(status.body, ::testing::HasSubstr("bearer_token_file"));
    EXPECT_THAT(metrics.body, ::testing::HasSubstr("carelisten_source_healthy{source=\"x_failing\"} 0"));
    EXPECT_THAT(metrics.body, ::testing::HasSubstr("carelisten_source_healthy{source=\"x_0\"} 1"));

    // No patient data in the log: the texts, the phone numbers and the e-mail addresses served.
    const auto text = ReadWholeFile(log);
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("07700")));
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("@example.org")));
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("Waited six hours")));
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("patient_7")));
}

std::string HmacSha256Hex(const std::string& key, const std::string& body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
         body.size(), digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0xf];
    }
    return hex;
}

/// POSTs to the daemon's webhook listener; returns the status line's code (0 when unreachable).
int PostWebhook(const std::string& address, const std::string& path, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: " + address + "\r\nContent-Type: application/json\r\n";
    for (const auto& [name, value] : headers) {
        request += name + ": " + value + "\r\n";
    }
    request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    const auto colon = address.rfind(':');
    const auto answer = RawHttpExchange(address.substr(0, colon), std::stoi(address.substr(colon + 1)), request);
    return answer.size() > 12 ? std::stoi(answer.substr(9, 3)) : 0;
}

// Discourse pushes post_created webhooks; the daemon answers 200 only after the commit, a forged signature gets
// 403 and stores nothing, a re-delivery is a no-op, and the polled copy of the same post dedupes with the pushed one.
TEST(Listening, DiscourseWebhooksAreVerifiedStoredOnceAndDedupeWithPolling) {
    const auto dsn = test::PgTestDsn();
    if (!dsn) {
        GTEST_SKIP() << test::kPgSkipMessage;
    }
    test::TestDatabase database(*dsn);
    testing::TempDir dir;
    const auto source_dir = std::filesystem::path(std::getenv("CARELISTEN_SOURCE_DIR"));
    const std::string pushed = ReadWholeFile(source_dir / "tests/fixtures/discourse/webhook_post_created.json");
    // The same post as /posts.json lists it, for the polling path.
    const std::string listed = "{\"latest_posts\":[" + pushed.substr(8, pushed.rfind('}') - 8) + "]}";
    FakeUpstream forum;
    std::atomic<bool> serve_posts{false};
    forum.Route("GET", "/posts.json", [&](const RecordedRequest&) {
        return FakeResponse::Json(serve_posts ? listed : R"({"latest_posts":[]})");
    });
    testing::WriteFile(dir.Path() / "api-key", "forum-api-key\n");
    testing::WriteFile(dir.Path() / "webhook-secret", "the-webhook-secret\n");
    testing::WriteFile(dir.Path() / "carelistend.toml", R"([daemon]
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
[sources.forum_heart]
type = "discourse"
base_url = ")" + forum.BaseUrl() + R"("
api_key_file = ")" + (dir.Path() / "api-key").string() + R"("
webhook_secret_file = ")" + (dir.Path() / "webhook-secret").string() +
                                                            R"("
communities = ["18:heart"]
)");
    const auto log = dir.Path() / "daemon.log";
    DaemonProcess daemon(dir.Path() / "carelistend.toml", log);
    daemon.Start();
    ASSERT_TRUE(
        WaitUntil([&] { return !TrimmedFile(dir.Path() / "webhooks.address").empty(); }, std::chrono::seconds(30)))
        << ReadWholeFile(log);
    const auto address = TrimmedFile(dir.Path() / "webhooks.address");
    const std::vector<std::pair<std::string, std::string>> event = {
        {"X-Discourse-Event", "post_created"},
        {"X-Discourse-Event-Type", "post"},
        {"X-Discourse-Event-Id", "501"},
        {"X-Discourse-Instance", "https://community.stelsewhere.example"}};
    auto signed_headers = event;
    signed_headers.emplace_back("X-Discourse-Event-Signature", "sha256=" + HmacSha256Hex("the-webhook-secret", pushed));
    auto forged_headers = event;
    forged_headers.emplace_back("X-Discourse-Event-Signature", "sha256=" + HmacSha256Hex("a-guess", pushed));

    EXPECT_EQ(PostWebhook(address, "/webhooks/forum_heart", pushed, forged_headers), 403);
    EXPECT_EQ(PostWebhook(address, "/webhooks/forum_heart", pushed, event), 403);  // unsigned
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), 0);
    // 200 comes after the commit: the row is there when the answer arrives.
    EXPECT_EQ(PostWebhook(address, "/webhooks/forum_heart", pushed, signed_headers), 200) << ReadWholeFile(log);
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item WHERE source = 'forum_heart' AND external_id = '846' AND "
                                "community = 'heart' AND channel = 'forum'"),
              1);
    EXPECT_EQ(PostWebhook(address, "/webhooks/forum_heart", pushed, signed_headers), 200);
    EXPECT_EQ(PostWebhook(address, "/webhooks/no_such_source", pushed, signed_headers), 404);
    serve_posts = true;
    EXPECT_TRUE(WaitUntil([&] { return forum.RequestCount("/posts.json") > 3; }, std::chrono::seconds(30)));
    EXPECT_EQ(database.QueryInt("SELECT count(*) FROM item"), 1);

    daemon.Signal(SIGTERM);
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0);
    EXPECT_THAT(ReadWholeFile(log), ::testing::Not(::testing::HasSubstr("billing office")));
}

}  // namespace
}  // namespace carelisten::e2e
