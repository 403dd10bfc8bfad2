/// @file
/// @brief Shared by the HL7 tests: fixtures from tests/fixtures/hl7 and parsing that fails the test loudly.
#pragma once

#include <gtest/gtest.h>

#include <connectors/hl7/encounter_event.hpp>
#include <connectors/hl7/hl7_message.hpp>
#include <stdexcept>
#include <string>
#include <variant>

#include "fixture_file.hpp"

namespace carelisten::connectors::hl7::testing {

inline std::string Hl7Fixture(const std::string& name) {
    return carelisten::testing::ReadFixture("hl7/" + name);
}

/// The parsed message; throws (failing the test with the reason) when it does not parse.
inline Message MustParse(std::string_view bytes) {
    auto parsed = ParseMessage(bytes);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
        throw std::runtime_error("did not parse: " + error->reason);
    }
    return std::get<Message>(std::move(parsed));
}

inline ParseError MustFail(std::string_view bytes) {
    auto parsed = ParseMessage(bytes);
    if (!std::holds_alternative<ParseError>(parsed)) {
        throw std::runtime_error("parsed, but should not have");
    }
    return std::get<ParseError>(std::move(parsed));
}

inline EncounterEvent MustConvert(const Message& message) {
    auto converted = ToEncounterEvent(message);
    if (auto* error = std::get_if<ParseError>(&converted)) {
        throw std::runtime_error("not an encounter event: " + error->reason + " at " + error->error_location);
    }
    return std::get<EncounterEvent>(std::move(converted));
}

inline ParseError MustRefuse(const Message& message) {
    auto converted = ToEncounterEvent(message);
    if (!std::holds_alternative<ParseError>(converted)) {
        throw std::runtime_error("converted, but should not have");
    }
    return std::get<ParseError>(std::move(converted));
}

}  // namespace carelisten::connectors::hl7::testing
