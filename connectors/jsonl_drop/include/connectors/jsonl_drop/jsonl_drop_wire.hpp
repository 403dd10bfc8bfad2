/// @file
/// @brief The jsonl_drop wire format: one JSON object per line. A pure parser, no I/O.
///
/// A line is `{"external_id": "...", "text": "...", "author": "...", "posted_at": "RFC 3339",
/// "channel": "sms|email|social|review|forum|survey|unknown", "url": "...", "thread_id": "...",
/// "lang": "en", "question": "..."}`. `external_id` (a string or an integer) and `text` are required;
/// the rest is optional; unknown fields are ignored so exporting systems can add their own.
#pragma once

#include <connectors/raw_item.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace carelisten::connectors::jsonl_drop {

/// Why a line was not an item: a reason for the operator, never the line's content.
struct ParseFailure {
    std::string reason;
};

/// Parses one line (without its newline) into an item of `source`. Never throws; hostile input
/// (deep nesting, invalid UTF-8, huge numbers) yields a ParseFailure.
std::variant<RawItem, ParseFailure> ParseLine(std::string_view line, std::string_view source,
                                              std::string_view default_channel);

}  // namespace carelisten::connectors::jsonl_drop
