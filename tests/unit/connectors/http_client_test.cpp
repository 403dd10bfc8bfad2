// The HTTP runtime against FakeUpstream (and a local TLS server): a real io_context run by the test on
// its own thread, real sockets on 127.0.0.1.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <support/fake_upstream.hpp>
#include <thread>
#include <vector>

namespace carelisten::connectors::http {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

ClientOptions LoopbackOptions() {
    ClientOptions options;
    options.allow_plain_http_loopback = true;
    options.connect_timeout = milliseconds(2000);
    options.total_timeout = milliseconds(10'000);
    return options;
}

// Runs the loop until `done()` holds; fails the test (instead of hanging) after `limit`.
template <typename Predicate>
void RunUntil(boost::asio::io_context& io, Predicate done, milliseconds limit = milliseconds(15'000)) {
    const auto deadline = steady_clock::now() + limit;
    io.restart();
    while (!done() && steady_clock::now() < deadline) {
        io.run_one_for(milliseconds(50));
    }
    ASSERT_TRUE(done()) << "the loop did not finish in time";
}

class HttpClientTest : public ::testing::Test {
protected:
    Outcome Fetch(Client& client, Request request) {
        std::optional<Outcome> outcome;
        client.Submit(std::move(request), [&](Outcome result) { outcome = std::move(result); });
        RunUntil(io_, [&] { return outcome.has_value(); });
        return outcome.value_or(Outcome{});
    }

    Request Get(const std::string& path) {
        Request request;
        request.url = fake_.BaseUrl() + path;
        return request;
    }

    boost::asio::io_context io_;
    FakeUpstream fake_;
};

TEST_F(HttpClientTest, GetDeliversStatusHeadersAndBodyWithLowerCasedNames) {
    fake_.Route("GET", "/hello", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(R"({"ok":true})");
        response.headers = {{"X-Custom-Thing", "abc"}};
        return response;
    });
    Client client(io_, LoopbackOptions());
    Request request = Get("/hello?q=1");
    request.headers = {{"Authorization", "Bearer not-a-real-token"}, {"X-Empty", ""}};

    const Outcome outcome = Fetch(client, request);

    ASSERT_TRUE(outcome.response.has_value()) << outcome.error.detail;
    EXPECT_EQ(outcome.response->status, 200);
    EXPECT_EQ(outcome.response->body, R"({"ok":true})");
    ASSERT_NE(outcome.response->Header("x-custom-thing"), nullptr);
    EXPECT_EQ(*outcome.response->Header("x-custom-thing"), "abc");
    ASSERT_NE(outcome.response->Header("content-type"), nullptr);
    EXPECT_EQ(outcome.response->effective_url, fake_.BaseUrl() + "/hello?q=1");
    const auto requests = fake_.Requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].Header("authorization"), "Bearer not-a-real-token");
    EXPECT_EQ(requests[0].QueryParam("q"), "1");
    EXPECT_TRUE(requests[0].headers.end() != std::find_if(requests[0].headers.begin(), requests[0].headers.end(),
                                                          [](const auto& h) { return h.first == "x-empty"; }));
    EXPECT_NE(requests[0].Header("user-agent").find("carelisten"), std::string::npos);
    const auto stats = client.Stats();
    EXPECT_EQ(stats.requests, 1U);
    EXPECT_EQ(stats.transport_errors, 0U);
    ASSERT_EQ(stats.responses_by_status.size(), 1U);
    EXPECT_EQ(stats.responses_by_status[0], (std::pair<long, std::uint64_t>{200, 1}));
}

TEST_F(HttpClientTest, LocalhostGoesThroughTheResolver) {
    // A host name (not a literal) makes curl resolve it: the resolver's own fds come and go through the
    // socket callback before the connection's fd (often with the same number) is watched.
    fake_.Route("GET", "/named", [](const RecordedRequest&) { return FakeResponse::Json(R"({"named":true})"); });
    for (int i = 0; i < 3; ++i) {
        Client client(io_, LoopbackOptions());  // a new multi: a new DNS cache, so a real resolve each time
        Request request;
        request.url = "http://localhost:" + std::to_string(fake_.Port()) + "/named";
        const Outcome outcome = Fetch(client, request);
        ASSERT_TRUE(outcome.response.has_value()) << outcome.error.detail;
        EXPECT_EQ(outcome.response->body, R"({"named":true})");
    }
}

TEST_F(HttpClientTest, PostSendsTheBodyAndHeaders) {
    fake_.Route("POST", "/oauth/token", [](const RecordedRequest& request) {
        return FakeResponse::Json(R"({"echo_length":)" + std::to_string(request.body.size()) + "}");
    });
    Client client(io_, LoopbackOptions());
    Request request = Get("/oauth/token");
    request.method = "POST";
    request.body = "grant_type=client_credentials&scope=read";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};

    const Outcome outcome = Fetch(client, request);

    ASSERT_TRUE(outcome.response.has_value()) << outcome.error.detail;
    EXPECT_EQ(outcome.response->body, R"({"echo_length":40})");
    const auto requests = fake_.Requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].body, "grant_type=client_credentials&scope=read");
    EXPECT_EQ(requests[0].Header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(requests[0].Header("expect"), "");
}

TEST_F(HttpClientTest, FiftyConcurrentTransfersCompleteOnTheLoopThread) {
    fake_.Route("GET", "/slow", [](const RecordedRequest& request) {
        FakeResponse response = FakeResponse::Json(R"({"n":")" + request.QueryParam("n") + R"("})");
        response.delay = milliseconds(300);
        return response;
    });
    Client client(io_, LoopbackOptions());
    std::vector<std::optional<Outcome>> outcomes(50);
    std::set<std::thread::id> threads;
    std::size_t completed = 0;
    const auto started = steady_clock::now();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        client.Submit(Get("/slow?n=" + std::to_string(i)), [&, i](Outcome outcome) {
            outcomes[i] = std::move(outcome);
            threads.insert(std::this_thread::get_id());
            ++completed;
        });
    }
    EXPECT_EQ(completed, 0U) << "Submit never calls done inline";
    EXPECT_EQ(client.InFlight(), 50U);

    RunUntil(io_, [&] { return completed == outcomes.size(); });
    const auto elapsed = steady_clock::now() - started;

    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        ASSERT_TRUE(outcomes[i] && outcomes[i]->response) << i;
        EXPECT_EQ(outcomes[i]->response->body, R"({"n":")" + std::to_string(i) + R"("})");
    }
    EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
    // Sequentially this would take 15 s; concurrently about one delay.
    EXPECT_LT(elapsed, std::chrono::seconds(5));
    EXPECT_EQ(client.InFlight(), 0U);
}

TEST_F(HttpClientTest, SequentialRequestsReuseOneConnection) {
    fake_.Route("GET", "/r", [](const RecordedRequest&) { return FakeResponse::Json("{}"); });
    Client client(io_, LoopbackOptions());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(Fetch(client, Get("/r")).response.has_value());
    }
    std::set<std::uint64_t> connections;
    for (const auto& request : fake_.Requests())
        connections.insert(request.connection);
    EXPECT_EQ(connections.size(), 1U);
}

TEST_F(HttpClientTest, MaxInFlightQueuesTheRest) {
    std::mutex mutex;
    std::vector<steady_clock::time_point> arrivals;
    fake_.Route("GET", "/q", [&](const RecordedRequest&) {
        {
            std::lock_guard lock(mutex);
            arrivals.push_back(steady_clock::now());
        }
        FakeResponse response = FakeResponse::Json("{}");
        response.delay = milliseconds(200);
        return response;
    });
    ClientOptions options = LoopbackOptions();
    options.max_in_flight = 2;
    Client client(io_, options);
    std::size_t completed = 0;
    for (int i = 0; i < 6; ++i) {
        client.Submit(Get("/q"), [&](Outcome outcome) {
            EXPECT_TRUE(outcome.response.has_value());
            ++completed;
        });
    }
    EXPECT_EQ(client.InFlight(), 6U);
    RunUntil(io_, [&] { return completed == 6; });
    std::lock_guard lock(mutex);
    ASSERT_EQ(arrivals.size(), 6U);
    // Three waves of two: the third and fifth requests start only when a slot frees up.
    EXPECT_GE(arrivals[2] - arrivals[0], milliseconds(180));
    EXPECT_GE(arrivals[4] - arrivals[2], milliseconds(180));
    EXPECT_LT(arrivals[1] - arrivals[0], milliseconds(150));
}

TEST_F(HttpClientTest, TooManyRequestsWithRetryAfterIsRateLimitedAndDelaysTheNextRequestWithTheKey) {
    fake_.Route("GET", "/limited", [](const RecordedRequest&) {
        FakeResponse response;
        response.status = 429;
        response.content_type = "text/plain";  // Discourse's 429 is text/plain with Retry-After
        response.body = "Slow down, too many requests from this IP address";
        response.headers = {{"Retry-After", "1"}};
        return response;
    });
    fake_.Route("GET", "/fine", [](const RecordedRequest&) { return FakeResponse::Json("{}"); });
    Client client(io_, LoopbackOptions());
    Request request = Get("/limited");
    request.rate_limit_key = "discourse:test";

    const auto before = Clock::now();
    const Outcome first = Fetch(client, request);
    ASSERT_TRUE(first.response.has_value());
    EXPECT_EQ(first.response->status, 429);
    const auto classification = ClassifyResponse(*first.response, Clock::now());
    ASSERT_TRUE(classification.has_value());
    EXPECT_EQ(classification->code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(classification->retry_at.has_value());
    EXPECT_GE(*classification->retry_at, before + std::chrono::seconds(1));
    EXPECT_LE(*classification->retry_at, Clock::now() + std::chrono::seconds(1));
    ASSERT_TRUE(client.Limits().BlockedUntil("discourse:test").has_value());
    EXPECT_GT(client.Limits().NextAllowed("discourse:test", Clock::now()), Clock::now());

    Request next = Get("/fine");
    next.rate_limit_key = "discourse:test";
    const auto started = steady_clock::now();
    const Outcome second = Fetch(client, next);
    ASSERT_TRUE(second.response.has_value());
    EXPECT_EQ(second.response->status, 200);
    EXPECT_GE(steady_clock::now() - started, milliseconds(700));
    EXPECT_EQ(client.Stats().rate_limit_waits, 1U);

    // Another key is not held back.
    Request other = Get("/fine");
    other.rate_limit_key = "discourse:other";
    const auto other_started = steady_clock::now();
    ASSERT_TRUE(Fetch(client, other).response.has_value());
    EXPECT_LT(steady_clock::now() - other_started, milliseconds(500));
}

TEST_F(HttpClientTest, TokenBucketSpacesRequestsWithTheSameKey) {
    fake_.Route("GET", "/b", [](const RecordedRequest&) { return FakeResponse::Json("{}"); });
    Client client(io_, LoopbackOptions());
    client.Limits().Configure("x:source", BucketSpec{.rate_per_minute = 600.0, .burst = 1.0});  // one per 100 ms
    std::size_t completed = 0;
    const auto started = steady_clock::now();
    for (int i = 0; i < 4; ++i) {
        Request request = Get("/b");
        request.rate_limit_key = "x:source";
        client.Submit(std::move(request), [&](Outcome) { ++completed; });
    }
    RunUntil(io_, [&] { return completed == 4; });
    EXPECT_GE(steady_clock::now() - started, milliseconds(280));
    EXPECT_EQ(client.Stats().rate_limit_waits, 3U);
}

struct StatusCase {
    int status;
    ConnectorErrc expected;
};

class HttpStatusTest : public HttpClientTest, public ::testing::WithParamInterface<StatusCase> {};

TEST_P(HttpStatusTest, StatusIsClassified) {
    const StatusCase param = GetParam();
    fake_.Route("GET", "/s", [&](const RecordedRequest&) {
        return FakeResponse::Json(R"({"errors":[{"code":88,"message":"Rate limit exceeded"}]})", param.status);
    });
    Client client(io_, LoopbackOptions());
    const Outcome outcome = Fetch(client, Get("/s?access_token=secret"));
    ASSERT_TRUE(outcome.response.has_value()) << "an HTTP status is a response, not a transport error";
    const auto classification = ClassifyResponse(*outcome.response, Clock::now());
    ASSERT_TRUE(classification.has_value());
    EXPECT_EQ(classification->code, param.expected);
    EXPECT_NE(classification->detail.find(std::to_string(param.status)), std::string::npos);
    EXPECT_EQ(classification->detail.find("secret"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, HttpStatusTest,
    ::testing::Values(StatusCase{500, ConnectorErrc::kRetryLater}, StatusCase{502, ConnectorErrc::kRetryLater},
                      StatusCase{503, ConnectorErrc::kRetryLater}, StatusCase{408, ConnectorErrc::kRetryLater},
                      StatusCase{401, ConnectorErrc::kAuthBroken}, StatusCase{403, ConnectorErrc::kAuthBroken},
                      StatusCase{404, ConnectorErrc::kPermanent}, StatusCase{400, ConnectorErrc::kPermanent},
                      StatusCase{429, ConnectorErrc::kRateLimited}));

TEST_F(HttpClientTest, StalledUpstreamTimesOutAsRetryLater) {
    fake_.Route("GET", "/stall", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(std::string(1000, 'x'));
        response.stall = true;
        return response;
    });
    ClientOptions options = LoopbackOptions();
    options.low_speed_time = std::chrono::seconds(1);
    options.low_speed_bytes = 100;
    Client client(io_, options);
    Request request = Get("/stall");
    request.timeout = milliseconds(3000);
    const auto started = steady_clock::now();

    const Outcome outcome = Fetch(client, request);

    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater);
    EXPECT_NE(outcome.error.detail.find("127.0.0.1"), std::string::npos) << outcome.error.detail;
    EXPECT_LT(steady_clock::now() - started, milliseconds(3500));
    EXPECT_EQ(client.Stats().transport_errors, 1U);
}

TEST_F(HttpClientTest, TotalTimeoutIsRetryLater) {
    fake_.Route("GET", "/late", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json("{}");
        response.delay = milliseconds(3000);
        return response;
    });
    Client client(io_, LoopbackOptions());
    Request request = Get("/late");
    request.timeout = milliseconds(300);
    const auto started = steady_clock::now();
    const Outcome outcome = Fetch(client, request);
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater);
    EXPECT_NE(outcome.error.detail.find("timed out"), std::string::npos) << outcome.error.detail;
    EXPECT_LT(steady_clock::now() - started, milliseconds(2000));
}

TEST_F(HttpClientTest, TruncatedBodyIsRetryLater) {
    fake_.Route("GET", "/trunc", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(R"({"data":[)" + std::string(5000, ' ') + "]}");
        response.truncate = true;
        return response;
    });
    Client client(io_, LoopbackOptions());
    const Outcome outcome = Fetch(client, Get("/trunc"));
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater);
    EXPECT_NE(outcome.error.detail.find("truncated"), std::string::npos) << outcome.error.detail;
}

TEST_F(HttpClientTest, ConnectionResetIsRetryLater) {
    fake_.Route("GET", "/reset", [](const RecordedRequest&) {
        FakeResponse response;
        response.reset = true;
        return response;
    });
    Client client(io_, LoopbackOptions());
    const Outcome outcome = Fetch(client, Get("/reset"));
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater);
}

TEST_F(HttpClientTest, RefusedConnectionIsRetryLater) {
    std::string url;
    {
        FakeUpstream gone;
        url = gone.BaseUrl() + "/x";
    }
    Client client(io_, LoopbackOptions());
    Request request;
    request.url = url;
    const Outcome outcome = Fetch(client, request);
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater);
    EXPECT_NE(outcome.error.detail.find("could not connect to 127.0.0.1"), std::string::npos) << outcome.error.detail;
}

TEST_F(HttpClientTest, BodyOverTheCapIsMalformed) {
    fake_.Route("GET", "/huge", [](const RecordedRequest&) { return FakeResponse::Json(std::string(100'000, 'a')); });
    ClientOptions options = LoopbackOptions();
    options.max_response_bytes = 1000;
    Client client(io_, options);
    const Outcome outcome = Fetch(client, Get("/huge"));
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kMalformed);
    EXPECT_NE(outcome.error.detail.find("larger than 1000 bytes"), std::string::npos) << outcome.error.detail;
}

TEST_F(HttpClientTest, GzipBodyOverTheCapAfterDecodingIsMalformed) {
    // Content-Length is the compressed size: only the write callback's cap sees the decoded size.
    fake_.Route("GET", "/bomb", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(std::string(200'000, 'a'));
        response.gzip = true;
        return response;
    });
    ClientOptions options = LoopbackOptions();
    options.max_response_bytes = 10'000;
    Client client(io_, options);
    const Outcome outcome = Fetch(client, Get("/bomb"));
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kMalformed);
}

TEST_F(HttpClientTest, GzipBodyIsDecoded) {
    const std::string body = R"({"statuses":[)" + std::string(3000, ' ') + "]}";
    fake_.Route("GET", "/gz", [&](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(body);
        response.gzip = true;
        return response;
    });
    Client client(io_, LoopbackOptions());
    const Outcome outcome = Fetch(client, Get("/gz"));
    ASSERT_TRUE(outcome.response.has_value()) << outcome.error.detail;
    EXPECT_EQ(outcome.response->body, body);
    ASSERT_NE(outcome.response->Header("content-encoding"), nullptr);
    EXPECT_NE(fake_.Requests().at(0).Header("accept-encoding").find("gzip"), std::string::npos);
}

TEST_F(HttpClientTest, PlainHttpIsRefusedWithoutAnyConnectionUnlessLoopbackIsAllowed) {
    fake_.Route("GET", "/", [](const RecordedRequest&) { return FakeResponse::Json("{}"); });
    {
        ClientOptions options = LoopbackOptions();
        options.allow_plain_http_loopback = false;
        Client client(io_, options);
        const Outcome outcome = Fetch(client, Get("/x?token=abc"));
        ASSERT_FALSE(outcome.response.has_value());
        EXPECT_EQ(outcome.error.code, ConnectorErrc::kPermanent);
        EXPECT_NE(outcome.error.detail.find("plain http"), std::string::npos) << outcome.error.detail;
        EXPECT_EQ(outcome.error.detail.find("abc"), std::string::npos);
    }
    {
        // The same machine through an IPv4-mapped IPv6 literal: not a loopback *name*, so refused.
        Client client(io_, LoopbackOptions());
        Request request;
        request.url = "http://[::ffff:127.0.0.1]:" + std::to_string(fake_.Port()) + "/x";
        const Outcome outcome = Fetch(client, request);
        ASSERT_FALSE(outcome.response.has_value());
        EXPECT_EQ(outcome.error.code, ConnectorErrc::kPermanent);
        request.url = "http://api.x.example/2/tweets";
        EXPECT_EQ(Fetch(client, request).error.code, ConnectorErrc::kPermanent);
        request.url = "ftp://127.0.0.1/file";
        EXPECT_EQ(Fetch(client, request).error.code, ConnectorErrc::kPermanent);
        request.url = "not a url";
        EXPECT_EQ(Fetch(client, request).error.code, ConnectorErrc::kPermanent);
    }
    EXPECT_EQ(fake_.RequestCount(), 0U);
}

TEST_F(HttpClientTest, RedirectsAreFollowedButNeverToPlainHttpOffLoopback) {
    const std::string base = fake_.BaseUrl();
    const std::string mapped = "http://[::ffff:127.0.0.1]:" + std::to_string(fake_.Port());
    fake_.Route("GET", "/moved", [&](const RecordedRequest&) {
        FakeResponse response;
        response.status = 302;
        response.headers = {{"Location", base + "/target"}};
        return response;
    });
    fake_.Route("GET", "/escape", [&](const RecordedRequest&) {
        FakeResponse response;
        response.status = 302;
        response.headers = {{"Location", mapped + "/target"}};
        return response;
    });
    fake_.Route("GET", "/target", [](const RecordedRequest&) { return FakeResponse::Json(R"({"here":1})"); });
    Client client(io_, LoopbackOptions());

    const Outcome followed = Fetch(client, Get("/moved"));
    ASSERT_TRUE(followed.response.has_value()) << followed.error.detail;
    EXPECT_EQ(followed.response->body, R"({"here":1})");
    EXPECT_EQ(followed.response->effective_url, base + "/target");

    const Outcome escaped = Fetch(client, Get("/escape"));
    ASSERT_FALSE(escaped.response.has_value());
    EXPECT_EQ(escaped.error.code, ConnectorErrc::kPermanent) << escaped.error.detail;
    EXPECT_NE(escaped.error.detail.find("refusing plain http"), std::string::npos) << escaped.error.detail;
    EXPECT_EQ(fake_.RequestCount("/target"), 1U);
}

TEST_F(HttpClientTest, HttpsGoesThroughTheConfiguredProxyWithConnect) {
    // The fake plays the hospital's proxy: it sees the CONNECT for the upstream and refuses it.
    ClientOptions options = LoopbackOptions();
    options.proxy = fake_.BaseUrl();
    Client client(io_, options);
    Request request;
    request.url = "https://api.x.example/2/tweets/search/recent?query=hospital";
    const Outcome outcome = Fetch(client, request);
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater) << outcome.error.detail;
    EXPECT_EQ(outcome.error.detail.find("hospital"), std::string::npos) << outcome.error.detail;
    const auto requests = fake_.Requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].method, "CONNECT");
    EXPECT_EQ(requests[0].target, "api.x.example:443");
}

TEST_F(HttpClientTest, EnvironmentProxiesAreIgnored) {
    fake_.Route("GET", "/direct", [](const RecordedRequest&) { return FakeResponse::Json("{}"); });
    FakeUpstream proxy;
    ::unsetenv("no_proxy");  // else loopback might bypass the proxy anyway and the test would prove nothing
    ::unsetenv("NO_PROXY");
    ::setenv("http_proxy", proxy.BaseUrl().c_str(), 1);
    ::setenv("HTTPS_PROXY", proxy.BaseUrl().c_str(), 1);
    ::setenv("ALL_PROXY", proxy.BaseUrl().c_str(), 1);
    Client client(io_, LoopbackOptions());
    const Outcome outcome = Fetch(client, Get("/direct"));
    ::unsetenv("http_proxy");
    ::unsetenv("HTTPS_PROXY");
    ::unsetenv("ALL_PROXY");
    ASSERT_TRUE(outcome.response.has_value()) << outcome.error.detail;
    EXPECT_EQ(fake_.RequestCount("/direct"), 1U);
    EXPECT_EQ(proxy.RequestCount(), 0U);
}

TEST_F(HttpClientTest, UnsupportedMethodIsPermanentWithoutAConnection) {
    Client client(io_, LoopbackOptions());
    Request request = Get("/x");
    request.method = "TRACE";
    const Outcome outcome = Fetch(client, request);
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kPermanent);
    EXPECT_EQ(fake_.RequestCount(), 0U);
}

TEST_F(HttpClientTest, CancelAllAbortsEveryTransferAsRetryLater) {
    fake_.Route("GET", "/forever", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json("{}");
        response.delay = milliseconds(10'000);
        return response;
    });
    ClientOptions options = LoopbackOptions();
    options.max_in_flight = 2;
    Client client(io_, options);
    client.Limits().BlockUntil("blocked", Clock::now() + std::chrono::hours(1));
    std::vector<Outcome> outcomes;
    for (int i = 0; i < 4; ++i) {  // two in flight, two queued
        client.Submit(Get("/forever"), [&](Outcome outcome) { outcomes.push_back(std::move(outcome)); });
    }
    Request waiting = Get("/forever");
    waiting.rate_limit_key = "blocked";  // waiting for its key
    client.Submit(waiting, [&](Outcome outcome) { outcomes.push_back(std::move(outcome)); });
    EXPECT_EQ(client.InFlight(), 5U);

    boost::asio::steady_timer timer(io_, milliseconds(300));
    timer.async_wait([&](const auto&) { client.CancelAll(); });
    const auto started = steady_clock::now();
    RunUntil(io_, [&] { return outcomes.size() == 5; });

    EXPECT_LT(steady_clock::now() - started, milliseconds(3000));
    for (const auto& outcome : outcomes) {
        EXPECT_FALSE(outcome.response.has_value());
        EXPECT_EQ(outcome.error.code, ConnectorErrc::kRetryLater);
        EXPECT_NE(outcome.error.detail.find("cancelled"), std::string::npos);
    }
    EXPECT_EQ(client.InFlight(), 0U);

    // The client still works afterwards.
    fake_.Route("GET", "/after", [](const RecordedRequest&) { return FakeResponse::Json("{}"); });
    EXPECT_TRUE(Fetch(client, Get("/after")).response.has_value());
}

TEST_F(HttpClientTest, DestroyingTheClientWithTransfersInFlightIsSafeWhileTheLoopRuns) {
    fake_.Route("GET", "/forever", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json("{}");
        response.delay = milliseconds(10'000);
        return response;
    });
    auto client = std::make_unique<Client>(io_, LoopbackOptions());
    int called = 0;
    for (int i = 0; i < 3; ++i)
        client->Submit(Get("/forever"), [&](Outcome) { ++called; });
    boost::asio::steady_timer timer(io_, milliseconds(200));
    bool destroyed = false;
    timer.async_wait([&](const auto&) {
        client.reset();
        destroyed = true;
    });
    RunUntil(io_, [&] { return destroyed; });
    // Handlers still queued for the dead client must not run into it.
    io_.restart();
    io_.run_for(milliseconds(300));
    EXPECT_EQ(called, 0);
}

}  // namespace
}  // namespace carelisten::connectors::http
