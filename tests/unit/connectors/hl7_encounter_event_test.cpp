// ADT^A03/A13/A08/A11 to EncounterEvent on the fixtures: where each value comes from, the fallbacks, and the
// messages that are refused (with AE or AR, a location, and no patient data in the reason).
#include <gtest/gtest.h>

#include <connectors/hl7/encounter_event.hpp>

#include "hl7_test_util.hpp"

namespace carelisten::connectors::hl7 {
namespace {

using testing::Hl7Fixture;
using testing::MustConvert;
using testing::MustParse;
using testing::MustRefuse;

EncounterEvent FromFixture(const std::string& name) {
    return MustConvert(MustParse(Hl7Fixture(name)));
}

ParseError RefusedFixture(const std::string& name) {
    return MustRefuse(MustParse(Hl7Fixture(name)));
}

std::string WithField(std::string message, std::string_view segment_start, std::string_view from, std::string_view to) {
    const std::size_t segment = message.find(segment_start);
    const std::size_t at = message.find(from, segment);
    if (segment == std::string::npos || at == std::string::npos) {
        throw std::runtime_error("fixture edit failed");
    }
    return message.replace(at, from.size(), to);
}

/// Patient data of the fixtures that must never appear in an error reason.
void ExpectNoPatientData(const ParseError& error) {
    for (const std::string_view secret : {"MRN100234", "TESTPATIENT", "RAVI", "98450", "ravi.testpatient", "RAO",
                                          "V2026110042", "19700412", "MG ROAD"}) {
        EXPECT_EQ(error.reason.find(secret), std::string::npos) << error.reason;
    }
}

TEST(Hl7EncounterEvent, ReadsEveryValueOfAFullDischarge) {
    const EncounterEvent expected{
        .kind = EncounterEventKind::kDischarge,
        .sending_application = "EPICADT",
        .sending_facility = "CITYHOSP",
        .control_id = "MSG00001",
        .event_time =
            CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .utc_offset_minutes = 330},
        .mrn = "MRN100234",
        .phone = "+91 98450 12345",
        .email = "ravi.testpatient@example.com",
        .language = "en",
        .patient_deceased = false,
        .visit_number = "V2026110042",
        .attending_physician_id = "D1001",
        .attending_physician_name = "ASHA RAO",
        .unit = "CARD",
        .discharge_time = CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .utc_offset_minutes = 330},
        .disposition = "01"};
    EXPECT_EQ(FromFixture("adt_a03_discharge.hl7"), expected);
}

TEST(Hl7EncounterEvent, ReadsTheOtherThreeEvents) {
    const EncounterEvent cancel = FromFixture("adt_a13_cancel_discharge.hl7");
    EXPECT_EQ(cancel.kind, EncounterEventKind::kCancelDischarge);
    EXPECT_EQ(cancel.control_id, "MSG00002");
    EXPECT_EQ(cancel.visit_number, "V2026110042");

    const EncounterEvent update = FromFixture("adt_a08_update.hl7");
    EXPECT_EQ(update.kind, EncounterEventKind::kUpdate);
    EXPECT_EQ(update.mrn, "MRN200871");
    EXPECT_EQ(update.phone, "(080) 2658-1234");  // v2.3 style: component 1 as written
    EXPECT_EQ(update.email, "");
    EXPECT_EQ(update.language, "hi");  // "HI" lower-cased
    EXPECT_EQ(update.unit, "MED");     // no PV1-3: the hospital service
    EXPECT_EQ(update.attending_physician_name, "KIRAN MENON");
    EXPECT_EQ(update.event_time, (CivilTime{.year = 2026, .month = 12, .day = 1, .hour = 8, .minute = 59}));
    EXPECT_FALSE(update.discharge_time.has_value());  // not required for an A08

    const EncounterEvent cancel_visit = FromFixture("adt_a11_cancel_visit.hl7");  // structure ADT_A09
    EXPECT_EQ(cancel_visit.kind, EncounterEventKind::kCancelVisit);
    EXPECT_EQ(cancel_visit.mrn, "MRN300112");
    EXPECT_EQ(cancel_visit.visit_number, "V2026120015");
}

TEST(Hl7EncounterEvent, AnExpiredDischargeSaysSo) {
    const EncounterEvent event = FromFixture("adt_a03_expired.hl7");
    EXPECT_EQ(event.disposition, "20");
    EXPECT_TRUE(IsExpiredDisposition(event.disposition));
    EXPECT_TRUE(event.patient_deceased);
    EXPECT_EQ(event.unit, "ICU");
}

TEST(Hl7EncounterEvent, DeceasedFromEitherPid29OrPid30) {
    const std::string base = Hl7Fixture("adt_a03_discharge.hl7");
    EXPECT_FALSE(MustConvert(MustParse(base)).patient_deceased);  // PID-30 "N"
    EXPECT_TRUE(MustConvert(MustParse(WithField(base, "PID|", "||N\r", "||Y\r"))).patient_deceased);
    EXPECT_TRUE(MustConvert(MustParse(WithField(base, "PID|", "||N\r", "|20261130|\r"))).patient_deceased);
}

TEST(Hl7EncounterEvent, ExpiredDispositionsFollowTable0112) {
    for (const std::string_view code : {"20", "40", "41", "42", " 20 "}) {
        EXPECT_TRUE(IsExpiredDisposition(code)) << code;
    }
    for (const std::string_view code : {"", "01", "02", "07", "2", "200", "21", "43"}) {
        EXPECT_FALSE(IsExpiredDisposition(code)) << code;
    }
}

TEST(Hl7EncounterEvent, DecodesEscapesInNames) {
    const EncounterEvent event = FromFixture("adt_a03_escapes.hl7");
    EXPECT_EQ(event.attending_physician_name, "ANNE&MARIE D'SOUZA");
    EXPECT_EQ(event.unit, "ONC|DAY");
    EXPECT_EQ(event.mrn, "MRN500600");
}

TEST(Hl7EncounterEvent, PicksTheMrRepetitionOfPid3AndSplitsPhoneFromEmail) {
    const EncounterEvent event = FromFixture("adt_a03_mrn_not_first.hl7");
    EXPECT_EQ(event.mrn, "MRN700701");
    EXPECT_EQ(event.email, "asha.testcase@example.org");  // first repetition
    EXPECT_EQ(event.phone, "+91 99001 23456");            // second repetition, v2.5 components
}

TEST(Hl7EncounterEvent, WithoutAnMrRepetitionTakesTheFirst) {
    const std::string message = WithField(Hl7Fixture("adt_a03_mrn_not_first.hl7"), "PID|", "^MR~", "^XX~");
    EXPECT_EQ(MustConvert(MustParse(message)).mrn, "4455667788");
}

TEST(Hl7EncounterEvent, ReadsAMessageWithItsOwnDelimiters) {
    const EncounterEvent event = FromFixture("adt_a03_custom_delimiters.hl7");
    EXPECT_EQ(event.kind, EncounterEventKind::kDischarge);
    EXPECT_EQ(event.control_id, "LG-77");
    EXPECT_EQ(event.mrn, "MRN800800");
    EXPECT_EQ(event.phone, "+91 98861 11111");
    EXPECT_EQ(event.email, "lata.test/nair@example.net");
    EXPECT_EQ(event.language, "ml");
    EXPECT_EQ(event.unit, "GEN$A");
    EXPECT_EQ(event.attending_physician_name, "RAMESH IYER");
    EXPECT_EQ(event.discharge_time, (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14}));
}

TEST(Hl7EncounterEvent, LfLineEndingsGiveTheSameEvent) {
    EncounterEvent lf = FromFixture("adt_a03_lf_endings.hl7");
    EXPECT_EQ(lf.control_id, "MSG00007");
    lf.control_id = "MSG00001";
    EXPECT_EQ(lf, FromFixture("adt_a03_discharge.hl7"));
}

TEST(Hl7EncounterEvent, EventFromEvn1OrTheStructureWhenMsh9HasNone) {
    const std::string base = Hl7Fixture("adt_a03_discharge.hl7");
    EXPECT_EQ(MustConvert(MustParse(WithField(base, "MSH|", "ADT^A03^ADT_A03", "ADT"))).kind,
              EncounterEventKind::kDischarge);  // EVN-1 is A03
    const std::string no_evn_code =
        WithField(WithField(base, "MSH|", "ADT^A03^ADT_A03", "ADT^^ADT_A03"), "EVN|", "EVN|A03|", "EVN||");
    EXPECT_EQ(MustConvert(MustParse(no_evn_code)).kind, EncounterEventKind::kDischarge);
}

TEST(Hl7EncounterEvent, EventTimeFallsBackToMsh7) {
    std::string message = Hl7Fixture("adt_a03_discharge.hl7");
    message.erase(message.find("EVN|"), message.find("PID|") - message.find("EVN|"));
    EXPECT_EQ(MustConvert(MustParse(message)).event_time,
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 10, .utc_offset_minutes = 330}));
}

TEST(Hl7EncounterEvent, RejectsOtherMessageTypes) {
    const ParseError oru = RefusedFixture("oru_r01.hl7");
    EXPECT_EQ(oru.ack, AckCode::kReject);
    EXPECT_NE(oru.reason.find("unsupported message type"), std::string::npos);
    EXPECT_NE(oru.reason.find("ORU^R01"), std::string::npos);
    EXPECT_EQ(oru.error_location, "MSH-9");
    EXPECT_EQ(oru.condition, Hl7ErrorCondition::kUnsupportedMessageType);
    ExpectNoPatientData(oru);

    const std::string base = Hl7Fixture("adt_a03_discharge.hl7");
    const ParseError admit = MustRefuse(MustParse(WithField(base, "MSH|", "ADT^A03^ADT_A03", "ADT^A01^ADT_A01")));
    EXPECT_EQ(admit.ack, AckCode::kReject);
    EXPECT_EQ(admit.condition, Hl7ErrorCondition::kUnsupportedEventCode);
    // Sender-controlled text that does not look like a code is not echoed.
    const ParseError odd = MustRefuse(MustParse(WithField(base, "MSH|", "ADT^A03^ADT_A03", "RAVI TESTPATIENT^X")));
    EXPECT_EQ(odd.reason.find("RAVI"), std::string::npos);
}

TEST(Hl7EncounterEvent, MissingVisitNumberIsAnErrorAtPv1_19) {
    const ParseError error = RefusedFixture("adt_a03_missing_pv1_19.hl7");
    EXPECT_EQ(error.ack, AckCode::kError);
    EXPECT_EQ(error.error_location, "PV1-19");
    EXPECT_EQ(error.condition, Hl7ErrorCondition::kRequiredFieldMissing);
    ExpectNoPatientData(error);
}

TEST(Hl7EncounterEvent, DischargeWithoutPv1_45IsAnError) {
    const ParseError error = RefusedFixture("adt_a03_no_pv1_45.hl7");
    EXPECT_EQ(error.ack, AckCode::kError);
    EXPECT_EQ(error.error_location, "PV1-45");
    ExpectNoPatientData(error);

    const std::string invalid =
        WithField(Hl7Fixture("adt_a03_discharge.hl7"), "PV1|", "|20261130140000+0530", "|20261131140000+0530");
    const ParseError bad_time = MustRefuse(MustParse(invalid));
    EXPECT_EQ(bad_time.error_location, "PV1-45");
    EXPECT_EQ(bad_time.condition, Hl7ErrorCondition::kDataTypeError);
}

TEST(Hl7EncounterEvent, MissingIdentifiersAreErrorsWithTheirLocation) {
    const std::string base = Hl7Fixture("adt_a03_discharge.hl7");
    const auto refused_at = [](const std::string& message) {
        const ParseError error = MustRefuse(MustParse(message));
        EXPECT_EQ(error.ack, AckCode::kError);
        ExpectNoPatientData(error);
        return error.error_location;
    };
    EXPECT_EQ(refused_at(WithField(base, "PID|", "MRN100234^^^CITYHOSP^MR", "")), "PID-3");
    EXPECT_EQ(refused_at(WithField(base, "MSH|", "|MSG00001|", "||")), "MSH-10");
    std::string no_pid = base;
    no_pid.erase(no_pid.find("PID|"), no_pid.find("PV1|") - no_pid.find("PID|"));
    EXPECT_EQ(refused_at(no_pid), "PID");
    EXPECT_EQ(refused_at(base.substr(0, base.find("PV1|"))), "PV1");
}

TEST(Hl7EncounterEvent, ATruncatedMessageMissesItsVisitNumber) {
    const std::string base = Hl7Fixture("adt_a03_discharge.hl7");
    const std::string truncated = base.substr(0, base.find("|IP|") + 3);  // cut inside PV1, before PV1-19
    const ParseError error = MustRefuse(MustParse(truncated));
    EXPECT_EQ(error.error_location, "PV1-19");
}

TEST(Hl7EncounterEvent, TextIsUtf8WhateverTheMessageBytesWere) {
    const std::string base = Hl7Fixture("adt_a03_discharge.hl7");
    const std::string latin1 = WithField(WithField(base, "MSH|", "UNICODE UTF-8", "8859/1"), "PV1|", "RAO^ASHA",
                                         "R\xC3O^ASHA");  // "RÃO" in ISO 8859-1
    EXPECT_EQ(MustConvert(MustParse(latin1)).attending_physician_name, "ASHA R\xC3\x83O");
    const std::string broken = WithField(base, "PV1|", "RAO^ASHA", "R\xFFO^ASHA");
    EXPECT_EQ(MustConvert(MustParse(broken)).attending_physician_name, "ASHA R\xEF\xBF\xBDO");
}

TEST(Hl7EncounterEvent, ArbitraryHighBytesNeverCrash) {
    std::string bytes = Hl7Fixture("adt_a03_discharge.hl7");
    for (std::size_t i = 40; i < bytes.size(); i += 7) {
        if (bytes[i] != '\r' && bytes[i] != '|') {
            bytes[i] = static_cast<char>(0x80 + static_cast<int>(i % 0x7F));
        }
    }
    const auto parsed = ParseMessage(bytes);
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        EXPECT_FALSE(error->reason.empty());
        return;
    }
    const auto converted = ToEncounterEvent(std::get<Message>(parsed));
    if (const auto* event = std::get_if<EncounterEvent>(&converted)) {
        EXPECT_FALSE(event->control_id.empty());
    } else {
        EXPECT_FALSE(std::get<ParseError>(converted).reason.empty());
    }
}

TEST(Hl7EncounterEvent, KindNamesAreTheImportValues) {
    EXPECT_EQ(EncounterEventKindName(EncounterEventKind::kDischarge), "discharge");
    EXPECT_EQ(EncounterEventKindName(EncounterEventKind::kCancelDischarge), "cancel_discharge");
    EXPECT_EQ(EncounterEventKindName(EncounterEventKind::kUpdate), "update");
    EXPECT_EQ(EncounterEventKindName(EncounterEventKind::kCancelVisit), "cancel_visit");
}

}  // namespace
}  // namespace carelisten::connectors::hl7
