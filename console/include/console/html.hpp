/// @file
/// @brief HTML escaping for the console's server-rendered pages. Everything that came from a feed, a patient or
/// a user is hostile input: it goes through EscapeHtml (text and attribute values alike) and nothing else.
#pragma once

#include <string>
#include <string_view>

namespace carelisten::console {

/// `&`, `<`, `>`, `"` and `'` as character references, so the result is inert both as element text and inside
/// a double- or single-quoted attribute value. Invalid UTF-8 is passed through byte for byte (the page is
/// declared UTF-8; the browser shows U+FFFD), and NUL becomes U+FFFD so no parser sees a NUL.
std::string EscapeHtml(std::string_view text);

/// Appends EscapeHtml(text) to `out` (the page builders' hot path: no temporary string).
void AppendEscaped(std::string& out, std::string_view text);

/// Percent-encodes everything but unreserved characters (RFC 3986), for query values in links.
std::string EncodeUrlComponent(std::string_view text);

}  // namespace carelisten::console
