#include <gtest/gtest.h>

#include <connectors/rss/rss_connector.hpp>
#include <connectors/rss/rss_wire.hpp>
#include <map>
#include <mutex>
#include <support/fake_upstream.hpp>

#include "reviews_connector_harness.hpp"
#include "fixture_file.hpp"

namespace carelisten::connectors::rss {
namespace {

using carelisten::testing::ConnectorHarness;
using carelisten::testing::ErrcOf;
using carelisten::testing::FakeResponse;
using carelisten::testing::FakeUpstream;
using carelisten::testing::ReadFixture;
using carelisten::testing::RecordedRequest;

std::string Rss(const std::vector<std::pair<std::string, std::string>>& items) {  // (guid, pubDate), newest first
    std::string xml = R"(<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>)";
    for (const auto& [guid, date] : items) {
        xml += "<item><guid>https://news.example.org/" + guid + "</guid><title>Story " + guid +
               " about St Elsewhere</title><pubDate>" + date + "</pubDate></item>";
    }
    return xml + "</channel></rss>";
}

FakeResponse Xml(std::string body, int status = 200) {
    FakeResponse response;
    response.status = status;
    response.body = std::move(body);
    response.content_type = "application/rss+xml; charset=utf-8";
    return response;
}

// Serves a document per path; honours If-None-Match against the ETag it sent.
class FeedFake {
public:
    FeedFake() {
        fake_.Route("GET", "/", [this](const RecordedRequest& request) {
            std::lock_guard lock(mutex_);
            if (override_) {
                return *override_;
            }
            const auto it = documents_.find(request.path);
            if (it == documents_.end()) {
                return Xml("<html>not found</html>", 404);
            }
            const auto& [body, etag] = it->second;
            if (!etag.empty() && request.Header("if-none-match") == etag) {
                return Xml("", 304);
            }
            auto response = Xml(body);
            if (!etag.empty()) {
                response.headers = {{"ETag", etag}, {"Last-Modified", "Tue, 03 Nov 2026 10:00:00 GMT"}};
            }
            return response;
        });
    }
    void Set(const std::string& path, std::string body, std::string etag = "") {
        std::lock_guard lock(mutex_);
        documents_[path] = {std::move(body), std::move(etag)};
    }
    void Override(std::optional<FakeResponse> response) {
        std::lock_guard lock(mutex_);
        override_ = std::move(response);
    }
    std::string Url(const std::string& path) const { return fake_.BaseUrl() + path; }
    FakeUpstream& Upstream() { return fake_; }

private:
    std::mutex mutex_;
    std::map<std::string, std::pair<std::string, std::string>> documents_;
    std::optional<FakeResponse> override_;
    FakeUpstream fake_;
};

class RssConnectorTest : public ::testing::Test {
protected:
    std::unique_ptr<RssConnector> Make(std::vector<std::string> paths, std::int64_t max_seen_ids = 500) {
        auto settings = DefaultSettings(Factory().settings);
        std::vector<std::string> urls;
        for (const auto& path : paths) {
            urls.push_back(feeds_.Url(path));
        }
        settings.Set("feeds", urls);
        settings.Set("max_seen_ids", max_seen_ids);
        return std::make_unique<RssConnector>("news", settings, harness_.Context());
    }

    static std::vector<std::string> Ids(const Batch& batch) {
        std::vector<std::string> ids;
        for (const auto& item : batch.items) {
            ids.push_back(item.external_id);
        }
        return ids;
    }

    FeedFake feeds_;
    ConnectorHarness harness_;
};

TEST_F(RssConnectorTest, ReadsRssAndAtomFeedsOldestFirstAndThenAsksConditionally) {
    feeds_.Set("/health.xml", ReadFixture("rss/news_rss2.xml"), "\"v1\"");
    feeds_.Set("/alerts.atom", ReadFixture("rss/alerts_atom.xml"));
    auto connector = Make({"/health.xml", "/alerts.atom"});
    auto first = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(first.Ok()) << first.Error().detail;
    EXPECT_EQ(first.Value().items.size(), 5U);
    ASSERT_EQ(first.Value().bad_records.size(), 1U);
    EXPECT_EQ(first.Value().bad_records[0].reason, "item has neither guid nor link");
    EXPECT_EQ(first.Value().items[0].external_id, "https://news.example.org/health/2026/11/01/opd-timings");
    EXPECT_EQ(first.Value().items[0].channel, "social");
    EXPECT_EQ(first.Value().items[4].external_id, "tag:alerts.example.org,2026:1103-insulin");
    const auto cursor = DecodeCursor(*first.Value().next_cursor);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(cursor->at(feeds_.Url("/health.xml")).etag, "\"v1\"");
    EXPECT_EQ(cursor->at(feeds_.Url("/health.xml")).newest, "2026-11-03T09:30:00Z");

    auto second = harness_.Fetch(*connector, first.Value().next_cursor);
    ASSERT_TRUE(second.Ok()) << second.Error().detail;
    EXPECT_TRUE(second.Value().items.empty());
    EXPECT_TRUE(second.Value().bad_records.empty()) << "a bad item is quarantined once";
    const auto requests = feeds_.Upstream().Requests();
    EXPECT_EQ(requests[2].Header("if-none-match"), "\"v1\"");
    EXPECT_EQ(requests[2].Header("if-modified-since"), "Tue, 03 Nov 2026 10:00:00 GMT");
}

TEST_F(RssConnectorTest, ReturnsOnlyItemsNotSeenBefore) {
    feeds_.Set("/feed.xml", Rss({{"b", "Tue, 03 Nov 2026 09:00:00 GMT"}, {"a", "Mon, 02 Nov 2026 09:00:00 GMT"}}));
    auto connector = Make({"/feed.xml"});
    auto first = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(first.Ok());
    EXPECT_EQ(Ids(first.Value()),
              (std::vector<std::string>{"https://news.example.org/a", "https://news.example.org/b"}));
    feeds_.Set("/feed.xml", Rss({{"c", "Wed, 04 Nov 2026 09:00:00 GMT"}, {"b", "Tue, 03 Nov 2026 09:00:00 GMT"}}));
    auto second = harness_.Fetch(*connector, first.Value().next_cursor);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(Ids(second.Value()), std::vector<std::string>{"https://news.example.org/c"});
}

TEST_F(RssConnectorTest, ABudgetCutDropsTheValidatorsSoTheRestComesNextTime) {
    feeds_.Set("/feed.xml",
               Rss({{"c", "Wed, 04 Nov 2026 09:00:00 GMT"},
                    {"b", "Tue, 03 Nov 2026 09:00:00 GMT"},
                    {"a", "Mon, 02 Nov 2026 09:00:00 GMT"}}),
               "\"v7\"");
    auto connector = Make({"/feed.xml"});
    auto first = harness_.Fetch(*connector, std::nullopt, 2);
    ASSERT_TRUE(first.Ok());
    EXPECT_EQ(Ids(first.Value()),
              (std::vector<std::string>{"https://news.example.org/a", "https://news.example.org/b"}));
    EXPECT_TRUE(first.Value().has_more);
    EXPECT_EQ(DecodeCursor(*first.Value().next_cursor)->at(feeds_.Url("/feed.xml")).etag, "");
    auto second = harness_.Fetch(*connector, first.Value().next_cursor, 2);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(Ids(second.Value()), std::vector<std::string>{"https://news.example.org/c"});
    EXPECT_FALSE(second.Value().has_more);
}

TEST_F(RssConnectorTest, TheSeenListStaysBoundedWithoutForgettingWhatTheFeedStillCarries) {
    std::vector<std::pair<std::string, std::string>> items;
    for (int i = 0; i < 40; ++i) {
        items.emplace_back("old" + std::to_string(i), "Mon, 02 Nov 2026 09:00:00 GMT");
    }
    feeds_.Set("/feed.xml", Rss(items));
    auto connector = Make({"/feed.xml"}, 50);
    auto first = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(first.Ok());
    std::vector<std::pair<std::string, std::string>> fresh;
    for (int i = 0; i < 30; ++i) {
        fresh.emplace_back("new" + std::to_string(i), "Tue, 03 Nov 2026 09:00:00 GMT");
    }
    feeds_.Set("/feed.xml", Rss(fresh));
    auto second = harness_.Fetch(*connector, first.Value().next_cursor);
    ASSERT_TRUE(second.Ok());
    EXPECT_EQ(second.Value().items.size(), 30U);
    const auto cursor = DecodeCursor(*second.Value().next_cursor);
    const auto& seen = cursor->at(feeds_.Url("/feed.xml")).seen;
    EXPECT_EQ(seen.size(), 50U);
    EXPECT_EQ(std::count_if(seen.begin(), seen.end(),
                            [](const auto& key) { return key.find("org/new") != std::string::npos; }),
              30);
    auto third = harness_.Fetch(*connector, second.Value().next_cursor);
    ASSERT_TRUE(third.Ok());
    EXPECT_TRUE(third.Value().items.empty());
}

TEST_F(RssConnectorTest, MalformedAndHostileDocumentsFailTheFetchAsMalformed) {
    auto connector = Make({"/feed.xml"});
    for (const std::string& body :
         {std::string("<rss><channel><item>"), ReadFixture("rss/xxe.xml"), ReadFixture("rss/billion_laughs.xml"),
          std::string(100000, '<'), std::string("{\"not\":\"xml\"}"), std::string(kMaxFeedBytes + 10, ' ')}) {
        feeds_.Set("/feed.xml", body);
        auto result = harness_.Fetch(*connector, std::nullopt);
        ASSERT_FALSE(result.Ok());
        EXPECT_EQ(ErrcOf(result), ConnectorErrc::kMalformed) << body.substr(0, 30);
    }
}

TEST_F(RssConnectorTest, A429WithRetryAfterIsRateLimited) {
    auto limited = Xml("slow down", 429);
    limited.headers = {{"Retry-After", "90"}};
    feeds_.Override(limited);
    auto connector = Make({"/feed.xml"});
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRateLimited);
    ASSERT_TRUE(result.Error().retry_at.has_value());
    EXPECT_GE(*result.Error().retry_at, std::chrono::system_clock::now() + std::chrono::seconds(80));
}

TEST_F(RssConnectorTest, ServerErrorsAndBrokenTransfersAreRetryLaterAndAGoneFeedIsPermanent) {
    auto connector = Make({"/feed.xml"});
    feeds_.Override(Xml("<html>oops</html>", 502));
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);

    auto truncated = Xml(Rss({{"a", "Mon, 02 Nov 2026 09:00:00 GMT"}}));
    truncated.truncate = true;
    feeds_.Override(truncated);
    result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);

    auto stalled = Xml(Rss({}));
    stalled.stall = true;
    feeds_.Override(stalled);
    result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kRetryLater);

    feeds_.Override(std::nullopt);  // nothing at /feed.xml: 404
    result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_FALSE(result.Ok());
    EXPECT_EQ(ErrcOf(result), ConnectorErrc::kPermanent);
    EXPECT_NE(result.Error().detail.find("sources.news.feeds"), std::string::npos);
}

TEST_F(RssConnectorTest, AnEmptyFeedGivesAnEmptyBatch) {
    feeds_.Set("/feed.xml", Rss({}));
    auto connector = Make({"/feed.xml"});
    auto result = harness_.Fetch(*connector, std::nullopt);
    ASSERT_TRUE(result.Ok());
    EXPECT_TRUE(result.Value().items.empty());
}

TEST(RssFactory, BuildsWithoutAnHttpRuntimeAndReparsesQuarantinedItems) {
    auto connector = Factory().create("news", DefaultSettings(Factory().settings), ConnectorContext{});
    ASSERT_NE(connector, nullptr);
    const auto item = connector->ParseRecord("<item><guid>42</guid><title>Fixed</title></item>",
                                             "https://news.example.org/rss.xml#fnv123");
    EXPECT_EQ(std::get<RawItem>(item).external_id, "https://news.example.org/rss.xml#42");
    const auto bad = connector->ParseRecord("<item><title>still no id</title></item>", "https://x.example/f#fnv1");
    EXPECT_EQ(std::get<BadRecord>(bad).reason, "item has neither guid nor link");
}

}  // namespace
}  // namespace carelisten::connectors::rss
