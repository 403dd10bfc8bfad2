// The Mastodon connector against a fake instance speaking Mastodon's wire format (FakeUpstream on
// 127.0.0.1:0): forward paging with min_id and Link rel="prev", per-stream checkpoints, limits, failures.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/mastodon/mastodon_connector.hpp>
#include <ctime>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

namespace carelisten::connectors::mastodon {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;

std::string Status(std::uint64_t id, const std::string& text, const std::string& extra = "") {
    return R"({"id":")" + std::to_string(id) + R"(","created_at":"2026-11-02T09:00:00.000Z","visibility":"public",)" +
           R"("language":"en","url":"https://mastodon.example/@pat/)" + std::to_string(id) + R"(","content":"<p>)" +
           text + R"(</p>","spoiler_text":"","edited_at":null,"reblog":null,)" +
           R"("account":{"id":"1","username":"pat","acct":"pat"})" + extra + "}";
}

std::string Array(const std::vector<std::string>& statuses) {
    std::string out = "[";
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        out += (i ? "," : "") + statuses[i];
    }
    return out + "]";
}

// An ISO 8601 time `ahead` from now, whole seconds, as Mastodon's X-RateLimit-Reset sends it.
std::string IsoIn(std::chrono::seconds ahead, std::chrono::system_clock::time_point& at) {
    at = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now() + ahead);
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return text;
}

class MastodonConnectorTest : public ::testing::Test {
protected:
    MastodonConnectorTest() { Recreate({}); }

    void Recreate(http::ClientOptions options) {
        connector_.reset();
        client_.reset();
        options.allow_plain_http_loopback = true;
        client_ = std::make_unique<http::Client>(io_, options);
    }

    Settings MakeSettings(std::vector<std::string> hashtags, std::vector<std::string> terms = {},
                          std::int64_t page_size = 40) {
        Settings settings = DefaultSettings(Factory().settings);
        settings.Set("base_url", fake_.BaseUrl());
        settings.Set("hashtags", std::move(hashtags));
        settings.Set("search_terms", std::move(terms));
        settings.Set("page_size", page_size);
        return settings;
    }

    MastodonConnector& Make(const Settings& settings) {
        connector_ = std::make_unique<MastodonConnector>("mastodon_tags", settings,
                                                         ConnectorContext{.loop = &io_, .http = client_.get()});
        return *connector_;
    }

    FetchResult Fetch(const std::optional<std::string>& cursor, std::size_t max_items = 500) {
        std::optional<FetchResult> result;
        int calls = 0;
        connector_->FetchAsync(cursor, max_items, [&](FetchResult r) {
            ++calls;
            result.emplace(std::move(r));
        });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!result && std::chrono::steady_clock::now() < deadline) {
            io_.restart();
            io_.run_for(std::chrono::milliseconds(20));
        }
        EXPECT_EQ(calls, 1);
        if (!result) {
            ADD_FAILURE() << "fetch did not complete";
            return FetchResult(FetchError{ConnectorErrc::kRetryLater, "timeout", std::nullopt});
        }
        return *result;
    }

    FakeUpstream fake_;
    boost::asio::io_context io_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<MastodonConnector> connector_;
};

TEST_F(MastodonConnectorTest, FirstPollTakesTheNewestPageAndCheckpointsIt) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest& request) {
        EXPECT_EQ(request.path, "/api/v1/timelines/tag/StElsewhere");
        EXPECT_EQ(request.QueryParam("min_id"), "");
        EXPECT_EQ(request.QueryParam("limit"), "40");
        return FakeResponse::Json(Array({Status(105, "newest"), Status(104, "older")}));
    });
    Make(MakeSettings({"#StElsewhere"}));
    auto result = Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    ASSERT_EQ(result.Value().items.size(), 2U);
    EXPECT_EQ(result.Value().items[0].external_id, "105");
    EXPECT_EQ(result.Value().items[0].author, "pat@127.0.0.1");
    EXPECT_EQ(result.Value().next_cursor, R"({"tag:stelsewhere":"105"})");
    EXPECT_FALSE(result.Value().has_more);
    EXPECT_EQ(fake_.RequestCount(), 1U);  // no backfill on the first poll
}

TEST_F(MastodonConnectorTest, ForwardPagingFollowsLinkPrevFromTheCheckpointUntilAShortPage) {
    fake_.Route("GET", "/api/v1/timelines/tag/stelsewhere", [this](const RecordedRequest& request) {
        const std::string min_id = request.QueryParam("min_id");
        const std::string base = fake_.BaseUrl() + "/api/v1/timelines/tag/stelsewhere";
        if (min_id == "100") {  // the statuses immediately newer than 100, newest first
            FakeResponse response = FakeResponse::Json(Array({Status(102, "b"), Status(101, "a")}));
            response.headers.emplace_back("Link", "<" + base + "?limit=2&max_id=101>; rel=\"next\", <" + base +
                                                      "?limit=2&min_id=102>; rel=\"prev\"");
            return response;
        }
        if (min_id == "102") {
            FakeResponse response = FakeResponse::Json(Array({Status(103, "c")}));
            response.headers.emplace_back("Link", "<" + base + "?limit=2&max_id=103>; rel=\"next\", <" + base +
                                                      "?limit=2&min_id=103>; rel=\"prev\"");
            return response;
        }
        ADD_FAILURE() << "unexpected min_id " << min_id;
        return FakeResponse::Json("[]");
    });
    Make(MakeSettings({"stelsewhere"}, {}, 2));
    auto result = Fetch(R"({"tag:stelsewhere":"100"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    std::vector<std::string> ids;
    for (const auto& item : result.Value().items) {
        ids.push_back(item.external_id);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"102", "101", "103"}));
    EXPECT_EQ(result.Value().next_cursor, R"({"tag:stelsewhere":"103"})");
    EXPECT_FALSE(result.Value().has_more);
    EXPECT_EQ(fake_.RequestCount(), 2U);
}

TEST_F(MastodonConnectorTest, EachHashtagAndSearchKeepsItsOwnCheckpointAndBearerTokenIsSent) {
    carelisten::testing::TempDir dir;
    carelisten::testing::WriteFile(dir.Path() / "token", "tok-123\n");
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest& request) {
        EXPECT_EQ(request.Header("authorization"), "Bearer tok-123");
        EXPECT_EQ(request.QueryParam("min_id"), "500");
        return FakeResponse::Json(Array({Status(501, "tagged")}));
    });
    fake_.Route("GET", "/api/v2/search", [](const RecordedRequest& request) {
        EXPECT_EQ(request.QueryParam("q"), "St Elsewhere Hospital");
        EXPECT_EQ(request.QueryParam("type"), "statuses");
        EXPECT_EQ(request.QueryParam("min_id"), "");  // never polled before: newest page only
        return FakeResponse::Json(R"({"accounts":[],"hashtags":[],"statuses":[)" + Status(900, "searched") + "," +
                                  Status(501, "tagged") + "]}");
    });
    Settings settings = MakeSettings({"StElsewhere"}, {"St Elsewhere Hospital"});
    settings.Set("access_token_file", (dir.Path() / "token").string());
    Make(settings);
    auto result = Fetch(R"({"tag:stelsewhere":"500","tag:removed":"7"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    // 501 came from both streams: one item.
    ASSERT_EQ(result.Value().items.size(), 2U);
    EXPECT_EQ(result.Value().next_cursor,
              R"({"q:St Elsewhere Hospital":"900","tag:removed":"7","tag:stelsewhere":"501"})");
}

TEST_F(MastodonConnectorTest, SearchWithoutLinkHeaderContinuesFromTheNewestIdOnThePage) {
    fake_.Route("GET", "/api/v2/search", [](const RecordedRequest& request) {
        const std::string min_id = request.QueryParam("min_id");
        if (min_id == "10") {
            return FakeResponse::Json(R"({"statuses":[)" + Status(12, "b") + "," + Status(11, "a") + "]}");
        }
        EXPECT_EQ(min_id, "12");
        return FakeResponse::Json(R"({"statuses":[]})");
    });
    Make(MakeSettings({}, {"St Elsewhere"}, 2));
    auto result = Fetch(R"({"q:St Elsewhere":"10"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
    EXPECT_EQ(result.Value().next_cursor, R"({"q:St Elsewhere":"12"})");
    EXPECT_EQ(fake_.RequestCount(), 2U);
}

TEST_F(MastodonConnectorTest, ItemBudgetLimitsTheRequestAndSaysThereIsMore) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest& request) {
        EXPECT_EQ(request.QueryParam("limit"), "2");
        return FakeResponse::Json(Array({Status(52, "b"), Status(51, "a")}));
    });
    Make(MakeSettings({"StElsewhere"}));
    auto result = Fetch(R"({"tag:stelsewhere":"50"})", 2);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
    EXPECT_TRUE(result.Value().has_more);
    EXPECT_EQ(result.Value().next_cursor, R"({"tag:stelsewhere":"52"})");
}

TEST_F(MastodonConnectorTest, BudgetSpentOnOneStreamLeavesTheNextForTheNextFetch) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest&) {
        return FakeResponse::Json(Array({Status(52, "b"), Status(51, "a")}));
    });
    fake_.Route("GET", "/api/v2/search", [](const RecordedRequest&) {
        ADD_FAILURE() << "the budget was spent";
        return FakeResponse::Json(R"({"statuses":[]})");
    });
    Make(MakeSettings({"StElsewhere"}, {"St Elsewhere"}));
    auto result = Fetch(R"({"tag:stelsewhere":"50"})", 2);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
    EXPECT_TRUE(result.Value().has_more);
}

TEST_F(MastodonConnectorTest, EmptyPageLeavesTheCursorAlone) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest&) { return FakeResponse::Json("[]"); });
    Make(MakeSettings({"StElsewhere"}));
    auto result = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_TRUE(result.Value().items.empty());
    EXPECT_FALSE(result.Value().next_cursor.has_value());
}

TEST_F(MastodonConnectorTest, TooManyRequestsIsRateLimitedUntilTheResetAndTheNextFetchDoesNotAsk) {
    std::chrono::system_clock::time_point reset;
    const std::string reset_text = IsoIn(std::chrono::minutes(3), reset);
    fake_.Route("GET", "/api/v1/timelines/tag/", [reset_text](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(R"({"error":"Too many requests"})", 429);
        response.headers = {
            {"X-RateLimit-Limit", "300"}, {"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset_text}};
        return response;
    });
    Make(MakeSettings({"StElsewhere"}));
    auto result = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_EQ(*result.Error().retry_at, reset);
    EXPECT_NE(result.Error().detail.find("Too many requests"), std::string::npos);

    auto again = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(again.Ok());
    EXPECT_EQ(again.Error().code, ConnectorErrc::kRateLimited);
    EXPECT_EQ(fake_.RequestCount(), 1U);
}

TEST_F(MastodonConnectorTest, RetryAfterWinsOverTheWindow) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(R"({"error":"Too many requests"})", 429);
        response.headers = {{"Retry-After", "30"}, {"X-RateLimit-Reset", "2099-01-01T00:05:00.000Z"}};
        return response;
    });
    Make(MakeSettings({"StElsewhere"}));
    const auto before = std::chrono::system_clock::now();
    auto result = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(result.Ok());
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, before + std::chrono::seconds(29));
    EXPECT_LE(*result.Error().retry_at, before + std::chrono::seconds(32));
}

TEST_F(MastodonConnectorTest, BurstOfServerErrorsIsRetryLaterThenRecovers) {
    int calls = 0;
    fake_.Route("GET", "/api/v1/timelines/tag/", [&calls](const RecordedRequest&) {
        ++calls;
        if (calls <= 3) {
            return FakeResponse::Json("<html>502 Bad Gateway</html>", calls == 2 ? 503 : 502);
        }
        return FakeResponse::Json(Array({Status(60, "ok")}));
    });
    Make(MakeSettings({"StElsewhere"}));
    for (int i = 0; i < 3; ++i) {
        auto failed = Fetch(R"({"tag:stelsewhere":"50"})");
        ASSERT_FALSE(failed.Ok());
        EXPECT_EQ(failed.Error().code, ConnectorErrc::kRetryLater) << failed.Error().detail;
    }
    auto result = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().next_cursor, R"({"tag:stelsewhere":"60"})");
}

TEST_F(MastodonConnectorTest, TruncatedAndStalledResponsesAreRetryLater) {
    http::ClientOptions options;
    options.total_timeout = std::chrono::milliseconds(1500);
    options.low_speed_time = std::chrono::seconds(1);
    options.low_speed_bytes = 1;
    Recreate(options);
    bool stall = false;
    fake_.Route("GET", "/api/v1/timelines/tag/", [&stall](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(Array({Status(70, "x"), Status(69, "y")}));
        (stall ? response.stall : response.truncate) = true;
        return response;
    });
    Make(MakeSettings({"StElsewhere"}));
    auto truncated = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(truncated.Ok());
    EXPECT_EQ(truncated.Error().code, ConnectorErrc::kRetryLater) << truncated.Error().detail;
    stall = true;
    auto stalled = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(stalled.Ok());
    EXPECT_EQ(stalled.Error().code, ConnectorErrc::kRetryLater) << stalled.Error().detail;
}

TEST_F(MastodonConnectorTest, InvalidDeepAndHugeBodiesAreMalformedAndConsumeNothing) {
    std::string body = "{not json";
    fake_.Route("GET", "/api/v1/timelines/tag/", [&body](const RecordedRequest&) { return FakeResponse::Json(body); });
    Make(MakeSettings({"StElsewhere"}));
    auto invalid = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(invalid.Ok());
    EXPECT_EQ(invalid.Error().code, ConnectorErrc::kMalformed);
    EXPECT_NE(invalid.Error().detail.find("hashtag #StElsewhere"), std::string::npos);

    body = std::string(100'000, '[');
    auto deep = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(deep.Ok());
    EXPECT_EQ(deep.Error().code, ConnectorErrc::kMalformed);

    http::ClientOptions options;
    options.max_response_bytes = 64 * 1024;
    Recreate(options);
    Make(MakeSettings({"StElsewhere"}));
    body = Array({Status(80, std::string(200'000, 'x'))});
    auto huge = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(huge.Ok());
    EXPECT_EQ(huge.Error().code, ConnectorErrc::kMalformed) << huge.Error().detail;
}

TEST_F(MastodonConnectorTest, InvalidTokenIsAuthBrokenAndSaysWhichKeyToFix) {
    carelisten::testing::TempDir dir;
    carelisten::testing::WriteFile(dir.Path() / "token", "expired");
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"error":"The access token is invalid"})", 401);
    });
    Settings settings = MakeSettings({"StElsewhere"});
    settings.Set("access_token_file", (dir.Path() / "token").string());
    Make(settings);
    auto result = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kAuthBroken);
    EXPECT_NE(result.Error().detail.find("The access token is invalid"), std::string::npos);
    EXPECT_NE(result.Error().detail.find("sources.mastodon_tags.access_token_file"), std::string::npos);
    EXPECT_EQ(result.Error().detail.find("expired"), std::string::npos);  // never the secret

    // An unreadable token file is auth broken too, naming the file and not sending anything.
    settings.Set("access_token_file", (dir.Path() / "missing").string());
    Make(settings);
    auto unreadable = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_FALSE(unreadable.Ok());
    EXPECT_EQ(unreadable.Error().code, ConnectorErrc::kAuthBroken);
    EXPECT_EQ(fake_.RequestCount(), 1U);
}

TEST_F(MastodonConnectorTest, UnknownHashtagIsPermanentAndNamesIt) {
    fake_.Route("GET", "/api/v1/timelines/tag/",
                [](const RecordedRequest&) { return FakeResponse::Json(R"({"error":"Record not found"})", 404); });
    Make(MakeSettings({"NoSuchTagHere"}));
    auto result = Fetch(R"({"tag:nosuchtaghere":"50"})");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kPermanent);
    EXPECT_NE(result.Error().detail.find("hashtag #NoSuchTagHere"), std::string::npos);
    EXPECT_NE(result.Error().detail.find("Record not found"), std::string::npos);
    EXPECT_NE(result.Error().detail.find("sources.mastodon_tags.hashtags"), std::string::npos);
}

TEST_F(MastodonConnectorTest, LaterPageFailureKeepsThePagesReadAndTheCursorCoversExactlyThem) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [this](const RecordedRequest& request) {
        if (request.QueryParam("min_id") == "100") {
            FakeResponse response = FakeResponse::Json(Array({Status(102, "b"), Status(101, "a")}));
            response.headers.emplace_back(
                "Link", "<" + fake_.BaseUrl() + "/api/v1/timelines/tag/stelsewhere?min_id=102>; rel=\"prev\"");
            return response;
        }
        return FakeResponse::Json("<html>503</html>", 503);
    });
    Make(MakeSettings({"stelsewhere"}, {}, 2));
    auto result = Fetch(R"({"tag:stelsewhere":"100"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 2U);
    EXPECT_EQ(result.Value().next_cursor, R"({"tag:stelsewhere":"102"})");
    EXPECT_EQ(fake_.RequestCount(), 2U);
}

TEST_F(MastodonConnectorTest, BoostAndOriginalOnOnePageAreOneItemAndBadRecordsAreQuarantined) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest&) {
        const std::string original = Status(90, "Waited 6 hours");
        return FakeResponse::Json(
            Array({R"({"id":"95","content":"","account":{"acct":"booster"},"reblog":)" + original + "}",
                   R"({"id":"93","content":7})", original}));
    });
    Make(MakeSettings({"StElsewhere"}));
    auto result = Fetch(R"({"tag:stelsewhere":"50"})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    ASSERT_EQ(result.Value().items.size(), 1U);
    EXPECT_EQ(result.Value().items[0].external_id, "90");
    ASSERT_EQ(result.Value().bad_records.size(), 1U);
    EXPECT_EQ(result.Value().bad_records[0].locator, "tag:stelsewhere/status:93");
    EXPECT_EQ(result.Value().next_cursor, R"({"tag:stelsewhere":"95"})");  // the timeline's own newest id

    auto replay = connector_->ParseRecord(result.Value().bad_records[0].raw, result.Value().bad_records[0].locator);
    ASSERT_TRUE(std::holds_alternative<BadRecord>(replay));
    EXPECT_EQ(std::get<BadRecord>(replay).reason, "content is not a string");
}

TEST_F(MastodonConnectorTest, DestroyedWhileARequestIsInFlightIgnoresTheLateCompletion) {
    fake_.Route("GET", "/api/v1/timelines/tag/", [](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(Array({Status(60, "late")}));
        response.delay = std::chrono::milliseconds(200);
        return response;
    });
    Make(MakeSettings({"StElsewhere"}));
    bool called = false;
    connector_->FetchAsync(R"({"tag:stelsewhere":"50"})", 10, [&called](FetchResult) { called = true; });
    io_.restart();
    io_.run_for(std::chrono::milliseconds(20));
    connector_.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (client_->InFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(client_->InFlight(), 0U);
    EXPECT_FALSE(called);
}

TEST_F(MastodonConnectorTest, UnreadableCursorIsPermanent) {
    Make(MakeSettings({"StElsewhere"}));
    auto result = Fetch("not a cursor");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kPermanent);
    EXPECT_EQ(fake_.RequestCount(), 0U);
}

TEST(MastodonSettings, ConstructorValidatesWithoutTheHttpRuntime) {
    Settings settings = DefaultSettings(Factory().settings);
    EXPECT_THROW(MastodonConnector("m", settings, {}), std::invalid_argument);  // no hashtags or searches
    settings.Set("hashtags", std::vector<std::string>{"St Elsewhere"});
    EXPECT_THROW(MastodonConnector("m", settings, {}), std::invalid_argument);  // not a hashtag
    settings.Set("hashtags", std::vector<std::string>{"StElsewhere"});
    settings.Set("access_token_file", std::string("/a"));
    settings.Set("access_token_credential", std::string("b"));
    EXPECT_THROW(MastodonConnector("m", settings, {}), std::invalid_argument);
    settings.Set("access_token_credential", std::string());
    MastodonConnector connector("m", settings, {});  // context.http is null: the CLI's replay case
    auto replay = connector.ParseRecord(Status(5, "hello"), "tag:x/status:5");
    ASSERT_TRUE(std::holds_alternative<RawItem>(replay));
    EXPECT_EQ(std::get<RawItem>(replay).external_id, "5");
    EXPECT_EQ(std::get<RawItem>(replay).author, "pat@mastodon.social");
}

TEST(MastodonCursor, RoundTripsAndRefusesOtherShapes) {
    const Checkpoints checkpoints{{"tag:a", "1"}, {"q:b c", "22"}};
    EXPECT_EQ(DecodeCursor(EncodeCursor(checkpoints)), checkpoints);
    EXPECT_FALSE(DecodeCursor("[]").has_value());
    EXPECT_FALSE(DecodeCursor(R"({"tag:a":1})").has_value());
    EXPECT_FALSE(DecodeCursor("").has_value());
}

}  // namespace
}  // namespace carelisten::connectors::mastodon
