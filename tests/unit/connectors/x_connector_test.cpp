// The x_recent_search connector against a fake X API on 127.0.0.1:0 speaking the real wire format.
#include <gtest/gtest.h>

#include <atomic>
#include <connectors/errc.hpp>
#include <connectors/x/x_connector.hpp>
#include <connectors/x/x_wire.hpp>

#include "connector_harness.hpp"

namespace carelisten::connectors::x {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::RecordedRequest;
using testing_support::Fixture;
using testing_support::Harness;

constexpr std::string_view kSearch = "/2/tweets/search/recent";
constexpr std::string_view kFirstNewest = "1993104411123456789";
constexpr std::string_view kNextToken = "b26v89c19zqg8o3fr5q9k8n5vj4yh0uf9fhd2i1uy99ml";

class XConnectorTest : public ::testing::Test {
protected:
    void SetUp() override { Build(); }

    void Build(const std::function<void(Settings&)>& adjust = {}) {
        carelisten::testing::WriteFile(harness_.Dir().Path() / "bearer", "test-bearer-token\n");
        auto settings = DefaultSettings(Factory().settings);
        settings.Set("base_url", harness_.Fake().BaseUrl());
        settings.Set("query", std::vector<std::string>{"St Elsewhere Hospital", "@StElsewhereHosp", "#StElsewhere"});
        settings.Set("bearer_token_file", (harness_.Dir().Path() / "bearer").string());
        settings.Set("requests_per_minute", 600.0);
        if (adjust) {
            adjust(settings);
        }
        harness_.Use(Factory().create("x_test", settings, harness_.Context()));
    }

    // page 1 (5 posts, next_token) then page 2 (2 posts, last page).
    void ServeTwoPages() {
        harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest& request) {
            const auto headers = std::vector<std::pair<std::string, std::string>>{
                {"x-rate-limit-limit", "450"}, {"x-rate-limit-remaining", "449"}, {"x-rate-limit-reset", "4102444800"}};
            auto response = FakeResponse::Json(
                Fixture(request.QueryParam("next_token").empty() ? "x/search_page1.json" : "x/search_page2.json"));
            response.headers = headers;
            return response;
        });
    }

    FetchError ExpectError(const FetchResult& result) {
        EXPECT_FALSE(result.Ok());
        return result.Ok() ? FetchError{} : result.Error();
    }

    Harness harness_;
};

TEST_F(XConnectorTest, FollowsNextTokenToExhaustionThenMovesSinceIdToTheFirstPagesNewest) {
    ServeTwoPages();
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    auto& batch = result.Value();
    ASSERT_EQ(batch.items.size(), 7U);
    EXPECT_EQ(batch.items.front().external_id, kFirstNewest);
    EXPECT_EQ(batch.items.back().external_id, "1993080000000000012");
    EXPECT_FALSE(batch.has_more);
    ASSERT_TRUE(batch.next_cursor.has_value());
    EXPECT_EQ(*DecodeCursor(*batch.next_cursor), Checkpoint{.since_id = std::string(kFirstNewest)});

    const auto requests = harness_.Fake().Requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(requests[0].Header("authorization"), "Bearer test-bearer-token");
    EXPECT_EQ(requests[0].QueryParam("query"),
              R"(("St Elsewhere Hospital" OR @StElsewhereHosp OR #StElsewhere) -is:retweet)");
    EXPECT_EQ(requests[0].QueryParam("max_results"), "100");
    EXPECT_EQ(requests[0].QueryParam("expansions"), "author_id");
    EXPECT_EQ(requests[0].QueryParam("user.fields"), "username");
    EXPECT_NE(requests[0].QueryParam("tweet.fields").find("conversation_id"), std::string::npos);
    EXPECT_NE(requests[0].QueryParam("tweet.fields").find("referenced_tweets"), std::string::npos);
    EXPECT_EQ(requests[0].QueryParam("since_id"), "");
    EXPECT_EQ(requests[1].QueryParam("next_token"), kNextToken);
}

TEST_F(XConnectorTest, NextPollAsksOnlyForPostsAfterSinceIdAndAnEmptyPageKeepsTheCursor) {
    harness_.Fake().Route("GET", std::string(kSearch),
                          [](const RecordedRequest&) { return FakeResponse::Json(Fixture("x/empty.json")); });
    const auto cursor = EncodeCursor({.since_id = std::string(kFirstNewest)});
    auto result = harness_.Fetch(cursor);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_TRUE(result.Value().items.empty());
    EXPECT_FALSE(result.Value().next_cursor.has_value()) << "nothing new: the cursor does not change";
    EXPECT_EQ(harness_.Fake().Requests().at(0).QueryParam("since_id"), kFirstNewest);
}

TEST_F(XConnectorTest, ItemBudgetStopsMidPaginationAndTheNextFetchFinishesItWithoutLoss) {
    ServeTwoPages();
    const auto start = EncodeCursor({.since_id = "1993000000000000000"});
    auto first = harness_.Fetch(start, 12);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    EXPECT_EQ(first.Value().items.size(), 5U);
    EXPECT_TRUE(first.Value().has_more);
    const auto pending = DecodeCursor(*first.Value().next_cursor);
    ASSERT_TRUE(pending.has_value());
    EXPECT_EQ(pending->since_id, "1993000000000000000") << "since_id must not move before the pages are exhausted";
    EXPECT_EQ(pending->next_token, kNextToken);
    EXPECT_EQ(pending->newest_id, kFirstNewest);
    EXPECT_EQ(harness_.Fake().Requests().at(0).QueryParam("max_results"), "12");

    auto second = harness_.Fetch(*first.Value().next_cursor, 12);
    ASSERT_TRUE(second.Ok()) << second.Error().detail;
    EXPECT_EQ(second.Value().items.size(), 2U);
    EXPECT_FALSE(second.Value().has_more);
    // Exhausted: since_id moves to the FIRST page's newest, not to the page 2 newest.
    EXPECT_EQ(*DecodeCursor(*second.Value().next_cursor), Checkpoint{.since_id = std::string(kFirstNewest)});
    const auto requests = harness_.Fake().Requests();
    EXPECT_EQ(requests.at(1).QueryParam("since_id"), "1993000000000000000");
    EXPECT_EQ(requests.at(1).QueryParam("next_token"), kNextToken);
}

TEST_F(XConnectorTest, FailureOnALaterPageFailsTheWholeFetch) {
    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest& request) {
        if (request.QueryParam("next_token").empty()) {
            return FakeResponse::Json(Fixture("x/search_page1.json"));
        }
        return FakeResponse::Json(R"({"title":"Service Unavailable","type":"about:blank","status":503})", 503);
    });
    const auto error = ExpectError(harness_.Fetch(EncodeCursor({.since_id = "1993000000000000000"})));
    EXPECT_EQ(error.code, ConnectorErrc::kRetryLater);
    EXPECT_NE(error.detail.find("503"), std::string::npos) << error.detail;
}

TEST_F(XConnectorTest, RateLimitedUntilTheResetXAnnouncesAndTheKeyIsBlocked) {
    const auto reset = std::chrono::system_clock::now() + std::chrono::seconds(600);
    const auto reset_epoch = std::chrono::duration_cast<std::chrono::seconds>(reset.time_since_epoch()).count();
    harness_.Fake().Route("GET", std::string(kSearch), [&](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("x/error_429_classic.json"), 429);
        response.headers = {{"x-rate-limit-limit", "450"},
                            {"x-rate-limit-remaining", "0"},
                            {"x-rate-limit-reset", std::to_string(reset_epoch)}};
        return response;
    });
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(error.retry_at.has_value());
    EXPECT_LE(std::chrono::abs(*error.retry_at - reset), std::chrono::seconds(2));
    const auto blocked = harness_.Client().Limits().BlockedUntil("x:" + (harness_.Dir().Path() / "bearer").string());
    ASSERT_TRUE(blocked.has_value());
    EXPECT_GE(*blocked, reset - std::chrono::seconds(2));
}

TEST_F(XConnectorTest, RetryAfterOn429IsHonoured) {
    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("x/error_429.json"), 429);
        response.headers = {{"Retry-After", "120"}};
        return response;
    });
    const auto before = std::chrono::system_clock::now();
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(error.retry_at.has_value());
    EXPECT_GE(*error.retry_at, before + std::chrono::seconds(118));
    EXPECT_LE(*error.retry_at, before + std::chrono::seconds(125));
}

TEST_F(XConnectorTest, BurstOf5xxIsRetryLaterEachTimeThenRecovers) {
    std::atomic<int> calls{0};
    harness_.Fake().Route("GET", std::string(kSearch), [&](const RecordedRequest&) {
        const int call = calls++;
        if (call < 3) {
            return FakeResponse::Json("<html>Bad gateway</html>", call == 0 ? 500 : (call == 1 ? 502 : 504));
        }
        return FakeResponse::Json(Fixture("x/search_page2.json"));
    });
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kRetryLater) << i;
    }
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
}

TEST_F(XConnectorTest, TruncatedAndStalledResponsesAreRetryLater) {
    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("x/search_page2.json"));
        response.truncate = true;
        return response;
    });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kRetryLater);

    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("x/search_page2.json"));
        response.stall = true;
        return response;
    });
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kRetryLater);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(XConnectorTest, UnreadablePagesAreMalformedAndConsumeNothing) {
    for (const std::string& body : {std::string("{\"data\":[{\"id\":"), std::string(100000, '['),
                                    R"({"meta":{},"pad":")" + std::string(kMaxPageBytes, 'a') + "\"}"}) {
        harness_.Fake().Route("GET", std::string(kSearch),
                              [body](const RecordedRequest&) { return FakeResponse::Json(body); });
        const auto error = ExpectError(harness_.Fetch(EncodeCursor({.since_id = "1993000000000000000"})));
        EXPECT_EQ(error.code, ConnectorErrc::kMalformed) << error.detail;
    }
}

TEST_F(XConnectorTest, RefusedBearerTokenIsAuthBrokenAndSaysWhatToFixThenARotatedFileWorks) {
    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest& request) {
        if (request.Header("authorization") != "Bearer rotated-token") {
            return FakeResponse::Json(Fixture("x/error_401.json"), 401);
        }
        return FakeResponse::Json(Fixture("x/search_page2.json"));
    });
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kAuthBroken);
    EXPECT_NE(error.detail.find("sources.x_test.bearer_token_file"), std::string::npos) << error.detail;
    EXPECT_EQ(error.detail.find("test-bearer-token"), std::string::npos) << "never the secret";

    carelisten::testing::WriteFile(harness_.Dir().Path() / "bearer", "rotated-token\n");
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
}

TEST_F(XConnectorTest, MissingTokenFileIsAuthBrokenWithoutCallingX) {
    Build([&](Settings& settings) { settings.Set("bearer_token_file", (harness_.Dir().Path() / "absent").string()); });
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kAuthBroken);
    EXPECT_EQ(harness_.Fake().RequestCount(), 0U);
}

TEST_F(XConnectorTest, SinceIdOutsideTheSevenDayWindowRestartsFromTheWindow) {
    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest& request) {
        if (!request.QueryParam("since_id").empty()) {
            return FakeResponse::Json(Fixture("x/error_since_id_400.json"), 400);
        }
        return FakeResponse::Json(Fixture("x/search_page2.json"));
    });
    auto reset = harness_.Fetch(EncodeCursor({.since_id = "1980000000000000000"}));
    ASSERT_TRUE(reset.Ok()) << reset.Error().detail;
    EXPECT_TRUE(reset.Value().items.empty());
    EXPECT_TRUE(reset.Value().has_more);
    const auto restart = DecodeCursor(*reset.Value().next_cursor);
    ASSERT_TRUE(restart.has_value());
    EXPECT_TRUE(restart->since_id.empty());

    auto result = harness_.Fetch(reset.Value().next_cursor);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
}

TEST_F(XConnectorTest, OtherBadRequestsArePermanent) {
    harness_.Fake().Route("GET", std::string(kSearch), [](const RecordedRequest&) {
        return FakeResponse::Json(
            R"({"errors":[{"parameters":{"query":["(("]},"message":"There were errors processing your request: Unmatched parenthesis"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"})",
            400);
    });
    const auto error = ExpectError(harness_.Fetch(EncodeCursor({.since_id = "1993000000000000000"})));
    EXPECT_EQ(error.code, ConnectorErrc::kPermanent);
    EXPECT_NE(error.detail.find("Invalid Request"), std::string::npos) << error.detail;
}

TEST_F(XConnectorTest, UnusablePostsAreQuarantinedAndReplayThroughParseRecord) {
    harness_.Fake().Route("GET", std::string(kSearch),
                          [](const RecordedRequest&) { return FakeResponse::Json(Fixture("x/bad_records.json")); });
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    auto& batch = result.Value();
    EXPECT_EQ(batch.items.size(), 1U);
    ASSERT_EQ(batch.bad_records.size(), 3U);
    const auto& bad = batch.bad_records[2];
    const auto replay = harness_.Get().ParseRecord(bad.raw, bad.locator);
    ASSERT_TRUE(std::holds_alternative<BadRecord>(replay));
    EXPECT_EQ(std::get<BadRecord>(replay).reason, bad.reason);
}

TEST_F(XConnectorTest, EditedAndReplyPostsKeepVersionAndThread) {
    ServeTwoPages();
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    const auto& items = result.Value().items;
    EXPECT_EQ(items[1].external_id, "1993100998877665544");
    EXPECT_EQ(items[1].version, "1993101122334455667");
    EXPECT_EQ(items[2].reply_to, "1993090000000000001");
    for (const auto& item : items) {
        EXPECT_EQ(ValidateRawItem(item), std::nullopt);
    }
}

TEST_F(XConnectorTest, ConnectorBuiltWithoutTheHttpRuntimeParsesButDoesNotFetch) {
    auto settings = DefaultSettings(Factory().settings);
    settings.Set("query", std::vector<std::string>{"@StElsewhereHosp"});
    const auto offline = Factory().create("x_offline", settings, ConnectorContext{});
    ASSERT_NE(offline, nullptr);
    const auto replay = offline->ParseRecord(R"({"data":[{"id":"5","text":"hello"}]})", "post:5");
    ASSERT_TRUE(std::holds_alternative<RawItem>(replay));
    EXPECT_EQ(std::get<RawItem>(replay).source, "x_offline");
    std::optional<FetchResult> result;
    offline->FetchAsync(std::nullopt, 10, [&](FetchResult r) { result.emplace(std::move(r)); });
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->Error().code, ConnectorErrc::kPermanent);
}

TEST_F(XConnectorTest, CursorRoundTripsAndRejectsGarbage) {
    const Checkpoint full{.since_id = "1", .next_token = "abc", .newest_id = "9"};
    EXPECT_EQ(DecodeCursor(EncodeCursor(full)), full);
    EXPECT_EQ(DecodeCursor(EncodeCursor({})), Checkpoint{});
    EXPECT_FALSE(DecodeCursor("not json").has_value());
    EXPECT_FALSE(DecodeCursor(R"({"since_id":5})").has_value());
    EXPECT_FALSE(DecodeCursor(R"({"next_token":"abc"})").has_value()) << "a pending token needs its newest_id";
    harness_.Fake().Route("GET", std::string(kSearch),
                          [](const RecordedRequest&) { return FakeResponse::Json(Fixture("x/empty.json")); });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::string("garbage"))).code, ConnectorErrc::kPermanent);
}

}  // namespace
}  // namespace carelisten::connectors::x
