/// @file
/// @brief Connector errors, classified once into what the caller must do.
#pragma once

#include <system_error>

namespace carelisten::connectors {

enum class ConnectorErrc {
    kRetryLater = 1,  ///< transient (I/O error, timeout, 5xx): back off and try again
    kRateLimited,     ///< the upstream asked us to wait: do not call before the time it gave
    kAuthBroken,      ///< credentials rejected: stop this source, mark it unhealthy, tell the operator
    kMalformed,       ///< one record cannot be read: quarantine it and go on
    kPermanent,       ///< misconfiguration or an upstream that will not work: stop this source
};

const std::error_category& ConnectorCategory();
std::error_code make_error_code(ConnectorErrc errc);  // NOLINT(readability-identifier-naming): ADL hook

}  // namespace carelisten::connectors

template <>
struct std::is_error_code_enum<carelisten::connectors::ConnectorErrc> : std::true_type {};
