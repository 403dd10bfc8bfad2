// libFuzzer target: the HL7 v2 parser, ADT to EncounterEvent and the ACK, on arbitrary bytes. Every ACK must
// parse again and echo MSH-10; an accepted event has its required values; the import readers and the time
// parsers run on the same bytes.
#include <connectors/hl7/encounter_event.hpp>
#include <connectors/hl7/encounter_import.hpp>
#include <connectors/hl7/hl7_message.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

using namespace carelisten::connectors::hl7;

constexpr CivilTime kNow{.year = 2026, .month = 11, .day = 30, .hour = 14, .utc_offset_minutes = 330};

void Require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

/// The ACK must be a message we can read back, answering the control id we were given.
void CheckAck(const std::string& ack, const Message* original, AckCode code) {
    const auto parsed = ParseMessage(ack);
    Require(std::holds_alternative<Message>(parsed));
    const Message& message = std::get<Message>(parsed);
    Require(message.Get("MSA", 1) == AckCodeText(code));
    Require(message.Get("MSH", 10) == "CL1");
    const std::string expected = original != nullptr ? original->Get("MSH", 10) : "";
    // A CR or LF in the original control id travels as \.br\, which reads back as a line feed.
    std::string normalized = expected;
    for (char& c : normalized) {
        c = c == '\r' ? '\n' : c;
    }
    Require(message.Get("MSA", 2) == normalized);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto parsed = ParseMessage(bytes);
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        Require(!error->reason.empty() && error->ack != AckCode::kAccept);
        CheckAck(MakeAck(nullptr, *error, "CL1", kNow), error->header ? &*error->header : nullptr, error->ack);
    } else {
        const Message& message = std::get<Message>(parsed);
        Require(message.HasSegment("MSH"));
        const auto converted = ToEncounterEvent(message);
        if (const auto* event = std::get_if<EncounterEvent>(&converted)) {
            Require(!event->control_id.empty() && !event->mrn.empty() && !event->visit_number.empty());
            Require(event->kind != EncounterEventKind::kDischarge || event->discharge_time.has_value());
            CheckAck(MakeAck(&message, AckCode::kAccept, "", "CL1", kNow), &message, AckCode::kAccept);
        } else {
            const ParseError& refused = std::get<ParseError>(converted);
            Require(!refused.reason.empty() && refused.ack != AckCode::kAccept);
            CheckAck(MakeAck(&message, refused, "CL1", kNow), &message, refused.ack);
        }
    }
    (void)ParseHl7Time(bytes);
    (void)ParseIsoOrHl7Time(bytes);
    if (size < 4096) {
        (void)ParseEncounterCsv(bytes);
        (void)ParseEncounterJsonLines(bytes);
    }
    return 0;
}
