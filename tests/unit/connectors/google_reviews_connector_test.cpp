#include <gtest/gtest.h>

#include <atomic>
#include <connectors/google_reviews/google_reviews_connector.hpp>
#include <connectors/google_reviews/google_reviews_wire.hpp>
#include <mutex>
#include <support/fake_upstream.hpp>
#include <support/temp_dir.hpp>

#include "reviews_connector_harness.hpp"

namespace carelisten::connectors::google_reviews {
namespace {

using carelisten::testing::ConnectorHarness;
using carelisten::testing::ErrcOf;
using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::RecordedRequest;
using carelisten::testing::TempDir;

constexpr std::string_view kLocation = "accounts/104/locations/2001";
constexpr std::string_view kReviewsPath = "/v4/accounts/104/locations/2001/reviews";

std::string Review(const std::string& id, const std::string& update_time, const std::string& star = "FOUR",
                   const std::string& create_time = "2026-10-01T08:00:00Z") {
    return R"({"name":"accounts/104/locations/2001/reviews/)" + id + R"(","reviewId":")" + id +
           R"(","reviewer":{"displayName":"Reviewer )" + id + R"("},"starRating":")" + star +
           R"(","comment":"Review )" + id + R"( of St Elsewhere Hospital","createTime":")" + create_time +
           R"(","updateTime":")" + update_time + R"("})";
}

std::string Page(const std::vector<std::string>& reviews, const std::string& next = "") {
    std::string body = R"({"reviews":[)";
    for (std::size_t i = 0; i < reviews.size(); ++i) {
        body += (i > 0 ? "," : "") + reviews[i];
    }
    body += "]";
    if (!next.empty()) {
        body += R"(,"nextPageToken":")" + next + R"(")";
    }
    return body + R"(,"averageRating":4.1,"totalReviewCount":)" + std::to_string(reviews.size()) + "}";
}

// The Google fake: the token endpoint hands out numbered tokens; the reviews pages come from `pages`
// (keyed by pageToken, "" for the first) and are served only to the current token.
class GoogleFake {
public:
    GoogleFake() {
        fake_.Route("POST", "/token", [this](const RecordedRequest& request) {
            std::lock_guard lock(mutex_);
            if (token_refused_) {
                return FakeResponse::Json(
                    R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})", 400);
            }
            if (request.body.find("grant_type=refresh_token") == std::string::npos ||
                request.body.find("refresh_token=1%2F%2Frefresh") == std::string::npos ||
                request.body.find("client_secret=s3cret") == std::string::npos) {
                return FakeResponse::Json(R"({"error":"invalid_request"})", 400);
            }
            ++tokens_issued_;
            valid_token_ = "ya29.token" + std::to_string(tokens_issued_);
            return FakeResponse::Json(
                R"({"access_token":")" + valid_token_ +
                R"(","expires_in":3599,"scope":"https://www.googleapis.com/auth/business.manage",)"
                R"("token_type":"Bearer"})");
        });
        fake_.Route("GET", std::string(kReviewsPath), [this](const RecordedRequest& request) {
            std::lock_guard lock(mutex_);
            if (valid_token_.empty() || request.Header("authorization") != "Bearer " + valid_token_) {
                return FakeResponse::Json(
                    R"({"error":{"code":401,"message":"Request had invalid authentication credentials.",)"
                    R"("status":"UNAUTHENTICATED"}})",
                    401);
            }
            if (override_) {
                return *override_;
            }
            const auto it = pages_.find(request.QueryParam("pageToken"));
            return it == pages_.end() ? FakeResponse::Json(R"({"error":{"code":400,"status":"INVALID_ARGUMENT"}})", 400)
                                      : FakeResponse::Json(it->second);
        });
    }

    void SetPages(std::map<std::string, std::string> pages) {
        std::lock_guard lock(mutex_);
        pages_ = std::move(pages);
    }
    void Override(std::optional<FakeResponse> response) {
        std::lock_guard lock(mutex_);
        override_ = std::move(response);
    }
    /// The token handed out last expires: requests with it get 401 until a new one is issued.
    void ExpireCurrentToken() {
        std::lock_guard lock(mutex_);
        valid_token_.clear();
    }
    void RefuseRefresh() {
        std::lock_guard lock(mutex_);
        token_refused_ = true;
    }
    int TokensIssued() {
        std::lock_guard lock(mutex_);
        return tokens_issued_;
    }
    FakeUpstream& Upstream() { return fake_; }

private:
    std::mutex mutex_;
    std::map<std::string, std::string> pages_;
    std::optional<FakeResponse> override_;
    int tokens_issued_ = 0;
    bool token_refused_ = false;
    std::string valid_token_;
    FakeUpstream fake_;
};

class GoogleReviewsConnectorTest : public ::testing::Test {
protected:
    GoogleReviewsConnectorTest() {
        carelisten::testing::WriteFile(dir_.Path() / "secret", "s3cret\n");
        carelisten::testing::WriteFile(dir_.Path() / "refresh", "1//refresh\n");
    }

    std::unique_ptr<GoogleReviewsConnector> Make(std::int64_t max_pages = 20) {
        auto settings = DefaultSettings(Factory().settings);
        settings.Set("base_url", google_.Upstream().BaseUrl());
        settings.Set("oauth_url", google_.Upstream().BaseUrl() + "/token");
        settings.Set("locations", std::vector<std::string>{std::string(kLocation)});
        settings.Set("client_id", std::string("1234.apps.googleusercontent.com"));
        settings.Set("client_secret_file", (dir_.Path() / "secret").string());
        settings.Set("refresh_token_file", (dir_.Path() / "refresh").string());
        settings.Set("max_pages", max_pages);
        return std::make_unique<GoogleReviewsConnector>("gbp", settings, harness_.Context());
    }

    static std::vector<std::string> Ids(const Batch& batch) {
        std::vector<std::string> ids;
        for (const auto& item : batch.items) {
            ids.push_back(item.external_id);
        }
        return ids;
    }

    TempDir dir_;
    GoogleFake google_;
    ConnectorHarness harness_;
};

TEST_F(GoogleReviewsConnectorTest, FollowsPagesAndReturnsReviewsOldestFirstWithACursorAtTheNewest) {
    google_.SetPages({{"", Page({Review("r4", "2026-11-04T10:00:00Z"), Review("r3", "2026-11-03T10:00:00Z")}, "p2")},
                      {"p2", Page({Review("r2", "2026-11-02T10:00:00Z"), Review("r1", "2026-11-01T10:00:00Z")})}});
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(Ids(result.Value()), (std::vector<std::string>{"r1", "r2", "r3", "r4"}));
    EXPECT_FALSE(result.Value().has_more);
    EXPECT_EQ(result.Value().items[0].rating, 4);
    EXPECT_EQ(result.Value().items[0].channel, "review");
    const auto cursor = DecodeCursor(*result.Value().next_cursor);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(ParseRfc3339(cursor->at(std::string(kLocation)).update_time), ParseRfc3339("2026-11-04T10:00:00Z"));
    EXPECT_EQ(cursor->at(std::string(kLocation)).review_ids, std::vector<std::string>{"r4"});

    const auto requests = google_.Upstream().Requests();
    ASSERT_EQ(requests.size(), 3U);
    EXPECT_EQ(requests[0].path, "/token");
    EXPECT_EQ(requests[0].Header("content-type"), "application/x-www-form-urlencoded");
    EXPECT_NE(requests[0].body.find("client_id=1234.apps.googleusercontent.com"), std::string::npos);
    EXPECT_EQ(requests[1].QueryParam("pageSize"), "50");
    EXPECT_EQ(requests[1].QueryParam("orderBy"), "updateTime desc");
    EXPECT_EQ(requests[2].QueryParam("pageToken"), "p2");
}

TEST_F(GoogleReviewsConnectorTest, StopsAtTheCheckpointAndReturnsAnEditAsANewVersionOfTheSameReview) {
    google_.SetPages({{"", Page({Review("r2", "2026-11-02T10:00:00Z", "FOUR", "2026-11-02T10:00:00Z"),
                                 Review("r1", "2026-11-01T10:00:00Z", "FOUR", "2026-11-01T10:00:00Z")})}});
    auto connector = Make();
    auto first = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    ASSERT_EQ(first.Value().items.size(), 2U);
    EXPECT_EQ(first.Value().items[0].version, "") << "never edited: the first version";

    // r1 is edited (its updateTime moves to the top); the page behind the checkpoint must not be read.
    google_.SetPages({{"", Page({Review("r1", "2026-11-05T09:00:00Z", "ONE", "2026-11-01T10:00:00Z"),
                                 Review("r2", "2026-11-02T10:00:00Z", "FOUR", "2026-11-02T10:00:00Z")},
                                "p2")},
                      {"p2", Page({Review("r0", "2026-10-01T10:00:00Z")})}});
    const auto requests_before = google_.Upstream().RequestCount("/v4/");
    auto second = harness_.Fetch(*connector, first.Value().next_cursor);
    ASSERT_TRUE(second.Ok()) << second.Error().detail;
    ASSERT_EQ(second.Value().items.size(), 1U);
    const auto& edited = second.Value().items[0];
    EXPECT_EQ(edited.external_id, "r1");
    EXPECT_EQ(edited.version, "2026-11-05T09:00:00Z");
    EXPECT_EQ(edited.rating, 1);
    EXPECT_EQ(google_.Upstream().RequestCount("/v4/") - requests_before, 1U);
    EXPECT_EQ(google_.TokensIssued(), 1) << "the access token is cached between fetches";

    auto third = harness_.Fetch(*connector, second.Value().next_cursor);
    ASSERT_TRUE(third.Ok());
    EXPECT_TRUE(third.Value().items.empty());
}

TEST_F(GoogleReviewsConnectorTest, ReviewsSharingTheCheckpointTimeAreEachReturnedOnce) {
    google_.SetPages({{"", Page({Review("a", "2026-11-02T10:00:00Z"), Review("b", "2026-11-02T10:00:00Z"),
                                 Review("c", "2026-11-01T10:00:00Z")})}});
    auto connector = Make();
    std::vector<std::string> seen;
    std::optional<std::string> cursor;
    for (int round = 0; round < 4; ++round) {
        auto result = harness_.Fetch(*connector, cursor, 1);
        ASSERT_TRUE(result.Ok()) << result.Error().detail;
        for (const auto& id : Ids(result.Value())) {
            seen.push_back(id);
        }
        cursor = result.Value().next_cursor;
        EXPECT_EQ(result.Value().has_more, round < 2) << round;
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(GoogleReviewsConnectorTest, ABudgetSmallerThanTheNewReviewsTakesTheOldestAndSaysThereIsMore) {
    google_.SetPages({{"", Page({Review("r3", "2026-11-03T10:00:00Z"), Review("r2", "2026-11-02T10:00:00Z"),
                                 Review("r1", "2026-11-01T10:00:00Z")})}});
    auto connector = Make();
    auto first = harness_.Fetch(*connector, std::nullopt, 2);
    ASSERT_TRUE(first.Ok());
    EXPECT_EQ(Ids(first.Value()), (std::vector<std::string>{"r1", "r2"}));
    EXPECT_TRUE(first.Value().has_more);
    auto second = harness_.Fetch(*connector, first.Value().next_cursor, 2);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(Ids(second.Value()), std::vector<std::string>{"r3"});
    EXPECT_FALSE(second.Value().has_more);
}

TEST_F(GoogleReviewsConnectorTest, AnEmptyLocationGivesAnEmptyBatch) {
    google_.SetPages({{"", R"({})"}});
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_TRUE(result.Value().items.empty());
    EXPECT_EQ(DecodeCursor(*result.Value().next_cursor)->size(), 0U);
}

TEST_F(GoogleReviewsConnectorTest, QuarantinesUnusableReviewsAndMovesOn) {
    google_.SetPages(
        {{"", Page({Review("r2", "2026-11-02T10:00:00Z"), R"({"reviewId":7,"updateTime":"2026-11-01T10:00:00Z"})"})}});
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok());
    ASSERT_EQ(result.Value().bad_records.size(), 1U);
    EXPECT_EQ(result.Value().bad_records[0].reason, "reviewId is not a string");
    EXPECT_EQ(Ids(result.Value()), std::vector<std::string>{"r2"});
    const auto replay =
        connector->ParseRecord(result.Value().bad_records[0].raw, result.Value().bad_records[0].locator);
    EXPECT_EQ(std::get<BadRecord>(replay).reason, "reviewId is not a string");
}

TEST_F(GoogleReviewsConnectorTest, A429WithRetryAfterIsRateLimitedUntilThen) {
    google_.SetPages({{"", Page({})}});
    FakeResponse limited = FakeResponse::Json(
        R"({"error":{"code":429,"message":"Quota exceeded for quota metric 'Requests'","status":"RESOURCE_EXHAUSTED"}})",
        429);
    limited.headers = {{"Retry-After", "30"}};
    google_.Override(limited);
    auto connector = Make();
    const auto before = std::chrono::system_clock::now();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, before + std::chrono::seconds(29));
    EXPECT_LE(*result.Error().retry_at, before + std::chrono::seconds(32));
    EXPECT_EQ(harness_.Client().Limits().BlockedUntil("google_reviews:1234.apps.googleusercontent.com"),
              result.Error().retry_at);
}

TEST_F(GoogleReviewsConnectorTest, QuotaZeroPermissionDeniedSaysToApplyForAccess) {
    google_.Override(FakeResponse::Json(
        R"({"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}})", 403));
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kAuthBroken);
    EXPECT_NE(result.Error().detail.find("apply for Basic API Access"), std::string::npos);
}

TEST_F(GoogleReviewsConnectorTest, ABurstOf5xxIsRetryLaterAndConsumesNothing) {
    google_.SetPages({{"", Page({Review("r1", "2026-11-01T10:00:00Z")})}});
    auto connector = Make();
    for (const int status : {500, 502, 503}) {
        google_.Override(FakeResponse::Json(R"({"error":{"code":503,"status":"UNAVAILABLE"}})", status));
        auto result = harness_.Fetch(*connector, std::nullopt);
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater) << status;
    }
    google_.Override(std::nullopt);
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok());
    EXPECT_EQ(Ids(result.Value()), std::vector<std::string>{"r1"});
}

TEST_F(GoogleReviewsConnectorTest, AFailingLaterPageFailsTheWholeFetch) {
    google_.SetPages({{"", Page({Review("r2", "2026-11-02T10:00:00Z")}, "gone")}});  // "gone" answers 400
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kPermanent);
}

TEST_F(GoogleReviewsConnectorTest, TruncatedAndStalledResponsesAreRetryLater) {
    FakeResponse truncated = FakeResponse::Json(Page({Review("r1", "2026-11-01T10:00:00Z")}));
    truncated.truncate = true;
    google_.Override(truncated);
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);

    FakeResponse stalled = FakeResponse::Json(Page({}));
    stalled.stall = true;
    google_.Override(stalled);
    result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);
}

TEST_F(GoogleReviewsConnectorTest, InvalidDeepAndHugeBodiesAreMalformed) {
    auto connector = Make();
    for (const std::string& body :
         {std::string("{\"reviews\":[{"), std::string(100000, '['), std::string(kMaxPageBytes + 10, ' ')}) {
        google_.Override(FakeResponse::Json(body));
        auto result = harness_.Fetch(*connector, std::nullopt);
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(ErrcOf(result), ConnectorErrc::kMalformed) << body.substr(0, 20);
    }
}

TEST_F(GoogleReviewsConnectorTest, AnExpiredTokenIsRefreshedOnceAndTheFetchSucceeds) {
    google_.SetPages({{"", Page({Review("r1", "2026-11-01T10:00:00Z")})}});
    auto connector = Make();
    ASSERT_TRUE(harness_.Fetch(*connector, std::nullopt).Ok());
    google_.ExpireCurrentToken();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok()) << result.Error().detail;
    EXPECT_EQ(Ids(result.Value()), std::vector<std::string>{"r1"});
    EXPECT_EQ(google_.TokensIssued(), 2);
}

TEST_F(GoogleReviewsConnectorTest, ARefusedRefreshIsAuthBrokenAndSaysWhatToFix) {
    google_.SetPages({{"", Page({})}});
    auto connector = Make();
    ASSERT_TRUE(harness_.Fetch(*connector, std::nullopt).Ok());
    google_.ExpireCurrentToken();
    google_.RefuseRefresh();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kAuthBroken);
    EXPECT_NE(result.Error().detail.find("invalid_grant"), std::string::npos);
    EXPECT_NE(result.Error().detail.find("sources.gbp.refresh_token_file"), std::string::npos);
    EXPECT_EQ(result.Error().detail.find("1//refresh"), std::string::npos) << "never the secret itself";
    EXPECT_EQ(result.Error().detail.find("s3cret"), std::string::npos);
}

TEST_F(GoogleReviewsConnectorTest, A401AfterAFreshTokenIsAuthBrokenWithoutARetryStorm) {
    google_.Override(FakeResponse::Json(R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})", 401));
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kAuthBroken);
    EXPECT_EQ(google_.TokensIssued(), 2);  // the first token, then exactly one refresh
}

TEST_F(GoogleReviewsConnectorTest, AMissingSecretFileIsAuthBroken) {
    std::filesystem::remove(dir_.Path() / "refresh");
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kAuthBroken);
    EXPECT_EQ(google_.Upstream().RequestCount(), 0U);
}

TEST_F(GoogleReviewsConnectorTest, AnUnreadableCursorIsPermanent) {
    auto connector = Make();
    auto result = harness_.Fetch(*connector, std::string("not json"));
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kPermanent);
}

TEST(GoogleReviewsFactory, BuildsWithoutAnHttpRuntimeForReplay) {
    auto settings = DefaultSettings(Factory().settings);
    auto connector = Factory().create("gbp", settings, ConnectorContext{});
    ASSERT_NE(connector, nullptr);
    EXPECT_TRUE(connector->IsAsync());
    const auto item = connector->ParseRecord(Review("r9", "2026-11-02T10:00:00Z", "TWO"), "loc");
    EXPECT_EQ(std::get<RawItem>(item).external_id, "r9");
    EXPECT_EQ(std::get<RawItem>(item).rating, 2);
}

TEST(GoogleReviewsCursor, RoundTripsAndRejectsGarbage) {
    Cursor cursor{{"accounts/1/locations/2", Checkpoint{"2026-11-02T10:00:00Z", {"a", "b"}}}};
    const auto decoded = DecodeCursor(EncodeCursor(cursor));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->at("accounts/1/locations/2").review_ids, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(DecodeCursor(R"({"locations":{"x":{"t":"yesterday","ids":[]}}})").has_value());
    EXPECT_FALSE(DecodeCursor("[").has_value());
}

}  // namespace
}  // namespace carelisten::connectors::google_reviews
