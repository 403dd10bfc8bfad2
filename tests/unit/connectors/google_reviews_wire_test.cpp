#include <gtest/gtest.h>

#include <connectors/google_reviews/google_reviews_wire.hpp>
#include <string>

#include "fixture_file.hpp"

namespace carelisten::connectors::google_reviews {
namespace {

using carelisten::testing::ReadFixture;

constexpr std::string_view kLocation = "accounts/104/locations/2001";

ReviewsPage ParsePage(std::string_view body) {
    auto parsed = ParseReviewsPage(body, "gbp", kLocation);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << *error;
        return {};
    }
    return std::get<ReviewsPage>(std::move(parsed));
}

TEST(GoogleReviewsWire, ParsesARecordedPageIntoReviewItems) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    ASSERT_EQ(page.entries.size(), 6U);
    EXPECT_EQ(page.next_page_token, "CiAKGjAuMjQ2NjQ2Njk2NDU1OTk0NBIA");
    EXPECT_EQ(page.total_review_count, 128);
    ASSERT_TRUE(page.average_rating.has_value());
    EXPECT_DOUBLE_EQ(*page.average_rating, 3.4);

    const auto& first = std::get<RawItem>(page.entries[0].record);
    EXPECT_EQ(first.source, "gbp");
    EXPECT_EQ(first.external_id, "AbFvOqm1");
    EXPECT_EQ(first.channel, "review");
    EXPECT_EQ(first.rating, 1);
    EXPECT_EQ(first.author, "Meera K.");
    EXPECT_EQ(first.thread_id, "accounts/104/locations/2001/reviews/AbFvOqm1");
    EXPECT_NE(first.text.find("Waited 5 hours"), std::string::npos);
    // The hospital's reply is not a patient message: it is not part of the item.
    EXPECT_EQ(first.text.find("patient relations"), std::string::npos);
    EXPECT_EQ(first.posted_at, ParseRfc3339("2026-11-03T09:30:00.123456Z"));
    EXPECT_EQ(page.entries[0].update_time, ParseRfc3339("2026-11-03T09:30:00.123456Z"));
    EXPECT_EQ(page.entries[0].review_id, "AbFvOqm1");
}

TEST(GoogleReviewsWire, AnEditedReviewIsVersionedByItsUpdateTimeAndAnUneditedOneHasNoVersion) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    EXPECT_EQ(std::get<RawItem>(page.entries[0].record).version, "2026-11-03T09:30:00.123456Z");
    EXPECT_EQ(std::get<RawItem>(page.entries[1].record).version, "");
}

TEST(GoogleReviewsWire, AnonymousReviewersHaveNoAuthor) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    const auto& item = std::get<RawItem>(page.entries[1].record);
    EXPECT_EQ(item.author, "");
    EXPECT_EQ(item.rating, 5);
}

TEST(GoogleReviewsWire, ARatingWithoutACommentIsKeptWithEmptyText) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    const auto& item = std::get<RawItem>(page.entries[2].record);
    EXPECT_EQ(item.text, "");
    EXPECT_EQ(item.rating, 4);
    EXPECT_FALSE(ValidateRawItem(item).has_value());
}

TEST(GoogleReviewsWire, KeepsThePatientsOriginalWordsOfATranslatedReview) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    const auto& item = std::get<RawItem>(page.entries[3].record);
    EXPECT_EQ(item.text, "बिलिंग काउंटर ने हमसे दो बार पैसे लिए।");
    const auto reversed = ParseReview(
        R"({"reviewId":"x","comment":"Bahut lamba wait tha\n\n(Translated by Google)\nIt was a very long wait"})",
        "gbp");
    EXPECT_EQ(std::get<RawItem>(reversed).text, "Bahut lamba wait tha");
}

TEST(GoogleReviewsWire, UnusableReviewsBecomeBadRecordsWithTheirRawJson) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    const auto& wrong_type = std::get<BadRecord>(page.entries[4].record);
    EXPECT_EQ(wrong_type.reason, "name is not a string");
    EXPECT_EQ(wrong_type.locator, "accounts/104/locations/2001/reviews/AbFvOqm5");
    EXPECT_NE(wrong_type.raw.find("\"reviewId\":\"AbFvOqm5\""), std::string::npos);
    EXPECT_EQ(page.entries[4].update_time, ParseRfc3339("2026-10-31T09:00:00Z"));

    const auto& no_id = std::get<BadRecord>(page.entries[5].record);
    EXPECT_EQ(no_id.reason, "missing reviewId and name");
    EXPECT_TRUE(no_id.locator.starts_with("accounts/104/locations/2001/reviews#fnv"));
    // The locator is stable, so a re-fetched page quarantines the same record under the same locator.
    const auto again = ParsePage(ReadFixture("google_reviews/page1.json"));
    EXPECT_EQ(std::get<BadRecord>(again.entries[5].record).locator, no_id.locator);
}

TEST(GoogleReviewsWire, AQuarantinedReviewReparsesToTheSameItem) {
    const auto page = ParsePage(ReadFixture("google_reviews/page1.json"));
    const auto& bad = std::get<BadRecord>(page.entries[4].record);
    const auto replay = ParseReview(bad.raw, "gbp");
    EXPECT_EQ(std::get<std::string>(replay), "name is not a string");
    const auto fixed = ParseReview(R"({"name":"accounts/1/locations/2/reviews/Q1","starRating":"TWO"})", "gbp");
    EXPECT_EQ(std::get<RawItem>(fixed).external_id, "Q1");
    EXPECT_EQ(std::get<RawItem>(fixed).rating, 2);
}

TEST(GoogleReviewsWire, StarRatingMapsTheEnumAndRejectsTheRest) {
    EXPECT_EQ(StarRating("ONE"), 1);
    EXPECT_EQ(StarRating("THREE"), 3);
    EXPECT_EQ(StarRating("FIVE"), 5);
    EXPECT_EQ(StarRating("STAR_RATING_UNSPECIFIED"), std::nullopt);
    EXPECT_EQ(StarRating("five"), std::nullopt);
}

TEST(GoogleReviewsWire, AnEmptyLocationPageHasNoEntriesAndNoToken) {
    const auto page = ParsePage(R"({"averageRating":0,"totalReviewCount":0})");
    EXPECT_TRUE(page.entries.empty());
    EXPECT_EQ(page.next_page_token, "");
}

TEST(GoogleReviewsWire, HostileBodiesAreErrorsNotCrashes) {
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseReviewsPage("{\"reviews\": [", "gbp", kLocation)));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseReviewsPage("[]", "gbp", kLocation)));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseReviewsPage(R"({"reviews":{}})", "gbp", kLocation)));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseReviewsPage(std::string(100000, '['), "gbp", kLocation)));
    EXPECT_TRUE(
        std::holds_alternative<std::string>(ParseReviewsPage(std::string(kMaxPageBytes + 1, ' '), "gbp", kLocation)));
    EXPECT_TRUE(std::holds_alternative<std::string>(ParseReviewsPage("{\"x\":\"\xff\"}", "gbp", kLocation)));
}

TEST(GoogleReviewsWire, ParsesGoogleRpcStatusErrors) {
    const auto denied = ParseApiError(ReadFixture("google_reviews/error_permission_denied.json"));
    ASSERT_TRUE(denied.has_value());
    EXPECT_EQ(denied->code, 403);
    EXPECT_EQ(denied->status, "PERMISSION_DENIED");
    const auto exhausted = ParseApiError(ReadFixture("google_reviews/error_resource_exhausted.json"));
    ASSERT_TRUE(exhausted.has_value());
    EXPECT_EQ(exhausted->status, "RESOURCE_EXHAUSTED");
    EXPECT_FALSE(ParseApiError("<html>502</html>").has_value());
}

TEST(GoogleReviewsWire, ParsesTokenEndpointAnswers) {
    const auto token = ParseTokenResponse(R"({"access_token":"ya29.a0","expires_in":3599,"token_type":"Bearer"})");
    ASSERT_TRUE(token.has_value());
    EXPECT_EQ(token->access_token, "ya29.a0");
    EXPECT_EQ(token->expires_in, 3599);
    const auto refused =
        ParseTokenResponse(R"({"error":"invalid_grant","error_description":"Token has been expired"})");
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->error, "invalid_grant");
    EXPECT_FALSE(ParseTokenResponse("not json").has_value());
}

TEST(GoogleReviewsWire, TheDemoUpstreamSpeaksTheWireFormat) {
    const auto page = ParsePage(carelisten::testing::ReadSourceTreeFile("demo/upstreams/google_reviews/reviews.json"));
    ASSERT_EQ(page.entries.size(), 6U);
    for (const auto& entry : page.entries) {
        ASSERT_TRUE(std::holds_alternative<RawItem>(entry.record));
        EXPECT_FALSE(ValidateRawItem(std::get<RawItem>(entry.record)).has_value());
    }
    EXPECT_NE(std::get<RawItem>(page.entries[0].record).version, "");  // the edited A&E complaint
    EXPECT_TRUE(
        ParseTokenResponse(carelisten::testing::ReadSourceTreeFile("demo/upstreams/google_reviews/token.json")));
}

}  // namespace
}  // namespace carelisten::connectors::google_reviews
