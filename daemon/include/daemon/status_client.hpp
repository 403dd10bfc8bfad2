/// @file
/// @brief `carelisten status`: finds the running daemon through <state_dir>/http.address and reads
/// its /status document.
#pragma once

#include <common/result.hpp>
#include <string>

namespace carelisten::daemon {

/// The "host:port" carelistend wrote to <state_dir>/http.address at start; empty when the file is
/// missing (the daemon never started with this state directory).
std::string ReadHttpAddress(const std::string& state_dir);

/// GET http://<address><path> with a 5 s deadline. The body of a 2xx or 503 answer; an error
/// (std::errc::connection_refused and friends) when the daemon does not answer.
Result<std::string> HttpGetLocal(const std::string& address, const std::string& path);

}  // namespace carelisten::daemon
