// The encounter import files (CSV and JSON Lines): RFC 4180 quoting, line numbers, the header rules, each
// date format, and row errors that name the column but never the value.
#include <gtest/gtest.h>

#include <connectors/hl7/encounter_import.hpp>
#include <string>

namespace carelisten::connectors::hl7 {
namespace {

constexpr std::string_view kHeader = "record_id,facility,mrn,visit_number,discharge_time,physician_name,deceased\n";

TEST(EncounterCsv, ReadsRowsWithDefaultsAndLineNumbers) {
    const ImportResult result = ParseEncounterCsv(
        "Record_ID,MRN,Visit_Number,Discharge_Time,Physician_ID,Physician_Name,Unit,Disposition,Phone,Email,"
        "Language\n"
        "R1,MRN100234,V1,2026-11-30T14:05:00+05:30,D1001,Asha Rao,CARD,01,+91 98450 12345,ravi@example.com,EN\n"
        "R2,MRN100235,V2,2026-11-30 15:10,,,,,,,\n");
    ASSERT_TRUE(result.errors.empty()) << result.errors.front().reason;
    ASSERT_EQ(result.events.size(), 2U);
    const auto& [line, event] = result.events[0];
    EXPECT_EQ(line, 2U);
    EXPECT_EQ(event.kind, EncounterEventKind::kDischarge);  // the default
    EXPECT_EQ(event.sending_facility, "import");            // the default
    EXPECT_EQ(event.control_id, "R1");
    EXPECT_EQ(event.mrn, "MRN100234");
    EXPECT_EQ(event.visit_number, "V1");
    EXPECT_EQ(event.discharge_time,
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .utc_offset_minutes = 330}));
    EXPECT_EQ(event.attending_physician_id, "D1001");
    EXPECT_EQ(event.attending_physician_name, "Asha Rao");
    EXPECT_EQ(event.unit, "CARD");
    EXPECT_EQ(event.disposition, "01");
    EXPECT_EQ(event.phone, "+91 98450 12345");
    EXPECT_EQ(event.email, "ravi@example.com");
    EXPECT_EQ(event.language, "en");
    EXPECT_FALSE(event.patient_deceased);
    EXPECT_EQ(result.events[1].first, 3U);
    EXPECT_EQ(result.events[1].second.discharge_time,
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 15, .minute = 10}));
}

TEST(EncounterCsv, QuotingDoubledQuotesCrLfAndEmbeddedNewlines) {
    const std::string csv =
        "record_id,mrn,visit_number,discharge_time,physician_name,unit\r\n"
        "R1,MRN1,V1,20261130140500,\"Rao, Asha\",\"Ward \"\"B\"\"\"\r\n"
        "R2,MRN2,V2,20261130,\"Dr. Iyer\r\nCardiology\",\"\"\r\n"
        "R3,MRN3,V3,20261201,Menon,ICU\r\n";
    const ImportResult result = ParseEncounterCsv(csv);
    ASSERT_TRUE(result.errors.empty()) << result.errors.front().reason;
    ASSERT_EQ(result.events.size(), 3U);
    EXPECT_EQ(result.events[0].second.attending_physician_name, "Rao, Asha");
    EXPECT_EQ(result.events[0].second.unit, "Ward \"B\"");
    EXPECT_EQ(result.events[1].second.attending_physician_name, "Dr. Iyer\r\nCardiology");
    EXPECT_EQ(result.events[1].second.unit, "");
    EXPECT_EQ(result.events[1].first, 3U);
    EXPECT_EQ(result.events[2].first, 5U);  // the embedded newline took a line
    EXPECT_EQ(result.events[2].second.control_id, "R3");
}

TEST(EncounterCsv, AnUnknownColumnRefusesTheWholeFile) {
    const ImportResult result =
        ParseEncounterCsv("record_id,mrn,visit_number,dischrge_time\nR1,MRN1,V1,20261130\nR2,MRN2,V2,20261130\n");
    EXPECT_TRUE(result.events.empty());
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].line, 1U);
    EXPECT_NE(result.errors[0].reason.find("unknown column 4"), std::string::npos);
    EXPECT_EQ(result.errors[0].reason.find("dischrge"), std::string::npos);  // header text is never echoed
}

TEST(EncounterCsv, AHeaderlessFileIsRefusedWithoutEchoingItsData) {
    const ImportResult result = ParseEncounterCsv("R1,MRN100234,V1,20261130\n");
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].reason.find("MRN100234"), std::string::npos);
}

TEST(EncounterCsv, HeaderRules) {
    const auto only_error = [](std::string_view csv) {
        const ImportResult result = ParseEncounterCsv(csv);
        EXPECT_TRUE(result.events.empty());
        EXPECT_EQ(result.errors.size(), 1U);
        return result.errors.empty() ? std::string() : result.errors[0].reason;
    };
    EXPECT_NE(only_error("record_id,mrn,visit_number,MRN\nR1,M1,V1,M2\n").find("twice"), std::string::npos);
    EXPECT_NE(only_error("record_id,visit_number\nR1,V1\n").find("no mrn column"), std::string::npos);
    EXPECT_NE(only_error("").find("no header"), std::string::npos);
}

TEST(EncounterCsv, MissingValuesAreRowErrorsWithTheirLine) {
    const std::string csv = std::string(kHeader) +
                            "R1,H1,MRN1,V1,20261130,Asha Rao,no\n"
                            "R2,H1,,V2,20261130,Asha Rao,no\n"
                            "R3,H1,MRN3,V3,,Asha Rao,no\n"
                            ",H1,MRN4,V4,20261130,Asha Rao,no\n"
                            "R5,H1,MRN5,V5,20261130\n"
                            "R6,H1,MRN6,V6,30/11/2026,Asha Rao,no\n"
                            "R7,H1,MRN7,V7,20261130,Asha Rao,maybe\n";
    const ImportResult result = ParseEncounterCsv(csv);
    ASSERT_EQ(result.events.size(), 1U);
    EXPECT_EQ(result.events[0].second.sending_facility, "H1");
    ASSERT_EQ(result.errors.size(), 6U);
    EXPECT_EQ(result.errors[0].line, 3U);
    EXPECT_EQ(result.errors[0].reason, "mrn is missing");
    EXPECT_EQ(result.errors[1].line, 4U);
    EXPECT_EQ(result.errors[1].reason, "discharge_time is missing (required for a discharge)");
    EXPECT_EQ(result.errors[2].line, 5U);
    EXPECT_EQ(result.errors[2].reason, "record_id is missing");
    EXPECT_EQ(result.errors[3].line, 6U);
    EXPECT_NE(result.errors[3].reason.find("5 fields"), std::string::npos);
    EXPECT_EQ(result.errors[4].line, 7U);
    EXPECT_NE(result.errors[4].reason.find("discharge_time is not a valid"), std::string::npos);
    EXPECT_EQ(result.errors[5].line, 8U);
    EXPECT_NE(result.errors[5].reason.find("deceased must be"), std::string::npos);
    for (const auto& error : result.errors) {
        EXPECT_EQ(error.reason.find("Asha"), std::string::npos);
        EXPECT_EQ(error.reason.find("30/11"), std::string::npos);
    }
}

TEST(EncounterCsv, EventKindsAndTheirRequirements) {
    const ImportResult result = ParseEncounterCsv(
        "event,record_id,mrn,visit_number,discharge_time\n"
        "cancel_discharge,R1,M1,V1,\n"
        "UPDATE,R2,M2,V2,\n"
        "cancel_visit,R3,M3,V3,\n"
        "discharge,R4,M4,V4,20261130\n"
        "admit,R5,M5,V5,\n");
    ASSERT_EQ(result.events.size(), 4U);
    EXPECT_EQ(result.events[0].second.kind, EncounterEventKind::kCancelDischarge);
    EXPECT_EQ(result.events[1].second.kind, EncounterEventKind::kUpdate);
    EXPECT_EQ(result.events[2].second.kind, EncounterEventKind::kCancelVisit);
    EXPECT_EQ(result.events[3].second.kind, EncounterEventKind::kDischarge);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].line, 6U);
    EXPECT_NE(result.errors[0].reason.find("event must be"), std::string::npos);
}

TEST(EncounterCsv, DeceasedValues) {
    std::string csv = "record_id,mrn,visit_number,discharge_time,deceased\n";
    const std::vector<std::pair<std::string, bool>> cases = {{"true", true}, {"TRUE", true},   {"yes", true},
                                                             {"1", true},    {"false", false}, {"No", false},
                                                             {"0", false},   {"", false}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        csv += "R" + std::to_string(i) + ",M,V,20261130," + cases[i].first + "\n";
    }
    const ImportResult result = ParseEncounterCsv(csv);
    ASSERT_TRUE(result.errors.empty());
    ASSERT_EQ(result.events.size(), cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        EXPECT_EQ(result.events[i].second.patient_deceased, cases[i].second) << cases[i].first;
    }
}

TEST(EncounterCsv, BomBlankLinesAndAnUnterminatedQuote) {
    const ImportResult result = ParseEncounterCsv(
        "\xEF\xBB\xBFrecord_id,mrn,visit_number,discharge_time\n\nR1,M1,V1,20261130\n,,,\nR2,\"M2,V2,20261130\n");
    ASSERT_EQ(result.events.size(), 1U);
    EXPECT_EQ(result.events[0].first, 3U);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].line, 5U);
    EXPECT_NE(result.errors[0].reason.find("unterminated"), std::string::npos);
}

TEST(EncounterCsv, RefusesValuesThatAreNotUtf8) {
    const ImportResult result = ParseEncounterCsv(
        "record_id,mrn,visit_number,discharge_time,physician_name\n"
        "R1,M1,V1,20261130,M\xFCller\n");
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].reason, "physician_name is not valid UTF-8");
}

TEST(EncounterJsonLines, ReadsObjectsAndSkipsBlankLines) {
    const ImportResult result = ParseEncounterJsonLines(
        "{\"record_id\":\"R1\",\"facility\":\"CITYHOSP\",\"mrn\":\"MRN1\",\"visit_number\":\"V1\","
        "\"discharge_time\":\"2026-11-30T14:05:00Z\",\"deceased\":true,\"language\":\"HI\",\"disposition\":\"20\"}\n"
        "\n"
        "   \r\n"
        "{\"event\":\"update\",\"record_id\":42,\"mrn\":100234,\"visit_number\":\"V2\",\"unit\":null}\r\n");
    ASSERT_TRUE(result.errors.empty()) << result.errors.front().reason;
    ASSERT_EQ(result.events.size(), 2U);
    EXPECT_EQ(result.events[0].first, 1U);
    const EncounterEvent& first = result.events[0].second;
    EXPECT_EQ(first.sending_facility, "CITYHOSP");
    EXPECT_EQ(first.discharge_time,
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .utc_offset_minutes = 0}));
    EXPECT_TRUE(first.patient_deceased);
    EXPECT_EQ(first.language, "hi");
    EXPECT_EQ(result.events[1].first, 4U);
    EXPECT_EQ(result.events[1].second.kind, EncounterEventKind::kUpdate);
    EXPECT_EQ(result.events[1].second.control_id, "42");
    EXPECT_EQ(result.events[1].second.mrn, "100234");
}

TEST(EncounterJsonLines, LineErrors) {
    const ImportResult result = ParseEncounterJsonLines(
        "{\"record_id\":\"R1\",\"mrn\":\"M1\",\"visit_number\":\"V1\",\"discharge_time\":\"20261130\"}\n"
        "{\"record_id\":\"R2\",\"mrn\":\"M2\"\n"
        "[1,2,3]\n"
        "{\"record_id\":\"R4\",\"mrn\":\"M4\",\"visit_number\":\"V4\",\"discharge_time\":\"20261130\",\"ssn\":\"1\"}\n"
        "{\"record_id\":\"R5\",\"visit_number\":\"V5\",\"discharge_time\":\"20261130\"}\n"
        "{\"record_id\":\"R6\",\"mrn\":[\"M6\"],\"visit_number\":\"V6\"}\n"
        "{\"record_id\":\"R7\",\"mrn\":\"M7\",\"MRN\":\"M8\",\"visit_number\":\"V7\"}\n"
        "{\"record_id\":\"R8\",\"mrn\":\"M\xFC\",\"visit_number\":\"V8\"}\n" +
        std::string(100000, '[') + "\n");
    ASSERT_EQ(result.events.size(), 1U);
    ASSERT_EQ(result.errors.size(), 8U);
    const std::vector<std::pair<std::size_t, std::string>> expected = {
        {2, "not valid JSON"},       {3, "not a JSON object"}, {4, "unknown key (member 5"}, {5, "mrn is missing"},
        {6, "mrn must be a string"}, {7, "mrn appears twice"}, {8, "not valid JSON"},        {9, "not valid JSON"}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(result.errors[i].line, expected[i].first) << i;
        EXPECT_NE(result.errors[i].reason.find(expected[i].second), std::string::npos) << result.errors[i].reason;
    }
    EXPECT_EQ(result.errors[2].reason.find("ssn"), std::string::npos);
}

TEST(EncounterImportTime, ParsesEachFormat) {
    EXPECT_EQ(ParseIsoOrHl7Time("2026-11-30T14:05:00+05:30"),
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .utc_offset_minutes = 330}));
    EXPECT_EQ(
        ParseIsoOrHl7Time("2026-11-30T14:05:09.250-0330"),
        (CivilTime{
            .year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .second = 9, .utc_offset_minutes = -210}));
    EXPECT_EQ(ParseIsoOrHl7Time("2026-11-30T14:05:00Z")->utc_offset_minutes, 0);
    EXPECT_EQ(ParseIsoOrHl7Time("2026-11-30 14:05"),
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5}));
    EXPECT_EQ(ParseIsoOrHl7Time("2026-11-30"), (CivilTime{.year = 2026, .month = 11, .day = 30}));
    EXPECT_EQ(ParseIsoOrHl7Time("202611301405+0530"),
              (CivilTime{.year = 2026, .month = 11, .day = 30, .hour = 14, .minute = 5, .utc_offset_minutes = 330}));
    EXPECT_EQ(ParseIsoOrHl7Time(" 20261130 "), (CivilTime{.year = 2026, .month = 11, .day = 30}));
}

TEST(EncounterImportTime, RefusesWhatIsNotADateTime) {
    for (const std::string_view text :
         {"", "30/11/2026", "2026-11-31", "2026-13-01", "2026-11-30T25:00", "2026-11-30T14",
          "2026-11-30T14:05:", "2026-11-30T14:05:00+5:30", "2026-11-30T14:05:00+15:00", "2026-11-30T14:05:00.",
          "2026-11-30X14:05", "2026-11-30T14:05:00 UTC", "2026/11/30", "Nov 30 2026"}) {
        EXPECT_FALSE(ParseIsoOrHl7Time(text).has_value()) << text;
    }
}

}  // namespace
}  // namespace carelisten::connectors::hl7
