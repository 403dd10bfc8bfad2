#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <ctime>
#include <daemon/status.hpp>
#include <iomanip>
#include <sstream>

namespace carelisten::daemon {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A /status document of a daemon with a few hundred sources is well under this.
constexpr std::size_t kMaxStatusBytes = 4 * 1024 * 1024;

// connectors::ConnectorErrc values (connectors/core errc.hpp); kept as ints so /status readers need
// no connector header.
constexpr int kRateLimited = 2;
constexpr int kAuthBroken = 3;
constexpr int kPermanent = 5;

std::string IsoTime(double unixtime) {
    if (unixtime <= 0) {
        return {};
    }
    const auto seconds = static_cast<std::time_t>(unixtime);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

void Str(Writer& writer, const char* key, std::string_view value) {
    writer.Key(key);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// A time as ISO 8601 (null when never) plus its age in whole seconds (null when never).
void TimeAndAge(Writer& writer, const char* key, const char* age_key, double unixtime, double now) {
    writer.Key(key);
    if (unixtime > 0) {
        const auto text = IsoTime(unixtime);
        writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    } else {
        writer.Null();
    }
    writer.Key(age_key);
    if (unixtime > 0) {
        writer.Int64(static_cast<std::int64_t>(std::floor(std::max(0.0, now - unixtime))));
    } else {
        writer.Null();
    }
}

SourceState StateOf(const SourceMetrics& metrics, const SourceActivity& activity, const SourceExpectation& expected,
                    double now, double start) {
    if (!expected.enabled) {
        return SourceState::kDisabled;
    }
    const int error_class = metrics.last_error_class.load();
    if (metrics.blocked_until_unixtime.load() > now || error_class == kRateLimited) {
        return SourceState::kRateLimited;
    }
    if (!metrics.healthy.load() || error_class == kAuthBroken || error_class == kPermanent) {
        return SourceState::kFailing;
    }
    if (error_class != 0) {
        return SourceState::kRetrying;
    }
    if (metrics.last_success_unixtime.load() <= 0) {
        return SourceState::kStarting;
    }
    // "No data for longer than expected": measured from the last item, or from the start when none came.
    const double since = activity.last_item_unixtime > 0 ? activity.last_item_unixtime : start;
    if (expected.expected_interval_s > 0 && now - since > static_cast<double>(expected.expected_interval_s)) {
        return SourceState::kStale;
    }
    return SourceState::kOk;
}

std::string Age(const rapidjson::Value& value) {
    if (!value.IsInt64()) {
        return "never";
    }
    const auto seconds = value.GetInt64();
    std::ostringstream out;
    if (seconds < 120) {
        out << seconds << "s ago";
    } else if (seconds < 7200) {
        out << seconds / 60 << "m ago";
    } else if (seconds < 172800) {
        out << seconds / 3600 << "h ago";
    } else {
        out << seconds / 86400 << "d ago";
    }
    return out.str();
}

std::string StringOr(const rapidjson::Value& object, const char* key, std::string fallback = {}) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || !it->value.IsString()) {
        return fallback;
    }
    return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

std::string_view ToString(SourceState state) {
    switch (state) {
        case SourceState::kOk:
            return "ok";
        case SourceState::kStarting:
            return "starting";
        case SourceState::kDisabled:
            return "disabled";
        case SourceState::kStale:
            return "stale";
        case SourceState::kRetrying:
            return "retrying";
        case SourceState::kRateLimited:
            return "rate_limited";
        case SourceState::kFailing:
            return "failing";
    }
    return "unknown";
}

std::string_view ErrorClassName(int error_class) {
    switch (error_class) {
        case 0:
            return "none";
        case 1:
            return "retry_later";
        case 2:
            return "rate_limited";
        case 3:
            return "auth_broken";
        case 4:
            return "malformed";
        case 5:
            return "permanent";
        default:
            return "unknown";
    }
}

DaemonStatus BuildStatus(const Metrics& metrics, const std::vector<SourceExpectation>& sources, double now_unixtime,
                         bool alive, bool stopping) {
    DaemonStatus status;
    status.alive = alive;
    status.stopping = stopping;
    status.now_unixtime = now_unixtime;
    status.start_unixtime = metrics.start_unixtime.load();
    status.database_ready = metrics.database_ready.load();
    status.schema_version = metrics.schema_version.load();
    status.expected_schema_version = metrics.expected_schema_version.load();
    bool sources_ok = true;
    for (const auto& expected : sources) {
        const SourceMetrics* source = metrics.FindSource(expected.name);
        if (source == nullptr) {
            continue;  // configured after start (restart-only) or not yet registered
        }
        const auto activity = metrics.Activity(expected.name);
        SourceStatus out;
        out.name = expected.name;
        out.type = expected.type;
        out.state = StateOf(*source, activity, expected, now_unixtime, status.start_unixtime);
        out.last_success_unixtime = source->last_success_unixtime.load();
        out.last_item_unixtime = activity.last_item_unixtime;
        out.items_last_hour = activity.items_last_hour;
        out.expected_interval_s = expected.expected_interval_s;
        out.last_error_class = ErrorClassName(source->last_error_class.load());
        out.last_error_detail = source->LastErrorDetail();
        out.blocked_until_unixtime = source->blocked_until_unixtime.load();
        out.errors_total = source->errors.load();
        out.items_stored_total = source->items_stored.load();
        out.quarantined_total = source->quarantined.load();
        sources_ok = sources_ok && (out.state == SourceState::kOk || out.state == SourceState::kStarting ||
                                    out.state == SourceState::kDisabled);
        status.sources.push_back(std::move(out));
    }
    status.ok = alive && IsReady(status) && sources_ok;
    return status;
}

bool IsReady(const DaemonStatus& status) {
    return status.database_ready && !status.stopping && status.schema_version > 0 &&
           status.schema_version == status.expected_schema_version;
}

std::string StatusJson(const DaemonStatus& status) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    writer.StartObject();
    Str(writer, "status", status.ok ? "ok" : "degraded");
    writer.Key("alive");
    writer.Bool(status.alive);
    writer.Key("ready");
    writer.Bool(IsReady(status));
    writer.Key("stopping");
    writer.Bool(status.stopping);
    Str(writer, "now", IsoTime(status.now_unixtime));
    TimeAndAge(writer, "started", "uptime_s", status.start_unixtime, status.now_unixtime);
    writer.Key("database");
    writer.StartObject();
    writer.Key("ready");
    writer.Bool(status.database_ready);
    writer.Key("schema_version");
    writer.Int(status.schema_version);
    writer.Key("expected_schema_version");
    writer.Int(status.expected_schema_version);
    writer.EndObject();
    writer.Key("sources");
    writer.StartArray();
    for (const auto& source : status.sources) {
        writer.StartObject();
        Str(writer, "name", source.name);
        Str(writer, "type", source.type);
        Str(writer, "state", ToString(source.state));
        TimeAndAge(writer, "last_success", "last_success_age_s", source.last_success_unixtime, status.now_unixtime);
        TimeAndAge(writer, "last_item", "last_item_age_s", source.last_item_unixtime, status.now_unixtime);
        writer.Key("items_last_hour");
        writer.Uint64(source.items_last_hour);
        writer.Key("expected_interval_s");
        writer.Int64(source.expected_interval_s);
        writer.Key("no_data_longer_than_expected");
        writer.Bool(source.state == SourceState::kStale);
        Str(writer, "last_error_class", source.last_error_class);
        Str(writer, "last_error_detail", source.last_error_detail);
        writer.Key("blocked_until");
        if (source.blocked_until_unixtime > status.now_unixtime) {
            const auto text = IsoTime(source.blocked_until_unixtime);
            writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        } else {
            writer.Null();
        }
        writer.Key("errors_total");
        writer.Uint64(source.errors_total);
        writer.Key("items_stored_total");
        writer.Uint64(source.items_stored_total);
        writer.Key("quarantined_total");
        writer.Uint64(source.quarantined_total);
        writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string StatusSummary(const DaemonStatus& status) {
    // Counts per state in the order of SourceState, with the names of the sources that need a look.
    constexpr SourceState kOrder[] = {SourceState::kOk,     SourceState::kStarting, SourceState::kDisabled,
                                      SourceState::kStale,  SourceState::kRetrying, SourceState::kRateLimited,
                                      SourceState::kFailing};
    std::uint64_t stored = 0;
    std::uint64_t quarantined = 0;
    for (const auto& source : status.sources) {
        stored += source.items_stored_total;
        quarantined += source.quarantined_total;
    }
    std::ostringstream out;
    out << status.sources.size() << " source(s)";
    bool first = true;
    for (const auto state : kOrder) {
        std::size_t count = 0;
        std::string names;
        for (const auto& source : status.sources) {
            if (source.state == state) {
                ++count;
                names += (names.empty() ? "" : ",") + source.name;
            }
        }
        if (count == 0) {
            continue;
        }
        out << (first ? ": " : ", ") << count << " " << ToString(state);
        if (state != SourceState::kOk && state != SourceState::kStarting) {
            out << " (" << names << ")";
        }
        first = false;
    }
    out << "; " << stored << " stored, " << quarantined << " quarantined; database "
        << (status.database_ready ? "ok" : "unreachable");
    if (status.database_ready && status.schema_version != status.expected_schema_version) {
        out << " (schema " << status.schema_version << ", expected " << status.expected_schema_version << ")";
    }
    return out.str();
}

std::optional<std::string> FormatStatusForTerminal(const std::string& json, bool& all_ok) {
    all_ok = false;
    if (json.size() > kMaxStatusBytes) {
        return std::nullopt;
    }
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    if (document.HasParseError() || !document.IsObject() || !document.HasMember("sources") ||
        !document["sources"].IsArray() || !document.HasMember("database") || !document["database"].IsObject()) {
        return std::nullopt;
    }
    const auto& database = document["database"];
    auto integer = [](const rapidjson::Value& object, const char* key) -> std::int64_t {
        const auto it = object.FindMember(key);
        return it != object.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
    };
    auto flag = [](const rapidjson::Value& object, const char* key) {
        const auto it = object.FindMember(key);
        return it != object.MemberEnd() && it->value.IsBool() && it->value.GetBool();
    };
    const std::string overall = StringOr(document, "status", "unknown");
    all_ok = overall == "ok";
    std::ostringstream out;
    out << "carelistend: " << overall << (flag(document, "ready") ? ", ready" : ", NOT ready")
        << (flag(document, "stopping") ? ", stopping" : "") << "\n";
    out << "database: " << (flag(database, "ready") ? "reachable" : "UNREACHABLE") << ", schema "
        << integer(database, "schema_version") << " (this binary: " << integer(database, "expected_schema_version")
        << ")\n";
    out << std::left << std::setw(20) << "SOURCE" << std::setw(14) << "STATE" << std::setw(14) << "LAST SUCCESS"
        << std::setw(14) << "LAST ITEM" << std::setw(10) << "ITEMS/1H" << std::setw(14) << "LAST ERROR"
        << "DETAIL\n";
    for (const auto& source : document["sources"].GetArray()) {
        if (!source.IsObject()) {
            return std::nullopt;
        }
        const auto null_value = rapidjson::Value();
        auto member = [&](const char* key) -> const rapidjson::Value& {
            const auto it = source.FindMember(key);
            return it == source.MemberEnd() ? null_value : it->value;
        };
        std::string state = StringOr(source, "state", "?");
        if (state == "stale") {
            state += " (>" + std::to_string(integer(source, "expected_interval_s")) + "s)";
        }
        const std::string error = StringOr(source, "last_error_class", "none");
        std::string detail = StringOr(source, "last_error_detail");
        if (const auto blocked = StringOr(source, "blocked_until"); !blocked.empty()) {
            detail = "blocked until " + blocked + (detail.empty() ? "" : "; " + detail);
        }
        out << std::setw(20) << StringOr(source, "name", "?") << std::setw(14) << state << std::setw(14)
            << Age(member("last_success_age_s")) << std::setw(14) << Age(member("last_item_age_s")) << std::setw(10)
            << integer(source, "items_last_hour") << std::setw(14) << (error == "none" ? "-" : error) << detail << "\n";
    }
    return out.str();
}

}  // namespace carelisten::daemon
