/// @file
/// @brief The Mastodon wire format: pages of statuses (hashtag timeline, v2 search) and error bodies, to
/// RawItems. A pure parser, no I/O.
///
/// A status (https://docs.joinmastodon.org/entities/Status/) is `{"id": "1093...", "created_at":
/// "2026-11-02T08:15:00.000Z", "content": "<p>sanitized HTML</p>", "spoiler_text": "", "url": "...",
/// "uri": "...", "language": "en", "in_reply_to_id": null, "edited_at": null, "account": {"acct":
/// "user" | "user@other.instance", ...}, "reblog": null | {status}}`. A boost carries the original status
/// in `reblog`: the item is the original (its id, text and author), so a boost of a complaint dedupes
/// with the complaint itself.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::mastodon {

/// Bytes of a record kept in quarantine (crm::kMaxQuarantineRawBytes).
inline constexpr std::size_t kMaxQuarantineRawBytes = 64 * 1024;

struct WireOptions {
    std::string source;         ///< the configured source name
    std::string instance_host;  ///< e.g. "mastodon.social": local accounts' acct gets "@<host>" appended
};

/// One page as the upstream sent it.
struct StatusPage {
    std::vector<RawItem> items;
    std::vector<BadRecord> bad_records;
    std::size_t statuses = 0;  ///< records on the page (items + bad records)
    /// The highest status id on the page (the timeline's own id, not a boost's original): the new
    /// checkpoint once the page is stored.
    std::optional<std::string> newest_id;
};

/// A body that is not a page at all (invalid JSON, too deep, wrong shape): nothing on it can be used.
struct WireError {
    std::string reason;
};

/// A hashtag timeline page: a JSON array of statuses.
std::variant<StatusPage, WireError> ParseTimelinePage(std::string_view body, const WireOptions& options);

/// A v2 search page: `{"accounts": [...], "statuses": [...], "hashtags": [...]}`; only statuses are used.
std::variant<StatusPage, WireError> ParseSearchPage(std::string_view body, const WireOptions& options);

/// One status as kept in quarantine (its JSON object), for replay. The string is why it is unusable.
std::variant<RawItem, std::string> ParseStatusRecord(std::string_view raw, const WireOptions& options);

/// The message of an error body `{"error": "Record not found"}`, if the body is one.
std::optional<std::string> ParseErrorMessage(std::string_view body);

/// Mastodon ids are decimal strings of growing length: true when `a` is a larger id than `b`.
bool IdGreater(std::string_view a, std::string_view b);

}  // namespace carelisten::connectors::mastodon
