/// @file
/// @brief ADT^A03/A13/A08/A11 to EncounterEvent: which HL7 field each value comes from, and when a message
/// cannot be used.
#include <connectors/hl7/encounter_event.hpp>
#include <utility>

#include "text_util.hpp"

namespace carelisten::connectors::hl7 {
namespace {

using detail::EqualsIgnoreCase;

ParseError Refuse(AckCode ack, std::string reason, std::string location, Hl7ErrorCondition condition) {
    return ParseError{
        .ack = ack, .reason = std::move(reason), .error_location = std::move(location), .condition = condition};
}

ParseError Missing(std::string_view location, std::string_view what) {
    return Refuse(AckCode::kError, std::string(location) + " (" + std::string(what) + ") is missing",
                  std::string(location), Hl7ErrorCondition::kRequiredFieldMissing);
}

/// A message type or event code for an error reason: only when it looks like one (ADT, A03, ORU, R01), since
/// MSH-9 is sender-controlled text and reasons must never carry anything else.
std::string CodeForReason(std::string_view code) {
    if (code.empty() || code.size() > 7) {
        return "?";
    }
    for (const char c : code) {
        if (!detail::IsAsciiAlnum(c) && c != '_') {
            return "?";
        }
    }
    return std::string(code);
}

std::optional<EncounterEventKind> KindOfEvent(std::string_view event) {
    if (event == "A03") {
        return EncounterEventKind::kDischarge;
    }
    if (event == "A13") {
        return EncounterEventKind::kCancelDischarge;
    }
    if (event == "A08") {
        return EncounterEventKind::kUpdate;
    }
    if (event == "A11") {
        return EncounterEventKind::kCancelVisit;
    }
    return std::nullopt;
}

/// The value as UTF-8, whatever the message's bytes were (see EncounterEvent).
class TextReader {
public:
    explicit TextReader(const Message& message) : message_(message), latin1_(message.Get("MSH", 18) == "8859/1") {}

    std::string operator()(std::string_view segment, int field, int component = 1, int repetition = 0,
                           int subcomponent = 1) const {
        const std::string raw = message_.Get(segment, field, component, repetition, subcomponent);
        return latin1_ ? detail::Latin1ToUtf8(raw) : detail::ToValidUtf8(raw);
    }

private:
    const Message& message_;
    bool latin1_;
};

bool IsEmailRepetition(const Message& message, int repetition) {
    const std::string use = message.Get("PID", 13, 2, repetition);
    const std::string equipment = message.Get("PID", 13, 3, repetition);
    return EqualsIgnoreCase(use, "NET") || EqualsIgnoreCase(equipment, "Internet") ||
           EqualsIgnoreCase(equipment, "X.400");
}

/// PID-13 repetition's number: component 1 as written (v2.3 style), else the v2.5 parts joined by spaces
/// ("+91 80 26580000"), leaving E.164 normalization to the caller, who knows the hospital's region.
std::string PhoneOf(const TextReader& read, int repetition) {
    std::string number = read("PID", 13, 1, repetition);
    if (!number.empty()) {
        return number;
    }
    const std::string local = read("PID", 13, 7, repetition);
    if (local.empty()) {
        return {};
    }
    std::string country = read("PID", 13, 5, repetition);
    if (!country.empty() && country.front() != '+') {
        country.insert(0, "+");
    }
    for (const std::string& part : {country, read("PID", 13, 6, repetition), local}) {
        if (!part.empty()) {
            number += (number.empty() ? "" : " ") + part;
        }
    }
    return number;
}

}  // namespace

std::string_view EncounterEventKindName(EncounterEventKind kind) {
    switch (kind) {
        case EncounterEventKind::kDischarge:
            return "discharge";
        case EncounterEventKind::kCancelDischarge:
            return "cancel_discharge";
        case EncounterEventKind::kUpdate:
            return "update";
        case EncounterEventKind::kCancelVisit:
            break;
    }
    return "cancel_visit";
}

bool IsExpiredDisposition(std::string_view code) {
    code = detail::TrimSpaces(code);
    return code == "20" || code == "40" || code == "41" || code == "42";
}

std::variant<EncounterEvent, ParseError> ToEncounterEvent(const Message& message) {
    const std::string type = message.Get("MSH", 9, 1);
    std::string event = message.Get("MSH", 9, 2);
    if (event.empty()) {
        event = message.Get("EVN", 1);
    }
    if (const std::string structure = message.Get("MSH", 9, 3); event.empty() && structure.starts_with("ADT_")) {
        event = structure.substr(4);
    }
    if (type != "ADT") {
        return Refuse(AckCode::kReject,
                      "unsupported message type " + CodeForReason(type) + "^" + CodeForReason(event) +
                          ": only ADT^A03, A08, A11 and A13 are accepted",
                      "MSH-9", Hl7ErrorCondition::kUnsupportedMessageType);
    }
    const auto kind = KindOfEvent(event);
    if (!kind) {
        return Refuse(
            AckCode::kReject,
            "unsupported message type ADT^" + CodeForReason(event) + ": only ADT^A03, A08, A11 and A13 are accepted",
            "MSH-9", Hl7ErrorCondition::kUnsupportedEventCode);
    }
    const TextReader read(message);
    EncounterEvent result;
    result.kind = *kind;
    result.sending_application = read("MSH", 3);
    result.sending_facility = read("MSH", 4);
    result.control_id = read("MSH", 10);
    if (result.control_id.empty()) {
        return Missing("MSH-10", "message control id");
    }
    result.event_time = ParseHl7Time(message.Get("EVN", 2));
    if (!result.event_time) {
        result.event_time = ParseHl7Time(message.Get("MSH", 7));
    }

    if (!message.HasSegment("PID")) {
        return Refuse(AckCode::kError, "the PID segment is missing", "PID", Hl7ErrorCondition::kSegmentSequenceError);
    }
    const auto identifiers = static_cast<int>(message.RepetitionCount("PID", 3));
    int chosen = -1;
    for (int rep = 0; rep < identifiers && chosen < 0; ++rep) {
        if (message.Get("PID", 3, 5, rep) == "MR" && !message.Get("PID", 3, 1, rep).empty()) {
            chosen = rep;
        }
    }
    result.mrn = read("PID", 3, 1, chosen < 0 ? 0 : chosen);
    if (result.mrn.empty()) {
        return Missing("PID-3", "patient identifier list");
    }
    const auto telecoms = static_cast<int>(message.RepetitionCount("PID", 13));
    for (int rep = 0; rep < telecoms; ++rep) {
        if (IsEmailRepetition(message, rep)) {
            if (result.email.empty()) {
                // v2.3 senders sometimes put the address in component 1 instead of 4.
                result.email = read("PID", 13, 4, rep);
                if (result.email.empty() && read("PID", 13, 1, rep).find('@') != std::string::npos) {
                    result.email = read("PID", 13, 1, rep);
                }
            }
        } else if (result.phone.empty()) {
            result.phone = PhoneOf(read, rep);
        }
    }
    result.language = detail::AsciiLower(read("PID", 15));
    result.patient_deceased = EqualsIgnoreCase(message.Get("PID", 30), "Y") || !message.Get("PID", 29).empty();

    if (!message.HasSegment("PV1")) {
        return Refuse(AckCode::kError, "the PV1 segment is missing", "PV1", Hl7ErrorCondition::kSegmentSequenceError);
    }
    result.visit_number = read("PV1", 19);
    if (result.visit_number.empty()) {
        return Missing("PV1-19", "visit number");
    }
    result.attending_physician_id = read("PV1", 7, 1);
    const std::string given = read("PV1", 7, 3);
    const std::string family = read("PV1", 7, 2);
    result.attending_physician_name = given + (given.empty() || family.empty() ? "" : " ") + family;
    result.unit = read("PV1", 3, 1);
    if (result.unit.empty()) {
        result.unit = read("PV1", 10, 1);
    }
    result.disposition = read("PV1", 36, 1);
    const std::string discharge = message.Get("PV1", 45);
    result.discharge_time = ParseHl7Time(discharge);
    if (result.kind == EncounterEventKind::kDischarge && !result.discharge_time) {
        if (discharge.empty()) {
            return Missing("PV1-45", "discharge date/time, required for A03");
        }
        return Refuse(AckCode::kError, "PV1-45 (discharge date/time) is not a valid HL7 timestamp", "PV1-45",
                      Hl7ErrorCondition::kDataTypeError);
    }
    return result;
}

}  // namespace carelisten::connectors::hl7
