#include <gtest/gtest.h>

#include <chrono>
#include <connectors/rss/rss_wire.hpp>
#include <string>

#include "fixture_file.hpp"

namespace carelisten::connectors::rss {
namespace {

using carelisten::testing::ReadFixture;

const FeedContext kContext{"news", "https://news.example.org/health/rss.xml", "social"};

Feed Parse(std::string_view document) {
    auto parsed = ParseFeed(document, kContext);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<Feed>(std::move(parsed));
}

std::string Error(std::string_view document) {
    auto parsed = ParseFeed(document, kContext);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(RssWire, ParsesAnRss2FeedWithHtmlDescriptionsAsText) {
    const auto feed = Parse(ReadFixture("rss/news_rss2.xml"));
    EXPECT_EQ(feed.format, "rss");
    ASSERT_EQ(feed.entries.size(), 4U);
    const auto& item = std::get<RawItem>(feed.entries[0].record);
    EXPECT_EQ(item.source, "news");
    EXPECT_EQ(item.channel, "social");
    EXPECT_EQ(item.external_id, "https://news.example.org/health/2026/11/03/st-elsewhere-fall");
    EXPECT_EQ(item.url, "https://news.example.org/health/2026/11/03/st-elsewhere-fall");
    EXPECT_EQ(item.author, "Health desk");
    EXPECT_EQ(item.language_hint, "en");
    EXPECT_EQ(item.text,
              "Patient fall on St Elsewhere Hospital ward prompts review\n\n"
              "An elderly patient fell on ward 4 at St Elsewhere Hospital on Sunday night.\n\n"
              "The family says no nurse answered the call bell for 40 minutes.");
    EXPECT_EQ(item.posted_at, ParseRfc3339("2026-11-03T09:30:00Z"));
    EXPECT_EQ(feed.entries[0].key, item.external_id);
}

TEST(RssWire, ABareGuidIsScopedToItsFeedAndContentEncodedWinsOverDescription) {
    const auto feed = Parse(ReadFixture("rss/news_rss2.xml"));
    const auto& item = std::get<RawItem>(feed.entries[1].record);
    EXPECT_EQ(item.external_id, "https://news.example.org/health/rss.xml#news-88213");
    EXPECT_EQ(item.url, "https://news.example.org/business/st-elsewhere-cement");
    EXPECT_EQ(item.author, "Business Reporter");  // the e-mail address of <author> is not kept
    EXPECT_EQ(item.text,
              "St Elsewhere Cement wins tender for new flyover\n\n"
              "St Elsewhere Cement & Allied Ltd won the ₹40 crore contract.\nWork starts in January.");
    EXPECT_EQ(item.posted_at, ParseRfc3339("2026-11-02T12:35:00Z"));  // two-digit year, +0530, no seconds
}

TEST(RssWire, AnItemWithoutGuidOrLinkIsABadRecordKeepingItsXml) {
    const auto feed = Parse(ReadFixture("rss/news_rss2.xml"));
    const auto& bad = std::get<BadRecord>(feed.entries[2].record);
    EXPECT_EQ(bad.reason, "item has neither guid nor link");
    EXPECT_TRUE(bad.locator.starts_with("https://news.example.org/health/rss.xml#fnv"));
    EXPECT_NE(bad.raw.find("<title>No identity at all</title>"), std::string::npos);
    EXPECT_EQ(feed.entries[2].key, bad.locator);
    EXPECT_EQ(std::get<std::string>(ParseEntryXml(bad.raw, kContext)), "item has neither guid nor link");
}

TEST(RssWire, TheLinkIsTheIdentityWhenThereIsNoGuid) {
    const auto feed = Parse(ReadFixture("rss/news_rss2.xml"));
    const auto& item = std::get<RawItem>(feed.entries[3].record);
    EXPECT_EQ(item.external_id, "https://news.example.org/health/2026/11/01/opd-timings");
    EXPECT_EQ(item.text, "सेंट एल्सव्हेयर अस्पताल की ओपीडी का समय बदला");
    EXPECT_EQ(item.posted_at, ParseRfc3339("2026-11-01T01:30:00Z"));
}

TEST(RssWire, ParsesAnAtomFeedWithXhtmlAndHtmlText) {
    const auto feed = Parse(ReadFixture("rss/alerts_atom.xml"));
    EXPECT_EQ(feed.format, "atom");
    ASSERT_EQ(feed.entries.size(), 2U);
    const auto& item = std::get<RawItem>(feed.entries[0].record);
    EXPECT_EQ(item.external_id, "tag:alerts.example.org,2026:1103-insulin");
    EXPECT_EQ(item.url, "https://alerts.example.org/2026/1103-insulin");
    EXPECT_EQ(item.author, "Medicines Safety Unit");
    EXPECT_EQ(item.language_hint, "en");
    EXPECT_EQ(item.text,
              "Wrong-strength insulin pens dispensed at St Elsewhere pharmacy\n\n"
              "Patients given pens on 2 November should stop using them.\n\nCall 1800 000 000 & return them.");
    EXPECT_EQ(item.posted_at, ParseRfc3339("2026-11-03T02:30:00Z"));  // published wins over updated

    const auto& hindi = std::get<RawItem>(feed.entries[1].record);
    EXPECT_EQ(hindi.external_id, "https://news.example.org/health/rss.xml#2026-1102-hi");
    EXPECT_EQ(hindi.language_hint, "hi");
    EXPECT_EQ(hindi.text, "दवा चेतावनी\n\nसभी मरीज़ ध्यान दें।");
    EXPECT_EQ(hindi.posted_at, ParseRfc3339("2026-11-02T08:00:00Z"));
}

TEST(RssWire, AQuarantinedAtomEntryReparsesOnItsOwn) {
    const auto item = ParseEntryXml(
        R"(<entry xmlns="http://www.w3.org/2005/Atom"><id>urn:x:1</id><title>Billing error</title></entry>)", kContext);
    EXPECT_EQ(std::get<RawItem>(item).external_id, "urn:x:1");
    EXPECT_EQ(std::get<RawItem>(item).text, "Billing error");
    EXPECT_EQ(std::get<std::string>(ParseEntryXml("<channel/>", kContext)), "not an <item> or <entry>");
}

TEST(RssWire, RefusesEntityExpansionAttacks) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(Error(ReadFixture("rss/billion_laughs.xml")).empty(), false);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    const std::string xxe = Error(ReadFixture("rss/xxe.xml"));
    EXPECT_FALSE(xxe.empty());
}

TEST(RssWire, NeverLoadsAnExternalDtd) {
    // The DTD URL points at a closed port: with loading disabled the document parses without touching it.
    const auto feed = Parse(ReadFixture("rss/xxe_external_dtd.xml"));
    ASSERT_EQ(feed.entries.size(), 1U);
    EXPECT_EQ(std::get<RawItem>(feed.entries[0].record).text, "plain");
}

TEST(RssWire, MalformedAndForeignDocumentsAreErrors) {
    EXPECT_NE(Error("<rss><channel><item>"), "");
    EXPECT_NE(Error(""), "");
    EXPECT_NE(Error("{\"data\":[]}"), "");
    EXPECT_EQ(Error("<html><body/></html>"), "root element <html> is neither rss, RDF nor feed");
    EXPECT_NE(Error(std::string(100000, '<')), "");
    EXPECT_NE(Error(std::string(kMaxFeedBytes + 1, ' ')), "");
    std::string deep;
    for (int i = 0; i < 100000; ++i) {
        deep += "<a>";
    }
    EXPECT_NE(Error(deep), "");
}

TEST(RssWire, AnEmptyChannelHasNoEntries) {
    EXPECT_TRUE(Parse(R"(<rss version="2.0"><channel><title>t</title></channel></rss>)").entries.empty());
}

TEST(RssWire, Latin1FeedsComeOutAsUtf8) {
    const std::string latin1 =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><item><guid>g:1</guid>"
        "<title>Caf\xe9 closed</title></item></channel></rss>";
    const auto feed = Parse(latin1);
    ASSERT_EQ(feed.entries.size(), 1U);
    EXPECT_EQ(std::get<RawItem>(feed.entries[0].record).text, "Café closed");
}

TEST(RssWire, ParsesRfc822DatesAsFeedsWriteThem) {
    EXPECT_EQ(ParseRfc822Date("Tue, 03 Nov 2026 09:30:00 GMT"), ParseRfc3339("2026-11-03T09:30:00Z"));
    EXPECT_EQ(ParseRfc822Date("03 Nov 2026 09:30:00 EST"), ParseRfc3339("2026-11-03T14:30:00Z"));
    EXPECT_EQ(ParseRfc822Date("Tue, 3 Nov 2026 09:30 -0130"), ParseRfc3339("2026-11-03T11:00:00Z"));
    EXPECT_EQ(ParseRfc822Date("2026-11-03T09:30:00Z"), ParseRfc3339("2026-11-03T09:30:00Z"));
    EXPECT_FALSE(ParseRfc822Date("yesterday").has_value());
    EXPECT_FALSE(ParseRfc822Date("Tue, 31 Feb 2026 09:30:00 GMT").has_value());
    EXPECT_FALSE(ParseRfc822Date("Tue, 03 Nov 2026 25:30:00 GMT").has_value());
}

TEST(RssWire, HtmlToTextDropsMarkupAndDecodesReferences) {
    EXPECT_EQ(HtmlToText("<p>Hello <b>world</b></p><p>again</p>"), "Hello world\n\nagain");
    EXPECT_EQ(HtmlToText("a<br>b<br/><br/>c"), "a\nb\n\nc");
    EXPECT_EQ(HtmlToText("x<script>alert('<p>')</script>y<style>p{}</style>z"), "x y z");
    EXPECT_EQ(HtmlToText("<a href=\"x>y\">link</a> &amp; &lt;3 &#x1F44D; &#128077; &bogus; &#xD800;"),
              "link & <3 👍 👍 &bogus; \xEF\xBF\xBD");
    EXPECT_EQ(HtmlToText("<!-- hidden -->  spaced\t\tout  "), "spaced out");
    EXPECT_EQ(HtmlToText("1 < 2"), "1 < 2");
}

TEST(RssWire, TheDemoUpstreamsSpeakTheWireFormat) {
    const auto news = Parse(carelisten::testing::ReadSourceTreeFile("demo/upstreams/rss/health_news.xml"));
    ASSERT_EQ(news.entries.size(), 4U);
    const auto alerts = Parse(carelisten::testing::ReadSourceTreeFile("demo/upstreams/rss/safety_alerts.xml"));
    ASSERT_EQ(alerts.entries.size(), 1U);
    for (const auto* feed : {&news, &alerts}) {
        for (const auto& entry : feed->entries) {
            ASSERT_TRUE(std::holds_alternative<RawItem>(entry.record));
        }
    }
}

}  // namespace
}  // namespace carelisten::connectors::rss
