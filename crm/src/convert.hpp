/// @file
/// @brief Conversions between crm records and PostgreSQL's text forms: arrays and timestamps.
#pragma once

#include <crm/records.hpp>
#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace carelisten::crm {

/// A text[] literal, e.g. {"a","b \"c\""}: every element quoted, so commas, braces, blanks and the word NULL
/// stay data.
std::string TextArrayLiteral(const std::vector<std::string>& values);

/// Parses a one-dimensional text[] field; NULL elements and a NULL field become empty.
std::vector<std::string> ParseTextArray(const pqxx::field& field);

/// Microseconds since the Unix epoch, PostgreSQL's timestamp resolution.
std::int64_t ToUnixMicros(Timestamp time);
Timestamp FromUnixMicros(std::int64_t micros);

}  // namespace carelisten::crm
