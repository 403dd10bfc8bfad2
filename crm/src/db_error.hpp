/// @file
/// @brief The one place libpqxx exceptions become CrmErrc codes, and the one way they are logged.
#pragma once

#include <crm/errc.hpp>
#include <string>
#include <string_view>

namespace carelisten::crm {

/// What a failed database call means for the caller and for the connection.
struct DbFailure {
    CrmErrc errc = CrmErrc::kFatal;
    /// The connection is unusable (lost, or a commit's outcome is unknown): drop it and reconnect next call.
    bool connection_lost = false;
    /// Five-character SQLSTATE when the server reported one, else empty.
    std::string sqlstate;
    /// A fixed description: never the server's message, which can quote row values.
    std::string_view description;
};

/// Classifies the exception being handled. Call only inside a catch block.
DbFailure ClassifyCurrentException() noexcept;

/// Logs a failure without row data: the operation, the fixed description and the SQLSTATE.
void LogDbFailure(std::string_view operation, const DbFailure& failure);

}  // namespace carelisten::crm
