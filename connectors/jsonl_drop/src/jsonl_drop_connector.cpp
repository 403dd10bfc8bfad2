#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <common/log.hpp>
#include <connectors/errc.hpp>
#include <connectors/jsonl_drop/jsonl_drop_connector.hpp>
#include <connectors/jsonl_drop/jsonl_drop_wire.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace carelisten::connectors::jsonl_drop {
namespace {

constexpr std::string_view kLogModule = "jsonl_drop";
constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr std::size_t kQuarantineKeepBytes = 64 * 1024;  // crm::kMaxQuarantineRawBytes

const std::array kSettingSpecs = {
    SettingSpec{.key = "directory",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "Directory watched for *.jsonl files (files are read in name order).",
                .reloadable = false},
    SettingSpec{.key = "done_directory",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Where fully committed files are moved; empty means <directory>/done.",
                .reloadable = false},
    SettingSpec{.key = "default_channel",
                .type = SettingType::kString,
                .default_value = std::string{"unknown"},
                .description = "Channel of lines that name none: unknown, sms, email, social, review, forum, survey.",
                .reloadable = false},
    SettingSpec{.key = "max_record_bytes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{1024 * 1024},
                .description = "A longer line is quarantined as oversized.",
                .reloadable = false,
                .min = 1024,
                .max = 64.0 * 1024 * 1024},
};

std::unique_ptr<Connector> Create(std::string name, const Settings& settings, const ConnectorContext& /*context*/) {
    return std::make_unique<JsonlDropConnector>(std::move(name), settings);
}

const ConnectorFactory kFactory{
    .type = "jsonl_drop",
    .description = "a directory where other systems drop .jsonl files of feedback; also the bulk importer",
    .settings = SettingsTable{.name = "jsonl_drop", .specs = kSettingSpecs},
    .create = &Create,
};

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct InboxFile {
    std::string name;
    std::uint64_t inode = 0;
};

// Files waiting in the inbox, in name order. Only complete drops count: `*.jsonl`, not hidden;
// writers create a temporary name and rename it into place.
Result<std::vector<InboxFile>> ListInbox(const std::filesystem::path& directory) {
    std::vector<InboxFile> files;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with('.') || !name.ends_with(".jsonl")) {
            continue;
        }
        struct stat info {};
        if (::stat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
            continue;
        }
        files.push_back({name, static_cast<std::uint64_t>(info.st_ino)});
    }
    if (ec) {
        log::Warning(kLogModule, "cannot list drop directory: ", ec.message());
        return ConnectorErrc::kRetryLater;
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return files;
}

std::string Locator(const FilePosition& position) {
    return position.file + "@" + std::to_string(position.inode) + ":" + std::to_string(position.offset);
}

}  // namespace

const ConnectorFactory& Factory() {
    return kFactory;
}

std::string EncodeCursor(const FilePosition& position) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("file");
    writer.String(position.file.data(), static_cast<rapidjson::SizeType>(position.file.size()));
    writer.Key("inode");
    writer.Uint64(position.inode);
    writer.Key("offset");
    writer.Uint64(position.offset);
    writer.EndObject();
    return buffer.GetString();
}

std::optional<FilePosition> DecodeCursor(std::string_view cursor) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag>(cursor.data(), cursor.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    const auto file = document.FindMember("file");
    const auto inode = document.FindMember("inode");
    const auto offset = document.FindMember("offset");
    if (file == document.MemberEnd() || !file->value.IsString() || inode == document.MemberEnd() ||
        !inode->value.IsUint64() || offset == document.MemberEnd() || !offset->value.IsUint64()) {
        return std::nullopt;
    }
    return FilePosition{file->value.GetString(), inode->value.GetUint64(), offset->value.GetUint64()};
}

JsonlDropConnector::JsonlDropConnector(std::string name, const Settings& settings)
    : name_(std::move(name)),
      directory_(settings.GetString("directory")),
      done_directory_(settings.GetString("done_directory").empty()
                          ? directory_ / "done"
                          : std::filesystem::path(settings.GetString("done_directory"))),
      default_channel_(settings.GetString("default_channel")),
      max_record_bytes_(static_cast<std::size_t>(settings.GetInt("max_record_bytes"))) {}

Result<Batch> JsonlDropConnector::Fetch(const std::optional<std::string>& cursor, std::size_t max_items) {
    BOOST_OUTCOME_TRY(inbox, ListInbox(directory_));
    Batch batch;
    if (inbox.empty()) {
        return batch;
    }

    FilePosition position{inbox.front().name, inbox.front().inode, 0};
    if (cursor) {
        const auto committed = DecodeCursor(*cursor);
        if (!committed) {
            log::Error(kLogModule, "source ", name_, ": stored cursor is unreadable; fix or delete it");
            return ConnectorErrc::kPermanent;
        }
        // Resume the file the cursor names if it is still waiting; otherwise it was completed and
        // moved, so start the first waiting file from its beginning.
        for (const auto& file : inbox) {
            if (file.name == committed->file && file.inode == committed->inode) {
                position = *committed;
            }
        }
    }
    const bool other_files_waiting = inbox.size() > 1;

    FilePtr file(std::fopen((directory_ / position.file).c_str(), "rb"));
    if (!file) {
        log::Warning(kLogModule, "source ", name_, ": cannot open a drop file: ", std::strerror(errno));
        return ConnectorErrc::kRetryLater;
    }
    if (::fseeko(file.get(), static_cast<off_t>(position.offset), SEEK_SET) != 0) {
        return ConnectorErrc::kRetryLater;
    }

    // Read whole lines. A line longer than max_record_bytes_ is quarantined as oversized; up to
    // kQuarantineKeepBytes of it are kept so it can be replayed after max_record_bytes is raised.
    const std::size_t keep_limit = std::max(max_record_bytes_, kQuarantineKeepBytes);
    std::vector<char> chunk(kReadChunkBytes);
    std::string line;
    std::uint64_t line_length = 0;
    std::uint64_t line_start = position.offset;
    std::uint64_t consumed = position.offset;
    bool at_eof = false;

    auto append = [&](const char* data, std::size_t size) {
        line_length += size;
        if (line.size() < keep_limit) {
            line.append(data, std::min(size, keep_limit - line.size()));
        }
    };
    auto finish_line = [&](std::uint64_t end_offset) {
        const FilePosition line_position{position.file, position.inode, line_start};
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
            --line_length;
        }
        if (line_length > max_record_bytes_) {
            batch.bad_records.push_back({Locator(line_position),
                                         "record of " + std::to_string(line_length) +
                                             " bytes exceeds max_record_bytes (" + std::to_string(max_record_bytes_) +
                                             ")",
                                         line, line_length > line.size()});
        } else if (line.find_first_not_of(" \t") != std::string::npos) {
            auto parsed = ParseLine(line, name_, default_channel_);
            if (auto* item = std::get_if<RawItem>(&parsed)) {
                batch.items.push_back(std::move(*item));
            } else {
                batch.bad_records.push_back(
                    {Locator(line_position), std::get<ParseFailure>(parsed).reason, line, false});
            }
        }
        line.clear();
        line_length = 0;
        line_start = end_offset;
        consumed = end_offset;
    };
    auto budget_left = [&] { return batch.items.size() + batch.bad_records.size() < max_items; };

    std::uint64_t read_offset = position.offset;
    while (budget_left()) {
        const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), file.get());
        if (got == 0) {
            if (std::ferror(file.get())) {
                log::Warning(kLogModule, "source ", name_, ": read error on a drop file");
                return ConnectorErrc::kRetryLater;
            }
            // A final line without a newline is complete: files are dropped whole, by rename.
            if (line_length > 0) {
                finish_line(read_offset);
            }
            at_eof = true;
            break;
        }
        std::size_t begin = 0;
        for (std::size_t i = 0; i < got && budget_left(); ++i) {
            if (chunk[i] == '\n') {
                append(chunk.data() + begin, i - begin);
                finish_line(read_offset + i + 1);
                begin = i + 1;
            }
        }
        if (!budget_left()) {
            break;
        }
        append(chunk.data() + begin, got - begin);
        read_offset += got;
    }
    if (!at_eof) {
        // Stopped on the item budget: is anything left in this file?
        struct stat info {};
        at_eof = ::fstat(::fileno(file.get()), &info) == 0 && static_cast<std::uint64_t>(info.st_size) <= consumed;
    }

    batch.next_cursor = EncodeCursor({position.file, position.inode, consumed});
    if (at_eof) {
        batch.ack_token = EncodeCursor({position.file, position.inode, consumed});
        batch.has_more = other_files_waiting;
    } else {
        batch.has_more = true;
    }
    return batch;
}

Result<void> JsonlDropConnector::Acknowledge(const Batch& batch) {
    if (batch.ack_token.empty()) {
        return outcome::success();
    }
    const auto completed = DecodeCursor(batch.ack_token);
    if (!completed) {
        return ConnectorErrc::kPermanent;
    }
    const auto source_path = directory_ / completed->file;
    struct stat info {};
    if (::stat(source_path.c_str(), &info) != 0 || static_cast<std::uint64_t>(info.st_ino) != completed->inode) {
        return outcome::success();  // already moved (acknowledged before a crash): nothing to do
    }
    std::error_code ec;
    std::filesystem::create_directories(done_directory_, ec);
    auto target = done_directory_ / completed->file;
    if (std::filesystem::exists(target, ec)) {
        target += "." + std::to_string(completed->inode);
    }
    std::filesystem::rename(source_path, target, ec);
    if (ec) {
        log::Warning(kLogModule, "source ", name_, ": cannot move a completed file to done/: ", ec.message());
        return ConnectorErrc::kRetryLater;
    }
    log::Info(kLogModule, "source ", name_, ": completed a drop file of ", completed->offset, " bytes");
    return outcome::success();
}

std::variant<RawItem, BadRecord> JsonlDropConnector::ParseRecord(std::string_view raw, std::string_view locator) const {
    if (raw.size() > max_record_bytes_) {
        return BadRecord{std::string(locator), "record exceeds max_record_bytes", std::string(raw), false};
    }
    auto parsed = ParseLine(raw, name_, default_channel_);
    if (auto* item = std::get_if<RawItem>(&parsed)) {
        return std::move(*item);
    }
    return BadRecord{std::string(locator), std::get<ParseFailure>(parsed).reason, std::string(raw), false};
}

}  // namespace carelisten::connectors::jsonl_drop
