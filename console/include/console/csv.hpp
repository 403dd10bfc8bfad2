/// @file
/// @brief Exports for spreadsheets: an RFC 4180 CSV writer that neutralises formula injection, and redaction of
/// detected personal data (phone numbers, e-mail addresses, names) in free text before it leaves the console.
/// No I/O: the caller sends Text() as the response body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::console {

/// Builds one CSV document in memory. Not thread-safe (one writer per export); the functions below are.
///
/// Output is RFC 4180: CRLF after every record, a field quoted when it contains a comma, a double quote, CR or
/// LF, quotes inside doubled; a record whose only field is empty is written as `""` so it is not a blank line.
/// Feedback text is hostile, and a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a
/// formula (OWASP "CSV Injection"), so such a cell gets a leading `'` — except a plain number such as "-0.5"
/// or "-12", which stays a number. This applies to the header too.
class CsvWriter {
public:
    /// Throws std::invalid_argument when `header` is empty: a CSV needs at least one column.
    explicit CsvWriter(std::vector<std::string> header);

    /// Throws std::invalid_argument when `cells` does not have exactly one cell per header column.
    void AddRow(const std::vector<std::string>& cells);

    /// The document so far: the header line and every row added.
    const std::string& Text() const;

private:
    void AppendRecord(const std::vector<std::string>& cells);

    std::size_t columns_;
    std::string text_;
};

/// A part of UTF-8 text, as byte offsets [begin, end), and what it is ("phone", "email", "name").
struct TextSpan {
    std::size_t begin;
    std::size_t end;
    std::string kind;
};

/// `text` with each span replaced by "[kind]" (an empty kind gives "[redacted]"). Spans are widened to whole
/// UTF-8 code points (never half a character left behind), then overlapping or touching spans are merged into
/// one replacement listing their distinct kinds in order, e.g. "[name, phone]". Empty spans and spans that
/// start past the end are ignored; a span running past the end is cut at the end (redacting more, not less).
std::string RedactSpans(std::string_view text, std::vector<TextSpan> spans);

}  // namespace carelisten::console
