/// @file
/// @brief HL7 v2 messages as bytes in, fields out: the parser (segments, delimiters from MSH-1/MSH-2, escape
/// sequences), HL7 timestamps, and the ACK a receiver answers with. Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::connectors::hl7 {

/// Largest message ParseMessage accepts. ADT messages are a few KB; a bigger one is not an ADT event.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{1} << 20U;

/// An HL7 TS/DTM as written: no time zone conversion. Parts the text did not give are the start of the
/// period ("202611" is 2026-11-01 00:00:00); fractions of a second are dropped.
struct CivilTime {
    int year, month, day, hour = 0, minute = 0, second = 0;
    std::optional<int> utc_offset_minutes;  ///< when the text gave one ("+0530" is 330)

    bool operator==(const CivilTime&) const = default;
};

/// Parses an HL7 v2 TS/DTM ("YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]"); nullopt for empty or invalid (a
/// month 13, 30 February, an offset beyond +/-14:00, an odd number of digits).
std::optional<CivilTime> ParseHl7Time(std::string_view text);

/// "YYYYMMDDHHMMSS" plus "+ZZZZ"/"-ZZZZ" when the offset is known.
std::string FormatHl7Time(const CivilTime& time);

/// The five delimiters of a message, read from MSH-1 and MSH-2 (the fifth, the v2.7 truncation character,
/// only when MSH-2 has five characters).
struct Delimiters {
    char field = '|';
    char component = '^';
    char repetition = '~';
    char escape = '\\';
    char subcomponent = '&';
    std::optional<char> truncation;
};

/// `text` with the delimiters and the escape character written as escape sequences (\F\ \S\ \R\ \T\ \E\,
/// and \P\ for the truncation character), so it can be put into one component of a message.
std::string EscapeText(std::string_view text, const Delimiters& delimiters = {});

/// A parsed HL7 v2 message: segments split on \r (\n and \r\n tolerated), delimiters from MSH-1/MSH-2.
/// Holds the raw (still escaped) fields; every accessor decodes what it returns. Immutable once parsed, so
/// it may be read from several threads.
class Message {
public:
    /// One segment: its id and its fields as written. fields[0] is the id; for MSH, fields[1] is MSH-2 (the
    /// encoding characters) because MSH-1 is the field separator itself.
    struct Segment {
        std::string id;
        std::vector<std::string> fields;
    };

    Message(Delimiters delimiters, std::vector<Segment> segments);

    /// Field access by segment id (the first such segment) and HL7 field number (MSH-9 is Field("MSH", 9)),
    /// repetition 0-based, component and subcomponent 1-based; escape sequences (\F\ \S\ \T\ \R\ \E\ \Xhh..\)
    /// decoded, formatting ones (\H\ \N\) dropped and \.br\ a line feed; "" when absent. The HL7 null `""`
    /// ("delete this value") also reads as "". MSH-1 and MSH-2 are returned as written, undivided.
    std::string Get(std::string_view segment, int field, int component = 1, int repetition = 0,
                    int subcomponent = 1) const;

    /// How many repetitions the field has: 0 when the segment or the field is absent or empty.
    std::size_t RepetitionCount(std::string_view segment, int field) const;
    /// How many components a repetition has: 0 when it is absent or empty.
    std::size_t ComponentCount(std::string_view segment, int field, int repetition = 0) const;
    /// How many subcomponents a component has: 0 when it is absent or empty.
    std::size_t SubcomponentCount(std::string_view segment, int field, int component, int repetition = 0) const;

    bool HasSegment(std::string_view segment) const;
    /// How many segments carry this id (an A03 may carry several OBX, DG1 or ROL segments).
    std::size_t SegmentCount(std::string_view segment) const;

    const Delimiters& GetDelimiters() const { return delimiters_; }
    const std::vector<Segment>& Segments() const { return segments_; }

private:
    /// The raw field, or nullptr when the segment or the field is absent.
    const std::string* RawField(std::string_view segment, int field) const;

    Delimiters delimiters_;
    std::vector<Segment> segments_;
};

enum class AckCode { kAccept /*AA*/, kError /*AE*/, kReject /*AR*/ };

/// "AA", "AE" or "AR".
std::string_view AckCodeText(AckCode code);

/// HL7 table 0357 (message error condition codes) as ERR-3 carries them.
enum class Hl7ErrorCondition {
    kSegmentSequenceError = 100,
    kRequiredFieldMissing = 101,
    kDataTypeError = 102,
    kUnsupportedMessageType = 200,
    kUnsupportedEventCode = 201,
    kUnsupportedVersionId = 203,
    kApplicationInternalError = 207,
};

/// Why a message was refused, and how to answer the sender.
struct ParseError {
    AckCode ack = AckCode::kError;
    /// One line for the log and MSA-3/ERR-8; never patient data: it says which field or segment.
    std::string reason;
    /// The field at fault as "SEG-N" (e.g. "PID-3"), a segment id alone ("PV1"), or "" when none applies.
    std::string error_location;
    Hl7ErrorCondition condition = Hl7ErrorCondition::kApplicationInternalError;
    /// The message's MSH alone when it could be read even though the rest could not: pass `&*header` to
    /// MakeAck so the sender gets its control id back in MSA-2.
    std::optional<Message> header;
};

/// The whole message. kReject for what is not HL7 v2 at all (no MSH first, bad delimiters in MSH-1/MSH-2, a
/// version in MSH-12 that is not 2.x), for a size over kMaxMessageBytes, and for empty input; kError (with the
/// MSH in `header`) for a later segment without a valid 3-character segment id (e.g. a truncated one).
/// Bytes that are not UTF-8 are kept as they are.
std::variant<Message, ParseError> ParseMessage(std::string_view bytes);

/// An ACK for `original` (MSH-3/4 and -5/6 swapped, MSA-1 code, MSA-2 = original MSH-10, MSA-3 text, an ERR
/// segment for AE/AR with location), our control id given; version and processing id echo the original's
/// MSH-12 and MSH-11 (2.5 and P when absent). MSH-9 is ACK^<original event>^ACK. When the original could not be
/// parsed at all, pass nullptr: a minimal ACK with empty MSA-2. `error_location` is "SEG-N" or "SEG" as in
/// ParseError and goes to ERR-2 as an ERL (PID^1^3). Segments end with \r; text is escaped.
std::string MakeAck(const Message* original, AckCode code, std::string_view text, std::string_view ack_control_id,
                    const CivilTime& now, std::string_view error_location = {},
                    Hl7ErrorCondition condition = Hl7ErrorCondition::kApplicationInternalError);

/// The ACK for a refused message: code, reason, location and condition from `error`, and its `header` when
/// there is one (else `original`).
std::string MakeAck(const Message* original, const ParseError& error, std::string_view ack_control_id,
                    const CivilTime& now);

}  // namespace carelisten::connectors::hl7
