// The HL7 v2 parser on recorded-style ADT samples (tests/fixtures/hl7, fabricated patients): delimiters from
// MSH-1/MSH-2, escape sequences, line endings, timestamps, the messages it refuses, and the ACKs it builds.
#include <gtest/gtest.h>

#include <connectors/hl7/hl7_message.hpp>

#include "hl7_test_util.hpp"

namespace carelisten::connectors::hl7 {
namespace {

using testing::Hl7Fixture;
using testing::MustFail;
using testing::MustParse;

constexpr CivilTime kNow{
    .year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 10, .second = 5, .utc_offset_minutes = 330};

TEST(Hl7Message, ReadsFieldsComponentsAndRepetitionsOfADischarge) {
    const Message message = MustParse(Hl7Fixture("adt_a03_discharge.hl7"));
    EXPECT_EQ(message.Get("MSH", 1), "|");
    EXPECT_EQ(message.Get("MSH", 2), "^~\\&");
    EXPECT_EQ(message.Get("MSH", 3), "EPICADT");
    EXPECT_EQ(message.Get("MSH", 4, 2), "2.16.356.1.99");
    EXPECT_EQ(message.Get("MSH", 9, 1), "ADT");
    EXPECT_EQ(message.Get("MSH", 9, 2), "A03");
    EXPECT_EQ(message.Get("MSH", 9, 3), "ADT_A03");
    EXPECT_EQ(message.Get("MSH", 10), "MSG00001");
    EXPECT_EQ(message.Get("MSH", 12), "2.5");
    EXPECT_EQ(message.Get("PID", 3, 1), "MRN100234");
    EXPECT_EQ(message.Get("PID", 3, 5), "MR");
    EXPECT_EQ(message.RepetitionCount("PID", 13), 2U);
    EXPECT_EQ(message.Get("PID", 13, 4, 1), "ravi.testpatient@example.com");
    EXPECT_EQ(message.Get("PV1", 19), "V2026110042");
    EXPECT_EQ(message.Get("PV1", 45), "20261130140000+0530");
    EXPECT_EQ(message.Get("DG1", 3, 2), "Acute subendocardial myocardial infarction");
    EXPECT_EQ(message.ComponentCount("PV1", 3), 4U);
    EXPECT_EQ(message.SegmentCount("PID"), 1U);
    EXPECT_TRUE(message.HasSegment("EVN"));
    EXPECT_FALSE(message.HasSegment("OBX"));
    EXPECT_EQ(message.Segments().size(), 5U);
}

TEST(Hl7Message, AbsentPartsReadAsEmpty) {
    const Message message = MustParse(Hl7Fixture("adt_a03_discharge.hl7"));
    EXPECT_EQ(message.Get("OBX", 5), "");
    EXPECT_EQ(message.Get("PID", 99), "");
    EXPECT_EQ(message.Get("PID", 3, 9), "");
    EXPECT_EQ(message.Get("PID", 3, 1, 5), "");
    EXPECT_EQ(message.Get("PID", 3, 1, 0, 2), "");
    EXPECT_EQ(message.Get("PID", 0), "");
    EXPECT_EQ(message.Get("PID", 3, 0), "");
    EXPECT_EQ(message.Get("PID", 3, 1, -1), "");
    EXPECT_EQ(message.RepetitionCount("PID", 2), 0U);
    EXPECT_EQ(message.RepetitionCount("ZZZ", 1), 0U);
}

TEST(Hl7Message, DecodesEscapeSequencesAfterSplitting) {
    const Message message = MustParse(Hl7Fixture("adt_a03_escapes.hl7"));
    EXPECT_EQ(message.Get("PID", 5, 1), "TESTPATIENT&SON");  // \T\ is not a subcomponent break
    EXPECT_EQ(message.Get("PV1", 3, 1), "ONC|DAY");          // \F\ is not a field break
    EXPECT_EQ(message.Get("PV1", 3, 2), "W03");
    EXPECT_EQ(message.Get("PV1", 7, 2), "D'SOUZA");  // the \X27\ hex escape
    EXPECT_EQ(message.Get("PV1", 7, 3), "ANNE&MARIE");
    EXPECT_EQ(message.Get("PV1", 10), "ONC^DAYCARE");  // \S\ is not a component break
}

TEST(Hl7Message, DecodesEveryEscapeAndKeepsUnknownOnesAsWritten) {
    const Message message = MustParse(
        "MSH|^~\\&|A|B|C|D|20261130||ADT^A08|1|P|2.5\r"
        "ZTX|a\\E\\b|x\\R\\y|\\X4869\\|on\\H\\bold\\N\\off|one\\.br\\two|keep\\Z12\\it|open\\end|\"\"|\\X4G\\\r");
    EXPECT_EQ(message.Get("ZTX", 1), "a\\b");
    EXPECT_EQ(message.Get("ZTX", 2), "x~y");
    EXPECT_EQ(message.Get("ZTX", 3), "Hi");
    EXPECT_EQ(message.Get("ZTX", 4), "onboldoff");
    EXPECT_EQ(message.Get("ZTX", 5), "one\ntwo");
    EXPECT_EQ(message.Get("ZTX", 6), "keep\\Z12\\it");
    EXPECT_EQ(message.Get("ZTX", 7), "open\\end");
    EXPECT_EQ(message.Get("ZTX", 8), "");  // the HL7 null
    EXPECT_EQ(message.Get("ZTX", 9), "\\X4G\\");
}

TEST(Hl7Message, EscapeTextRoundTripsThroughTheParser) {
    const std::string tricky = "a|b^c~d\\e&f#g\rh";
    const Delimiters five{.truncation = '#'};
    const Message message =
        MustParse("MSH|^~\\&#|A|B|C|D|20261130||ADT^A08|1|P|2.7\rZTX|" + EscapeText(tricky, five) + "\r");
    EXPECT_EQ(message.Get("ZTX", 1), "a|b^c~d\\e&f#g\nh");  // a CR in text travels as \.br\ (a line feed)
}

TEST(Hl7Message, EscapeTextKeepsTwoQuotesApartFromTheHl7Null) {
    const Message message = MustParse("MSH|^~\\&|A|B|C|D|20261130||ADT^A08|1|P|2.5\rZTX|" + EscapeText("\"\"") + "\r");
    EXPECT_EQ(message.Get("ZTX", 1), "\"\"");
}

TEST(Hl7Message, TakesNonDefaultDelimitersFromMsh1AndMsh2) {
    const Message message = MustParse(Hl7Fixture("adt_a03_custom_delimiters.hl7"));
    EXPECT_EQ(message.GetDelimiters().field, '!');
    EXPECT_EQ(message.GetDelimiters().component, '$');
    EXPECT_EQ(message.GetDelimiters().repetition, '*');
    EXPECT_EQ(message.GetDelimiters().escape, '/');
    EXPECT_EQ(message.GetDelimiters().subcomponent, '%');
    EXPECT_EQ(message.GetDelimiters().truncation, '#');
    EXPECT_EQ(message.Get("MSH", 1), "!");
    EXPECT_EQ(message.Get("MSH", 2), "$*/%#");
    EXPECT_EQ(message.Get("MSH", 9, 2), "A03");
    EXPECT_EQ(message.RepetitionCount("PID", 3), 2U);
    EXPECT_EQ(message.Get("PID", 3, 1, 1), "X1");
    EXPECT_EQ(message.Get("PV1", 3, 1), "GEN$A");
    EXPECT_EQ(message.Get("PID", 13, 4, 1), "lata.test/nair@example.net");
}

TEST(Hl7Message, ToleratesLfAndCrLfSegmentEndings) {
    const std::string cr = Hl7Fixture("adt_a03_discharge.hl7");
    const std::string lf = Hl7Fixture("adt_a03_lf_endings.hl7");
    ASSERT_NE(lf.find('\n'), std::string::npos);
    ASSERT_EQ(lf.find('\r'), std::string::npos);
    std::string crlf;
    for (const char c : cr) {
        crlf += c == '\r' ? std::string("\r\n") : std::string(1, c);
    }
    const Message from_cr = MustParse(cr);
    const Message from_lf = MustParse(lf);
    const Message from_crlf = MustParse(crlf);
    ASSERT_EQ(from_lf.Segments().size(), 4U);
    EXPECT_EQ(from_crlf.Segments().size(), from_cr.Segments().size());
    for (const auto& [segment, field] : {std::pair{"PID", 3}, std::pair{"PV1", 19}, std::pair{"PV1", 45}}) {
        EXPECT_EQ(from_lf.Get(segment, field), from_cr.Get(segment, field));
        EXPECT_EQ(from_crlf.Get(segment, field), from_cr.Get(segment, field));
    }
    EXPECT_EQ(from_crlf.Get("PV1", 45), "20261130140000+0530");  // no CR left on the last field
}

TEST(Hl7Message, RejectsWhatIsNotHl7) {
    const ParseError no_msh = MustFail("PID|1||MRN1^^^H^MR\rPV1|1|I\r");
    EXPECT_EQ(no_msh.ack, AckCode::kReject);
    EXPECT_EQ(no_msh.error_location, "MSH");
    EXPECT_FALSE(no_msh.header.has_value());

    EXPECT_EQ(MustFail("").ack, AckCode::kReject);
    EXPECT_EQ(MustFail("\r\n\r").ack, AckCode::kReject);
    EXPECT_EQ(MustFail("{\"resourceType\":\"Patient\"}").ack, AckCode::kReject);
}

TEST(Hl7Message, RejectsABadFieldSeparatorOrEncodingCharacters) {
    for (const std::string_view bytes : {"MSH ^~\\&|A|B\r", "MSHA^~\\&A", "MSH\x01^~\\&\x01", "MSH"}) {
        const ParseError error = MustFail(bytes);
        EXPECT_EQ(error.ack, AckCode::kReject);
        EXPECT_EQ(error.error_location, "MSH-1") << bytes;
    }
    // '^' taken as the field separator leaves "~\&|A|..." as MSH-2: not 4 or 5 characters.
    for (const std::string_view bytes : {"MSH^~\\&|A|B|C|D|2026||ADT^A03|1|P|2.5\r", "MSH|^~\\|A|B\r", "MSH|^^\\&|A\r",
                                         "MSH|^~\\&#@|A\r", "MSH|^~\\|&|A\r", "MSH|^~A&|B\r"}) {
        const ParseError error = MustFail(bytes);
        EXPECT_EQ(error.ack, AckCode::kReject) << bytes;
        EXPECT_EQ(error.error_location, "MSH-2") << bytes;
    }
}

TEST(Hl7Message, RejectsAMessageOverOneMebibyte) {
    std::string big = Hl7Fixture("adt_a03_discharge.hl7") + "NTE|1||";
    big.append(2U << 20U, 'x');
    const ParseError error = MustFail(big);
    EXPECT_EQ(error.ack, AckCode::kReject);
    EXPECT_NE(error.reason.find("1 MiB"), std::string::npos);
    // ...while exactly the limit is still parsed.
    std::string limit = Hl7Fixture("adt_a03_discharge.hl7") + "NTE|1||";
    limit.append(kMaxMessageBytes - limit.size(), 'x');
    EXPECT_EQ(MustParse(limit).Get("NTE", 3).size(), kMaxMessageBytes - Hl7Fixture("adt_a03_discharge.hl7").size() - 7);
}

TEST(Hl7Message, RejectsAVersionOtherThanTwo) {
    const ParseError error = MustFail("MSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|3.0\r");
    EXPECT_EQ(error.ack, AckCode::kReject);
    EXPECT_EQ(error.error_location, "MSH-12");
    EXPECT_EQ(error.condition, Hl7ErrorCondition::kUnsupportedVersionId);
}

TEST(Hl7Message, AWrongVersionOutranksABadSegment) {
    const ParseError error = MustFail("MSH|^~\\&|A|B|C|D|2026||ADT^A03|1|P|3.0\rP\r");
    EXPECT_EQ(error.ack, AckCode::kReject);
    EXPECT_EQ(error.error_location, "MSH-12");
}

TEST(Hl7Message, ATruncatedSegmentIsAnErrorThatStillKnowsTheControlId) {
    std::string bytes = Hl7Fixture("adt_a03_discharge.hl7");
    bytes = bytes.substr(0, bytes.find("PV1|") + 2);  // the connection dropped inside "PV1"
    const ParseError error = MustFail(bytes);
    EXPECT_EQ(error.ack, AckCode::kError);
    EXPECT_NE(error.reason.find("segment 4"), std::string::npos);
    ASSERT_TRUE(error.header.has_value());
    EXPECT_EQ(error.header->Get("MSH", 10), "MSG00001");
    EXPECT_FALSE(error.header->HasSegment("PID"));  // the header only
}

TEST(Hl7Message, KeepsBytesThatAreNotUtf8) {
    const std::string bytes = "MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5\rPID|1||M1^^^H^MR||M\xFC\xFF\xC3LLER\r";
    const Message message = MustParse(bytes);
    EXPECT_EQ(message.Get("PID", 5), "M\xFC\xFF\xC3LLER");
}

TEST(Hl7Time, ParsesEveryPrecisionWithAndWithoutAnOffset) {
    EXPECT_EQ(ParseHl7Time("2026"), (CivilTime{.year = 2026, .month = 1, .day = 1}));
    EXPECT_EQ(ParseHl7Time("202611"), (CivilTime{.year = 2026, .month = 11, .day = 1}));
    EXPECT_EQ(ParseHl7Time("20261130"), (CivilTime{.year = 2026, .month = 11, .day = 30}));
    EXPECT_EQ(ParseHl7Time("2026113014"), (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14}));
    EXPECT_EQ(ParseHl7Time("202611301405"), (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5}));
    EXPECT_EQ(ParseHl7Time("20261130140559"),
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .second = 59}));
    EXPECT_EQ(
        ParseHl7Time("20261130140559.1234-0500"),
        (CivilTime{
            .year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .second = 59, .utc_offset_minutes = -300}));
    EXPECT_EQ(ParseHl7Time("202611301405+0530")->utc_offset_minutes, 330);
    EXPECT_EQ(ParseHl7Time("20240229")->day, 29);  // a leap year
}

TEST(Hl7Time, RefusesWhatIsNotATimestamp) {
    for (const std::string_view text :
         {"", "   ", "20261", "2026113", "20261330", "20261131", "20230229", "2026113024", "202611301460",
          "20261130140560", "2026-11-30", "20261130+053", "20261130+1500", "20261130+0560", "20261130.5",
          "20261130140559.", "20261130140559.12345", "2026abcd", "00001130"}) {
        EXPECT_FALSE(ParseHl7Time(text).has_value()) << text;
    }
}

TEST(Hl7Time, FormatsAsHl7Writes) {
    EXPECT_EQ(FormatHl7Time(kNow), "20261130141005+0530");
    EXPECT_EQ(FormatHl7Time(CivilTime{.year = 2026, .month = 1, .day = 2, .utc_offset_minutes = -210}),
              "20260102000000-0330");
    EXPECT_EQ(FormatHl7Time(CivilTime{.year = 2026, .month = 1, .day = 2}), "20260102000000");
}

TEST(Hl7Ack, AcceptSwapsSenderAndReceiverAndEchoesTheControlId) {
    const Message message = MustParse(Hl7Fixture("adt_a03_discharge.hl7"));
    EXPECT_EQ(MakeAck(&message, AckCode::kAccept, "", "CL0001", kNow),
              "MSH|^~\\&|CARELISTEN|CITYHOSP|EPICADT|CITYHOSP^2.16.356.1.99^ISO|20261130141005+0530||ACK^A03^ACK|"
              "CL0001|P|2.5\r"
              "MSA|AA|MSG00001\r");
}

TEST(Hl7Ack, ErrorCarriesTheTextAndAnErrSegmentWithTheLocation) {
    const Message message = MustParse(Hl7Fixture("adt_a03_missing_pv1_19.hl7"));
    EXPECT_EQ(MakeAck(&message, AckCode::kError, "PV1-19 (visit number) is missing", "CL0002", kNow, "PV1-19",
                      Hl7ErrorCondition::kRequiredFieldMissing),
              "MSH|^~\\&|CARELISTEN|CITYHOSP|EPICADT|CITYHOSP^2.16.356.1.99^ISO|20261130141005+0530||ACK^A03^ACK|"
              "CL0002|P|2.5\r"
              "MSA|AE|MSG00010|PV1-19 (visit number) is missing\r"
              "ERR||PV1^1^19|101^Required field missing^HL70357|E||||PV1-19 (visit number) is missing\r");
}

TEST(Hl7Ack, IsItselfAParsableMessage) {
    const Message message = MustParse(Hl7Fixture("adt_a13_cancel_discharge.hl7"));
    const Message ack = MustParse(MakeAck(&message, AckCode::kError, "a|b^c", "CL0003", kNow, "PID-3"));
    EXPECT_EQ(ack.Get("MSH", 9, 1), "ACK");
    EXPECT_EQ(ack.Get("MSH", 9, 2), "A13");
    EXPECT_EQ(ack.Get("MSH", 9, 3), "ACK");
    EXPECT_EQ(ack.Get("MSH", 10), "CL0003");
    EXPECT_EQ(ack.Get("MSA", 1), "AE");
    EXPECT_EQ(ack.Get("MSA", 2), "MSG00002");
    EXPECT_EQ(ack.Get("MSA", 3), "a|b^c");  // escaped on the way out
    EXPECT_EQ(ack.Get("ERR", 2, 1), "PID");
    EXPECT_EQ(ack.Get("ERR", 2, 3), "3");
    EXPECT_EQ(ack.Get("ERR", 3, 1), "207");
}

TEST(Hl7Ack, WithoutAnOriginalIsMinimal) {
    EXPECT_EQ(MakeAck(nullptr, AckCode::kReject, "not an HL7 v2 message", "CL0004", kNow),
              "MSH|^~\\&|||||20261130141005+0530||ACK|CL0004|P|2.5\r"
              "MSA|AR||not an HL7 v2 message\r"
              "ERR|||207^Application internal error^HL70357|E||||not an HL7 v2 message\r");
}

TEST(Hl7Ack, ForAParseErrorUsesItsHeaderLocationAndCondition) {
    std::string bytes = Hl7Fixture("adt_a03_discharge.hl7");
    bytes = bytes.substr(0, bytes.find("PV1|") + 2);
    const ParseError error = MustFail(bytes);
    const Message ack = MustParse(MakeAck(nullptr, error, "CL0005", kNow));
    EXPECT_EQ(ack.Get("MSA", 1), "AE");
    EXPECT_EQ(ack.Get("MSA", 2), "MSG00001");
    EXPECT_EQ(ack.Get("ERR", 3, 1), "100");
    EXPECT_EQ(ack.Get("MSH", 5), "EPICADT");

    const ParseError no_msh = MustFail("garbage");
    const Message reject = MustParse(MakeAck(nullptr, no_msh, "CL0006", kNow));
    EXPECT_EQ(reject.Get("MSA", 1), "AR");
    EXPECT_EQ(reject.Get("MSA", 2), "");
    EXPECT_EQ(reject.Get("ERR", 2, 1), "MSH");
}

TEST(Hl7Ack, WritesOurDelimitersWhateverTheOriginalUsed) {
    const Message message = MustParse(Hl7Fixture("adt_a03_custom_delimiters.hl7"));
    EXPECT_EQ(MakeAck(&message, AckCode::kAccept, "ok", "CL0007", kNow),
              "MSH|^~\\&|CARELISTEN|NORTHCLINIC|LEGACYADT|NORTHCLINIC|20261130141005+0530||ACK^A03^ACK|CL0007|P|"
              "2.7\r"
              "MSA|AA|LG-77|ok\r");
}

}  // namespace
}  // namespace carelisten::connectors::hl7
