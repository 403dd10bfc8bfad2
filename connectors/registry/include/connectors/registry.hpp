/// @file
/// @brief Every connector type this build knows, in one explicit list.
#pragma once

#include <connectors/connector.hpp>
#include <span>
#include <string_view>

namespace carelisten::connectors {

/// All connector factories. Adding a source = one folder, one line in registry.cpp.
std::span<const ConnectorFactory* const> AllConnectorFactories();

/// The factory for a `type = "..."`, or nullptr.
const ConnectorFactory* FindConnectorFactory(std::string_view type);

}  // namespace carelisten::connectors
