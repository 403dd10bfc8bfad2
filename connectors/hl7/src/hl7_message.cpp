/// @file
/// @brief The HL7 v2 parser, HL7 timestamps and ACK building.
#include <connectors/hl7/hl7_message.hpp>
#include <cstdio>
#include <utility>

#include "text_util.hpp"

namespace carelisten::connectors::hl7 {
namespace {

using detail::Digits;
using detail::IsAsciiAlnum;
using detail::IsDigit;

/// Part `index` (0-based) of `text` split on `separator`, or nullopt when there are fewer parts.
std::optional<std::string_view> Part(std::string_view text, char separator, std::size_t index) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < index; ++i) {
        const std::size_t next = text.find(separator, start);
        if (next == std::string_view::npos) {
            return std::nullopt;
        }
        start = next + 1;
    }
    const std::size_t end = text.find(separator, start);
    return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

/// Number of parts `text` has when split on `separator`; 0 for empty text.
std::size_t PartCount(std::string_view text, char separator) {
    if (text.empty()) {
        return 0;
    }
    std::size_t count = 1;
    for (const char c : text) {
        count += c == separator ? 1U : 0U;
    }
    return count;
}

int HexValue(char c) {
    if (IsDigit(c)) {
        return c - '0';
    }
    const char lower = detail::AsciiLower(c);
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

/// Decodes the escape sequences of one subcomponent. An unknown or unterminated sequence is kept as written,
/// so nothing the sender meant is lost.
std::string Unescape(std::string_view text, const Delimiters& d) {
    if (text == "\"\"") {
        return {};  // the HL7 null: "delete this value", which for a reader is no value
    }
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] != d.escape) {
            out += text[i++];
            continue;
        }
        const std::size_t end = text.find(d.escape, i + 1);
        if (end == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        const std::string_view sequence = text.substr(i + 1, end - i - 1);
        if (sequence == "F") {
            out += d.field;
        } else if (sequence == "S") {
            out += d.component;
        } else if (sequence == "T") {
            out += d.subcomponent;
        } else if (sequence == "R") {
            out += d.repetition;
        } else if (sequence == "E") {
            out += d.escape;
        } else if (sequence == "P" && d.truncation) {
            out += *d.truncation;
        } else if (sequence == "H" || sequence == "N") {
            // highlighting on/off: formatting only
        } else if (sequence == ".br") {
            out += '\n';
        } else if (sequence.size() >= 3 && sequence.size() % 2 == 1 && sequence[0] == 'X') {
            std::string bytes;
            bool valid = true;
            for (std::size_t k = 1; k + 1 < sequence.size(); k += 2) {
                const int high = HexValue(sequence[k]);
                const int low = HexValue(sequence[k + 1]);
                if (high < 0 || low < 0) {
                    valid = false;
                    break;
                }
                bytes += static_cast<char>(high * 16 + low);
            }
            out += valid ? bytes : std::string(text.substr(i, end - i + 1));
        } else {
            out.append(text.substr(i, end - i + 1));
        }
        i = end + 1;
    }
    return out;
}

/// A character that may delimit: printable ASCII, not a letter, digit or space.
bool IsDelimiterCharacter(char c) {
    return c > ' ' && c < '\x7F' && !IsAsciiAlnum(c);
}

bool IsSegmentId(std::string_view id) {
    if (id.size() != 3) {
        return false;
    }
    for (const char c : id) {
        if (!IsDigit(c) && !(c >= 'A' && c <= 'Z')) {
            return false;
        }
    }
    return true;
}

ParseError Reject(std::string reason, std::string location, Hl7ErrorCondition condition) {
    return ParseError{.ack = AckCode::kReject,
                      .reason = std::move(reason),
                      .error_location = std::move(location),
                      .condition = condition};
}

/// An absent MSH-12 is accepted (older senders omit it); one that is there must say 2.x.
std::optional<ParseError> CheckVersion(const Message& message) {
    const std::string version = message.Get("MSH", 12);
    if (!version.empty() && !version.starts_with("2.") && version != "2") {
        return Reject("MSH-12 (version id) is not HL7 v2.x", "MSH-12", Hl7ErrorCondition::kUnsupportedVersionId);
    }
    return std::nullopt;
}

Message::Segment SplitSegment(std::string_view line, char field_separator) {
    Message::Segment segment;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = line.find(field_separator, start);
        segment.fields.emplace_back(line.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    segment.id = segment.fields.front();
    return segment;
}

std::string_view ConditionText(Hl7ErrorCondition condition) {
    switch (condition) {
        case Hl7ErrorCondition::kSegmentSequenceError:
            return "Segment sequence error";
        case Hl7ErrorCondition::kRequiredFieldMissing:
            return "Required field missing";
        case Hl7ErrorCondition::kDataTypeError:
            return "Data type error";
        case Hl7ErrorCondition::kUnsupportedMessageType:
            return "Unsupported message type";
        case Hl7ErrorCondition::kUnsupportedEventCode:
            return "Unsupported event code";
        case Hl7ErrorCondition::kUnsupportedVersionId:
            return "Unsupported version id";
        case Hl7ErrorCondition::kApplicationInternalError:
            break;
    }
    return "Application internal error";
}

/// "PID-3" as the ERL of ERR-2 ("PID^1^3"), "PV1" as "PV1^1"; anything else escaped as it is.
std::string ErrorLocationField(std::string_view location) {
    const std::string_view id = location.substr(0, location.find('-'));
    if (!IsSegmentId(id)) {
        return EscapeText(location);
    }
    if (id.size() == location.size()) {
        return std::string(id) + "^1";
    }
    const std::string_view field = location.substr(id.size() + 1);
    if (field.empty() || field.size() > 3 || !detail::AllDigits(field)) {
        return EscapeText(location);
    }
    return std::string(id) + "^1^" + std::string(field);
}

/// One field of `message` (its first repetition), decoded and written again with our default delimiters,
/// so a sender's own delimiters never leak into our ACK.
std::string Reencode(const Message& message, std::string_view segment, int field) {
    std::string out;
    const auto components = static_cast<int>(message.ComponentCount(segment, field));
    for (int c = 1; c <= components; ++c) {
        if (c > 1) {
            out += '^';
        }
        const auto subcomponents = static_cast<int>(message.SubcomponentCount(segment, field, c));
        for (int s = 1; s <= subcomponents; ++s) {
            if (s > 1) {
                out += '&';
            }
            out += EscapeText(message.Get(segment, field, c, 0, s));
        }
    }
    while (!out.empty() && (out.back() == '^' || out.back() == '&')) {
        out.pop_back();
    }
    return out;
}

}  // namespace

std::optional<CivilTime> ParseHl7Time(std::string_view text) {
    text = detail::TrimSpaces(text);
    std::optional<int> offset;
    if (const std::size_t sign = text.find_first_of("+-"); sign != std::string_view::npos) {
        const std::string_view zone = text.substr(sign + 1);
        const auto hours = Digits(zone, 0, 2);
        const auto minutes = Digits(zone, 2, 2);
        if (zone.size() != 4 || !hours || !minutes || !detail::ValidOffset(*hours, *minutes)) {
            return std::nullopt;
        }
        offset = (text[sign] == '-' ? -1 : 1) * (*hours * 60 + *minutes);
        text = text.substr(0, sign);
    }
    if (const std::size_t dot = text.find('.'); dot != std::string_view::npos) {
        const std::string_view fraction = text.substr(dot + 1);
        if (dot != 14 || fraction.empty() || fraction.size() > 4 || !detail::AllDigits(fraction)) {
            return std::nullopt;
        }
        text = text.substr(0, dot);
    }
    if (text.size() < 4 || text.size() > 14 || text.size() % 2 != 0 || !detail::AllDigits(text)) {
        return std::nullopt;
    }
    const auto part = [&](std::size_t pos, int absent) { return pos < text.size() ? *Digits(text, pos, 2) : absent; };
    CivilTime time{.year = *Digits(text, 0, 4),
                   .month = part(4, 1),
                   .day = part(6, 1),
                   .hour = part(8, 0),
                   .minute = part(10, 0),
                   .second = part(12, 0),
                   .utc_offset_minutes = offset};
    if (!detail::ValidCivil(time.year, time.month, time.day, time.hour, time.minute, time.second)) {
        return std::nullopt;
    }
    return time;
}

std::string FormatHl7Time(const CivilTime& time) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d%02d%02d%02d%02d%02d", time.year, time.month, time.day, time.hour,
                  time.minute, time.second);
    std::string out = buffer;
    if (time.utc_offset_minutes) {
        const int offset = *time.utc_offset_minutes;
        const int magnitude = offset < 0 ? -offset : offset;
        std::snprintf(buffer, sizeof buffer, "%c%02d%02d", offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
        out += buffer;
    }
    return out;
}

std::string EscapeText(std::string_view text, const Delimiters& d) {
    if (text == "\"\"") {
        // Written plainly, two quotes would be read as the HL7 null ("delete the value").
        return d.escape + std::string("X2222") + d.escape;
    }
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        // The escape character first: every other sequence is built from it.
        if (c == d.escape) {
            out += d.escape + std::string("E") + d.escape;
        } else if (c == d.field) {
            out += d.escape + std::string("F") + d.escape;
        } else if (c == d.component) {
            out += d.escape + std::string("S") + d.escape;
        } else if (c == d.subcomponent) {
            out += d.escape + std::string("T") + d.escape;
        } else if (c == d.repetition) {
            out += d.escape + std::string("R") + d.escape;
        } else if (d.truncation && c == *d.truncation) {
            out += d.escape + std::string("P") + d.escape;
        } else if (c == '\r' || c == '\n') {
            out += d.escape + std::string(".br") + d.escape;  // a raw CR would end the segment
        } else {
            out += c;
        }
    }
    return out;
}

Message::Message(Delimiters delimiters, std::vector<Segment> segments)
    : delimiters_(delimiters), segments_(std::move(segments)) {}

const std::string* Message::RawField(std::string_view segment, int field) const {
    if (field < 1) {
        return nullptr;
    }
    for (const Segment& candidate : segments_) {
        if (candidate.id != segment) {
            continue;
        }
        // MSH-1 is the field separator itself, so MSH's stored fields are shifted by one.
        const auto index = static_cast<std::size_t>(segment == "MSH" ? field - 1 : field);
        if (index == 0 || index >= candidate.fields.size()) {
            return nullptr;
        }
        return &candidate.fields[index];
    }
    return nullptr;
}

std::string Message::Get(std::string_view segment, int field, int component, int repetition, int subcomponent) const {
    if (component < 1 || repetition < 0 || subcomponent < 1) {
        return {};
    }
    if (segment == "MSH" && (field == 1 || field == 2)) {
        if (component != 1 || repetition != 0 || subcomponent != 1 || !HasSegment("MSH")) {
            return {};
        }
        if (field == 1) {
            return std::string(1, delimiters_.field);
        }
        const std::string* raw = RawField(segment, field);
        return raw != nullptr ? *raw : std::string();
    }
    const std::string* raw = RawField(segment, field);
    if (raw == nullptr) {
        return {};
    }
    const auto rep = Part(*raw, delimiters_.repetition, static_cast<std::size_t>(repetition));
    if (!rep) {
        return {};
    }
    const auto comp = Part(*rep, delimiters_.component, static_cast<std::size_t>(component - 1));
    if (!comp) {
        return {};
    }
    const auto sub = Part(*comp, delimiters_.subcomponent, static_cast<std::size_t>(subcomponent - 1));
    if (!sub) {
        return {};
    }
    return Unescape(*sub, delimiters_);
}

std::size_t Message::RepetitionCount(std::string_view segment, int field) const {
    if (segment == "MSH" && (field == 1 || field == 2)) {
        return HasSegment("MSH") ? 1 : 0;
    }
    const std::string* raw = RawField(segment, field);
    return raw != nullptr ? PartCount(*raw, delimiters_.repetition) : 0;
}

std::size_t Message::ComponentCount(std::string_view segment, int field, int repetition) const {
    if (repetition < 0 || (segment == "MSH" && (field == 1 || field == 2))) {
        return repetition == 0 && HasSegment("MSH") ? 1 : 0;
    }
    const std::string* raw = RawField(segment, field);
    if (raw == nullptr) {
        return 0;
    }
    const auto rep = Part(*raw, delimiters_.repetition, static_cast<std::size_t>(repetition));
    return rep ? PartCount(*rep, delimiters_.component) : 0;
}

std::size_t Message::SubcomponentCount(std::string_view segment, int field, int component, int repetition) const {
    if (component < 1 || repetition < 0 || (segment == "MSH" && (field == 1 || field == 2))) {
        return component == 1 && repetition == 0 && HasSegment("MSH") ? 1 : 0;
    }
    const std::string* raw = RawField(segment, field);
    if (raw == nullptr) {
        return 0;
    }
    const auto rep = Part(*raw, delimiters_.repetition, static_cast<std::size_t>(repetition));
    if (!rep) {
        return 0;
    }
    const auto comp = Part(*rep, delimiters_.component, static_cast<std::size_t>(component - 1));
    return comp ? PartCount(*comp, delimiters_.subcomponent) : 0;
}

bool Message::HasSegment(std::string_view segment) const {
    return SegmentCount(segment) > 0;
}

std::size_t Message::SegmentCount(std::string_view segment) const {
    std::size_t count = 0;
    for (const Segment& candidate : segments_) {
        count += candidate.id == segment ? 1U : 0U;
    }
    return count;
}

std::string_view AckCodeText(AckCode code) {
    switch (code) {
        case AckCode::kAccept:
            return "AA";
        case AckCode::kError:
            return "AE";
        case AckCode::kReject:
            break;
    }
    return "AR";
}

std::variant<Message, ParseError> ParseMessage(std::string_view bytes) {
    if (bytes.size() > kMaxMessageBytes) {
        return Reject("message is larger than 1 MiB", "", Hl7ErrorCondition::kApplicationInternalError);
    }
    // Blank lines before the MSH are harmless (some senders start each message on a new line).
    while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) {
        bytes.remove_prefix(1);
    }
    if (bytes.empty()) {
        return Reject("empty message", "MSH", Hl7ErrorCondition::kSegmentSequenceError);
    }
    if (!bytes.starts_with("MSH")) {
        return Reject("not an HL7 v2 message: it does not start with an MSH segment", "MSH",
                      Hl7ErrorCondition::kSegmentSequenceError);
    }
    if (bytes.size() < 4 || !IsDelimiterCharacter(bytes[3])) {
        return Reject("MSH-1 (field separator) is not a delimiter character", "MSH-1",
                      Hl7ErrorCondition::kDataTypeError);
    }
    Delimiters delimiters;
    delimiters.field = bytes[3];
    const std::string_view after = bytes.substr(4);
    const std::string_view encoding = after.substr(0, after.find_first_of(std::string{delimiters.field, '\r', '\n'}));
    bool valid = encoding.size() == 4 || encoding.size() == 5;
    for (std::size_t i = 0; valid && i < encoding.size(); ++i) {
        valid = IsDelimiterCharacter(encoding[i]) && encoding[i] != delimiters.field &&
                encoding.find(encoding[i], i + 1) == std::string_view::npos;
    }
    if (!valid) {
        return Reject("MSH-2 (encoding characters) must be 4 or 5 distinct delimiter characters", "MSH-2",
                      Hl7ErrorCondition::kDataTypeError);
    }
    delimiters.component = encoding[0];
    delimiters.repetition = encoding[1];
    delimiters.escape = encoding[2];
    delimiters.subcomponent = encoding[3];
    if (encoding.size() == 5) {
        delimiters.truncation = encoding[4];
    }

    std::vector<Message::Segment> segments;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start <= bytes.size()) {
        std::size_t end = bytes.find_first_of("\r\n", start);
        if (end == std::string_view::npos) {
            end = bytes.size();
        }
        const std::string_view line = bytes.substr(start, end - start);
        start = end + 1;
        if (detail::TrimSpaces(line).empty()) {
            continue;
        }
        ++number;
        Message::Segment segment = SplitSegment(line, delimiters.field);
        if (!IsSegmentId(segment.id)) {
            ParseError error{.ack = AckCode::kError,
                             .reason = "segment " + std::to_string(number) +
                                       " does not start with a 3-character segment id (truncated or garbled)",
                             .error_location = "",
                             .condition = Hl7ErrorCondition::kSegmentSequenceError};
            error.header.emplace(delimiters, std::vector<Message::Segment>{segments.front()});
            // Not HL7 v2 at all outranks a bad segment: the sender gets AR, as it would for the whole message.
            if (auto version_error = CheckVersion(*error.header)) {
                return *std::move(version_error);
            }
            return error;
        }
        segments.push_back(std::move(segment));
    }
    Message message(delimiters, std::move(segments));
    if (auto version_error = CheckVersion(message)) {
        return *std::move(version_error);
    }
    return message;
}

std::string MakeAck(const Message* original, AckCode code, std::string_view text, std::string_view ack_control_id,
                    const CivilTime& now, std::string_view error_location, Hl7ErrorCondition condition) {
    const auto echo = [&](int field) { return original != nullptr ? Reencode(*original, "MSH", field) : ""; };
    std::string ack = "MSH|^~\\&|";
    // The receiver of the ACK is the original's sender: applications and facilities swap places.
    ack += echo(5) + "|" + echo(6) + "|" + echo(3) + "|" + echo(4) + "|" + FormatHl7Time(now) + "||ACK";
    const std::string event = original != nullptr ? original->Get("MSH", 9, 2) : "";
    if (!event.empty()) {
        ack += "^" + EscapeText(event) + "^ACK";
    }
    std::string processing = echo(11);
    std::string version = echo(12);
    ack += "|" + EscapeText(ack_control_id) + "|" + (processing.empty() ? "P" : processing) + "|" +
           (version.empty() ? "2.5" : version) + "\r";
    ack += "MSA|" + std::string(AckCodeText(code)) + "|" +
           (original != nullptr ? EscapeText(original->Get("MSH", 10)) : "");
    if (!text.empty()) {
        ack += "|" + EscapeText(text);
    }
    ack += "\r";
    if (code != AckCode::kAccept) {
        ack += "ERR||" + ErrorLocationField(error_location) + "|" + std::to_string(static_cast<int>(condition)) + "^" +
               std::string(ConditionText(condition)) + "^HL70357|E||||" + EscapeText(text) + "\r";
    }
    return ack;
}

std::string MakeAck(const Message* original, const ParseError& error, std::string_view ack_control_id,
                    const CivilTime& now) {
    const Message* header = error.header ? &*error.header : original;
    return MakeAck(header, error.ack, error.reason, ack_control_id, now, error.error_location, error.condition);
}

}  // namespace carelisten::connectors::hl7
