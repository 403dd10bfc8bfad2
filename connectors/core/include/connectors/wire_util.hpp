/// @file
/// @brief Small wire-format helpers every connector needs (percent-encoding, quarantine records, RapidJSON
/// member access, UTF-8 encoding, record fingerprints), kept in one place so the connectors agree. Pure
/// functions, no I/O, thread-safe.
#pragma once

#include <rapidjson/fwd.h>

#include <connectors/raw_item.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carelisten::connectors {

/// The cap on a quarantined record's raw bytes shared by the connectors: enough to diagnose, bounded so
/// one hostile record cannot bloat the quarantine table.
inline constexpr std::size_t kMaxBadRecordRawBytes = 64U * 1024U;

/// Percent-encodes everything but the RFC 3986 unreserved characters (ASCII letters, digits, "-._~"), with
/// upper-case hex digits, for query parameters and path segments.
std::string PercentEncode(std::string_view text);

/// A quarantine record: `raw` cut to `max_raw_bytes` (then `raw_truncated` is set).
BadRecord MakeBadRecord(std::string locator, std::string reason, std::string raw,
                        std::size_t max_raw_bytes = kMaxBadRecordRawBytes);

/// The compact JSON text of a value (for quarantine: the record as the upstream sent it).
std::string JsonToString(const rapidjson::Value& value);

/// Reads an optional string member into `out`: absent or null leaves `out` as is and is fine; any other
/// non-string is an error, returned as "<key> is not a string".
std::optional<std::string> JsonStringMember(const rapidjson::Value& object, const char* key, std::string& out);

/// The member `key` of `object`, or nullptr when `object` is not an object or the member is absent or null.
const rapidjson::Value* JsonMember(const rapidjson::Value& object, const char* key);

/// A string value's bytes (embedded NULs included); the caller has checked IsString().
std::string_view JsonStringView(const rapidjson::Value& value);

/// Appends the UTF-8 encoding of a code point (the caller has rejected surrogates and values above U+10FFFF).
void AppendUtf8(std::string& out, std::uint32_t code_point);

/// Decodes the entities plain-text API fields carry (X and Reddit escape & < > in text): &amp; &lt; &gt;
/// &quot; &apos; &nbsp; and decimal/hex character references naming a Unicode scalar value other than NUL.
/// Anything else (unknown names, NUL, surrogates, > U+10FFFF, no ';') is kept verbatim, so valid UTF-8 stays
/// valid. Unlike html_text::HtmlToText, no markup is interpreted.
std::string DecodeBasicEntities(std::string_view text);

/// The authority of a URL as written ("https://h.example:8443/x" -> "h.example:8443"; without a scheme, up
/// to the first '/').
std::string HostPortOf(std::string_view url);

/// `text` cut to `limit` bytes with "..." appended when it was longer: for upstream error texts in error
/// details, which must stay short.
std::string CappedText(std::string text, std::size_t limit);

/// The value of one hexadecimal digit (either case), or -1 for any other character.
int HexDigitValue(char c);

/// A stable 64-bit fingerprint of the bytes for locators of records that have no usable id: FNV-1a with the
/// offset basis 1469598103934665603, which the connectors have always used (it is the standard basis
/// 14695981039346656037 missing its last digit). Kept as is: quarantine locators already stored are derived
/// from it, and a changed hash would quarantine the same record again under a new locator. Not for security.
std::uint64_t Fingerprint64(std::string_view bytes);

/// Fingerprint64 as 16 lower-case hex digits.
std::string Fingerprint64Hex(std::string_view bytes);

}  // namespace carelisten::connectors
