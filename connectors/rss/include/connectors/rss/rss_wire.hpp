/// @file
/// @brief RSS 2.0 (and 0.9x/1.0) and Atom 1.0 documents into items, with libxml2 configured to be safe on
/// hostile input: no network, no DTD loading, no entity substitution, documents declaring entities refused.
/// Also the small HTML-to-text conversion feed bodies need. Pure, no I/O.
#pragma once

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::rss {

/// Documents larger than this are refused before parsing.
inline constexpr std::size_t kMaxFeedBytes = 8U * 1024U * 1024U;
/// Raw XML kept for a quarantined item (crm keeps at most 64 KiB).
inline constexpr std::size_t kMaxRawBytes = 64U * 1024U;

/// What an item needs besides the document.
struct FeedContext {
    std::string source;    ///< the configured source name
    std::string feed_url;  ///< the feed's URL: prefixes bare guids and names locators
    std::string channel;   ///< the RawItem channel ("social" for news)
};

/// One item or entry, in document order, with its identity for the seen set and its date.
struct FeedEntry {
    std::variant<RawItem, BadRecord> record;
    /// The item's external id, or the bad record's locator: what the cursor remembers as seen.
    std::string key;
    std::optional<Timestamp> date;
};

struct Feed {
    std::string format;  ///< "rss" or "atom"
    std::vector<FeedEntry> entries;
};

/// Parses a whole feed document. Not well-formed XML, an unknown root element, a DTD that declares
/// entities, or a document over kMaxFeedBytes is an error (the string says why). An item without guid/id
/// and link becomes a BadRecord keeping its XML.
std::variant<Feed, std::string> ParseFeed(std::string_view document, const FeedContext& context);

/// Re-parses one quarantined `<item>` or `<entry>` (its XML as kept in the BadRecord).
std::variant<RawItem, std::string> ParseEntryXml(std::string_view xml, const FeedContext& context);

/// RFC 822/1123 dates as feeds write them ("Tue, 03 Nov 2026 09:30:00 GMT", "+0530", "EST", two-digit
/// years, no weekday, no seconds); an RFC 3339 date is accepted too. Unknown zone names count as UTC.
std::optional<Timestamp> ParseRfc822Date(std::string_view text);

/// HTML to plain text: tags dropped (script/style with their content), block elements and <br> as line
/// breaks, character references decoded, whitespace collapsed. Never fails; invalid references become
/// U+FFFD.
std::string HtmlToText(std::string_view html);

}  // namespace carelisten::connectors::rss
