/// @file
/// @brief CSV and JSON Lines import files to EncounterEvents: the same checks as an ADT message (a record id,
/// an MRN and a visit number always, a discharge time for a discharge).
#include <rapidjson/document.h>

#include <array>
#include <connectors/hl7/encounter_import.hpp>
#include <utility>
#include <variant>

#include "text_util.hpp"

namespace carelisten::connectors::hl7 {
namespace {

using detail::AsciiLower;
using detail::Digits;
using detail::EqualsIgnoreCase;

constexpr std::size_t kColumnCount = std::size(kImportColumns);

/// A record's values by column index (kImportColumns order); nullopt when the file did not give the column.
using Values = std::array<std::optional<std::string>, kColumnCount>;

std::optional<std::size_t> ColumnIndex(std::string_view name) {
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        if (EqualsIgnoreCase(name, kImportColumns[i])) {
            return i;
        }
    }
    return std::nullopt;
}

std::string KnownColumns() {
    std::string out;
    for (const std::string_view name : kImportColumns) {
        out += (out.empty() ? "" : ", ") + std::string(name);
    }
    return out;
}

std::string_view Value(const Values& values, std::string_view column) {
    const auto& value = values[*ColumnIndex(column)];
    return value ? detail::TrimSpaces(*value) : std::string_view();
}

std::optional<EncounterEventKind> KindOf(std::string_view name) {
    for (const auto kind : {EncounterEventKind::kDischarge, EncounterEventKind::kCancelDischarge,
                            EncounterEventKind::kUpdate, EncounterEventKind::kCancelVisit}) {
        if (EqualsIgnoreCase(name, EncounterEventKindName(kind))) {
            return kind;
        }
    }
    return std::nullopt;
}

std::optional<bool> ParseBool(std::string_view text) {
    for (const std::string_view yes : {"true", "yes", "1", "y"}) {
        if (EqualsIgnoreCase(text, yes)) {
            return true;
        }
    }
    for (const std::string_view no : {"false", "no", "0", "n", ""}) {
        if (EqualsIgnoreCase(text, no)) {
            return false;
        }
    }
    return std::nullopt;
}

/// The event a record describes, or why it cannot be imported (naming the column, never its value).
std::variant<EncounterEvent, std::string> BuildEvent(const Values& values) {
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        if (values[i] && !detail::IsValidUtf8(*values[i])) {
            return std::string(kImportColumns[i]) + " is not valid UTF-8";
        }
    }
    EncounterEvent event;
    if (const std::string_view kind = Value(values, "event"); !kind.empty()) {
        const auto parsed = KindOf(kind);
        if (!parsed) {
            return std::string("event must be discharge, cancel_discharge, update or cancel_visit");
        }
        event.kind = *parsed;
    }
    event.sending_application = "import";
    event.sending_facility = Value(values, "facility");
    if (event.sending_facility.empty()) {
        event.sending_facility = "import";
    }
    for (const std::string_view required : {"record_id", "mrn", "visit_number"}) {
        if (Value(values, required).empty()) {
            return std::string(required) + " is missing";
        }
    }
    event.control_id = Value(values, "record_id");
    event.mrn = Value(values, "mrn");
    event.visit_number = Value(values, "visit_number");
    event.attending_physician_id = Value(values, "physician_id");
    event.attending_physician_name = Value(values, "physician_name");
    event.unit = Value(values, "unit");
    event.disposition = Value(values, "disposition");
    event.phone = Value(values, "phone");
    event.email = Value(values, "email");
    event.language = AsciiLower(Value(values, "language"));
    if (const std::string_view time = Value(values, "discharge_time"); !time.empty()) {
        event.discharge_time = ParseIsoOrHl7Time(time);
        if (!event.discharge_time) {
            return std::string("discharge_time is not a valid date-time (ISO 8601 or HL7 TS)");
        }
    } else if (event.kind == EncounterEventKind::kDischarge) {
        return std::string("discharge_time is missing (required for a discharge)");
    }
    const auto deceased = ParseBool(Value(values, "deceased"));
    if (!deceased) {
        return std::string("deceased must be true, false, yes, no, 1 or 0");
    }
    event.patient_deceased = *deceased;
    return event;
}

void AddRecord(ImportResult& result, std::size_t line, const Values& values) {
    auto built = BuildEvent(values);
    if (auto* event = std::get_if<EncounterEvent>(&built)) {
        result.events.emplace_back(line, std::move(*event));
    } else {
        result.errors.push_back(ImportRecordError{line, std::move(std::get<std::string>(built))});
    }
}

struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

/// RFC 4180 records. Lenient where nothing is lost (a quote inside an unquoted field, text after a closing
/// quote: taken literally); an unterminated quote ends the file with an error, since where its records end is
/// unknowable.
std::vector<CsvRecord> ReadCsv(std::string_view text, std::optional<ImportRecordError>& error) {
    std::vector<CsvRecord> records;
    std::size_t i = 0;
    std::size_t line = 1;
    const std::size_t n = text.size();
    while (i < n) {
        CsvRecord record{.line = line, .fields = {}};
        std::string field;
        bool at_field_start = true;
        bool quoted = false;
        while (true) {
            if (i >= n) {
                record.fields.push_back(std::move(field));
                break;
            }
            const char c = text[i];
            if (c == '"' && at_field_start) {
                quoted = true;
                at_field_start = false;
                ++i;
                while (true) {
                    if (i >= n) {
                        error = ImportRecordError{record.line,
                                                  "unterminated quoted field; the rest of the file was "
                                                  "not read"};
                        return records;
                    }
                    if (text[i] == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= n || text[i + 1] != '\n'))) {
                        ++line;
                    }
                    field += text[i++];
                }
                continue;
            }
            at_field_start = false;
            if (c == ',') {
                record.fields.push_back(std::move(field));
                field.clear();
                at_field_start = true;
                ++i;
                continue;
            }
            if (c == '\r' || c == '\n') {
                record.fields.push_back(std::move(field));
                i += c == '\r' && i + 1 < n && text[i + 1] == '\n' ? 2 : 1;
                ++line;
                break;
            }
            field += c;
            ++i;
        }
        bool blank = !quoted;
        for (const std::string& value : record.fields) {
            blank = blank && detail::TrimSpaces(value).empty();
        }
        if (!blank) {
            records.push_back(std::move(record));
        }
    }
    return records;
}

std::string_view WithoutBom(std::string_view content) {
    if (content.starts_with("\xEF\xBB\xBF")) {
        content.remove_prefix(3);
    }
    return content;
}

}  // namespace

ImportResult ParseEncounterCsv(std::string_view content) {
    ImportResult result;
    std::optional<ImportRecordError> error;
    std::vector<CsvRecord> records = ReadCsv(WithoutBom(content), error);
    if (records.empty()) {
        result.errors.push_back(error ? *error : ImportRecordError{1, "the file has no header row"});
        return result;
    }
    const CsvRecord& header = records.front();
    std::vector<std::size_t> columns;
    Values seen;
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
        // Column names are never echoed: a file without a header would put a patient's data in the message.
        const auto index = ColumnIndex(detail::TrimSpaces(header.fields[i]));
        if (!index) {
            result.errors.push_back(ImportRecordError{header.line, "unknown column " + std::to_string(i + 1) +
                                                                       " in the header (known: " + KnownColumns() +
                                                                       "); nothing was imported"});
            return result;
        }
        if (seen[*index]) {
            result.errors.push_back(ImportRecordError{
                header.line, "column " + std::string(kImportColumns[*index]) + " appears twice; nothing was imported"});
            return result;
        }
        seen[*index] = "";
        columns.push_back(*index);
    }
    for (const std::string_view required : {"record_id", "mrn", "visit_number"}) {
        if (!seen[*ColumnIndex(required)]) {
            result.errors.push_back(ImportRecordError{
                header.line, "the header has no " + std::string(required) + " column; nothing was imported"});
            return result;
        }
    }
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& record = records[r];
        if (record.fields.size() != columns.size()) {
            result.errors.push_back(
                ImportRecordError{record.line, "the row has " + std::to_string(record.fields.size()) +
                                                   " fields; the header has " + std::to_string(columns.size())});
            continue;
        }
        Values values;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            values[columns[i]] = record.fields[i];
        }
        AddRecord(result, record.line, values);
    }
    if (error) {
        result.errors.push_back(*error);
    }
    return result;
}

ImportResult ParseEncounterJsonLines(std::string_view content) {
    ImportResult result;
    content = WithoutBom(content);
    std::size_t line = 0;
    std::size_t start = 0;
    while (start < content.size()) {
        ++line;
        std::size_t end = content.find('\n', start);
        if (end == std::string_view::npos) {
            end = content.size();
        }
        std::string_view text = content.substr(start, end - start);
        start = end + 1;
        if (text.ends_with('\r')) {
            text.remove_suffix(1);
        }
        if (detail::TrimSpaces(text).empty()) {
            continue;
        }
        rapidjson::Document document;
        // Iterative: a line of 100000 '[' must not exhaust the stack.
        document.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                               text.size());
        if (document.HasParseError()) {
            result.errors.push_back(ImportRecordError{
                line, "the line is not valid JSON (error at byte " + std::to_string(document.GetErrorOffset()) + ")"});
            continue;
        }
        if (!document.IsObject()) {
            result.errors.push_back(ImportRecordError{line, "the line is not a JSON object"});
            continue;
        }
        Values values;
        std::optional<std::string> problem;
        std::size_t member_number = 0;
        for (auto member = document.MemberBegin(); member != document.MemberEnd() && !problem; ++member) {
            ++member_number;
            const std::string_view key(member->name.GetString(), member->name.GetStringLength());
            const auto index = ColumnIndex(key);
            if (!index) {
                problem = "unknown key (member " + std::to_string(member_number) +
                          " of the object; known: " + KnownColumns() + ")";
                break;
            }
            const std::string name(kImportColumns[*index]);
            if (values[*index]) {
                problem = "key " + name + " appears twice";
                break;
            }
            const auto& value = member->value;
            if (value.IsString()) {
                values[*index] = std::string(value.GetString(), value.GetStringLength());
            } else if (value.IsNull()) {
                values[*index] = "";
            } else if (value.IsBool() && name == "deceased") {
                values[*index] = value.GetBool() ? "true" : "false";
            } else if (value.IsInt64()) {
                values[*index] = std::to_string(value.GetInt64());
            } else if (value.IsUint64()) {
                values[*index] = std::to_string(value.GetUint64());
            } else {
                problem = "key " + name + " must be a string";
            }
        }
        if (problem) {
            result.errors.push_back(ImportRecordError{line, std::move(*problem)});
            continue;
        }
        AddRecord(result, line, values);
    }
    return result;
}

std::optional<CivilTime> ParseIsoOrHl7Time(std::string_view text) {
    text = detail::TrimSpaces(text);
    if (text.size() < 10 || text[4] != '-') {
        return ParseHl7Time(text);
    }
    const auto year = Digits(text, 0, 4);
    const auto month = Digits(text, 5, 2);
    const auto day = Digits(text, 8, 2);
    if (!year || !month || !day || text[7] != '-') {
        return std::nullopt;
    }
    CivilTime time{.year = *year, .month = *month, .day = *day};
    std::size_t pos = 10;
    if (pos < text.size()) {
        if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
            return std::nullopt;
        }
        const auto hour = Digits(text, pos + 1, 2);
        const auto minute = Digits(text, pos + 4, 2);
        if (!hour || !minute || pos + 3 >= text.size() || text[pos + 3] != ':') {
            return std::nullopt;
        }
        time.hour = *hour;
        time.minute = *minute;
        pos += 6;
        if (pos < text.size() && text[pos] == ':') {
            const auto second = Digits(text, pos + 1, 2);
            if (!second) {
                return std::nullopt;
            }
            time.second = *second;
            pos += 3;
            if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
                const std::size_t digits_start = ++pos;
                while (pos < text.size() && detail::IsDigit(text[pos])) {
                    ++pos;
                }
                if (pos == digits_start) {
                    return std::nullopt;
                }
            }
        }
        if (pos < text.size()) {
            if (text[pos] == 'Z' || text[pos] == 'z') {
                time.utc_offset_minutes = 0;
                ++pos;
            } else if (text[pos] == '+' || text[pos] == '-') {
                const int sign = text[pos] == '-' ? -1 : 1;
                const auto hours = Digits(text, pos + 1, 2);
                pos += 3;
                if (pos < text.size() && text[pos] == ':') {
                    ++pos;
                }
                const auto minutes = Digits(text, pos, 2);
                if (!hours || !minutes || !detail::ValidOffset(*hours, *minutes)) {
                    return std::nullopt;
                }
                time.utc_offset_minutes = sign * (*hours * 60 + *minutes);
                pos += 2;
            }
        }
        if (pos != text.size()) {
            return std::nullopt;
        }
    }
    if (!detail::ValidCivil(time.year, time.month, time.day, time.hour, time.minute, time.second)) {
        return std::nullopt;
    }
    return time;
}

}  // namespace carelisten::connectors::hl7
