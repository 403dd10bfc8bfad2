/// @file
/// @brief What a connector hands to the daemon: items as the upstream gave them, and the records it
/// could not read (to be quarantined), with the cursor that covers them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::connectors {

using Timestamp = std::chrono::system_clock::time_point;

/// One message from an upstream, before analysis. Invariants (checked by ValidateRawItem and the
/// connector contract test): non-empty source and external_id, valid UTF-8 in every text field.
struct RawItem {
    std::string source;       ///< the configured source name
    std::string external_id;  ///< the upstream's id, unique within the source
    std::string channel;      ///< sms, email, social, review, forum, survey or unknown
    std::string text;
    std::string author;
    std::string url;
    std::string thread_id;
    std::string language_hint;
    std::string question;  ///< for survey answers: the question the text answers
    std::optional<Timestamp> posted_at;
    /// The upstream's id of the message this one answers (a reply, a comment on a post); empty when none.
    std::string reply_to;
    /// Empty for the first version. An upstream that lets authors edit (Google reviews) sets a version
    /// (e.g. the update time): (source, external_id, version) is then a new stored version of the same item.
    std::string version;
    /// Star rating 1..5 where the upstream has one (reviews): the analyzer and summaries use it.
    std::optional<int> rating;
    /// The condition community a forum post belongs to (Discourse category mapped in config), else empty.
    std::string community;
    /// For e-mail: the message's top-level headers (name, decoded value) in order, so the analyzer's
    /// auto-reply, bounce and bulk rules see them; not stored. Empty for every other channel.
    std::vector<std::pair<std::string, std::string>> mail_headers;
};

/// Input the connector could not turn into a RawItem. Never fatal: the daemon quarantines it.
struct BadRecord {
    std::string locator;  ///< where it was, unique within the source (e.g. "file.jsonl@inode:offset")
    std::string reason;   ///< what is wrong, never the content itself
    std::string raw;      ///< the raw bytes, capped by the connector
    bool raw_truncated = false;
};

/// A delivery report for a message the hospital sent (Twilio's StatusCallback): the daemon applies it to
/// its outbox in the same transaction as the push's items.
struct DeliveryUpdate {
    std::string marker;  ///< the outbox row's unique marker, from the callback URL
    std::string sid;     ///< the upstream's message id
    std::string status;  ///< as the upstream says it: queued, sent, delivered, undelivered, failed, ...
    std::string error_code;
};

/// What one Fetch returns. The daemon stores items, bad records and `next_cursor` in one transaction,
/// then calls Connector::Acknowledge(batch): upstream acknowledgements happen only after the commit.
struct Batch {
    std::vector<RawItem> items;
    std::vector<BadRecord> bad_records;
    std::optional<std::string> next_cursor;  ///< nullopt: the cursor does not change
    bool has_more = false;                   ///< more is ready now: fetch again without waiting
    std::string ack_token;                   ///< connector-private; passed back to Acknowledge
    /// Delivery reports of pushed status callbacks: applied to the outbox in the same transaction.
    std::vector<DeliveryUpdate> delivery_updates;
};

/// Null when the item satisfies the invariants above, else what is wrong.
std::optional<std::string> ValidateRawItem(const RawItem& item);

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// Parses an RFC 3339 timestamp ("2026-11-02T08:15:00Z", "...+05:30", fractional seconds allowed).
std::optional<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace carelisten::connectors
