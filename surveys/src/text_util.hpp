/// @file
/// @brief Private text helpers shared by the answer parser, the SMS dialog and the form (ICU underneath).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::surveys::detail {

/// For matching, not for storage: NFC, case folded, digits of any script as ASCII ("७" -> "7"), runs of
/// whitespace and control characters as one space, surrounding spaces, punctuation and symbols removed. A
/// leading sign directly before a digit is kept, so "-1" stays out of range instead of becoming 1. Invalid
/// UTF-8 becomes U+FFFD (then trimmed like a symbol when at an end).
std::string NormalizeForMatch(std::string_view text);

/// Words of a NormalizeForMatch result: split at spaces, punctuation and symbols.
std::vector<std::string> Words(std::string_view normalized);

/// Free text for storage: valid UTF-8 (invalid sequences as U+FFFD), NUL and control characters other than
/// line breaks and tabs as spaces, surrounding white space removed.
std::string CleanFreeText(std::string_view text);

bool IsValidUtf8(std::string_view text);
std::size_t CodePointCount(std::string_view text);

/// [a-z0-9_]+
bool IsIdentifier(std::string_view text);

/// Replaces every "{name}" in `pattern`.
std::string Fill(std::string_view pattern, std::initializer_list<std::pair<std::string_view, std::string_view>> values);

}  // namespace carelisten::surveys::detail
