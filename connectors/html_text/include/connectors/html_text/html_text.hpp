/// @file
/// @brief Sanitized HTML to plain text for analysis: paragraphs and <br> become newlines, entities are
/// decoded, links become their text, scripts and styles disappear. A pure function, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace carelisten::connectors::html_text {

/// Converts an HTML fragment (as Mastodon `content` or Discourse `cooked`) to plain text.
/// - block elements (p, div, blockquote, h1..h6, pre, ul, ol, table, tr) separate paragraphs with a blank
///   line; <br> and <li> start a new line;
/// - whitespace runs collapse to one space outside <pre>; lines are trimmed;
/// - named (the common ones), decimal and hexadecimal entities are decoded; an unknown entity stays as
///   written; a numeric entity naming no character (0, a surrogate, above U+10FFFF) becomes U+FFFD;
/// - <script>, <style> and <template> content and comments are dropped; <img alt> is kept for emoji;
/// - the result is valid UTF-8 even when the input is not (invalid bytes become U+FFFD).
/// Never throws on malformed markup (unclosed tags, stray '<' and '&' are kept as text).
std::string HtmlToText(std::string_view html);

/// Replaces every ill-formed UTF-8 sequence by U+FFFD (valid input is returned unchanged).
std::string MakeValidUtf8(std::string_view text);

}  // namespace carelisten::connectors::html_text
