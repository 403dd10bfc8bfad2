/// @file
/// @brief What the listening tool needs from an ADT message: the patient, the visit and its discharge, taken
/// from an HL7 v2 ADT^A03/A13/A08/A11. Pure: no I/O.
#pragma once

#include <connectors/hl7/hl7_message.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace carelisten::connectors::hl7 {

enum class EncounterEventKind { kDischarge /*A03*/, kCancelDischarge /*A13*/, kUpdate /*A08*/, kCancelVisit /*A11*/ };

/// "discharge", "cancel_discharge", "update", "cancel_visit" (the import files' `event` values).
std::string_view EncounterEventKindName(EncounterEventKind kind);

/// One encounter event. Text is UTF-8: ISO 8859-1 messages (MSH-18 "8859/1") are converted, and any other
/// byte that is not UTF-8 becomes U+FFFD.
struct EncounterEvent {
    EncounterEventKind kind = EncounterEventKind::kDischarge;
    std::string sending_application;      ///< MSH-3.1
    std::string sending_facility;         ///< MSH-4.1
    std::string control_id;               ///< MSH-10: (sending_facility, control_id) makes replays idempotent
    std::optional<CivilTime> event_time;  ///< EVN-2, else MSH-7
    std::string mrn;  ///< PID-3: the repetition whose identifier type (component 5) is MR, else the first; component 1
    std::string phone;  ///< PID-13: first repetition with a telephone number (component 1, or 5+6+7), as written
    std::string email;  ///< PID-13 repetition whose component 3 is "Internet"/"X.400" or component 2 "NET": component 4
    std::string language;                     ///< PID-15.1 (e.g. "en", "hi"), lower-cased
    bool patient_deceased = false;            ///< PID-30 == "Y" or PID-29 present
    std::string visit_number;                 ///< PV1-19.1 (required for every kind)
    std::string attending_physician_id;       ///< PV1-7.1
    std::string attending_physician_name;     ///< PV1-7 given (3) + family (2), e.g. "Asha Rao"
    std::string unit;                         ///< PV1-3.1 point of care, else PV1-10 hospital service
    std::optional<CivilTime> discharge_time;  ///< PV1-45 (required for kDischarge)
    std::string disposition;                  ///< PV1-36 code, e.g. "20" = expired (HL7 table 0112)

    bool operator==(const EncounterEvent&) const = default;
};

/// HL7 table 0112 (discharge disposition): 20 expired, 40/41/42 expired at home/in a facility/place unknown.
bool IsExpiredDisposition(std::string_view code);

/// ADT^A03/A13/A08/A11: the event from MSH-9.2, else EVN-1, else the structure in MSH-9.3 (ADT_A03); the
/// structure is not checked against the event because senders differ (A08 is ADT_A01 in v2.5, ADT_A08 in
/// some feeds). Other message types or events: kReject "unsupported message type". Missing MSH-10, PID, PID-3,
/// PV1 or PV1-19, or an A03 without a valid PV1-45: kError with error_location. The reason never holds patient
/// data.
std::variant<EncounterEvent, ParseError> ToEncounterEvent(const Message& message);

}  // namespace carelisten::connectors::hl7
