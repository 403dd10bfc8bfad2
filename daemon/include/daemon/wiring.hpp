/// @file
/// @brief Turning a validated Config into the objects it describes (shared by carelistend and the CLI).
#pragma once

#include <connectors/connector.hpp>
#include <connectors/http/client.hpp>
#include <daemon/config.hpp>
#include <daemon/ingest.hpp>
#include <daemon/status.hpp>
#include <memory>
#include <string_view>
#include <vector>

namespace carelisten::daemon {

/// One connector per configured source, in configuration order.
std::vector<std::unique_ptr<connectors::Connector>> MakeConnectors(const Config& config,
                                                                   const connectors::ConnectorContext& context);
/// The connector of one configured source, or nullptr when no source has that name.
std::unique_ptr<connectors::Connector> MakeConnector(const Config& config, const std::string& source_name,
                                                     const connectors::ConnectorContext& context);

/// This replica's name for source leases: [daemon] replica_id, or "<host name>:<process id>".
std::string ReplicaId(const Config& config);
IngestSettings MakeIngestSettings(const Config& config);
FlagPolicy MakeFlagPolicy(const Config& config);
/// The shared HTTP runtime's options from [upstream].
connectors::http::ClientOptions MakeClientOptions(const Config& config);
void ApplyLogLevel(const Config& config);

/// Versions of the libraries this build runs with, for the start-up log line.
std::string LibraryVersions();

/// This build's version (the CMake project version), e.g. "0.1.0".
std::string_view Version();

/// What the configuration expects of each source, for /status (enabled, expected_interval_s).
std::vector<SourceExpectation> MakeSourceExpectations(const Config& config);

}  // namespace carelisten::daemon
