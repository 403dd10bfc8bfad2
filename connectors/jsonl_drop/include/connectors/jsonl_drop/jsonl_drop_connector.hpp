/// @file
/// @brief jsonl_drop: a directory where other hospital systems drop `.jsonl` files of feedback.
/// Also the bulk importer. See connectors/jsonl_drop/README.md for the cursor and file rules.
#pragma once

#include <connectors/connector.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

namespace carelisten::connectors::jsonl_drop {

/// The factory listed in connectors/registry.
const ConnectorFactory& Factory();

/// Where reading stands: a file identified by name AND inode (a re-dropped file with the same name is a
/// new file), and the byte offset after the last committed line.
struct FilePosition {
    std::string file;
    std::uint64_t inode = 0;
    std::uint64_t offset = 0;
};

std::string EncodeCursor(const FilePosition& position);
std::optional<FilePosition> DecodeCursor(std::string_view cursor);

/// Reads `<directory>/*.jsonl` in name order, each from its committed offset; a file moves to
/// `<done_directory>` only after everything in it is committed. Lifecycle and threading: see Connector.
class JsonlDropConnector final : public Connector {
public:
    JsonlDropConnector(std::string name, const Settings& settings);

    std::string_view Name() const override { return name_; }
    Result<Batch> Fetch(const std::optional<std::string>& cursor, std::size_t max_items) override;
    Result<void> Acknowledge(const Batch& batch) override;
    std::variant<RawItem, BadRecord> ParseRecord(std::string_view raw, std::string_view locator) const override;

private:
    std::string name_;
    std::filesystem::path directory_;
    std::filesystem::path done_directory_;
    std::string default_channel_;
    std::size_t max_record_bytes_;
};

}  // namespace carelisten::connectors::jsonl_drop
