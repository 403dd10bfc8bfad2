#include <gtest/gtest.h>

#include <connectors/facebook_page/facebook_page_wire.hpp>
#include <string>

#include "fixture_file.hpp"

namespace carelisten::connectors::facebook_page {
namespace {

using carelisten::testing::ReadFixture;

FeedPage ParseFeed(std::string_view body) {
    auto parsed = ParseFeedPage(body, "fb");
    if (auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<FeedPage>(std::move(parsed));
}

TEST(FacebookPageWire, ParsesAFeedPageWithPostsFollowedByTheirComments) {
    const auto page = ParseFeed(ReadFixture("facebook_page/feed_page1.json"));
    ASSERT_EQ(page.entries.size(), 7U);
    EXPECT_EQ(page.next_url, "https://graph.facebook.com/v19.0/104857600123/feed?limit=4&after=QVFIUkZB");

    const auto& post = std::get<RawItem>(page.entries[0].record);
    EXPECT_EQ(post.external_id, "104857600123_9001");
    EXPECT_EQ(post.channel, "social");
    EXPECT_EQ(post.thread_id, "104857600123_9001");
    EXPECT_EQ(post.reply_to, "");
    EXPECT_EQ(post.url, "https://www.facebook.com/StElsewhereHosp/posts/9001");
    EXPECT_EQ(page.entries[0].author_id, "104857600123");
    EXPECT_FALSE(page.entries[0].is_comment);
    EXPECT_EQ(page.entries[0].comments_next,
              "https://graph.facebook.com/v19.0/104857600123_9001/comments?limit=3&after=QVFIUjRCb");
    EXPECT_EQ(page.entries[0].created_time, ParseRfc3339("2026-11-03T09:00:00Z"));

    const auto& comment = std::get<RawItem>(page.entries[1].record);
    EXPECT_TRUE(page.entries[1].is_comment);
    EXPECT_EQ(comment.external_id, "9001_5003");
    EXPECT_EQ(comment.thread_id, "104857600123_9001");
    EXPECT_EQ(comment.reply_to, "104857600123_9001");
    EXPECT_EQ(comment.author, "Priya N.");
    EXPECT_NE(comment.text.find("My lawyer"), std::string::npos);
    EXPECT_EQ(comment.posted_at, ParseRfc3339("2026-11-03T11:45:10Z"));
}

TEST(FacebookPageWire, AReplyToACommentPointsAtItsParentComment) {
    const auto page = ParseFeed(ReadFixture("facebook_page/feed_page1.json"));
    const auto& reply = std::get<RawItem>(page.entries[2].record);
    EXPECT_EQ(reply.reply_to, "9001_5001");
    EXPECT_EQ(reply.thread_id, "104857600123_9001");
}

TEST(FacebookPageWire, KeepsHinglishAndEmojiAsValidUtf8) {
    const auto page = ParseFeed(ReadFixture("facebook_page/feed_page1.json"));
    const auto& post = std::get<RawItem>(page.entries[4].record);
    EXPECT_NE(post.text.find("👍"), std::string::npos);
    EXPECT_TRUE(IsValidUtf8(post.text));
    EXPECT_EQ(page.entries[4].comments_next, "");
}

TEST(FacebookPageWire, UnusablePostsBecomeBadRecords) {
    const auto page = ParseFeed(ReadFixture("facebook_page/feed_page1.json"));
    const auto& no_id = std::get<BadRecord>(page.entries[5].record);
    EXPECT_EQ(no_id.reason, "missing id");
    EXPECT_TRUE(no_id.locator.starts_with("feed/fnv"));
    EXPECT_EQ(page.entries[5].created_time, ParseRfc3339("2026-11-02T17:00:00Z"));
    const auto& bad_time = std::get<BadRecord>(page.entries[6].record);
    EXPECT_EQ(bad_time.reason, "created_time is not an ISO 8601 timestamp");
    EXPECT_EQ(bad_time.locator, "feed/104857600123_8998");
    EXPECT_NE(bad_time.raw.find("\"bad time\""), std::string::npos);
}

TEST(FacebookPageWire, AQuarantinedCommentReparsesWithItsPost) {
    const auto replay = ParseRecordJson(R"({"id":"9_1","message":"ok","created_time":"2026-11-03T09:20:00+0530"})",
                                        "fb", "104857600123_9");
    const auto& item = std::get<RawItem>(replay);
    EXPECT_EQ(item.thread_id, "104857600123_9");
    EXPECT_EQ(item.reply_to, "104857600123_9");
    EXPECT_EQ(item.posted_at, ParseRfc3339("2026-11-03T03:50:00Z"));
    EXPECT_EQ(std::get<std::string>(ParseRecordJson(R"({"message":"x"})", "fb", "")), "missing id");
}

TEST(FacebookPageWire, ParsesACommentsEdgePage) {
    auto parsed = ParseCommentsPage(
        R"({"data":[{"id":"9001_4999","message":"Staff at reception were rude to my father",)"
        R"("created_time":"2026-11-03T09:10:00+0000"}],"paging":{"cursors":{"before":"a","after":"b"}}})",
        "fb", "104857600123_9001");
    const auto& page = std::get<FeedPage>(parsed);
    ASSERT_EQ(page.entries.size(), 1U);
    EXPECT_TRUE(page.entries[0].is_comment);
    EXPECT_EQ(std::get<RawItem>(page.entries[0].record).reply_to, "104857600123_9001");
    EXPECT_EQ(page.next_url, "");
}

TEST(FacebookPageWire, AnEmptyFeedHasNoEntriesAndNoNext) {
    const auto page = ParseFeed(R"({"data":[]})");
    EXPECT_TRUE(page.entries.empty());
    EXPECT_EQ(page.next_url, "");
}

TEST(FacebookPageWire, HostileBodiesAreErrorsNotCrashes) {
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseFeedPage("{\"data\": [", "fb")));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseFeedPage("{}", "fb")));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseFeedPage(std::string(100000, '['), "fb")));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseFeedPage(std::string(kMaxPageBytes + 1, ' '), "fb")));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseFeedPage(R"({"data":[],"paging":7})", "fb")));
}

TEST(FacebookPageWire, ParsesGraphErrors) {
    const auto expired = ParseGraphError(ReadFixture("facebook_page/error_token_expired.json"));
    ASSERT_TRUE(expired.has_value());
    EXPECT_EQ(expired->code, 190);
    EXPECT_EQ(expired->subcode, 463);
    EXPECT_EQ(expired->type, "OAuthException");
    const auto throttled = ParseGraphError(ReadFixture("facebook_page/error_page_throttled.json"));
    ASSERT_TRUE(throttled.has_value());
    EXPECT_EQ(throttled->code, 32);
    EXPECT_FALSE(ParseGraphError(R"({"data":[]})").has_value());
}

TEST(FacebookPageWire, ParsesGraphTimesWithAndWithoutAColonInTheOffset) {
    EXPECT_EQ(ParseGraphTime("2026-11-03T09:00:00+0000"), ParseRfc3339("2026-11-03T09:00:00Z"));
    EXPECT_EQ(ParseGraphTime("2026-11-03T09:00:00-0130"), ParseRfc3339("2026-11-03T10:30:00Z"));
    EXPECT_EQ(ParseGraphTime("2026-11-03T09:00:00Z"), ParseRfc3339("2026-11-03T09:00:00Z"));
    EXPECT_FALSE(ParseGraphTime("1762160400").has_value());
}

TEST(FacebookPageWire, ReadsTheLongestRegainTimeFromUsageHeaders) {
    const auto app = ParseUsageHeader(R"({"call_count":28,"total_time":25,"total_cputime":25})");
    ASSERT_TRUE(app.has_value());
    EXPECT_EQ(app->max_percent, 28);
    EXPECT_EQ(app->regain_access_minutes, 0);
    const auto buc =
        ParseUsageHeader(R"({"104857600123":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,)"
                         R"("estimated_time_to_regain_access":19}]})");
    ASSERT_TRUE(buc.has_value());
    EXPECT_EQ(buc->max_percent, 100);
    EXPECT_EQ(buc->regain_access_minutes, 19);
    EXPECT_FALSE(ParseUsageHeader("not json").has_value());
}

TEST(FacebookPageWire, TheDemoUpstreamSpeaksTheWireFormat) {
    const auto page = ParseFeed(carelisten::testing::ReadSourceTreeFile("demo/upstreams/facebook_page/feed.json"));
    ASSERT_EQ(page.entries.size(), 8U);
    for (const auto& entry : page.entries) {
        ASSERT_TRUE(std::holds_alternative<RawItem>(entry.record));
    }
    EXPECT_EQ(page.next_url, "");
}

}  // namespace
}  // namespace carelisten::connectors::facebook_page
