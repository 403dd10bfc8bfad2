// The Reddit Listing and token parsers on recorded payloads (tests/fixtures/reddit, from the API's examples).
#include <gtest/gtest.h>

#include <connectors/reddit/reddit_wire.hpp>
#include <fstream>
#include <sstream>

namespace carelisten::connectors::reddit {
namespace {

std::string Fixture(const std::string& name) {
    std::ifstream in(std::string(CARELISTEN_FIXTURES_DIR) + "/reddit/" + name);
    EXPECT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

ListingPage Page(std::string_view body) {
    auto parsed = ParseListing(body, "reddit_city");
    if (auto* error = std::get_if<WireError>(&parsed)) {
        ADD_FAILURE() << error->reason;
        return {};
    }
    return std::get<ListingPage>(std::move(parsed));
}

std::string Error(std::string_view body) {
    auto parsed = ParseListing(body, "reddit_city");
    return std::holds_alternative<WireError>(parsed) ? std::get<WireError>(parsed).reason : "";
}

TEST(RedditWire, SearchListingGivesPostsWithTitleAndSelftext) {
    const auto page = Page(Fixture("search_new.json"));
    ASSERT_EQ(page.items.size(), 3U);
    EXPECT_EQ(page.after, "t3_1h2c9aa");
    EXPECT_TRUE(page.before.empty());
    EXPECT_EQ(page.fullnames, (std::vector<std::string>{"t3_1h2c9zz", "t3_1h2c9mm", "t3_1h2c9aa"}));

    const auto& fall = page.items[0];
    EXPECT_EQ(fall.source, "reddit_city");
    EXPECT_EQ(fall.external_id, "t3_1h2c9zz");
    EXPECT_EQ(fall.channel, "social");
    EXPECT_EQ(fall.author, "u/worried_son_82");
    EXPECT_EQ(fall.thread_id, "t3_1h2c9zz");
    EXPECT_TRUE(fall.reply_to.empty());
    EXPECT_EQ(fall.url,
              "https://www.reddit.com/r/springfield/comments/1h2c9zz/st_elsewhere_hospital_dad_fell_on_the_ward_and/");
    EXPECT_EQ(fall.text,
              "St Elsewhere Hospital: dad fell on the ward and nobody came\n\nMy father fell in ward 7 last night & "
              "nobody came for 40 minutes after we pressed the call bell. He is 82. This is not safe.");
    ASSERT_TRUE(fall.posted_at.has_value());
    EXPECT_EQ(std::chrono::system_clock::to_time_t(*fall.posted_at), 1764056472);
}

TEST(RedditWire, LinkOnlyPostIsItsTitle) {
    const auto page = Page(Fixture("search_new.json"));
    EXPECT_EQ(page.items[1].text,
              "Shoutout to the physio team at St Elsewhere & Dr. Rao, back on my feet after 6 weeks");
}

TEST(RedditWire, RemovedPostKeepsItsTitleAndLosesItsDeletedAuthor) {
    const auto page = Page(Fixture("search_new.json"));
    const auto& removed = page.items[2];
    EXPECT_EQ(removed.text, "Anyone else get billed twice by St Elsewhere?");
    EXPECT_TRUE(removed.author.empty());
}

TEST(RedditWire, CommentsKeepThreadAndParentAndSkipDeletedOrRemovedBodies) {
    const auto page = Page(Fixture("comments_new.json"));
    ASSERT_EQ(page.items.size(), 2U);
    EXPECT_EQ(page.gone, 2U);
    // Gone comments still count as read: they must not come back as new.
    EXPECT_EQ(page.fullnames.size(), 4U);

    const auto& billing = page.items[0];
    EXPECT_EQ(billing.external_id, "t1_lz9a006");
    EXPECT_EQ(billing.thread_id, "t3_1h2b000");
    EXPECT_EQ(billing.reply_to, "t1_lz9a001");
    EXPECT_EQ(billing.text, "The billing office told me \"it is the system\" > and hung up. Third time this month.");

    const auto& hinglish = page.items[1];
    EXPECT_EQ(hinglish.reply_to, "t3_1h2b111");
    EXPECT_TRUE(IsValidUtf8(hinglish.text));
    EXPECT_EQ(hinglish.text.find("&#x200B;"), std::string::npos);
}

TEST(RedditWire, UnusableChildrenBecomeBadRecordsAndMoreStubsAreSkipped) {
    const auto page = Page(Fixture("bad_children.json"));
    ASSERT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.items[0].author, "u/promo_bot_99");
    ASSERT_EQ(page.bad_records.size(), 2U);
    EXPECT_EQ(page.bad_records[0].reason, "child without a fullname");
    EXPECT_EQ(page.bad_records[0].locator, "listing#0");
    EXPECT_EQ(page.bad_records[1].reason, "body is not a string");
    EXPECT_EQ(page.bad_records[1].locator, "t1_lz9b001");
    EXPECT_EQ(page.fullnames, (std::vector<std::string>{"t1_lz9b001", "t3_1h2d001"}));
}

TEST(RedditWire, QuarantinedChildReplaysOnceFixed) {
    const auto page = Page(Fixture("bad_children.json"));
    std::string raw = page.bad_records[1].raw;
    const auto still = ParseQuarantinedRecord(raw, "reddit_city", "t1_lz9b001");
    ASSERT_TRUE(std::holds_alternative<BadRecord>(still));
    EXPECT_EQ(std::get<BadRecord>(still).reason, "body is not a string");
    raw.replace(raw.find("\"body\":12"), 9, R"("body":"fixed")");
    const auto fixed = ParseQuarantinedRecord(raw, "reddit_city", "t1_lz9b001");
    ASSERT_TRUE(std::holds_alternative<RawItem>(fixed));
    EXPECT_EQ(std::get<RawItem>(fixed).external_id, "t1_lz9b001");
    EXPECT_EQ(std::get<RawItem>(fixed).text, "fixed");
}

TEST(RedditWire, EmptyListingHasNoItemsAndNoPaging) {
    const auto page = Page(Fixture("empty.json"));
    EXPECT_TRUE(page.items.empty());
    EXPECT_TRUE(page.fullnames.empty());
    EXPECT_TRUE(page.after.empty());
    EXPECT_TRUE(page.before.empty());
}

TEST(RedditWire, HostileBodiesAreErrorsNotCrashes) {
    EXPECT_NE(Error(R"({"kind":"Listing","data":{"children":[{"kind":"t1")"), "");
    EXPECT_NE(Error(std::string(100000, '[')), "");
    EXPECT_NE(Error(R"({"kind":"t3","data":{}})"), "");
    EXPECT_NE(Error(R"({"kind":"Listing","data":{"children":{}}})"), "");
    EXPECT_NE(Error(R"({"kind":"Listing","data":{"after":5,"children":[]}})"), "");
    EXPECT_NE(Error("{\"kind\":\"Listing\",\"data\":{\"after\":\"\xc3\x28\",\"children\":[]}}"), "");
    EXPECT_NE(Error(std::string(kMaxPageBytes + 1, ' ')), "");
}

TEST(RedditWire, TokenResponseGivesTokenAndLifetimeOrTheRefusal) {
    const auto parsed = ParseTokenResponse(Fixture("token.json"));
    ASSERT_TRUE(std::holds_alternative<TokenResponse>(parsed));
    EXPECT_FALSE(std::get<TokenResponse>(parsed).access_token.empty());
    EXPECT_EQ(std::get<TokenResponse>(parsed).expires_in, 86400);

    const auto refused = ParseTokenResponse(Fixture("token_refused.json"));
    ASSERT_TRUE(std::holds_alternative<TokenResponse>(refused));
    EXPECT_TRUE(std::get<TokenResponse>(refused).access_token.empty());
    EXPECT_EQ(std::get<TokenResponse>(refused).error, "401");

    const auto grant = ParseTokenResponse(R"({"error":"invalid_grant"})");
    EXPECT_EQ(std::get<TokenResponse>(grant).error, "invalid_grant");
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseTokenResponse("<html>")));
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseTokenResponse(R"({"token_type":"bearer"})")));
}

TEST(RedditWire, DemoListingsParseWithoutBadRecords) {
    const auto search = Page(Fixture("../../../demo/upstreams/reddit/search_springfield.json"));
    EXPECT_EQ(search.items.size(), 4U);
    EXPECT_TRUE(search.bad_records.empty());
    const auto comments = Page(Fixture("../../../demo/upstreams/reddit/comments_stelsewhere.json"));
    EXPECT_EQ(comments.items.size(), 2U);
    EXPECT_TRUE(comments.bad_records.empty());
    EXPECT_TRUE(std::holds_alternative<TokenResponse>(
        ParseTokenResponse(Fixture("../../../demo/upstreams/reddit/token.json"))));
}

TEST(RedditWire, UrlEncodingKeepsUnreservedOnly) {
    EXPECT_EQ(UrlEncode("\"St Elsewhere\" OR StElsewhereHosp"), "%22St%20Elsewhere%22%20OR%20StElsewhereHosp");
    EXPECT_EQ(UrlEncode("a-b_c.d~"), "a-b_c.d~");
}

}  // namespace
}  // namespace carelisten::connectors::reddit
