// The X recent-search wire parser on recorded pages (tests/fixtures/x, written from the API docs' examples).
#include <gtest/gtest.h>

#include <connectors/x/x_wire.hpp>
#include <fstream>
#include <sstream>

namespace carelisten::connectors::x {
namespace {

std::string Fixture(const std::string& name) {
    std::ifstream in(std::string(CARELISTEN_FIXTURES_DIR) + "/x/" + name);
    EXPECT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

SearchPage Page(std::string_view body) {
    auto parsed = ParseSearchPage(body, "x_mentions");
    if (auto* error = std::get_if<WireError>(&parsed)) {
        ADD_FAILURE() << error->reason;
        return {};
    }
    return std::get<SearchPage>(std::move(parsed));
}

std::string Error(std::string_view body) {
    auto parsed = ParseSearchPage(body, "x_mentions");
    return std::holds_alternative<WireError>(parsed) ? std::get<WireError>(parsed).reason : "";
}

TEST(XWire, FirstPageGivesItemsWithHandlesUrlsThreadsAndPagingFacts) {
    const auto page = Page(Fixture("search_page1.json"));
    ASSERT_EQ(page.items.size(), 5U);
    EXPECT_TRUE(page.bad_records.empty());
    EXPECT_EQ(page.newest_id, "1993104411123456789");
    EXPECT_EQ(page.oldest_id, "1993097000000000003");
    EXPECT_EQ(page.next_token, "b26v89c19zqg8o3fr5q9k8n5vj4yh0uf9fhd2i1uy99ml");
    EXPECT_EQ(page.result_count, 5);

    const auto& fall = page.items[0];
    EXPECT_EQ(fall.source, "x_mentions");
    EXPECT_EQ(fall.external_id, "1993104411123456789");
    EXPECT_EQ(fall.channel, "social");
    EXPECT_EQ(fall.author, "@rvarghese_fam");
    EXPECT_EQ(fall.url, "https://x.com/rvarghese_fam/status/1993104411123456789");
    EXPECT_EQ(fall.thread_id, "1993104411123456789");
    EXPECT_EQ(fall.language_hint, "en");
    EXPECT_TRUE(fall.reply_to.empty());
    EXPECT_TRUE(fall.version.empty());
    ASSERT_TRUE(fall.posted_at.has_value());
    EXPECT_EQ(*fall.posted_at, *ParseRfc3339("2026-11-25T07:41:12Z"));
    // X escapes &, < and > in post text; the item holds what the author wrote.
    EXPECT_NE(fall.text.find("last night & nobody came"), std::string::npos) << fall.text;
}

TEST(XWire, PartialErrorsInA200AreCountedNotFailures) {
    const auto page = Page(Fixture("search_page1.json"));
    EXPECT_EQ(page.partial_errors, 1U);
    EXPECT_EQ(page.items.size(), 5U);
}

TEST(XWire, EditedPostIsANewVersionOfTheOriginal) {
    const auto page = Page(Fixture("search_page1.json"));
    const auto& edited = page.items[1];
    EXPECT_EQ(edited.external_id, "1993100998877665544");
    EXPECT_EQ(edited.version, "1993101122334455667");
    EXPECT_EQ(edited.url, "https://x.com/newmum_2026/status/1993101122334455667");
    EXPECT_NE(edited.text.find("wonderful <3"), std::string::npos);
}

TEST(XWire, ReplyPointsAtTheRepliedToPostAndItsConversation) {
    const auto page = Page(Fixture("search_page1.json"));
    const auto& reply = page.items[2];
    EXPECT_EQ(reply.reply_to, "1993090000000000001");
    EXPECT_EQ(reply.thread_id, "1993090000000000001");
    EXPECT_EQ(reply.text, "@StElsewhereHosp Same here, waited 5 hours in A&E with my son");
}

TEST(XWire, DevanagariTextAndLanguageSurviveIntact) {
    const auto page = Page(Fixture("search_page1.json"));
    const auto& hindi = page.items[3];
    EXPECT_EQ(hindi.language_hint, "hi");
    EXPECT_TRUE(IsValidUtf8(hindi.text));
    EXPECT_NE(hindi.text.find("बिलिंग"), std::string::npos);
}

TEST(XWire, LongPostIsReadWholeFromNoteTweet) {
    const auto page = Page(Fixture("search_page1.json"));
    const auto& long_post = page.items[4];
    EXPECT_NE(long_post.text.find("my lawyer"), std::string::npos) << long_post.text;
    EXPECT_EQ(long_post.text.find("…"), std::string::npos);
}

TEST(XWire, LastPageHasNoNextToken) {
    const auto page = Page(Fixture("search_page2.json"));
    EXPECT_EQ(page.items.size(), 2U);
    EXPECT_TRUE(page.next_token.empty());
    EXPECT_EQ(page.newest_id, "1993090000000000011");
}

TEST(XWire, EmptyPageHasNoItemsAndNoNewestId) {
    const auto page = Page(Fixture("empty.json"));
    EXPECT_TRUE(page.items.empty());
    EXPECT_TRUE(page.newest_id.empty());
    EXPECT_TRUE(page.next_token.empty());
    EXPECT_EQ(page.result_count, 0);
}

TEST(XWire, UnusablePostsBecomeBadRecordsWithReasonAndReplayableRaw) {
    const auto page = Page(Fixture("bad_records.json"));
    ASSERT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.items[0].author, "@stelsewhere_cement");
    ASSERT_EQ(page.bad_records.size(), 3U);
    EXPECT_EQ(page.bad_records[0].reason, "post without id");
    EXPECT_EQ(page.bad_records[0].locator, "page#0");
    EXPECT_EQ(page.bad_records[1].reason, "post id is not a decimal string");
    EXPECT_EQ(page.bad_records[2].reason, "post text is not a string");
    EXPECT_EQ(page.bad_records[2].locator, "post:1993000000000000002");
    // The raw keeps the author so that a fixed record replays with its handle.
    EXPECT_NE(page.bad_records[2].raw.find("rvarghese_fam"), std::string::npos);
    EXPECT_FALSE(page.bad_records[2].raw_truncated);
}

TEST(XWire, QuarantinedRecordReplaysOnceFixed) {
    const auto page = Page(Fixture("bad_records.json"));
    std::string raw = page.bad_records[2].raw;
    const auto pos = raw.find("\"text\":42");
    ASSERT_NE(pos, std::string::npos) << raw;
    raw.replace(pos, 9, R"("text":"now readable")");
    auto replayed = ParseQuarantinedRecord(raw, "x_mentions", "post:1993000000000000002");
    ASSERT_TRUE(std::holds_alternative<RawItem>(replayed)) << std::get<BadRecord>(replayed).reason;
    EXPECT_EQ(std::get<RawItem>(replayed).text, "now readable");
    EXPECT_EQ(std::get<RawItem>(replayed).author, "@rvarghese_fam");

    auto still_bad = ParseQuarantinedRecord(page.bad_records[2].raw, "x_mentions", "post:1993000000000000002");
    ASSERT_TRUE(std::holds_alternative<BadRecord>(still_bad));
    EXPECT_EQ(std::get<BadRecord>(still_bad).reason, "post text is not a string");
    EXPECT_EQ(std::get<BadRecord>(still_bad).locator, "post:1993000000000000002");
}

TEST(XWire, HostileBodiesAreErrorsNotCrashes) {
    EXPECT_NE(Error("{\"data\":[{\"id\":\"1\""), "");  // truncated
    EXPECT_NE(Error("<html>502 Bad Gateway</html>"), "");
    EXPECT_NE(Error(std::string(100000, '[')), "");
    EXPECT_NE(Error("{\"meta\":{},\"data\":\"x\"}"), "");
    EXPECT_NE(Error("[]"), "");
    EXPECT_NE(Error("{\"data\":[]}"), "") << "a page without meta";
    EXPECT_NE(Error("{\"meta\":{\"newest_id\":\"\xff\xfe\"}}"), "") << "invalid UTF-8";
    EXPECT_NE(Error(std::string(kMaxPageBytes + 1, ' ')), "");
}

TEST(XWire, HugeBadRecordIsCappedInQuarantine) {
    const std::string huge_text(200000, 'a');
    const std::string body =
        R"({"meta":{},"data":[{"id":"12","text":"ok","created_at":5,"pad":")" + huge_text + R"("}]})";
    const auto page = Page(body);
    ASSERT_EQ(page.bad_records.size(), 1U);
    EXPECT_EQ(page.bad_records[0].raw.size(), kMaxQuarantineBytes);
    EXPECT_TRUE(page.bad_records[0].raw_truncated);
}

TEST(XWire, ProblemBodiesNameTheirTitleCodeAndParameters) {
    const auto classic = ParseApiProblem(Fixture("error_429_classic.json"));
    EXPECT_EQ(classic.code, 88);
    const auto problem = ParseApiProblem(Fixture("error_429.json"));
    EXPECT_EQ(problem.title, "Too Many Requests");
    const auto since = ParseApiProblem(Fixture("error_since_id_400.json"));
    EXPECT_EQ(since.title, "Invalid Request");
    ASSERT_EQ(since.bad_parameters.size(), 1U);
    EXPECT_EQ(since.bad_parameters[0], "since_id");
    EXPECT_TRUE(ParseApiProblem("not json").title.empty());
}

TEST(XWire, QueryJoinsWatchTermsWithOrAndQuotesPhrases) {
    EXPECT_EQ(BuildQuery({"St Elsewhere Hospital", "@StElsewhereHosp", "#StElsewhere"}, "-is:retweet"),
              R"(("St Elsewhere Hospital" OR @StElsewhereHosp OR #StElsewhere) -is:retweet)");
    EXPECT_EQ(BuildQuery({"@StElsewhereHosp"}, ""), "@StElsewhereHosp");
    EXPECT_EQ(BuildQuery({"\"Dr Asha Rao\"", " ", "url:stelsewhere.example"}, "lang:en"),
              R"(("Dr Asha Rao" OR url:stelsewhere.example) lang:en)");
}

TEST(XWire, EntitiesDecodeToValidUtf8AndUnknownOnesStay) {
    EXPECT_EQ(DecodeEntities("A&amp;E &lt;3 &gt; &quot;ok&quot; &#8377; &#x1F600;"), "A&E <3 > \"ok\" ₹ 😀");
    EXPECT_EQ(DecodeEntities("&bogus; &#xD800; &#0; &#; &amp"), "&bogus; &#xD800; &#0; &#; &amp");
}

TEST(XWire, DemoPageParsesWithoutBadRecords) {
    const auto page = Page(Fixture("../../../demo/upstreams/x/search.json"));
    EXPECT_EQ(page.items.size(), 8U);
    EXPECT_TRUE(page.bad_records.empty());
    EXPECT_TRUE(page.next_token.empty());
}

TEST(XWire, IdsCompareAsNumbers) {
    EXPECT_TRUE(IdGreater("1993104411123456789", "999999999999999999"));
    EXPECT_FALSE(IdGreater("1993104411123456789", "1993104411123456789"));
    EXPECT_TRUE(IdGreater("20", "19"));
}

}  // namespace
}  // namespace carelisten::connectors::x
