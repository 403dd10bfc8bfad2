/// @file
/// @brief Text at the web boundary, shared by every page and form the project serves (the staff console, the
/// patients' survey form): HTML escaping of hostile text, and decoding of application/x-www-form-urlencoded
/// components.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carelisten::web {

/// `&`, `<`, `>`, `"` and `'` as character references, so the result is inert as element text and inside a
/// quoted attribute value; NUL becomes U+FFFD so no parser sees one. Other bytes pass through unchanged.
std::string EscapeHtml(std::string_view text);
/// Appends EscapeHtml(text) to `out` (no temporary string).
void AppendEscapedHtml(std::string& out, std::string_view text);

/// One form or query component: '+' is a space, %XX a byte. nullopt for a malformed escape, a result that is
/// not valid UTF-8, or one holding a NUL (a form is refused whole rather than half-read).
std::optional<std::string> DecodeFormComponent(std::string_view text);

/// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view text);

}  // namespace carelisten::web
