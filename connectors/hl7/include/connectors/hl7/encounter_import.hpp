/// @file
/// @brief `carelisten encounters import FILE` for hospitals without an HL7 feed: CSV or JSON Lines files of
/// encounter events, read into the same EncounterEvent an ADT message gives. Pure: the caller reads the file.
#pragma once

#include <connectors/hl7/encounter_event.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::connectors::hl7 {

/// Why one record (or, with line 1 for a CSV header, the whole file) was not imported.
struct ImportRecordError {
    std::size_t line = 0;  ///< 1-based line where the record starts
    std::string reason;    ///< names the column, never its value
};

/// Events in file order with the line each starts on, and the records that were refused.
struct ImportResult {
    std::vector<std::pair<std::size_t /*line*/, EncounterEvent>> events;
    std::vector<ImportRecordError> errors;
};

/// The columns (CSV) and keys (JSON Lines) an import file may have.
inline constexpr std::string_view kImportColumns[] = {
    "event", "facility",       "record_id",   "mrn",      "visit_number", "physician_id", "physician_name",
    "unit",  "discharge_time", "disposition", "deceased", "phone",        "email",        "language"};

/// CSV (RFC 4180: quotes, doubled quotes, CRLF, embedded newlines; a UTF-8 BOM is skipped); first row = header,
/// column names case-insensitive: event (discharge|cancel_discharge|update|cancel_visit, default discharge),
/// facility (default "import"), record_id (required; the idempotency key, like MSH-10), mrn (required),
/// visit_number (required), physician_id, physician_name, unit, discharge_time (required for discharge;
/// ParseIsoOrHl7Time), disposition, deceased (true/false/yes/no/1/0, default false), phone, email, language.
/// Unknown or repeated columns, a header without record_id, mrn or visit_number, and an unterminated quote are
/// an error for the whole file (one error, line 1 for the header); missing or invalid values are row errors.
ImportResult ParseEncounterCsv(std::string_view content);

/// JSON Lines with the same keys (one object per line; blank lines skipped). Values are strings (numbers are
/// taken as written, `deceased` may be a boolean, null is absent). An unknown key, invalid JSON or invalid
/// UTF-8 is an error of that line.
ImportResult ParseEncounterJsonLines(std::string_view content);

/// ISO 8601 date-times ("2026-11-30T14:05:00+05:30", "2026-11-30T14:05:00Z", "2026-11-30 14:05" local,
/// "2026-11-30"; fractions of a second dropped; offsets +05:30, +0530 or Z) plus HL7 TS ("202611301405+0530").
std::optional<CivilTime> ParseIsoOrHl7Time(std::string_view text);

}  // namespace carelisten::connectors::hl7
