// The reddit connector against a fake Reddit (token endpoint and Listings) on 127.0.0.1:0. The fake
// subreddit below answers before/after/limit the way Reddit does, so paging and the cursor are tested
// against behaviour, not against canned page sequences.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <connectors/errc.hpp>
#include <connectors/reddit/reddit_connector.hpp>
#include <connectors/reddit/reddit_wire.hpp>
#include <mutex>
#include <set>

#include "connector_harness.hpp"

namespace carelisten::connectors::reddit {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::RecordedRequest;
using testing_support::Fixture;
using testing_support::Harness;

std::string Name(int n) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "t3_p%03d", n);
    return buffer;
}

// A subreddit's posts, oldest first; answers /search like Reddit: children newest first, `before` gives the
// `limit` posts just newer than the anchor, `after` the `limit` just older; an unknown anchor gives nothing.
class FakeSubreddit {
public:
    void Add(int from, int to) {
        std::lock_guard lock(mutex_);
        for (int n = from; n <= to; ++n) {
            posts_.push_back(Name(n));
        }
    }
    void Delete(int n) {
        std::lock_guard lock(mutex_);
        posts_.erase(std::remove(posts_.begin(), posts_.end(), Name(n)), posts_.end());
    }

    FakeResponse Answer(const RecordedRequest& request) {
        std::lock_guard lock(mutex_);
        const auto limit = static_cast<std::size_t>(std::stoi(request.QueryParam("limit")));
        const auto before = request.QueryParam("before");
        const auto after = request.QueryParam("after");
        std::vector<std::string> page;  // oldest first while building
        bool more_newer = false;
        bool more_older = false;
        if (!before.empty()) {
            const auto anchor = std::find(posts_.begin(), posts_.end(), before);
            if (anchor != posts_.end()) {
                const auto first = anchor + 1;
                const auto last = first + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                              limit, static_cast<std::size_t>(posts_.end() - first)));
                page.assign(first, last);
                more_newer = last != posts_.end();
                more_older = true;
            }
        } else {
            auto end = posts_.end();
            if (!after.empty()) {
                end = std::find(posts_.begin(), posts_.end(), after);
                if (end == posts_.end()) {
                    end = posts_.begin();
                }
            }
            const auto count = std::min<std::size_t>(limit, static_cast<std::size_t>(end - posts_.begin()));
            page.assign(end - static_cast<std::ptrdiff_t>(count), end);
            more_older = end - static_cast<std::ptrdiff_t>(count) != posts_.begin();
            more_newer = !after.empty();
        }
        std::reverse(page.begin(), page.end());
        std::string children;
        for (const auto& name : page) {
            children += (children.empty() ? "" : ",") + std::string(R"({"kind":"t3","data":{"name":")") + name +
                        R"(","id":")" + name.substr(3) + R"(","title":"St Elsewhere Hospital post )" + name +
                        R"(","selftext":"","author":"someone",)"
                        R"("created_utc":1764000000.0,"permalink":"/r/springfield/comments/)" +
                        name.substr(3) + R"(/x/"}})";
        }
        const auto quoted = [](bool present, const std::string& name) {
            return present ? "\"" + name + "\"" : std::string("null");
        };
        auto response =
            FakeResponse::Json(R"({"kind":"Listing","data":{"after":)" +
                               quoted(more_older && !page.empty(), page.empty() ? "" : page.back()) + R"(,"before":)" +
                               quoted(more_newer && !page.empty(), page.empty() ? "" : page.front()) + R"(,"dist":)" +
                               std::to_string(page.size()) + R"(,"children":[)" + children + "]}}");
        response.headers = {
            {"x-ratelimit-used", "3"}, {"x-ratelimit-remaining", "997.0"}, {"x-ratelimit-reset", "420"}};
        return response;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> posts_;
};

class RedditConnectorTest : public ::testing::Test {
protected:
    void SetUp() override {
        carelisten::testing::WriteFile(harness_.Dir().Path() / "secret", "test-client-secret\n");
        ServeTokens();
    }

    void Build(const std::function<void(Settings&)>& adjust = {}) {
        auto settings = DefaultSettings(Factory().settings);
        settings.Set("auth_base_url", harness_.Fake().BaseUrl());
        settings.Set("oauth_base_url", harness_.Fake().BaseUrl() + "/");
        settings.Set("client_id", std::string("test-client-id"));
        settings.Set("client_secret_file", (harness_.Dir().Path() / "secret").string());
        settings.Set("user_agent", std::string("linux:org.example.carelisten:v0.1 (by /u/stelsewhere_listening)"));
        settings.Set("subreddits", std::vector<std::string>{"springfield"});
        settings.Set("query", std::vector<std::string>{"St Elsewhere Hospital", "StElsewhereHosp"});
        settings.Set("requests_per_minute", 100.0);
        if (adjust) {
            adjust(settings);
        }
        harness_.Use(Factory().create("reddit_test", settings, harness_.Context()));
    }

    void ServeTokens() {
        harness_.Fake().Route("POST", "/api/v1/access_token", [this](const RecordedRequest&) {
            const int n = ++tokens_issued_;
            return FakeResponse::Json(R"({"access_token":"token-)" + std::to_string(n) +
                                      R"(","token_type":"bearer","expires_in":86400,"scope":"*"})");
        });
    }

    void ServeSubreddit() {
        harness_.Fake().Route("GET", "/r/springfield/search",
                              [this](const RecordedRequest& request) { return subreddit_.Answer(request); });
    }

    FetchError ExpectError(const FetchResult& result) {
        EXPECT_FALSE(result.Ok());
        return result.Ok() ? FetchError{} : result.Error();
    }

    static std::vector<std::string> Ids(const Batch& batch) {
        std::vector<std::string> ids;
        for (const auto& item : batch.items) {
            ids.push_back(item.external_id);
        }
        return ids;
    }
    static std::vector<std::string> Range(int from, int to) {
        std::vector<std::string> names;
        for (int n = from; n <= to; ++n) {
            names.push_back(Name(n));
        }
        return names;
    }

    Harness harness_;
    FakeSubreddit subreddit_;
    std::atomic<int> tokens_issued_{0};
};

TEST_F(RedditConnectorTest, FirstPollReadsTheNewestPageOfEachStreamOldestFirstWithOneToken) {
    Build([](Settings& settings) {
        settings.Set("comment_subreddits", std::vector<std::string>{"r/StElsewhereHospital"});
    });
    harness_.Fake().Route("GET", "/r/springfield/search",
                          [](const RecordedRequest&) { return FakeResponse::Json(Fixture("reddit/search_new.json")); });
    harness_.Fake().Route("GET", "/r/StElsewhereHospital/comments", [](const RecordedRequest&) {
        return FakeResponse::Json(Fixture("reddit/comments_new.json"));
    });
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    auto& batch = result.Value();
    EXPECT_EQ(Ids(batch),
              (std::vector<std::string>{"t3_1h2c9aa", "t3_1h2c9mm", "t3_1h2c9zz", "t1_lz9a003", "t1_lz9a006"}));
    EXPECT_FALSE(batch.has_more);
    const auto states = DecodeCursor(*batch.next_cursor);
    ASSERT_TRUE(states.has_value());
    EXPECT_EQ(states->at("search:springfield").before, "t3_1h2c9zz");
    EXPECT_EQ(states->at("search:springfield").seen.size(), 3U);
    EXPECT_EQ(states->at("comments:StElsewhereHospital").before, "t1_lz9a006");
    EXPECT_EQ(states->at("comments:StElsewhereHospital").seen.size(), 4U) << "deleted comments count as read";

    const auto requests = harness_.Fake().Requests();
    ASSERT_EQ(requests.size(), 3U);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].Header("authorization"), "Basic dGVzdC1jbGllbnQtaWQ6dGVzdC1jbGllbnQtc2VjcmV0");
    EXPECT_EQ(requests[0].body, "grant_type=client_credentials");
    EXPECT_EQ(requests[0].Header("user-agent"), "linux:org.example.carelisten:v0.1 (by /u/stelsewhere_listening)");
    EXPECT_EQ(requests[1].path, "/r/springfield/search");
    EXPECT_EQ(requests[1].QueryParam("q"), "\"St Elsewhere Hospital\" OR StElsewhereHosp");
    EXPECT_EQ(requests[1].QueryParam("restrict_sr"), "1");
    EXPECT_EQ(requests[1].QueryParam("sort"), "new");
    EXPECT_EQ(requests[1].QueryParam("limit"), "100");
    EXPECT_EQ(requests[1].Header("authorization"), "bearer token-1");
    EXPECT_EQ(requests[1].Header("user-agent"), "linux:org.example.carelisten:v0.1 (by /u/stelsewhere_listening)");
    EXPECT_EQ(requests[2].path, "/r/StElsewhereHospital/comments");
    EXPECT_EQ(tokens_issued_, 1);
}

TEST_F(RedditConnectorTest, LaterPollsPageTowardsNewerWithBeforeAndDeliverEachPostOnce) {
    Build([](Settings& settings) { settings.Set("page_size", std::int64_t{10}); });
    ServeSubreddit();
    subreddit_.Add(1, 25);
    auto first = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    EXPECT_EQ(Ids(first.Value()), Range(16, 25)) << "a first poll reads one page: no backfill of history";

    subreddit_.Add(26, 48);
    auto second = harness_.Fetch(first.Value().next_cursor);
    ASSERT_TRUE(second.Ok()) << second.Error().detail;
    EXPECT_EQ(Ids(second.Value()), Range(26, 48));
    EXPECT_EQ(DecodeCursor(*second.Value().next_cursor)->at("search:springfield").before, Name(48));
    const auto requests = harness_.Fake().Requests();
    EXPECT_EQ(requests.at(2).QueryParam("before"), Name(25));
    EXPECT_EQ(requests.at(3).QueryParam("before"), Name(35));
    EXPECT_EQ(tokens_issued_, 1) << "the token is cached across fetches";

    auto quiet = harness_.Fetch(second.Value().next_cursor);
    ASSERT_TRUE(quiet.Ok()) << quiet.Error().detail;
    EXPECT_TRUE(quiet.Value().items.empty());
}

TEST_F(RedditConnectorTest, DeletedAnchorNeitherStallsNorLosesNorDuplicates) {
    Build([](Settings& settings) { settings.Set("page_size", std::int64_t{10}); });
    ServeSubreddit();
    subreddit_.Add(1, 25);
    auto first = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;

    // The anchor is deleted, and 15 posts arrive: `before=t3_p025` now answers empty pages forever.
    subreddit_.Delete(25);
    subreddit_.Add(26, 40);
    auto empty = harness_.Fetch(first.Value().next_cursor);
    ASSERT_TRUE(empty.Ok()) << empty.Error().detail;
    EXPECT_TRUE(empty.Value().items.empty());
    EXPECT_EQ(DecodeCursor(*empty.Value().next_cursor)->at("search:springfield").before, "")
        << "an empty page after `before` drops the anchor";

    // Without an anchor: newest pages backwards until a seen post, the seen set filtering repeats.
    auto recovered = harness_.Fetch(empty.Value().next_cursor);
    ASSERT_TRUE(recovered.Ok()) << recovered.Error().detail;
    EXPECT_EQ(Ids(recovered.Value()), Range(26, 40));
    const auto state = DecodeCursor(*recovered.Value().next_cursor)->at("search:springfield");
    EXPECT_EQ(state.before, Name(40));

    subreddit_.Add(41, 42);
    auto next = harness_.Fetch(recovered.Value().next_cursor);
    ASSERT_TRUE(next.Ok()) << next.Error().detail;
    EXPECT_EQ(Ids(next.Value()), Range(41, 42));
}

TEST_F(RedditConnectorTest, SeenSetIsBoundedInTheCursor) {
    Build([](Settings& settings) {
        settings.Set("page_size", std::int64_t{100});
        settings.Set("seen_ids", std::int64_t{50});
    });
    ServeSubreddit();
    subreddit_.Add(1, 120);
    auto first = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    const auto state = DecodeCursor(*first.Value().next_cursor)->at("search:springfield");
    ASSERT_EQ(state.seen.size(), 50U);
    EXPECT_EQ(state.seen.back(), Name(120)) << "the newest are kept";
    EXPECT_EQ(state.seen.front(), Name(71));
}

TEST_F(RedditConnectorTest, ItemBudgetStopsBetweenPagesAndTheNextFetchContinues) {
    Build([](Settings& settings) { settings.Set("page_size", std::int64_t{10}); });
    ServeSubreddit();
    subreddit_.Add(1, 10);
    auto first = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    subreddit_.Add(11, 33);
    auto partial = harness_.Fetch(first.Value().next_cursor, 15);
    ASSERT_TRUE(partial.Ok()) << partial.Error().detail;
    EXPECT_EQ(Ids(partial.Value()), Range(11, 25));
    EXPECT_TRUE(partial.Value().has_more);
    auto rest = harness_.Fetch(partial.Value().next_cursor, 15);
    ASSERT_TRUE(rest.Ok()) << rest.Error().detail;
    EXPECT_EQ(Ids(rest.Value()), Range(26, 33));
    EXPECT_FALSE(rest.Value().has_more);
}

TEST_F(RedditConnectorTest, ExpiredTokenIsRefreshedOnceThenTheRequestSucceeds) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest& request) {
        if (request.Header("authorization") == "bearer token-1") {
            return FakeResponse::Json(R"({"message": "Unauthorized", "error": 401})", 401);
        }
        return FakeResponse::Json(Fixture("reddit/search_new.json"));
    });
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 3U);
    EXPECT_EQ(tokens_issued_, 2);
}

TEST_F(RedditConnectorTest, RefusedRefreshIsAuthBrokenAndSaysWhatToFix) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"message": "Unauthorized", "error": 401})", 401);
    });
    harness_.Fake().Route("POST", "/api/v1/access_token", [this](const RecordedRequest&) {
        if (++tokens_issued_ == 1) {
            return FakeResponse::Json(Fixture("reddit/token.json"));
        }
        return FakeResponse::Json(Fixture("reddit/token_refused.json"), 401);
    });
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kAuthBroken);
    EXPECT_NE(error.detail.find("sources.reddit_test.client_secret_file"), std::string::npos) << error.detail;
    EXPECT_EQ(error.detail.find("test-client-secret"), std::string::npos);
    EXPECT_EQ(tokens_issued_, 2) << "one refresh, no retry storm";
}

TEST_F(RedditConnectorTest, RefreshedTokenStillRefusedIsAuthBroken) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"message": "Unauthorized", "error": 401})", 401);
    });
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kAuthBroken);
    EXPECT_EQ(tokens_issued_, 2);
}

TEST_F(RedditConnectorTest, RateLimitedUntilTheWindowResetsAndTheClientIdIsBlocked) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("reddit/error_429.json"), 429);
        response.headers = {
            {"X-Ratelimit-Used", "100"}, {"X-Ratelimit-Remaining", "0.0"}, {"X-Ratelimit-Reset", "240"}};
        return response;
    });
    const auto before = std::chrono::system_clock::now();
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(error.retry_at.has_value());
    EXPECT_GE(*error.retry_at, before + std::chrono::seconds(238));
    EXPECT_LE(*error.retry_at, before + std::chrono::seconds(245));
    const auto blocked = harness_.Client().Limits().BlockedUntil("reddit:test-client-id");
    ASSERT_TRUE(blocked.has_value());
    EXPECT_GE(*blocked, before + std::chrono::seconds(238));
}

TEST_F(RedditConnectorTest, ExhaustedBudgetOnASuccessBlocksTheClientIdUntilReset) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("reddit/empty.json"));
        response.headers = {{"X-Ratelimit-Used", "600"}, {"X-Ratelimit-Remaining", "0.0"}, {"X-Ratelimit-Reset", "30"}};
        return response;
    });
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    const auto blocked = harness_.Client().Limits().BlockedUntil("reddit:test-client-id");
    ASSERT_TRUE(blocked.has_value());
    EXPECT_GT(*blocked, std::chrono::system_clock::now() + std::chrono::seconds(20));
}

TEST_F(RedditConnectorTest, AFailingLaterStreamFailsTheWholeFetchAndBurstsOf5xxRecover) {
    Build([](Settings& settings) {
        settings.Set("comment_subreddits", std::vector<std::string>{"StElsewhereHospital"});
    });
    harness_.Fake().Route("GET", "/r/springfield/search",
                          [](const RecordedRequest&) { return FakeResponse::Json(Fixture("reddit/search_new.json")); });
    std::atomic<int> calls{0};
    harness_.Fake().Route("GET", "/r/StElsewhereHospital/comments", [&](const RecordedRequest&) {
        if (calls++ < 3) {
            return FakeResponse::Json("<html>upstream connect error</html>", 503);
        }
        return FakeResponse::Json(Fixture("reddit/comments_new.json"));
    });
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kRetryLater) << i;
    }
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 5U) << "the first stream's items come again: nothing was consumed";
}

TEST_F(RedditConnectorTest, TruncatedStalledAndUnreadableListingsAreClassified) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("reddit/search_new.json"));
        response.truncate = true;
        return response;
    });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kRetryLater);
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        auto response = FakeResponse::Json(Fixture("reddit/search_new.json"));
        response.stall = true;
        return response;
    });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kRetryLater);
    for (const std::string& body : {std::string("{\"kind\":\"Listing\",\"data\":{"), std::string(100000, '['),
                                    R"({"kind":"Listing","pad":")" + std::string(kMaxPageBytes, 'a') + "\"}"}) {
        harness_.Fake().Route("GET", "/r/springfield/search",
                              [body](const RecordedRequest&) { return FakeResponse::Json(body); });
        EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kMalformed);
    }
}

TEST_F(RedditConnectorTest, PrivateSubredditIsPermanentAndNamesTheSource) {
    Build();
    harness_.Fake().Route("GET", "/r/springfield/search", [](const RecordedRequest&) {
        return FakeResponse::Json(Fixture("reddit/error_403_private.json"), 403);
    });
    const auto error = ExpectError(harness_.Fetch(std::nullopt));
    EXPECT_EQ(error.code, ConnectorErrc::kPermanent);
    EXPECT_NE(error.detail.find("private"), std::string::npos) << error.detail;
}

TEST_F(RedditConnectorTest, DeletedAndRemovedContentIsReadButNotStored) {
    Build([](Settings& settings) {
        settings.Set("subreddits", std::vector<std::string>{});
        settings.Set("comment_subreddits", std::vector<std::string>{"StElsewhereHospital"});
    });
    harness_.Fake().Route("GET", "/r/StElsewhereHospital/comments", [](const RecordedRequest&) {
        return FakeResponse::Json(Fixture("reddit/comments_new.json"));
    });
    auto result = harness_.Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(Ids(result.Value()), (std::vector<std::string>{"t1_lz9a003", "t1_lz9a006"}));
    for (const auto& item : result.Value().items) {
        EXPECT_EQ(item.text.find("[deleted]"), std::string::npos);
        EXPECT_EQ(item.text.find("[removed]"), std::string::npos);
    }
}

TEST_F(RedditConnectorTest, MisconfigurationFailsWithoutCallingReddit) {
    Build([](Settings& settings) { settings.Set("user_agent", std::string("curl")); });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kPermanent);
    Build([](Settings& settings) { settings.Set("query", std::vector<std::string>{}); });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kPermanent);
    Build([&](Settings& settings) { settings.Set("client_secret_file", (harness_.Dir().Path() / "absent").string()); });
    EXPECT_EQ(ExpectError(harness_.Fetch(std::nullopt)).code, ConnectorErrc::kAuthBroken);
    EXPECT_EQ(harness_.Fake().RequestCount(), 0U);
}

TEST_F(RedditConnectorTest, CursorRoundTripsAndRejectsGarbage) {
    StreamStates states;
    states["search:springfield"].before = "t3_abc";
    states["search:springfield"].seen = {"t3_abb", "t3_abc"};
    EXPECT_EQ(DecodeCursor(EncodeCursor(states)), states);
    EXPECT_FALSE(DecodeCursor("garbage").has_value());
    EXPECT_FALSE(DecodeCursor(R"({"v":2,"streams":{}})").has_value());
    EXPECT_FALSE(DecodeCursor(R"({"v":1,"streams":{"a":{"before":"x","seen":[1]}}})").has_value());
    Build();
    EXPECT_EQ(ExpectError(harness_.Fetch(std::string("garbage"))).code, ConnectorErrc::kPermanent);
}

TEST_F(RedditConnectorTest, ParseRecordReplaysAQuarantinedChildWithoutTheHttpRuntime) {
    auto settings = DefaultSettings(Factory().settings);
    settings.Set("client_id", std::string("id"));
    settings.Set("user_agent", std::string("linux:x:v1 (by /u/y)"));
    const auto offline = Factory().create("reddit_offline", settings, ConnectorContext{});
    const auto replay = offline->ParseRecord(
        R"({"kind":"t1","data":{"name":"t1_abc","body":"fixed","link_id":"t3_x","parent_id":"t3_x"}})", "t1_abc");
    ASSERT_TRUE(std::holds_alternative<RawItem>(replay));
    EXPECT_EQ(std::get<RawItem>(replay).source, "reddit_offline");
    EXPECT_EQ(std::get<RawItem>(replay).thread_id, "t3_x");
}

}  // namespace
}  // namespace carelisten::connectors::reddit
