/// @file
/// @brief The Facebook Graph API wire format for a Page's feed (`GET /vN/{page-id}/feed` with each post's
/// comments expanded), a post's comments edge (`GET /vN/{post-id}/comments`) and the Graph error body.
/// Pure, no I/O.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::facebook_page {

/// Bodies larger than this are refused before parsing.
inline constexpr std::size_t kMaxPageBytes = 16U * 1024U * 1024U;
/// Raw JSON kept for a quarantined post or comment (crm keeps at most 64 KiB).
inline constexpr std::size_t kMaxRawBytes = 64U * 1024U;

/// One post or comment, in page order: an item or a record that could not be read, with what the
/// checkpoint needs (id, created_time) and who wrote it (the Page's own posts are the hospital's voice).
struct FeedEntry {
    std::variant<RawItem, BadRecord> record;
    std::string id;
    std::optional<Timestamp> created_time;
    std::string author_id;  ///< `from.id`; empty when Graph did not return it
    bool is_comment = false;
    /// For a post whose expanded comments have more pages: the `comments.paging.next` URL.
    std::string comments_next;
};

struct FeedPage {
    std::vector<FeedEntry> entries;  ///< each post followed by its expanded comments
    std::string next_url;            ///< `paging.next`; empty on the last page
};

/// Parses one page of the feed (posts with `comments{...}` expanded) or, with `comments_of_post` set, one
/// page of a post's comments edge. A body that is not JSON, not an object, too deep or too big is an
/// error (the string says why); a post or comment that is JSON but unusable becomes a BadRecord.
std::variant<FeedPage, std::string> ParseFeedPage(std::string_view body, std::string_view source);
std::variant<FeedPage, std::string> ParseCommentsPage(std::string_view body, std::string_view source,
                                                      std::string_view post_id);

/// Re-parses a quarantined post (`post_id` empty) or comment (of `post_id`) from its raw JSON.
std::variant<RawItem, std::string> ParseRecordJson(std::string_view json, std::string_view source,
                                                   std::string_view post_id);

/// Graph's time format: ISO 8601 with a `+0000` offset (no colon), also RFC 3339.
std::optional<Timestamp> ParseGraphTime(std::string_view text);

/// `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
struct GraphError {
    std::int64_t code = 0;
    std::int64_t subcode = 0;
    std::string type;     ///< e.g. OAuthException
    std::string message;  ///< upstream text about the request, never post content
    std::string fbtrace_id;
};
std::optional<GraphError> ParseGraphError(std::string_view body);

/// The throttling headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`): the longest
/// `estimated_time_to_regain_access` (minutes) found, and the highest usage percentage.
struct UsageHeader {
    std::int64_t regain_access_minutes = 0;
    std::int64_t max_percent = 0;
};
std::optional<UsageHeader> ParseUsageHeader(std::string_view value);

}  // namespace carelisten::connectors::facebook_page
