// The Discourse connector against a fake forum speaking Discourse's wire format (FakeUpstream on
// 127.0.0.1:0): /posts.json pages of 50 walked down from the newest post to the checkpoint, gaps when a
// fetch's budget ends first, rate limits of both kinds, failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <connectors/discourse/discourse_connector.hpp>
#include <connectors/discourse/discourse_webhook.hpp>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <mutex>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

namespace carelisten::connectors::discourse {
namespace {

using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;

std::string Post(std::int64_t id, const std::string& extra = "") {
    const std::int64_t topic = 1000 + id / 10;
    const std::int64_t number = id % 10 + 1;
    return R"({"id":)" + std::to_string(id) + R"(,"username":"member)" + std::to_string(id % 7) +
           R"(","created_at":"2026-11-02T10:00:00.000Z","cooked":"<p>post )" + std::to_string(id) +
           R"(</p>","post_number":)" + std::to_string(number) +
           R"(,"post_type":1,"updated_at":"2026-11-02T10:00:00.000Z",)" + R"("reply_to_post_number":null,"topic_id":)" +
           std::to_string(topic) + R"(,"topic_slug":"topic-)" + std::to_string(topic) +
           R"(","topic_title":"Topic","category_id":12,"version":1,"deleted_at":null,)" +
           R"("user_deleted":false,"raw":"post )" + std::to_string(id) + "\"" + extra + "}";
}

// A forum: LatestPostsQuery.public_posts — newest first, at most 50, ids below `before`.
class FakeForum {
public:
    void SetPosts(std::vector<std::int64_t> ids) {
        std::lock_guard lock(mutex_);
        ids_ = std::move(ids);
        std::sort(ids_.rbegin(), ids_.rend());
    }
    void Override(std::int64_t id, std::string json) {
        std::lock_guard lock(mutex_);
        overrides_[id] = std::move(json);
    }
    FakeResponse Answer(const RecordedRequest& request) {
        std::lock_guard lock(mutex_);
        const std::string before_text = request.QueryParam("before");
        const std::int64_t before = before_text.empty() ? INT64_MAX : std::stoll(before_text);
        std::string body = R"({"latest_posts":[)";
        int count = 0;
        for (const auto id : ids_) {
            if (id >= before || count == 50) {
                continue;
            }
            body += (count++ ? "," : "") + (overrides_.contains(id) ? overrides_[id] : Post(id));
        }
        return FakeResponse::Json(body + "]}");
    }

private:
    std::mutex mutex_;
    std::vector<std::int64_t> ids_;
    std::map<std::int64_t, std::string> overrides_;
};

std::vector<std::int64_t> Range(std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> ids;
    for (auto id = from; id <= to; ++id) {
        ids.push_back(id);
    }
    return ids;
}

class DiscourseConnectorTest : public ::testing::Test {
protected:
    DiscourseConnectorTest() {
        carelisten::testing::WriteFile(dir_.Path() / "api_key", "k3y-abc\n");
        Recreate({});
    }

    void Recreate(http::ClientOptions options) {
        connector_.reset();
        client_.reset();
        options.allow_plain_http_loopback = true;
        client_ = std::make_unique<http::Client>(io_, options);
    }

    Settings MakeSettings() {
        Settings settings = DefaultSettings(Factory().settings);
        settings.Set("base_url", fake_.BaseUrl() + "/");
        settings.Set("api_key_file", (dir_.Path() / "api_key").string());
        settings.Set("api_username", std::string("carelisten"));
        settings.Set("communities", std::vector<std::string>{"12:diabetes", "15:cancer"});
        return settings;
    }

    DiscourseConnector& Make(const Settings& settings) {
        connector_ = std::make_unique<DiscourseConnector>("patient_forum", settings,
                                                          ConnectorContext{.loop = &io_, .http = client_.get()});
        return *connector_;
    }

    void ServeForum() {
        fake_.Route("GET", "/posts.json", [this](const RecordedRequest& request) { return forum_.Answer(request); });
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

    static std::vector<std::string> Ids(const Batch& batch) {
        std::vector<std::string> ids;
        for (const auto& item : batch.items) {
            ids.push_back(item.external_id);
        }
        return ids;
    }

    carelisten::testing::TempDir dir_;
    FakeUpstream fake_;
    FakeForum forum_;
    boost::asio::io_context io_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<DiscourseConnector> connector_;
};

TEST_F(DiscourseConnectorTest, FirstPollTakesTheNewestPageWithKeyHeaders) {
    forum_.SetPosts(Range(1, 120));
    ServeForum();
    Make(MakeSettings());
    auto result = Fetch(std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 50U);
    EXPECT_EQ(result.Value().items.front().external_id, "120");
    EXPECT_EQ(result.Value().items.front().community, "diabetes");
    EXPECT_EQ(result.Value().next_cursor, R"({"last":120})");
    EXPECT_FALSE(result.Value().has_more);
    const auto requests = fake_.Requests();
    ASSERT_EQ(requests.size(), 1U);
    EXPECT_EQ(requests[0].Header("api-key"), "k3y-abc");
    EXPECT_EQ(requests[0].Header("api-username"), "carelisten");
    EXPECT_EQ(requests[0].QueryParam("before"), "");
}

TEST_F(DiscourseConnectorTest, WalksBackPageByPageToTheCheckpoint) {
    forum_.SetPosts(Range(1, 160));
    ServeForum();
    Make(MakeSettings());
    auto result = Fetch(R"({"last":100})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    const auto ids = Ids(result.Value());
    ASSERT_EQ(ids.size(), 60U);
    EXPECT_EQ(ids.front(), "160");
    EXPECT_EQ(ids.back(), "101");
    EXPECT_EQ(result.Value().next_cursor, R"({"last":160})");
    EXPECT_FALSE(result.Value().has_more);
    const auto requests = fake_.Requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(requests[1].QueryParam("before"), "111");

    // Nothing new: no item, cursor unchanged, one request.
    auto again = Fetch(R"({"last":160})");
    ASSERT_TRUE(again.Ok());
    EXPECT_TRUE(again.Value().items.empty());
    EXPECT_FALSE(again.Value().next_cursor.has_value());
}

TEST_F(DiscourseConnectorTest, BudgetLeavesAGapThatTheNextFetchFillsBeforeNewerPosts) {
    forum_.SetPosts(Range(1, 160));
    ServeForum();
    Make(MakeSettings());
    auto first = Fetch(R"({"last":100})", 30);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    EXPECT_EQ(Ids(first.Value()).size(), 30U);
    EXPECT_EQ(Ids(first.Value()).back(), "131");
    EXPECT_EQ(first.Value().next_cursor, R"({"last":160,"gap":[100,131]})");
    EXPECT_TRUE(first.Value().has_more);

    forum_.SetPosts(Range(1, 170));  // new posts arrive meanwhile
    auto second = Fetch(first.Value().next_cursor, 30);
    ASSERT_TRUE(second.Ok()) << second.Error().detail;
    EXPECT_EQ(Ids(second.Value()).front(), "130");
    EXPECT_EQ(Ids(second.Value()).back(), "101");
    EXPECT_EQ(second.Value().next_cursor, R"({"last":160})");
    EXPECT_TRUE(second.Value().has_more);

    auto third = Fetch(second.Value().next_cursor, 30);
    ASSERT_TRUE(third.Ok()) << third.Error().detail;
    EXPECT_EQ(Ids(third.Value()),
              (std::vector<std::string>{"170", "169", "168", "167", "166", "165", "164", "163", "162", "161"}));
    EXPECT_EQ(third.Value().next_cursor, R"({"last":170})");
    EXPECT_FALSE(third.Value().has_more);
}

TEST_F(DiscourseConnectorTest, PageLimitPerFetchAlsoLeavesAGap) {
    forum_.SetPosts(Range(1, 160));
    ServeForum();
    Settings settings = MakeSettings();
    settings.Set("max_pages", std::int64_t{1});
    Make(settings);
    auto result = Fetch(R"({"last":100})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 50U);
    EXPECT_EQ(result.Value().next_cursor, R"({"last":160,"gap":[100,111]})");
    EXPECT_EQ(fake_.RequestCount(), 1U);
}

TEST_F(DiscourseConnectorTest, EmptyForumAndDeletedPostsConsumeNothingTwice) {
    forum_.SetPosts({});
    ServeForum();
    Make(MakeSettings());
    auto empty = Fetch(std::nullopt);
    ASSERT_TRUE(empty.Ok());
    EXPECT_TRUE(empty.Value().items.empty());
    EXPECT_FALSE(empty.Value().next_cursor.has_value());

    forum_.SetPosts({101, 102, 103});
    std::string deleted = Post(102);
    deleted.replace(deleted.find(R"("deleted_at":null)"), 17, R"("deleted_at":"2026-11-02T11:00:00.000Z")");
    forum_.Override(102, deleted);
    std::string small_action = Post(103);
    small_action.replace(small_action.find(R"("post_type":1)"), 13, R"("post_type":3)");
    forum_.Override(103, small_action);
    auto result = Fetch(R"({"last":100})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(Ids(result.Value()), (std::vector<std::string>{"101"}));
    EXPECT_EQ(result.Value().next_cursor, R"({"last":103})");  // skipped posts still move the checkpoint
}

TEST_F(DiscourseConnectorTest, EditedPostIsAVersionAndMatchesItsWebhookCopy) {
    forum_.SetPosts({101});
    std::string edited = Post(101);
    edited.replace(edited.find(R"("version":1)"), 11, R"("version":2)");
    forum_.Override(101, edited);
    ServeForum();
    Make(MakeSettings());
    auto result = Fetch(R"({"last":100})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    ASSERT_EQ(result.Value().items.size(), 1U);
    const RawItem& polled = result.Value().items[0];
    EXPECT_EQ(polled.version, "2");
    EXPECT_EQ(polled.url, fake_.BaseUrl() + "/t/topic-1010/1010/2");

    const std::string body = R"({"post":)" + edited + "}";
    auto pushed = ParseDiscourseWebhook({{"x-discourse-event", "post_edited"}, {"x-discourse-event-type", "post"}},
                                        body, connector_->Options());
    ASSERT_TRUE(std::holds_alternative<RawItem>(pushed));
    EXPECT_EQ(std::get<RawItem>(pushed).source, polled.source);
    EXPECT_EQ(std::get<RawItem>(pushed).external_id, polled.external_id);
    EXPECT_EQ(std::get<RawItem>(pushed).version, polled.version);
    EXPECT_EQ(std::get<RawItem>(pushed).text, polled.text);
}

TEST_F(DiscourseConnectorTest, PlainTextTooManyRequestsUsesRetryAfterAndNamesTheLimiter) {
    fake_.Route("GET", "/posts.json", [](const RecordedRequest&) {
        FakeResponse response;
        response.status = 429;
        response.content_type = "text/plain";
        response.body = "Slow down, too many requests from this IP address";
        response.headers = {{"Retry-After", "40"}, {"Discourse-Rate-Limit-Error-Code", "ip_10_secs_limit"}};
        return response;
    });
    Make(MakeSettings());
    const auto before = std::chrono::system_clock::now();
    auto result = Fetch(R"({"last":100})");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, before + std::chrono::seconds(39));
    EXPECT_LE(*result.Error().retry_at, before + std::chrono::seconds(42));
    EXPECT_NE(result.Error().detail.find("ip_10_secs_limit"), std::string::npos);
    // The next fetch does not even ask.
    auto again = Fetch(R"({"last":100})");
    ASSERT_FALSE(again.Ok());
    EXPECT_EQ(again.Error().code, ConnectorErrc::kRateLimited);
    EXPECT_EQ(fake_.RequestCount(), 1U);
}

TEST_F(DiscourseConnectorTest, JsonRateLimitWithoutRetryAfterUsesWaitSeconds) {
    fake_.Route("GET", "/posts.json", [](const RecordedRequest&) {
        return FakeResponse::Json(
            R"({"errors":["You’ve performed this action too many times. Please wait 37 seconds before trying again."],)"
            R"("error_type":"rate_limit","extras":{"wait_seconds":37,"time_left":"37 seconds"}})",
            429);
    });
    Make(MakeSettings());
    const auto before = std::chrono::system_clock::now();
    auto result = Fetch(R"({"last":100})");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, before + std::chrono::seconds(36));
    EXPECT_LE(*result.Error().retry_at, before + std::chrono::seconds(39));
}

TEST_F(DiscourseConnectorTest, RefusedKeyIsAuthBrokenAndSaysWhatToCheck) {
    fake_.Route("GET", "/posts.json", [](const RecordedRequest&) {
        return FakeResponse::Json(R"({"errors":["You are not permitted to view the requested resource. The API )"
                                  R"(username or key is invalid."],"error_type":"invalid_access"})",
                                  403);
    });
    Make(MakeSettings());
    auto result = Fetch(R"({"last":100})");
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(result.Error().code, ConnectorErrc::kAuthBroken);
    EXPECT_NE(result.Error().detail.find("sources.patient_forum.api_key_file"), std::string::npos);
    EXPECT_NE(result.Error().detail.find("key is invalid"), std::string::npos);
    EXPECT_EQ(result.Error().detail.find("k3y-abc"), std::string::npos);

    Settings settings = MakeSettings();
    settings.Set("api_key_file", (dir_.Path() / "no_such_file").string());
    Make(settings);
    auto unreadable = Fetch(R"({"last":100})");
    ASSERT_FALSE(unreadable.Ok());
    EXPECT_EQ(unreadable.Error().code, ConnectorErrc::kAuthBroken);
    EXPECT_EQ(fake_.RequestCount(), 1U);
}

TEST_F(DiscourseConnectorTest, ServerErrorsTruncationAndStallsAreRetryLater) {
    http::ClientOptions options;
    options.total_timeout = std::chrono::milliseconds(1500);
    options.low_speed_time = std::chrono::seconds(1);
    Recreate(options);
    int mode = 0;
    fake_.Route("GET", "/posts.json", [&mode](const RecordedRequest&) {
        FakeResponse response = FakeResponse::Json(R"({"latest_posts":[)" + Post(101) + "]}");
        if (mode < 3) {
            response = FakeResponse::Json("<html>Bad gateway</html>", mode == 1 ? 503 : 502);
        } else if (mode == 3) {
            response.truncate = true;
        } else {
            response.stall = true;
        }
        return response;
    });
    Make(MakeSettings());
    for (mode = 0; mode < 5; ++mode) {
        auto result = Fetch(R"({"last":100})");
        ASSERT_FALSE(result.Ok()) << mode;
        EXPECT_EQ(result.Error().code, ConnectorErrc::kRetryLater) << mode << ": " << result.Error().detail;
    }
}

TEST_F(DiscourseConnectorTest, InvalidDeepAndHugePagesAreMalformed) {
    std::string body = "<html>Please log in</html>";
    fake_.Route("GET", "/posts.json", [&body](const RecordedRequest&) { return FakeResponse::Json(body); });
    Make(MakeSettings());
    for (const std::string& bad : {std::string("<html>Please log in</html>"), std::string(100'000, '[')}) {
        body = bad;
        auto result = Fetch(R"({"last":100})");
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(result.Error().code, ConnectorErrc::kMalformed);
    }
    http::ClientOptions options;
    options.max_response_bytes = 64 * 1024;
    Recreate(options);
    Make(MakeSettings());
    body = R"({"latest_posts":[)" + Post(101, R"(,"pad":")" + std::string(200'000, 'x') + "\"") + "]}";
    auto huge = Fetch(R"({"last":100})");
    ASSERT_FALSE(huge.Ok());
    EXPECT_EQ(huge.Error().code, ConnectorErrc::kMalformed) << huge.Error().detail;
}

TEST_F(DiscourseConnectorTest, LaterPageFailureKeepsTheFirstPageAsAGap) {
    forum_.SetPosts(Range(1, 160));
    fake_.Route("GET", "/posts.json", [this](const RecordedRequest& request) {
        if (!request.QueryParam("before").empty()) {
            return FakeResponse::Json("<html>oops</html>", 500);
        }
        return forum_.Answer(request);
    });
    Make(MakeSettings());
    auto result = Fetch(R"({"last":100})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(result.Value().items.size(), 50U);
    EXPECT_EQ(result.Value().next_cursor, R"({"last":160,"gap":[100,111]})");
}

TEST_F(DiscourseConnectorTest, BadRecordsAreQuarantinedAndReplayedThroughTheConnector) {
    forum_.SetPosts({101, 102});
    forum_.Override(102, R"({"id":102,"topic_id":"not a number","raw":"x"})");
    ServeForum();
    Make(MakeSettings());
    auto result = Fetch(R"({"last":100})");
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    ASSERT_EQ(result.Value().bad_records.size(), 1U);
    const BadRecord& bad = result.Value().bad_records[0];
    EXPECT_EQ(bad.locator, "post:102");
    auto replay = connector_->ParseRecord(bad.raw, bad.locator);
    ASSERT_TRUE(std::holds_alternative<BadRecord>(replay));
    EXPECT_EQ(std::get<BadRecord>(replay).reason, "topic_id is not an integer");
    auto fixed = connector_->ParseRecord(Post(102), bad.locator);
    ASSERT_TRUE(std::holds_alternative<RawItem>(fixed));
    EXPECT_EQ(std::get<RawItem>(fixed).community, "diabetes");
}

TEST_F(DiscourseConnectorTest, UnreadableCursorIsPermanent) {
    Make(MakeSettings());
    for (const char* cursor : {"x", R"({"last":"5"})", R"({"last":5,"gap":[9,3]})", R"({"last":5,"gap":[1,90]})"}) {
        auto result = Fetch(std::string(cursor));
        ASSERT_FALSE(result.Ok()) << cursor;
        EXPECT_EQ(result.Error().code, ConnectorErrc::kPermanent);
    }
    EXPECT_EQ(fake_.RequestCount(), 0U);
}

TEST(DiscourseSettings, ConstructorValidatesWithoutTheHttpRuntime) {
    Settings settings = DefaultSettings(Factory().settings);
    settings.Set("base_url", std::string("https://community.stelsewhere.example"));
    EXPECT_THROW(DiscourseConnector("f", settings, {}), std::invalid_argument);  // no key
    settings.Set("api_key_credential", std::string("discourse-key"));
    settings.Set("communities", std::vector<std::string>{"diabetes"});
    EXPECT_THROW(DiscourseConnector("f", settings, {}), std::invalid_argument);
    settings.Set("communities", std::vector<std::string>{"12:diabetes"});
    settings.Set("base_url", std::string("community.stelsewhere.example"));
    EXPECT_THROW(DiscourseConnector("f", settings, {}), std::invalid_argument);
    settings.Set("base_url", std::string("https://community.stelsewhere.example"));
    const DiscourseConnector connector("f", settings, {});  // context.http is null: the CLI's replay case
    EXPECT_EQ(connector.Options().communities.at(12), "diabetes");
    EXPECT_FALSE(WebhookSecretSource(settings).Configured());
}

TEST(DiscourseCursor, RoundTrips) {
    const Position plain{845, std::nullopt};
    const Position gapped{845, std::pair<std::int64_t, std::int64_t>{700, 790}};
    EXPECT_EQ(DecodeCursor(EncodeCursor(plain)), plain);
    EXPECT_EQ(DecodeCursor(EncodeCursor(gapped)), gapped);
    EXPECT_EQ(EncodeCursor(gapped), R"({"last":845,"gap":[700,790]})");
}

}  // namespace
}  // namespace carelisten::connectors::discourse
