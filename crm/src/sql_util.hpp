/// @file
/// @brief Helpers shared by the repositories' SQL (survey_repository.cpp, console_repository.cpp): prepared
/// statements declared on first use, timestamps as microseconds, nullable fields, and reading as a physician.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "convert.hpp"

namespace carelisten::crm {

// Timestamps cross the wire as microseconds since the epoch, both ways, so nothing depends on the session's
// time zone and the caller's (injectable) clock is what is stored.
constexpr const char* kMicrosToTime = "'epoch'::timestamptz + %s * interval '1 microsecond'";

inline std::string TimeParam(int index) {
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, kMicrosToTime, ("$" + std::to_string(index)).c_str());
    return buffer;
}

inline std::string TimeColumn(std::string_view column) {
    return "(extract(epoch FROM " + std::string(column) + ") * 1000000)::bigint";
}

/// Runs `sql` as the prepared statement `name`: parsed and planned once per connection, not once per call.
/// libpqxx registers a definition once (the same definition again is a no-op) and prepares it on first use.
template <typename... Args>
pqxx::result Prepared(pqxx::transaction_base& txn, const std::string& name, const std::string& sql, Args&&... args) {
    txn.conn().prepare(name, sql);
    return txn.exec_prepared(name, std::forward<Args>(args)...);
}

template <typename... Args>
pqxx::row Prepared1(pqxx::transaction_base& txn, const std::string& name, const std::string& sql, Args&&... args) {
    const pqxx::result result = Prepared(txn, name, sql, std::forward<Args>(args)...);
    if (result.size() != 1) {
        throw pqxx::unexpected_rows("expected one row from " + name);
    }
    return result[0];
}

inline std::optional<std::int64_t> Micros(const std::optional<Timestamp>& time) {
    if (!time) {
        return std::nullopt;
    }
    return ToUnixMicros(*time);
}

inline std::optional<Timestamp> OptionalTime(const pqxx::field& field) {
    if (field.is_null()) {
        return std::nullopt;
    }
    return FromUnixMicros(field.as<std::int64_t>());
}

inline std::string TextOr(const pqxx::field& field, std::string fallback = {}) {
    return field.is_null() ? fallback : field.as<std::string>();
}

/// Reads the rest of the transaction as `physician_id` under row-level security.
inline void BecomePhysician(pqxx::transaction_base& txn, const std::string& physician_id) {
    txn.exec("SET LOCAL ROLE carelisten_physician");
    Prepared(txn, "crm_survey_13", "SELECT set_config('carelisten.physician_id', $1, true)", physician_id);
}

}  // namespace carelisten::crm
