#include <algorithm>
#include <console/csv.hpp>
#include <stdexcept>

namespace carelisten::console {
namespace {

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

/// "-12", "-0.5", "-.5", "-1e-3": what a spreadsheet reads as a negative number, not a formula.
bool IsNegativeNumber(std::string_view cell) {
    std::size_t i = 1;  // past the '-'
    std::size_t digits = 0;
    while (i < cell.size() && IsDigit(cell[i])) {
        ++i;
        ++digits;
    }
    if (i < cell.size() && cell[i] == '.') {
        ++i;
        while (i < cell.size() && IsDigit(cell[i])) {
            ++i;
            ++digits;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < cell.size() && (cell[i] == 'e' || cell[i] == 'E')) {
        ++i;
        if (i < cell.size() && (cell[i] == '+' || cell[i] == '-')) {
            ++i;
        }
        const std::size_t exponent_start = i;
        while (i < cell.size() && IsDigit(cell[i])) {
            ++i;
        }
        if (i == exponent_start) {
            return false;
        }
    }
    return i == cell.size();
}

bool NeedsFormulaGuard(std::string_view cell) {
    if (cell.empty()) {
        return false;
    }
    switch (cell.front()) {
        case '=':
        case '+':
        case '@':
        case '\t':
        case '\r':
            return true;
        case '-':
            return !IsNegativeNumber(cell);
        default:
            return false;
    }
}

void AppendField(std::string& out, std::string_view cell) {
    const bool guarded = NeedsFormulaGuard(cell);
    const bool quoted = cell.find_first_of(",\"\r\n") != std::string_view::npos;
    if (quoted) {
        out += '"';
    }
    if (guarded) {
        out += '\'';
    }
    for (const char c : cell) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    if (quoted) {
        out += '"';
    }
}

bool IsContinuationByte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

/// A UTF-8 sequence is at most 4 bytes, so at most 3 steps reach its lead byte; further continuation bytes are
/// invalid UTF-8 and are left alone rather than swallowing a run of garbage.
constexpr std::size_t kMaxContinuationBytes = 3;

std::size_t WidenBegin(std::string_view text, std::size_t begin) {
    for (std::size_t steps = 0;
         steps < kMaxContinuationBytes && begin > 0 && begin < text.size() && IsContinuationByte(text[begin]);
         ++steps) {
        --begin;
    }
    return begin;
}

std::size_t WidenEnd(std::string_view text, std::size_t end) {
    for (std::size_t steps = 0; steps < kMaxContinuationBytes && end < text.size() && IsContinuationByte(text[end]);
         ++steps) {
        ++end;
    }
    return end;
}

}  // namespace

CsvWriter::CsvWriter(std::vector<std::string> header) : columns_(header.size()) {
    if (header.empty()) {
        throw std::invalid_argument("a CSV export needs at least one column");
    }
    AppendRecord(header);
}

void CsvWriter::AddRow(const std::vector<std::string>& cells) {
    if (cells.size() != columns_) {
        throw std::invalid_argument("CSV row has " + std::to_string(cells.size()) + " cells, the header has " +
                                    std::to_string(columns_));
    }
    AppendRecord(cells);
}

const std::string& CsvWriter::Text() const {
    return text_;
}

void CsvWriter::AppendRecord(const std::vector<std::string>& cells) {
    if (cells.size() == 1 && cells.front().empty()) {
        text_ += "\"\"\r\n";  // a bare CRLF would read as a blank line, which many readers skip
        return;
    }
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) {
            text_ += ',';
        }
        AppendField(text_, cells[i]);
    }
    text_ += "\r\n";
}

std::string RedactSpans(std::string_view text, std::vector<TextSpan> spans) {
    std::erase_if(spans, [&](const TextSpan& span) { return span.begin >= span.end || span.begin >= text.size(); });
    for (TextSpan& span : spans) {
        span.end = WidenEnd(text, std::min(span.end, text.size()));
        span.begin = WidenBegin(text, span.begin);
    }
    std::stable_sort(spans.begin(), spans.end(),
                     [](const TextSpan& a, const TextSpan& b) { return a.begin < b.begin; });

    std::string out;
    out.reserve(text.size());
    std::size_t position = 0;
    for (std::size_t i = 0; i < spans.size();) {
        const std::size_t begin = spans[i].begin;
        std::size_t end = spans[i].end;
        std::vector<std::string_view> kinds;
        for (; i < spans.size() && spans[i].begin <= end; ++i) {
            end = std::max(end, spans[i].end);
            const std::string_view kind = spans[i].kind.empty() ? std::string_view("redacted") : spans[i].kind;
            if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
                kinds.push_back(kind);
            }
        }
        out.append(text.substr(position, begin - position));
        out += '[';
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            if (k > 0) {
                out += ", ";
            }
            out.append(kinds[k]);
        }
        out += ']';
        position = end;
    }
    out.append(text.substr(position));
    return out;
}

}  // namespace carelisten::console
