/// @file
/// @brief The Discourse wire format: `/posts.json` pages and single posts (also the body of webhooks) to
/// RawItems, the category-to-community map, and rate-limit error bodies. A pure parser, no I/O.
///
/// A post (discourse/discourse_api_docs openapi.yml, "latest_posts") is `{"id": 812, "topic_id": 97,
/// "topic_slug": "...", "topic_title": "...", "category_id": 12, "post_number": 3, "post_type": 1,
/// "username": "...", "created_at": "...", "updated_at": "...", "raw": "markdown", "cooked": "<p>HTML</p>",
/// "reply_to_post_number": 2 | null, "version": 1, "deleted_at": null, ...}`.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::discourse {

/// Bytes of a record kept in quarantine (crm::kMaxQuarantineRawBytes).
inline constexpr std::size_t kMaxQuarantineRawBytes = 64 * 1024;

/// What turning a post into an item needs besides the post. Shared by polling and webhooks, so both
/// paths give the same (source, external_id) and the same fields.
struct ItemOptions {
    std::string source;    ///< the configured source name
    std::string base_url;  ///< e.g. "https://community.stelsewhere.example" (no trailing '/'), for item URLs
    std::map<std::int64_t, std::string> communities;  ///< category id -> condition community
};

/// Parses `communities = ["12:diabetes", "15:cancer"]`. Nullopt with `error` set on a malformed entry or
/// a category listed twice.
std::optional<std::map<std::int64_t, std::string>> ParseCommunities(const std::vector<std::string>& entries,
                                                                    std::string& error);

/// One post of a page, in page order (newest first).
struct PageEntry {
    std::int64_t id = 0;           ///< 0 when the record has no usable id
    std::optional<RawItem> item;   ///< set for a usable post
    std::optional<BadRecord> bad;  ///< set for an unusable record
    /// Neither set: a post that is not feedback (deleted, a "small action" such as "closed the topic").
};

struct PostPage {
    std::vector<PageEntry> entries;
};

/// A body that is not a page at all (invalid JSON, too deep, wrong shape).
struct WireError {
    std::string reason;
};

/// `{"latest_posts": [...]}`. A reply's `reply_to` is the replied-to post's id when that post is on the same
/// page, else "topic:<topic_id>#<post_number>".
std::variant<PostPage, WireError> ParsePostsPage(std::string_view body, const ItemOptions& options);

/// Outcome of one post object: an item, a reason it is unusable, or nullopt for a post to skip.
using PostOutcome = std::variant<std::monostate, RawItem, std::string>;

/// One post given as JSON (a quarantined record, or the `post` of a webhook body).
PostOutcome ParsePostRecord(std::string_view raw, const ItemOptions& options);

/// The wait a rate-limit body asks for: `{"error_type": "rate_limit", "extras": {"wait_seconds": N}}`.
std::optional<std::int64_t> ParseRateLimitWaitSeconds(std::string_view body);

/// The messages of an error body `{"errors": ["..."], "error_type": "invalid_access"}`, joined with "; ".
std::optional<std::string> ParseErrorMessages(std::string_view body);

}  // namespace carelisten::connectors::discourse
