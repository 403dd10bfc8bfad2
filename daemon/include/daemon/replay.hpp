/// @file
/// @brief Replaying one quarantined record after a fix (`carelisten quarantine replay ID`).
#pragma once

#include <crm/store.hpp>
#include <cstdint>
#include <daemon/config.hpp>
#include <nlp/analyzer.hpp>
#include <string>

namespace carelisten::daemon {

struct ReplayResult {
    bool stored = false;  ///< the record now parses and its item is stored (or was already)
    std::string message;  ///< for the operator: what happened or what is still wrong
};

/// Re-parses the quarantined raw bytes with the source's connector, analyzes and stores the item and
/// marks the quarantine row replayed, in one transaction. A record that still fails gets its attempt
/// counted and the new reason recorded. Throws nothing; database failures come back as errors.
Result<ReplayResult> ReplayQuarantined(crm::Store& store, const Config& config, const nlp::Analyzer& analyzer,
                                       std::int64_t quarantine_id);

}  // namespace carelisten::daemon
