// Rate-limit headers of every upstream family, HTTP-dates, the token bucket (with an injected clock),
// and RFC 8288 Link headers.
#include <gtest/gtest.h>

#include <chrono>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <connectors/http/rate_limit.hpp>

namespace carelisten::connectors::http {
namespace {

using std::chrono::seconds;
using Headers = std::vector<std::pair<std::string, std::string>>;

// 2026-01-01T00:00:00Z
const Clock::time_point kNow = Clock::time_point(seconds(1'767'225'600));

TEST(ParseHttpDateTest, ImfFixdateRfc850AndAsctimeAllParse) {
    const auto expected = Clock::time_point(seconds(784'111'777));  // Sun, 06 Nov 1994 08:49:37 GMT
    EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
    EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
    EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), expected);
    EXPECT_EQ(ParseHttpDate("  Thu, 01 Jan 2026 00:00:00 GMT  "), kNow);
}

TEST(ParseHttpDateTest, GarbageIsRejected) {
    EXPECT_FALSE(ParseHttpDate(""));
    EXPECT_FALSE(ParseHttpDate("yesterday"));
    EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"));
    EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));
    EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
    EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
    EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49 GMT"));
    EXPECT_FALSE(ParseHttpDate("120"));
}

TEST(ParseRateLimitHeadersTest, RetryAfterSeconds) {
    const auto info = ParseRateLimitHeaders({{"retry-after", "120"}}, kNow);
    EXPECT_EQ(info.retry_after, kNow + seconds(120));
    EXPECT_EQ(info.BlockedUntil(), kNow + seconds(120));
}

TEST(ParseRateLimitHeadersTest, RetryAfterHttpDate) {
    const auto info = ParseRateLimitHeaders({{"retry-after", "Thu, 01 Jan 2026 00:05:00 GMT"}}, kNow);
    EXPECT_EQ(info.retry_after, kNow + seconds(300));
}

TEST(ParseRateLimitHeadersTest, RetryAfterInThePastMeansNow) {
    const auto info = ParseRateLimitHeaders({{"retry-after", "Wed, 31 Dec 2025 23:00:00 GMT"}}, kNow);
    EXPECT_EQ(info.retry_after, kNow);
}

TEST(ParseRateLimitHeadersTest, XFamilyResetIsEpochSeconds) {
    const auto info = ParseRateLimitHeaders(
        {{"x-rate-limit-limit", "450"}, {"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", "1767226500"}}, kNow);
    EXPECT_EQ(info.limit, 450);
    EXPECT_EQ(info.remaining, 0);
    EXPECT_EQ(info.reset_at, kNow + seconds(900));
    EXPECT_FALSE(info.retry_after);
    EXPECT_EQ(info.BlockedUntil(), kNow + seconds(900));
}

TEST(ParseRateLimitHeadersTest, RemainingBudgetDoesNotBlock) {
    const auto info =
        ParseRateLimitHeaders({{"x-rate-limit-remaining", "17"}, {"x-rate-limit-reset", "1767226500"}}, kNow);
    EXPECT_EQ(info.remaining, 17);
    EXPECT_FALSE(info.BlockedUntil());
}

TEST(ParseRateLimitHeadersTest, RedditFamilyResetIsSecondsLeftAndRemainingIsDecimal) {
    const auto info = ParseRateLimitHeaders(
        {{"x-ratelimit-used", "2"}, {"x-ratelimit-remaining", "598.0"}, {"x-ratelimit-reset", "412"}}, kNow);
    EXPECT_EQ(info.remaining, 598);
    EXPECT_EQ(info.limit, 600);
    EXPECT_EQ(info.reset_at, kNow + seconds(412));
    EXPECT_FALSE(info.BlockedUntil());

    const auto spent = ParseRateLimitHeaders({{"x-ratelimit-remaining", "0.0"}, {"x-ratelimit-reset", "30"}}, kNow);
    EXPECT_EQ(spent.BlockedUntil(), kNow + seconds(30));
}

TEST(ParseRateLimitHeadersTest, MastodonFamilyResetIsIso8601) {
    const auto info = ParseRateLimitHeaders({{"x-ratelimit-limit", "300"},
                                             {"x-ratelimit-remaining", "0"},
                                             {"x-ratelimit-reset", "2026-01-01T00:10:00.000Z"}},
                                            kNow);
    EXPECT_EQ(info.limit, 300);
    EXPECT_EQ(info.reset_at, kNow + seconds(600));
    EXPECT_EQ(info.BlockedUntil(), kNow + seconds(600));
    const auto offset =
        ParseRateLimitHeaders({{"x-ratelimit-reset", "2026-01-01T01:10:00+01:00"}}, kNow);  // same instant
    EXPECT_EQ(offset.reset_at, kNow + seconds(600));
}

TEST(ParseRateLimitHeadersTest, HeaderNamesMatchWhateverTheirCase) {
    const auto info = ParseRateLimitHeaders({{"Retry-After", "5"}, {"X-RateLimit-Remaining", "3"}}, kNow);
    EXPECT_EQ(info.retry_after, kNow + seconds(5));
    EXPECT_EQ(info.remaining, 3);
}

TEST(ParseRateLimitHeadersTest, UnparseableValuesAreIgnored) {
    const auto info = ParseRateLimitHeaders({{"retry-after", "soon"},
                                             {"retry-after", "-5"},
                                             {"x-rate-limit-limit", "lots"},
                                             {"x-rate-limit-remaining", "-1"},
                                             {"x-ratelimit-remaining", "1e999"},
                                             {"x-rate-limit-reset", "tomorrow"},
                                             {"x-ratelimit-reset", "2026-13-01T00:00:00Z"},
                                             {"x-ratelimit-reset", "nan"},
                                             {"x-ratelimit-used", "12abc"}},
                                            kNow);
    EXPECT_FALSE(info.retry_after);
    EXPECT_FALSE(info.limit);
    EXPECT_FALSE(info.remaining);
    EXPECT_FALSE(info.reset_at);
    EXPECT_FALSE(info.BlockedUntil());
}

TEST(ParseRateLimitHeadersTest, AbsurdDelaysAreCappedAtADay) {
    const auto info = ParseRateLimitHeaders({{"retry-after", "999999999"}}, kNow);
    EXPECT_EQ(info.retry_after, kNow + std::chrono::hours(24));
}

TEST(ClassifyResponseTest, RateLimitedWithoutRetryAfterUsesTheWindowResetOrAMinute) {
    Response response;
    response.status = 429;
    response.headers = {{"x-rate-limit-remaining", "0"}, {"x-rate-limit-reset", "1767225700"}};
    auto classification = ClassifyResponse(response, kNow);
    ASSERT_TRUE(classification);
    EXPECT_EQ(classification->code, ConnectorErrc::kRateLimited);
    EXPECT_EQ(classification->retry_at, kNow + seconds(100));

    response.headers.clear();
    response.body = R"({"code":20429,"message":"Too Many Requests"})";  // Twilio-style JSON: still just a 429
    classification = ClassifyResponse(response, kNow);
    ASSERT_TRUE(classification);
    EXPECT_EQ(classification->code, ConnectorErrc::kRateLimited);
    EXPECT_EQ(classification->retry_at, kNow + seconds(60));
}

TEST(ClassifyResponseTest, ServiceUnavailableWithRetryAfterIsRateLimited) {
    Response response;
    response.status = 503;
    response.headers = {{"retry-after", "30"}};
    const auto classification = ClassifyResponse(response, kNow);
    ASSERT_TRUE(classification);
    EXPECT_EQ(classification->code, ConnectorErrc::kRateLimited);
    EXPECT_EQ(classification->retry_at, kNow + seconds(30));
}

TEST(ClassifyResponseTest, SuccessIsNotAnError) {
    Response response;
    response.status = 204;
    EXPECT_FALSE(ClassifyResponse(response, kNow));
    response.status = 200;
    EXPECT_FALSE(ClassifyResponse(response, kNow));
}

TEST(RateLimiterTest, UnknownKeysAreNeverHeldBack) {
    RateLimiter limiter;
    EXPECT_EQ(limiter.NextAllowed("nobody", kNow), kNow);
    limiter.Consume("nobody", kNow);
    EXPECT_EQ(limiter.NextAllowed("nobody", kNow), kNow);
    EXPECT_FALSE(limiter.BlockedUntil("nobody"));
}

TEST(RateLimiterTest, BucketAllowsTheBurstThenOneTokenPerInterval) {
    RateLimiter limiter;
    limiter.Configure("k", BucketSpec{.rate_per_minute = 60.0, .burst = 3.0});  // one a second
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limiter.NextAllowed("k", kNow), kNow) << i;
        limiter.Consume("k", kNow);
    }
    EXPECT_EQ(limiter.NextAllowed("k", kNow), kNow + seconds(1));
    // Half a second later half a token is back: half a second more to wait.
    EXPECT_EQ(limiter.NextAllowed("k", kNow + std::chrono::milliseconds(500)), kNow + seconds(1));
    limiter.Consume("k", kNow + seconds(1));
    EXPECT_EQ(limiter.NextAllowed("k", kNow + seconds(1)), kNow + seconds(2));
    // Idle for a long time: the bucket refills only up to the burst.
    const auto later = kNow + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limiter.NextAllowed("k", later), later) << i;
        limiter.Consume("k", later);
    }
    EXPECT_GT(limiter.NextAllowed("k", later), later);
}

TEST(RateLimiterTest, UpstreamBlockWinsOverAFullBucketAndOnlyTheLaterBlockCounts) {
    RateLimiter limiter;
    limiter.Configure("k", BucketSpec{.rate_per_minute = 600.0, .burst = 10.0});
    limiter.BlockUntil("k", kNow + seconds(30));
    limiter.BlockUntil("k", kNow + seconds(10));
    EXPECT_EQ(limiter.BlockedUntil("k"), kNow + seconds(30));
    EXPECT_EQ(limiter.NextAllowed("k", kNow), kNow + seconds(30));
    EXPECT_EQ(limiter.NextAllowed("k", kNow + seconds(31)), kNow + seconds(31));
    // A key with no bucket can still be blocked by its upstream.
    limiter.BlockUntil("other", kNow + seconds(5));
    EXPECT_EQ(limiter.NextAllowed("other", kNow), kNow + seconds(5));
}

TEST(RateLimiterTest, ReconfiguringKeepsSpentTokensSpent) {
    RateLimiter limiter;
    limiter.Configure("k", BucketSpec{.rate_per_minute = 60.0, .burst = 2.0});
    limiter.Consume("k", kNow);
    limiter.Consume("k", kNow);
    limiter.Configure("k", BucketSpec{.rate_per_minute = 120.0, .burst = 2.0});
    EXPECT_EQ(limiter.NextAllowed("k", kNow), kNow + std::chrono::milliseconds(500));
}

TEST(LinkHeaderTest, MastodonNextAndPrev) {
    const auto links =
        ParseLinkHeader(R"(<https://mastodon.example/api/v1/timelines/tag/hospital?max_id=109>; rel="next", )"
                        R"(<https://mastodon.example/api/v1/timelines/tag/hospital?min_id=112>; rel="prev")");
    ASSERT_EQ(links.size(), 2U);
    EXPECT_EQ(FindLink(links, "next"), "https://mastodon.example/api/v1/timelines/tag/hospital?max_id=109");
    EXPECT_EQ(FindLink(links, "prev"), "https://mastodon.example/api/v1/timelines/tag/hospital?min_id=112");
    EXPECT_FALSE(FindLink(links, "last"));
}

TEST(LinkHeaderTest, UnquotedRelOtherParamsAndCommasInsideTheUrl) {
    const auto links = ParseLinkHeader(
        R"(<https://a.example/p?ids=1,2,3>;title="a, b; c";rel=next,<https://a.example/first>; REL="First Last")");
    ASSERT_EQ(links.size(), 3U);
    EXPECT_EQ(FindLink(links, "next"), "https://a.example/p?ids=1,2,3");
    EXPECT_EQ(FindLink(links, "first"), "https://a.example/first");
    EXPECT_EQ(FindLink(links, "LAST"), "https://a.example/first");
}

TEST(LinkHeaderTest, OnlyTheFirstRelCounts) {
    const auto links = ParseLinkHeader(R"(<https://a.example/x>; rel="next"; rel="prev")");
    ASSERT_EQ(links.size(), 1U);
    EXPECT_EQ(links[0].rel, "next");
}

TEST(LinkHeaderTest, GarbageIsSkippedNeverThrown) {
    EXPECT_TRUE(ParseLinkHeader("").empty());
    EXPECT_TRUE(ParseLinkHeader("garbage").empty());
    EXPECT_TRUE(ParseLinkHeader("<https://a.example/x>").empty());           // no rel
    EXPECT_TRUE(ParseLinkHeader("<https://a.example/x; rel=next").empty());  // no '>'
    EXPECT_TRUE(ParseLinkHeader("<>; rel=next").empty());
    EXPECT_TRUE(ParseLinkHeader(R"(<https://a.example/x>; rel="next)").size() <= 1U);
    EXPECT_TRUE(ParseLinkHeader(",,,;;;<<>>\"\"").empty());
    const auto links = ParseLinkHeader(R"(junk, <https://a.example/ok>; rel="next", <bad url>; rel=prev)");
    ASSERT_EQ(links.size(), 1U);
    EXPECT_EQ(links[0].url, "https://a.example/ok");
}

}  // namespace
}  // namespace carelisten::connectors::http
