/// @file
/// @brief The Google Business Profile reviews wire format (My Business API v4
/// `accounts.locations.reviews.list`): one page of reviews and the google.rpc.Status error body. Pure, no I/O.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::google_reviews {

/// Bodies larger than this are refused before parsing (a page holds at most 50 reviews of <= 4 KiB each).
inline constexpr std::size_t kMaxPageBytes = 8U * 1024U * 1024U;
/// Raw JSON kept for a quarantined review (crm keeps at most 64 KiB).
inline constexpr std::size_t kMaxRawBytes = 64U * 1024U;

/// One review of a page, in page order (`orderBy=updateTime desc`): an item, or a record that could not be
/// read. `update_time` and `review_id` drive the checkpoint; they are set whenever the record has them.
struct ReviewEntry {
    std::variant<RawItem, BadRecord> record;
    std::string review_id;
    std::optional<Timestamp> update_time;
};

struct ReviewsPage {
    std::vector<ReviewEntry> entries;
    std::string next_page_token;  ///< empty on the last page
    std::optional<double> average_rating;
    std::optional<std::int64_t> total_review_count;
};

/// Parses one page of `GET /v4/{location}/reviews`. `location` is the parent ("accounts/1/locations/2"),
/// used for locators. A body that is not JSON, not an object, too deep or too big is an error (the string
/// says why); a review that is JSON but unusable (no reviewId/name, wrong types) becomes a BadRecord.
std::variant<ReviewsPage, std::string> ParseReviewsPage(std::string_view body, std::string_view source,
                                                        std::string_view location);

/// Parses one review object as stored in quarantine (its raw JSON) into an item, or says why not.
std::variant<RawItem, std::string> ParseReview(std::string_view review_json, std::string_view source);

/// The star rating enum (ONE..FIVE) as 1..5; nullopt for STAR_RATING_UNSPECIFIED or anything else.
std::optional<int> StarRating(std::string_view value);

/// A google.rpc.Status error body: `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED"}}`.
struct ApiError {
    int code = 0;
    std::string status;   ///< e.g. RESOURCE_EXHAUSTED, PERMISSION_DENIED, UNAUTHENTICATED
    std::string message;  ///< upstream text; may be shown to the operator (it never holds review content)
};
std::optional<ApiError> ParseApiError(std::string_view body);

/// An OAuth token endpoint answer: `{"access_token":"...","expires_in":3599,"token_type":"Bearer"}` or
/// `{"error":"invalid_grant","error_description":"..."}`.
struct TokenResponse {
    std::string access_token;
    std::int64_t expires_in = 0;
    std::string error;  ///< set when the endpoint refused (invalid_grant, invalid_client, ...)
};
std::optional<TokenResponse> ParseTokenResponse(std::string_view body);

}  // namespace carelisten::connectors::google_reviews
