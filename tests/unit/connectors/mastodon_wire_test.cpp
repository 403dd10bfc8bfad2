// The Mastodon wire parser on recorded pages (tests/fixtures/mastodon).
#include <gtest/gtest.h>

#include <connectors/mastodon/mastodon_wire.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace carelisten::connectors::mastodon {
namespace {

std::string Fixture(const std::string& name) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    EXPECT_NE(source_dir, nullptr);
    std::ifstream in(std::string(source_dir ? source_dir : ".") + "/tests/fixtures/mastodon/" + name);
    EXPECT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const WireOptions kOptions{.source = "mastodon_tags", .instance_host = "mastodon.example"};

StatusPage TimelinePage(const std::string& body) {
    auto parsed = ParseTimelinePage(body, kOptions);
    EXPECT_TRUE(std::holds_alternative<StatusPage>(parsed));
    return std::holds_alternative<StatusPage>(parsed) ? std::get<StatusPage>(parsed) : StatusPage{};
}

TEST(MastodonWire, TimelinePageGivesItemsBadRecordsAndTheNewestId) {
    const auto page = TimelinePage(Fixture("tag_timeline_page.json"));
    EXPECT_EQ(page.statuses, 5U);
    ASSERT_EQ(page.items.size(), 3U);
    ASSERT_EQ(page.bad_records.size(), 2U);
    EXPECT_EQ(page.newest_id, "113502884110300007");

    const RawItem& praise = page.items[0];
    EXPECT_EQ(praise.source, "mastodon_tags");
    EXPECT_EQ(praise.external_id, "113502884110300007");
    EXPECT_EQ(praise.channel, "social");
    EXPECT_EQ(praise.text,
              "Huge thanks to the night nurses on Ward 7 at St Elsewhere Hospital. They checked on my dad every "
              "hour & explained every medicine. #StElsewhere");
    EXPECT_EQ(praise.author, "mira_k@mastodon.example");  // local acct qualified with the instance
    EXPECT_EQ(praise.url, "https://mastodon.example/@mira_k/113502884110300007");
    EXPECT_EQ(praise.language_hint, "en");
    EXPECT_TRUE(praise.reply_to.empty());
    EXPECT_TRUE(praise.version.empty());
    ASSERT_TRUE(praise.posted_at.has_value());
    EXPECT_EQ(*praise.posted_at, *ParseRfc3339("2026-11-02T09:41:07Z"));
    EXPECT_FALSE(ValidateRawItem(praise).has_value());
}

TEST(MastodonWire, BoostIsStoredAsTheOriginalStatus) {
    const auto page = TimelinePage(Fixture("tag_timeline_page.json"));
    const RawItem& boost = page.items[1];
    EXPECT_EQ(boost.external_id, "113502700400100001");  // the original's id, not the boost's
    EXPECT_EQ(boost.author, "pat_o@health.example");
    EXPECT_EQ(boost.url, "https://health.example/@pat_o/113502700400100001");
    EXPECT_EQ(boost.text,
              "Waited 6 hours in A&E at @StElsewhereHosp with a broken wrist.\nNobody told us anything. Not good "
              "enough. #StElsewhere");
    ASSERT_TRUE(boost.posted_at.has_value());
    EXPECT_EQ(*boost.posted_at, *ParseRfc3339("2026-11-02T08:54:12Z"));
}

TEST(MastodonWire, EditedReplyWithContentWarningKeepsVersionReplyAndWarning) {
    const auto page = TimelinePage(Fixture("tag_timeline_page.json"));
    const RawItem& hindi = page.items[2];
    EXPECT_EQ(hindi.external_id, "113502800300500005");
    EXPECT_EQ(hindi.reply_to, "113502700400100001");
    EXPECT_EQ(hindi.version, "2026-11-02T09:25:03.000Z");
    EXPECT_EQ(hindi.language_hint, "hi");
    EXPECT_EQ(hindi.text, "billing\n\nसेंट एल्सव्हेयर अस्पताल में बिल दो बार लिया गया। कोई जवाब नहीं दे रहा।\n\n#StElsewhere");
}

TEST(MastodonWire, UnusableStatusesBecomeBadRecordsWithReasonAndRawJson) {
    const auto page = TimelinePage(Fixture("tag_timeline_page.json"));
    const BadRecord& no_id = page.bad_records[0];
    EXPECT_EQ(no_id.reason, "missing or invalid id");
    EXPECT_TRUE(no_id.locator.starts_with("status-fingerprint:"));
    EXPECT_NE(no_id.raw.find("a status without an id"), std::string::npos);
    const BadRecord& wrong_type = page.bad_records[1];
    EXPECT_EQ(wrong_type.locator, "status:113502750300400003");
    EXPECT_EQ(wrong_type.reason, "content is not a string");
    // The quarantined record replays through the same parser with the same verdict.
    const auto replay = ParseStatusRecord(wrong_type.raw, kOptions);
    ASSERT_TRUE(std::holds_alternative<std::string>(replay));
    EXPECT_EQ(std::get<std::string>(replay), "content is not a string");
}

TEST(MastodonWire, HugeRecordIsQuarantinedTruncated) {
    const std::string big = "[{\"id\":\"5\",\"content\":42,\"pad\":\"" + std::string(200'000, 'x') + "\"}]";
    const auto page = TimelinePage(big);
    ASSERT_EQ(page.bad_records.size(), 1U);
    EXPECT_TRUE(page.bad_records[0].raw_truncated);
    EXPECT_EQ(page.bad_records[0].raw.size(), kMaxQuarantineRawBytes);
}

TEST(MastodonWire, SearchPageReadsStatuses) {
    auto parsed = ParseSearchPage(Fixture("search_page.json"), kOptions);
    ASSERT_TRUE(std::holds_alternative<StatusPage>(parsed));
    const auto& page = std::get<StatusPage>(parsed);
    ASSERT_EQ(page.items.size(), 2U);
    EXPECT_EQ(page.newest_id, "113503100000900012");
    EXPECT_NE(page.items[0].text.find("The call bell wasn't working."), std::string::npos);
    EXPECT_EQ(page.items[1].text, "St Elsewhere FC 2 \u2013 0 Riverside. What a match! \u26BD");
}

TEST(MastodonWire, EmptyPages) {
    EXPECT_EQ(TimelinePage("[]").statuses, 0U);
    EXPECT_FALSE(TimelinePage("[]").newest_id.has_value());
    auto search = ParseSearchPage(R"({"accounts":[],"statuses":[],"hashtags":[]})", kOptions);
    ASSERT_TRUE(std::holds_alternative<StatusPage>(search));
    EXPECT_TRUE(std::get<StatusPage>(search).items.empty());
}

TEST(MastodonWire, BodiesThatAreNotPagesAreErrorsNotCrashes) {
    for (const std::string& body : {std::string("not json"), std::string("{\"error\":\"x\"}"), std::string("[1,2"),
                                    std::string(""), std::string(100'000, '['), std::string("[\"\xC3\x28\"]")}) {
        auto parsed = ParseTimelinePage(body, kOptions);
        EXPECT_TRUE(std::holds_alternative<WireError>(parsed)) << body.substr(0, 20);
    }
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseSearchPage("[]", kOptions)));
    EXPECT_TRUE(std::holds_alternative<WireError>(ParseSearchPage(R"({"statuses":{}})", kOptions)));
}

TEST(MastodonWire, NonObjectRecordsInAnArrayAreBadRecords) {
    const auto page = TimelinePage(R"([1, "x", null, {"id": "7", "content": "<p>ok</p>"}])");
    EXPECT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.bad_records.size(), 3U);
    EXPECT_EQ(page.newest_id, "7");
}

TEST(MastodonWire, ErrorBodies) {
    EXPECT_EQ(ParseErrorMessage(Fixture("error_not_found.json")), "Record not found");
    EXPECT_EQ(ParseErrorMessage(Fixture("error_rate_limited.json")), "Too many requests");
    EXPECT_EQ(ParseErrorMessage(Fixture("error_invalid_token.json")), "The access token is invalid");
    EXPECT_FALSE(ParseErrorMessage("<html>502</html>").has_value());
}

std::string DemoFile(const std::string& name) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    std::ifstream in(std::string(source_dir ? source_dir : ".") + "/demo/upstreams/mastodon/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(MastodonWire, DemoPagesParseIntoValidItemsWithTheBoostDeduped) {
    auto timeline = ParseTimelinePage(DemoFile("tag_stelsewhere.json"), kOptions);
    ASSERT_TRUE(std::holds_alternative<StatusPage>(timeline));
    const auto& page = std::get<StatusPage>(timeline);
    EXPECT_EQ(page.items.size(), 7U);
    EXPECT_TRUE(page.bad_records.empty());
    std::set<std::string> ids;
    for (const auto& item : page.items) {
        EXPECT_FALSE(ValidateRawItem(item).has_value()) << item.external_id;
        ids.insert(item.external_id);
    }
    EXPECT_EQ(ids.size(), 6U);  // the boost is the A&E complaint itself
    auto search = ParseSearchPage(DemoFile("search_st_elsewhere.json"), kOptions);
    ASSERT_TRUE(std::holds_alternative<StatusPage>(search));
    EXPECT_EQ(std::get<StatusPage>(search).items.size(), 5U);
}

TEST(MastodonWire, IdsCompareNumerically) {
    EXPECT_TRUE(IdGreater("113502884110300007", "99999999999999999"));
    EXPECT_TRUE(IdGreater("10", "9"));
    EXPECT_FALSE(IdGreater("9", "10"));
    EXPECT_FALSE(IdGreater("5", "5"));
}

}  // namespace
}  // namespace carelisten::connectors::mastodon
