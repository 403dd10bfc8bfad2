/// @file
/// @brief Small byte and text helpers shared by the HL7 parser and the import readers (ASCII only, no locale).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carelisten::connectors::hl7::detail {

inline bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}
inline bool IsAsciiAlnum(char c) {
    return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
inline char AsciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = AsciiLower(c);
    }
    return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (AsciiLower(a[i]) != AsciiLower(b[i])) {
            return false;
        }
    }
    return true;
}

inline std::string_view TrimSpaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

/// True when `text` is non-empty and only decimal digits (any length: nothing is converted).
inline bool AllDigits(std::string_view text) {
    for (const char c : text) {
        if (!IsDigit(c)) {
            return false;
        }
    }
    return !text.empty();
}

/// The value of `count` (at most 9, so it fits an int) decimal digits at `text[pos]`, or nullopt when any is not
/// a digit.
inline std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t count) {
    if (count > 9 || pos + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (!IsDigit(text[i])) {
            return std::nullopt;
        }
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

/// True for a real calendar date and time of day (leap years included; no leap seconds).
bool ValidCivil(int year, int month, int day, int hour, int minute, int second);

/// True when the offset is a whole UTC offset between -14:00 and +14:00 with minutes below 60.
inline bool ValidOffset(int hours, int minutes) {
    return hours <= 14 && minutes < 60 && hours * 60 + minutes <= 840;
}

/// True for well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// `text` with each byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view text);

/// ISO 8859-1 bytes as UTF-8.
std::string Latin1ToUtf8(std::string_view text);

}  // namespace carelisten::connectors::hl7::detail
