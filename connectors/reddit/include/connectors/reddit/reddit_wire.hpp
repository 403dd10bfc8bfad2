/// @file
/// @brief The Reddit wire format: a Listing page (`/r/{sub}/search`, `/r/{sub}/comments`) turned into items,
/// quarantinable records and paging facts, and the OAuth token response. A pure parser, no I/O.
///
/// A Listing is `{"kind":"Listing","data":{"after","before","dist","children":[{"kind":"t3"|"t1","data":{...}}]}}`.
/// Posts (t3) carry `name` (fullname "t3_<id>"), `title`, `selftext`, `author`, `subreddit`, `created_utc`,
/// `permalink`; comments (t1) carry `body`, `link_id` and `parent_id` instead of title and selftext.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::reddit {

/// Pages larger than this are refused before parsing (100 posts with long self-texts stay far below it).
inline constexpr std::size_t kMaxPageBytes = 16U * 1024U * 1024U;
/// A quarantined record keeps at most this much of its raw JSON.
inline constexpr std::size_t kMaxQuarantineBytes = 64U * 1024U;

/// One Listing page.
struct ListingPage {
    std::vector<RawItem> items;          ///< in the order Reddit sent them (newest first)
    std::vector<BadRecord> bad_records;  ///< children that are JSON but unusable
    /// Every child's fullname in page order, including deleted/removed ones that gave no item and bad
    /// records that have a fullname: the seen-set and the `before` anchor are kept over these.
    std::vector<std::string> fullnames;
    std::size_t gone = 0;  ///< children skipped because their text was [deleted] or [removed]
    std::string after;     ///< data.after: fullname to page towards older items; empty at the end
    std::string before;    ///< data.before: fullname to page towards newer items; empty when none
};

struct WireError {
    std::string reason;  ///< for the operator, never the content
};

/// Parses a Listing body of a 2xx. Never throws; hostile input (deep nesting, invalid UTF-8, huge) is a
/// WireError. `locator_prefix` makes locators of children without a fullname unique.
std::variant<ListingPage, WireError> ParseListing(std::string_view body, std::string_view source,
                                                  std::string_view locator_prefix = "listing");

/// Re-parses one quarantined record: a Listing child `{"kind":"t1","data":{...}}` as Reddit sent it.
std::variant<RawItem, BadRecord> ParseQuarantinedRecord(std::string_view raw, std::string_view source,
                                                        std::string_view locator);

/// `POST /api/v1/access_token` answer: `{"access_token","token_type":"bearer","expires_in":86400,"scope"}`,
/// or `{"error":"invalid_grant"}` (a 200 or a 4xx) when the credentials are refused.
struct TokenResponse {
    std::string access_token;  ///< empty when refused
    std::int64_t expires_in = 0;
    std::string error;  ///< the OAuth error code, e.g. "invalid_grant", "unsupported_grant_type"
};
std::variant<TokenResponse, WireError> ParseTokenResponse(std::string_view body);

/// Decodes the HTML entities Reddit escapes in titles and markdown bodies (&amp; &lt; &gt; &quot; &#NNN;
/// &#xHH;, e.g. &#x200B;); anything else is kept verbatim; never produces invalid UTF-8 from valid input.
std::string DecodeEntities(std::string_view text);

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept): connectors::PercentEncode.
std::string UrlEncode(std::string_view text);

}  // namespace carelisten::connectors::reddit
