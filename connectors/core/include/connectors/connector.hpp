/// @file
/// @brief The connector interface: one upstream, its wire format, its cursor.
#pragma once

#include <common/result.hpp>
#include <common/settings.hpp>
#include <connectors/raw_item.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace carelisten::connectors {

/// One configured source. Lifecycle: created by its factory from validated settings; Fetch and
/// Acknowledge are called alternately by one ingest thread; destroyed when the daemon stops or the
/// source is removed from the configuration. Thread-safety: none needed, one thread uses it.
class Connector {
public:
    virtual ~Connector() = default;

    /// The configured source name (the `[sources.<name>]` table).
    virtual std::string_view Name() const = 0;

    /// Reads what is new after `cursor` (nullopt: from the beginning), at most `max_items` items.
    /// A record that cannot be read goes into Batch::bad_records, never into an error: an error
    /// means the whole fetch failed and nothing was consumed.
    virtual Result<Batch> Fetch(const std::optional<std::string>& cursor, std::size_t max_items) = 0;

    /// Called only after the batch and its cursor are committed: acknowledge upstream (move a file,
    /// set \Seen, ...). Must be idempotent: after a crash the same batch may be acknowledged again.
    virtual Result<void> Acknowledge(const Batch& batch) = 0;

    /// Parses one raw record of this source (as kept in quarantine) into an item, for replay; a record
    /// that still cannot be read comes back as a BadRecord saying why.
    virtual std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const = 0;
};

/// How a connector type is built. Listed explicitly in connectors/registry (no static registration).
struct ConnectorFactory {
    std::string_view type;         ///< the `type = "..."` of a `[sources.<name>]` table
    std::string_view description;  ///< one line, for `carelistend --list-connectors` and docs
    SettingsTable settings;        ///< the keys this type reads, besides the common source keys
    std::unique_ptr<Connector> (*create)(std::string name, const Settings& settings);
};

}  // namespace carelisten::connectors
