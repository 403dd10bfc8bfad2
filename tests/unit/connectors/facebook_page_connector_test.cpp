#include <gtest/gtest.h>

#include <connectors/facebook_page/facebook_page_connector.hpp>
#include <connectors/facebook_page/facebook_page_wire.hpp>
#include <map>
#include <mutex>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

#include "reviews_connector_harness.hpp"

namespace carelisten::connectors::facebook_page {
namespace {

using carelisten::testing::ConnectorHarness;
using carelisten::testing::ErrcOf;
using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;
using carelisten::testing::TempDir;

constexpr std::string_view kPageId = "104857600123";
const std::string kFeedPath = "/v22.0/104857600123/feed";

std::string Comment(const std::string& id, const std::string& time, const std::string& from_id = "880001") {
    return R"({"id":")" + id + R"(","message":"Comment )" + id + R"( about St Elsewhere","created_time":")" + time +
           R"(","permalink_url":"https://www.facebook.com/c/)" + id + R"(","from":{"name":"Patient )" + from_id +
           R"(","id":")" + from_id + R"("}})";
}

std::string Post(const std::string& id, const std::string& time, const std::vector<std::string>& comments = {},
                 const std::string& from_id = "880009", const std::string& comments_next = "") {
    std::string post = R"({"id":")" + id + R"(","message":"Post )" + id + R"(","created_time":")" + time +
                       R"(","permalink_url":"https://www.facebook.com/p/)" + id +
                       R"(","from":{"name":"Someone","id":")" + from_id + R"("})";
    if (!comments.empty()) {
        post += R"(,"comments":{"data":[)";
        for (std::size_t i = 0; i < comments.size(); ++i) {
            post += (i > 0 ? "," : "") + comments[i];
        }
        post += R"(],"paging":{"cursors":{"before":"b","after":"a"})";
        if (!comments_next.empty()) {
            post += R"(,"next":")" + comments_next + R"(")";
        }
        post += "}}";
    }
    return post + "}";
}

std::string Edge(const std::vector<std::string>& records, const std::string& next = "") {
    std::string body = R"({"data":[)";
    for (std::size_t i = 0; i < records.size(); ++i) {
        body += (i > 0 ? "," : "") + records[i];
    }
    body += R"(],"paging":{"cursors":{"before":"QVFIUkZA","after":"QVFIUkZB"})";
    if (!next.empty()) {
        body += R"(,"next":")" + next + R"(")";
    }
    return body + "}}";
}

// Serves bodies keyed by path + "?after=<cursor>" ("" when absent), only to the right Page token.
class GraphFake {
public:
    GraphFake() {
        auto handler = [this](const RecordedRequest& request) {
            std::lock_guard lock(mutex_);
            if (request.Header("authorization") != "Bearer EAAPageToken") {
                return FakeResponse::Json(
                    R"({"error":{"message":"Invalid OAuth access token.","type":"OAuthException",)"
                    R"("code":190,"fbtrace_id":"x"}})",
                    400);
            }
            if (override_) {
                return *override_;
            }
            const auto it = bodies_.find(request.path + "?after=" + request.QueryParam("after"));
            return it == bodies_.end() ? FakeResponse::Json(Edge({})) : FakeResponse::Json(it->second);
        };
        fake_.Route("GET", "/v22.0/", handler);
    }
    void Set(const std::string& path, const std::string& after, std::string body) {
        std::lock_guard lock(mutex_);
        bodies_[path + "?after=" + after] = std::move(body);
    }
    void Clear() {
        std::lock_guard lock(mutex_);
        bodies_.clear();
    }
    void Override(std::optional<FakeResponse> response) {
        std::lock_guard lock(mutex_);
        override_ = std::move(response);
    }
    std::string Url(const std::string& path_and_query) const { return fake_.BaseUrl() + path_and_query; }
    FakeUpstream& Upstream() { return fake_; }

private:
    std::mutex mutex_;
    std::map<std::string, std::string> bodies_;
    std::optional<FakeResponse> override_;
    FakeUpstream fake_;
};

class FacebookPageConnectorTest : public ::testing::Test {
protected:
    FacebookPageConnectorTest() { carelisten::testing::WriteFile(dir_.Path() / "page_token", "EAAPageToken\n"); }

    std::unique_ptr<FacebookPageConnector> Make() {
        auto settings = DefaultSettings(Factory().settings);
        settings.Set("base_url", graph_.Upstream().BaseUrl());
        settings.Set("page_id", std::string(kPageId));
        settings.Set("page_token_file", (dir_.Path() / "page_token").string());
        return std::make_unique<FacebookPageConnector>("fb", settings, harness_.Context());
    }

    static std::vector<std::string> Ids(const Batch& batch) {
        std::vector<std::string> ids;
        for (const auto& item : batch.items) {
            ids.push_back(item.external_id);
        }
        return ids;
    }

    TempDir dir_;
    GraphFake graph_;
    ConnectorHarness harness_;
};

TEST_F(FacebookPageConnectorTest, PagesTheFeedAndReturnsPostsAndCommentsOldestFirst) {
    graph_.Set(kFeedPath, "",
               Edge({Post("104857600123_3", "2026-11-03T09:00:00+0000",
                          {Comment("3_2", "2026-11-03T11:00:00+0000"), Comment("3_1", "2026-11-03T10:00:00+0000")},
                          std::string(kPageId)),
                     Post("104857600123_2", "2026-11-02T09:00:00+0000")},
                    graph_.Url(kFeedPath + "?limit=2&after=P2")));
    graph_.Set(kFeedPath, "P2", Edge({Post("104857600123_1", "2026-11-01T09:00:00+0000")}));
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    // The Page's own post (the hospital's announcement) is not stored; the comments on it are.
    EXPECT_EQ(Ids(result.Value()), (std::vector<std::string>{"104857600123_1", "104857600123_2", "3_1", "3_2"}));
    const auto& comment = result.Value().items[2];
    EXPECT_EQ(comment.thread_id, "104857600123_3");
    EXPECT_EQ(comment.reply_to, "104857600123_3");
    EXPECT_FALSE(result.Value().has_more);
    const auto cursor = DecodeCursor(*result.Value().next_cursor);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(ParseRfc3339(cursor->created_time), ParseRfc3339("2026-11-03T11:00:00Z"));
    EXPECT_EQ(cursor->ids, std::vector<std::string>{"3_2"});

    const auto requests = graph_.Upstream().Requests();
    ASSERT_EQ(requests.size(), 2U);
    EXPECT_EQ(requests[0].Header("authorization"), "Bearer EAAPageToken");
    EXPECT_EQ(requests[0].QueryParam("access_token"), "") << "the token never goes into a URL";
    EXPECT_NE(requests[0].QueryParam("fields").find("comments.limit(50).filter(stream).order(reverse_chronological)"),
              std::string::npos);
    EXPECT_EQ(requests[0].QueryParam("since"), "");
    EXPECT_EQ(requests[1].QueryParam("after"), "P2");
}

TEST_F(FacebookPageConnectorTest, ANewCommentOnAnOlderPostIsFoundThroughTheLookback) {
    graph_.Set(kFeedPath, "", Edge({Post("104857600123_2", "2026-11-02T09:00:00+0000")}));
    auto connector = Make();
    auto first = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(first.Ok());
    ASSERT_EQ(first.Value().items.size(), 1U);

    graph_.Set(
        kFeedPath, "",
        Edge({Post("104857600123_2", "2026-11-02T09:00:00+0000", {Comment("2_9", "2026-11-04T08:00:00+0000")})}));
    auto second = harness_.Fetch(*connector, first.Value().next_cursor);
    ASSERT_TRUE(second.Ok()) << second.Error().detail;
    EXPECT_EQ(Ids(second.Value()), std::vector<std::string>{"2_9"});
    const auto request = graph_.Upstream().Requests().back();
    const auto since = ParseRfc3339("2026-11-02T09:00:00Z").value() - std::chrono::hours(72);
    EXPECT_EQ(request.QueryParam("since"),
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since.time_since_epoch()).count()));

    auto third = harness_.Fetch(*connector, second.Value().next_cursor);
    ASSERT_TRUE(third.Ok());
    EXPECT_TRUE(third.Value().items.empty());
}

TEST_F(FacebookPageConnectorTest, FollowsAPostsCommentPagesWhileTheyAreNew) {
    const std::string comments_path = "/v22.0/104857600123_5/comments";
    graph_.Set(kFeedPath, "",
               Edge({Post("104857600123_5", "2026-11-05T09:00:00+0000", {Comment("5_3", "2026-11-05T12:00:00+0000")},
                          "880009", graph_.Url(comments_path + "?limit=1&after=C2"))}));
    graph_.Set(comments_path, "C2",
               Edge({Comment("5_2", "2026-11-05T11:00:00+0000"), Comment("5_1", "2026-11-05T10:00:00+0000")}));
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(Ids(result.Value()), (std::vector<std::string>{"104857600123_5", "5_1", "5_2", "5_3"}));
    EXPECT_EQ(result.Value().items[1].reply_to, "104857600123_5");
}

TEST_F(FacebookPageConnectorTest, NeverSendsTheTokenToAPagingUrlOnAnotherHost) {
    graph_.Set(kFeedPath, "",
               Edge({Post("104857600123_2", "2026-11-02T09:00:00+0000")}, "https://evil.example/v22.0/feed?after=x"));
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kMalformed);
    EXPECT_EQ(graph_.Upstream().RequestCount(), 1U);
}

TEST_F(FacebookPageConnectorTest, ABudgetCutKeepsTheRestForTheNextFetch) {
    graph_.Set(
        kFeedPath, "",
        Edge({Post("104857600123_3", "2026-11-03T09:00:00+0000"), Post("104857600123_2", "2026-11-02T09:00:00+0000"),
              Post("104857600123_1", "2026-11-01T09:00:00+0000")}));
    auto connector = Make();
    auto first = harness_.Fetch(*connector, std::nullopt, 2);
    ASSERT_TRUE(first.Ok());
    EXPECT_EQ(Ids(first.Value()), (std::vector<std::string>{"104857600123_1", "104857600123_2"}));
    EXPECT_TRUE(first.Value().has_more);
    auto second = harness_.Fetch(*connector, first.Value().next_cursor, 2);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(Ids(second.Value()), std::vector<std::string>{"104857600123_3"});
    EXPECT_FALSE(second.Value().has_more);
}

TEST_F(FacebookPageConnectorTest, ADeletedPostDisappearsWithoutBreakingTheNextFetch) {
    graph_.Set(
        kFeedPath, "",
        Edge({Post("104857600123_2", "2026-11-02T09:00:00+0000"), Post("104857600123_1", "2026-11-01T09:00:00+0000")}));
    auto connector = Make();
    auto first = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(first.Ok());
    graph_.Set(
        kFeedPath, "",
        Edge({Post("104857600123_3", "2026-11-03T09:00:00+0000"), Post("104857600123_1", "2026-11-01T09:00:00+0000")}));
    auto second = harness_.Fetch(*connector, first.Value().next_cursor);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(Ids(second.Value()), std::vector<std::string>{"104857600123_3"});
}

TEST_F(FacebookPageConnectorTest, AnEmptyFeedLeavesTheCursorAlone) {
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok());
    EXPECT_TRUE(result.Value().items.empty());
    EXPECT_FALSE(result.Value().next_cursor.has_value());
}

TEST_F(FacebookPageConnectorTest, AnExpiredPageTokenIsAuthBrokenAndSaysWhatToFix) {
    carelisten::testing::WriteFile(dir_.Path() / "page_token", "EAAOldToken\n");
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kAuthBroken);
    EXPECT_NE(result.Error().detail.find("sources.fb.page_token_file"), std::string::npos);
    EXPECT_EQ(result.Error().detail.find("EAAOldToken"), std::string::npos);
    // The token is read when needed: replacing the file fixes the source without a restart.
    carelisten::testing::WriteFile(dir_.Path() / "page_token", "EAAPageToken\n");
    EXPECT_TRUE(harness_.Fetch(*connector, std::nullopt).Ok());
}

TEST_F(FacebookPageConnectorTest, PageThrottlingWaitsForTheBusinessUseCaseRegainTime) {
    FakeResponse throttled =
        FakeResponse::Json(R"({"error":{"message":"(#32) Page request limit reached","type":"OAuthException",)"
                           R"("code":32,"fbtrace_id":"Fz9"}})",
                           400);
    throttled.headers = {{"X-Business-Use-Case-Usage",
                          R"({"104857600123":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":20,)"
                          R"("estimated_time_to_regain_access":19}]})"}};
    graph_.Override(throttled);
    auto connector = Make();
    const auto before = std::chrono::system_clock::now();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, before + std::chrono::minutes(19));
    EXPECT_LE(*result.Error().retry_at, before + std::chrono::minutes(19) + std::chrono::seconds(5));
}

TEST_F(FacebookPageConnectorTest, A429WithRetryAfterIsRateLimited) {
    FakeResponse limited = FakeResponse::Json(R"({"error":{"message":"busy","code":4,"type":"OAuthException"}})", 429);
    limited.headers = {{"Retry-After", "120"}};
    graph_.Override(limited);
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, std::chrono::system_clock::now() + std::chrono::seconds(100));
}

TEST_F(FacebookPageConnectorTest, ServerErrorsAndBrokenTransfersAreRetryLater) {
    auto connector = Make();
    for (const int status : {500, 503}) {
        graph_.Override(FakeResponse::Json(R"({"error":{"message":"An unknown error occurred","code":1}})", status));
        auto result = harness_.Fetch(*connector, std::nullopt);
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater) << status;
    }
    FakeResponse truncated = FakeResponse::Json(Edge({Post("104857600123_1", "2026-11-01T09:00:00+0000")}));
    truncated.truncate = true;
    graph_.Override(truncated);
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);
    FakeResponse stalled = FakeResponse::Json(Edge({}));
    stalled.stall = true;
    graph_.Override(stalled);
    result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);
}

TEST_F(FacebookPageConnectorTest, InvalidDeepAndHugeBodiesAreMalformed) {
    auto connector = Make();
    for (const std::string& body :
         {std::string("{\"data\":[{"), std::string(100000, '['), std::string(kMaxPageBytes + 10, ' ')}) {
        graph_.Override(FakeResponse::Json(body));
        auto result = harness_.Fetch(*connector, std::nullopt);
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(ErrcOf(result), ConnectorErrc::kMalformed) << body.substr(0, 20);
    }
}

TEST_F(FacebookPageConnectorTest, AWrongPageIdIsPermanent) {
    graph_.Override(FakeResponse::Json(
        R"({"error":{"message":"(#100) Tried accessing nonexisting field","type":"OAuthException","code":100}})", 400));
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kPermanent);
    EXPECT_NE(result.Error().detail.find("page_id"), std::string::npos);
}

TEST(FacebookPageFactory, BuildsWithoutAnHttpRuntimeAndReparsesQuarantinedComments) {
    auto connector = Factory().create("fb", DefaultSettings(Factory().settings), ConnectorContext{});
    ASSERT_NE(connector, nullptr);
    const auto item = connector->ParseRecord(Comment("9_1", "2026-11-03T09:20:00+0000"), "comments/104857600123_9/9_1");
    EXPECT_EQ(std::get<RawItem>(item).reply_to, "104857600123_9");
    const auto bad = connector->ParseRecord(R"({"message":"no id"})", "feed/fnv1");
    EXPECT_EQ(std::get<BadRecord>(bad).reason, "missing id");
}

}  // namespace
}  // namespace carelisten::connectors::facebook_page
