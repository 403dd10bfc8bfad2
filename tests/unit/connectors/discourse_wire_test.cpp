// The Discourse wire parser and webhook functions on recorded payloads (tests/fixtures/discourse).
#include <gtest/gtest.h>

#include <connectors/discourse/discourse_webhook.hpp>
#include <connectors/discourse/discourse_wire.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace carelisten::connectors::discourse {
namespace {

std::string Fixture(const std::string& name) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    EXPECT_NE(source_dir, nullptr);
    std::ifstream in(std::string(source_dir ? source_dir : ".") + "/tests/fixtures/discourse/" + name,
                     std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

ItemOptions Options() {
    return {.source = "patient_forum",
            .base_url = "https://community.stelsewhere.example",
            .communities = {{12, "diabetes"}, {15, "cancer"}, {18, "heart"}}};
}

PostPage Page() {
    auto parsed = ParsePostsPage(Fixture("posts_page.json"), Options());
    EXPECT_TRUE(std::holds_alternative<PostPage>(parsed));
    return std::holds_alternative<PostPage>(parsed) ? std::get<PostPage>(parsed) : PostPage{};
}

TEST(DiscourseWire, PageKeepsOrderAndIdsOfEveryEntry) {
    const auto page = Page();
    ASSERT_EQ(page.entries.size(), 7U);
    std::vector<std::int64_t> ids;
    for (const auto& entry : page.entries) {
        ids.push_back(entry.id);
    }
    EXPECT_EQ(ids, (std::vector<std::int64_t>{845, 844, 843, 842, 841, 840, 839}));
}

TEST(DiscourseWire, PostBecomesAForumItemWithTopicUrlAndCommunity) {
    const auto page = Page();
    ASSERT_TRUE(page.entries[0].item.has_value());
    const RawItem& item = *page.entries[0].item;
    EXPECT_EQ(item.source, "patient_forum");
    EXPECT_EQ(item.external_id, "845");
    EXPECT_EQ(item.channel, "forum");
    EXPECT_EQ(item.thread_id, "97");
    EXPECT_EQ(item.author, "ramesh_g");
    EXPECT_EQ(item.community, "diabetes");
    EXPECT_EQ(item.url, "https://community.stelsewhere.example/t/hospital-food-and-my-sugar-levels/97/4");
    EXPECT_EQ(item.text,
              "Dr. sahab ne bola tha sugar control mein hai, but Ward 3 ka khana bahut meetha tha. Koi "
              "dietician se baat karwa do please.");
    EXPECT_TRUE(item.version.empty());
    ASSERT_TRUE(item.posted_at.has_value());
    EXPECT_EQ(*item.posted_at, *ParseRfc3339("2026-11-02T11:20:41.512Z"));
    EXPECT_FALSE(ValidateRawItem(item).has_value());
}

TEST(DiscourseWire, ReplyToAPostOnThePageIsThatPostsIdElseTopicAndNumber) {
    const auto page = Page();
    // 845 answers post #2 of topic 97, which is post 841 on the same page.
    EXPECT_EQ(page.entries[0].item->reply_to, "841");
    // 841 answers post #1 of topic 97, which is not on the page.
    ASSERT_TRUE(page.entries[4].item.has_value());
    EXPECT_EQ(page.entries[4].item->reply_to, "topic:97#1");
}

TEST(DiscourseWire, EditedPostIsANewVersionAndCookedIsUsedWithoutRaw) {
    const auto page = Page();
    ASSERT_TRUE(page.entries[2].item.has_value());
    const RawItem& edited = *page.entries[2].item;
    EXPECT_EQ(edited.external_id, "843");
    EXPECT_EQ(edited.version, "3");
    EXPECT_EQ(edited.community, "cancer");
    // First post of a topic: the title leads; no raw, so cooked HTML becomes text.
    EXPECT_EQ(edited.text,
              "First week of chemo\n\nStarted chemo at St Elsewhere last week. The oncology nurses were wonderful "
              "\u2013 they explained every step.");
}

TEST(DiscourseWire, DeletedPostsAndSmallActionsAreSkippedNotQuarantined) {
    const auto page = Page();
    for (const std::size_t index : {1U, 3U}) {
        EXPECT_FALSE(page.entries[index].item.has_value()) << index;
        EXPECT_FALSE(page.entries[index].bad.has_value()) << index;
    }
}

TEST(DiscourseWire, PostWithoutTopicIsABadRecordThatReplaysTheSame) {
    const auto page = Page();
    ASSERT_TRUE(page.entries[5].bad.has_value());
    const BadRecord& bad = *page.entries[5].bad;
    EXPECT_EQ(bad.locator, "post:840");
    EXPECT_EQ(bad.reason, "missing topic_id");
    const auto replay = ParsePostRecord(bad.raw, Options());
    ASSERT_TRUE(std::holds_alternative<std::string>(replay));
    EXPECT_EQ(std::get<std::string>(replay), "missing topic_id");
}

TEST(DiscourseWire, UnmappedCategoryHasNoCommunity) {
    const auto page = Page();
    ASSERT_TRUE(page.entries[6].item.has_value());
    EXPECT_TRUE(page.entries[6].item->community.empty());
}

TEST(DiscourseWire, WrongTypesAreBadRecords) {
    auto parsed = ParsePostsPage(
        R"({"latest_posts":[{"id":"12","topic_id":1},{"id":13,"topic_id":"x"},{"id":14,"topic_id":1,"raw":5},7]})",
        Options());
    ASSERT_TRUE(std::holds_alternative<PostPage>(parsed));
    const auto& entries = std::get<PostPage>(parsed).entries;
    ASSERT_EQ(entries.size(), 4U);
    EXPECT_EQ(entries[0].bad->reason, "missing or invalid id");
    EXPECT_EQ(entries[1].bad->reason, "topic_id is not an integer");
    EXPECT_EQ(entries[2].bad->reason, "raw is not a string");
    EXPECT_EQ(entries[3].bad->reason, "post is not a JSON object");
    EXPECT_EQ(entries[1].id, 13);
}

TEST(DiscourseWire, BodiesThatAreNotPagesAreErrorsNotCrashes) {
    for (const std::string& body :
         {std::string("<html>Bad gateway</html>"), std::string("[]"), std::string(R"({"latest_posts":{}})"),
          std::string(100'000, '['), std::string("{\"latest_posts\":[\"\xFF\"]}")}) {
        EXPECT_TRUE(std::holds_alternative<WireError>(ParsePostsPage(body, Options()))) << body.substr(0, 20);
    }
    auto empty = ParsePostsPage(R"({"latest_posts":[]})", Options());
    ASSERT_TRUE(std::holds_alternative<PostPage>(empty));
    EXPECT_TRUE(std::get<PostPage>(empty).entries.empty());
}

TEST(DiscourseWire, DemoPageParsesIntoValidItemsAndTheCrossPostMatchesMastodonWordForWord) {
    const char* source_dir = std::getenv("CARELISTEN_SOURCE_DIR");
    std::ifstream in(std::string(source_dir ? source_dir : ".") + "/demo/upstreams/discourse/posts.json");
    std::stringstream body;
    body << in.rdbuf();
    auto parsed = ParsePostsPage(body.str(), Options());
    ASSERT_TRUE(std::holds_alternative<PostPage>(parsed));
    const auto& entries = std::get<PostPage>(parsed).entries;
    ASSERT_EQ(entries.size(), 7U);
    for (const auto& entry : entries) {
        ASSERT_TRUE(entry.item.has_value()) << entry.id;
        EXPECT_FALSE(ValidateRawItem(*entry.item).has_value()) << entry.id;
    }
    EXPECT_EQ(entries[0].item->reply_to, "2050");  // the reply's parent is on the page
    EXPECT_EQ(entries[2].item->text,
              "Waited 6 hours in A&E at St Elsewhere Hospital with a broken wrist. Nobody "
              "told us anything. Not good enough.");
    EXPECT_EQ(entries[4].item->version, "2");
}

TEST(DiscourseWire, CommunitiesParse) {
    std::string error;
    const auto map = ParseCommunities({"12:diabetes", "15:cancer", "18:heart"}, error);
    ASSERT_TRUE(map.has_value()) << error;
    EXPECT_EQ(map->at(15), "cancer");
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"diabetes"}, {"x:diabetes"}, {"12:"}, {":a"}, {"12:a", "12:b"}, {"-3:a"}}) {
        EXPECT_FALSE(ParseCommunities(bad, error).has_value()) << bad[0];
        EXPECT_FALSE(error.empty());
    }
}

TEST(DiscourseWire, RateLimitAndErrorBodies) {
    EXPECT_EQ(ParseRateLimitWaitSeconds(Fixture("rate_limited.json")), 37);
    EXPECT_FALSE(ParseRateLimitWaitSeconds(Fixture("invalid_access.json")).has_value());
    EXPECT_FALSE(ParseRateLimitWaitSeconds("Slow down, too many requests from this IP address").has_value());
    EXPECT_EQ(ParseErrorMessages(Fixture("invalid_access.json")),
              "You are not permitted to view the requested resource. The API username or key is invalid.");
}

// Signatures computed independently with the OpenSSL CLI over the exact fixture bytes:
//   openssl dgst -sha256 -hmac 'whsec-test-2f9c1e7a' -r tests/fixtures/discourse/webhook_post_created.json
constexpr std::string_view kSecret = "whsec-test-2f9c1e7a";
constexpr std::string_view kCreatedSignature =
    "sha256=c330b672b2703a553592ad4185e9bf1c7992ceb9ec12752790b9bffadc0c1085";
constexpr std::string_view kEditedSignature = "sha256=e38da429f21c4653bf3bf4f178be9e0d5ac285d5395e8faf8319c6bce9f60ff5";

TEST(DiscourseWebhook, SignatureOfTheRecordedBodyVerifies) {
    EXPECT_TRUE(VerifyDiscourseSignature(kSecret, Fixture("webhook_post_created.json"), kCreatedSignature));
    EXPECT_TRUE(VerifyDiscourseSignature(kSecret, Fixture("webhook_post_edited.json"), kEditedSignature));
    std::string upper(kCreatedSignature);
    std::transform(upper.begin() + 7, upper.end(), upper.begin() + 7, [](char c) { return std::toupper(c); });
    EXPECT_TRUE(VerifyDiscourseSignature(kSecret, Fixture("webhook_post_created.json"), upper));
}

TEST(DiscourseWebhook, AnyChangeToBodySecretOrHeaderIsRefused) {
    const std::string body = Fixture("webhook_post_created.json");
    std::string tampered = body;
    tampered[tampered.find("scan")] = 'S';
    EXPECT_FALSE(VerifyDiscourseSignature(kSecret, tampered, kCreatedSignature));
    EXPECT_FALSE(VerifyDiscourseSignature("whsec-test-2f9c1e7b", body, kCreatedSignature));
    EXPECT_FALSE(VerifyDiscourseSignature("", body, kCreatedSignature));
    EXPECT_FALSE(VerifyDiscourseSignature(kSecret, body, kCreatedSignature.substr(7)));  // no "sha256="
    EXPECT_FALSE(VerifyDiscourseSignature(kSecret, body, std::string(kCreatedSignature) + "00"));
    EXPECT_FALSE(VerifyDiscourseSignature(kSecret, body, std::string(kCreatedSignature).replace(7, 1, "g")));
    EXPECT_FALSE(VerifyDiscourseSignature(kSecret, body, "sha1=" + std::string(kCreatedSignature.substr(7))));
    EXPECT_FALSE(VerifyDiscourseSignature(kSecret, body, ""));
}

std::vector<std::pair<std::string, std::string>> Headers(std::string event) {
    return {{"content-type", "application/json"},
            {"x-discourse-instance", "https://community.stelsewhere.example"},
            {"x-discourse-event-id", "1201"},
            {"x-discourse-event-type", "post"},
            {"x-discourse-event", std::move(event)}};
}

TEST(DiscourseWebhook, PostCreatedGivesTheSameItemAsPolling) {
    auto parsed = ParseDiscourseWebhook(Headers("post_created"), Fixture("webhook_post_created.json"), Options());
    ASSERT_TRUE(std::holds_alternative<RawItem>(parsed));
    const auto& item = std::get<RawItem>(parsed);
    EXPECT_EQ(item.source, "patient_forum");
    EXPECT_EQ(item.external_id, "846");
    EXPECT_EQ(item.thread_id, "99");
    EXPECT_EQ(item.community, "heart");
    EXPECT_EQ(item.url, "https://community.stelsewhere.example/t/charged-for-a-scan-i-never-had/99/1");
    EXPECT_EQ(item.text,
              "Charged for a scan I never had\n\nThe billing office charged me for a scan I never had. "
              "Third call this week and still no refund.");
    EXPECT_TRUE(item.version.empty());
}

TEST(DiscourseWebhook, PostEditedMatchesThePolledVersion) {
    auto parsed = ParseDiscourseWebhook(Headers("post_edited"), Fixture("webhook_post_edited.json"), Options());
    ASSERT_TRUE(std::holds_alternative<RawItem>(parsed));
    const auto& pushed = std::get<RawItem>(parsed);
    const auto page = Page();
    const RawItem& polled = *page.entries[2].item;
    EXPECT_EQ(pushed.source, polled.source);
    EXPECT_EQ(pushed.external_id, polled.external_id);
    EXPECT_EQ(pushed.version, polled.version);
    EXPECT_EQ(pushed.version, "3");
    EXPECT_EQ(pushed.url, polled.url);
    EXPECT_EQ(pushed.community, polled.community);
}

TEST(DiscourseWebhook, OtherEventsAreIgnoredAndBrokenDeliveriesMalformed) {
    const std::string body = Fixture("webhook_post_created.json");
    auto kind = [&](const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload) {
        auto parsed = ParseDiscourseWebhook(headers, payload, Options());
        EXPECT_TRUE(std::holds_alternative<WebhookError>(parsed));
        return std::holds_alternative<WebhookError>(parsed) ? std::get<WebhookError>(parsed).kind
                                                            : WebhookError::Kind::kIgnored;
    };
    EXPECT_EQ(kind(Headers("ping"), R"({"ping":"OK"})"), WebhookError::Kind::kIgnored);
    EXPECT_EQ(kind(Headers("post_destroyed"), body), WebhookError::Kind::kIgnored);
    auto topic = Headers("topic_created");
    topic[3].second = "topic";
    EXPECT_EQ(kind(topic, R"({"topic":{"id":1}})"), WebhookError::Kind::kIgnored);
    EXPECT_EQ(kind({}, body), WebhookError::Kind::kMalformed);
    EXPECT_EQ(kind(Headers("post_created"), "not json"), WebhookError::Kind::kMalformed);
    EXPECT_EQ(kind(Headers("post_created"), R"({"topic":{}})"), WebhookError::Kind::kMalformed);
    EXPECT_EQ(kind(Headers("post_created"), R"({"post":{"id":"x"}})"), WebhookError::Kind::kMalformed);
    EXPECT_EQ(kind(Headers("post_created"), std::string(100'000, '[')), WebhookError::Kind::kMalformed);
}

TEST(DiscourseWebhook, SettingsOverloadReadsBaseUrlAndCommunities) {
    Settings settings;
    settings.Set("base_url", std::string("https://community.stelsewhere.example/"));
    settings.Set("communities", std::vector<std::string>{"18:heart"});
    auto parsed =
        ParseDiscourseWebhook(Headers("post_created"), Fixture("webhook_post_created.json"), "patient_forum", settings);
    ASSERT_TRUE(std::holds_alternative<RawItem>(parsed));
    EXPECT_EQ(std::get<RawItem>(parsed).community, "heart");
    EXPECT_TRUE(std::get<RawItem>(parsed).url.starts_with("https://community.stelsewhere.example/t/"));
    settings.Set("communities", std::vector<std::string>{"heart"});
    auto refused =
        ParseDiscourseWebhook(Headers("post_created"), Fixture("webhook_post_created.json"), "patient_forum", settings);
    ASSERT_TRUE(std::holds_alternative<WebhookError>(refused));
    EXPECT_EQ(std::get<WebhookError>(refused).kind, WebhookError::Kind::kMalformed);
}

}  // namespace
}  // namespace carelisten::connectors::discourse
