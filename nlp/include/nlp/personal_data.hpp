/// @file
/// @brief Personal data in a message (e-mail addresses, phone numbers, record numbers, dates), as byte
/// spans of the repaired input, for redaction by the console and exports. Pure; thread-safe.
#pragma once

#include <nlp/analysis.hpp>
#include <nlp/normalize.hpp>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

inline constexpr std::string_view kPersonalEmail = "email";
inline constexpr std::string_view kPersonalPhone = "phone";
inline constexpr std::string_view kPersonalRecordNumber = "record_number";
inline constexpr std::string_view kPersonalDate = "date";

/// Fewest digits of a number that a record keyword before it makes a record number ("MRN 1234567").
inline constexpr std::size_t kMinRecordDigits = 6;
/// How many words before a number a record keyword ("mrn", "nhs", "record", "patient"…) may stand.
inline constexpr std::size_t kRecordKeywordWindow = 3;

/// The spans, ordered by position:
/// - "email": e-mail tokens;
/// - "phone": phone tokens (8–15 digits, see TokenKind::kPhone), unless a record keyword precedes them;
/// - "record_number": a number of kMinRecordDigits+ digits, or a phone-shaped one, within
///   kRecordKeywordWindow words after "mrn", "nhs", "chi", "record", "hospital", "patient", "case",
///   "reference"…, and words like "mrn1234567";
/// - "date": "2026-11-02", "02/11/2026", "2 Nov 2026", "2nd November", "November 2, 2026".
std::vector<PersonalDataSpan> FindPersonalData(const NormalizedText& text);

}  // namespace carelisten::nlp
