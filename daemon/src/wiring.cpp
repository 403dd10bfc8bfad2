#include <unicode/uversion.h>
#include <unistd.h>

#include <boost/version.hpp>
#include <connectors/registry.hpp>
#include <crm/store.hpp>
#include <cstdio>
#include <daemon/wiring.hpp>

namespace carelisten::daemon {

std::unique_ptr<connectors::Connector> MakeConnector(const Config& config, const std::string& source_name,
                                                     const connectors::ConnectorContext& context) {
    for (const auto& source : config.sources) {
        if (source.name == source_name) {
            return connectors::FindConnectorFactory(source.type)->create(source.name, source.specific, context);
        }
    }
    return nullptr;
}

std::vector<std::unique_ptr<connectors::Connector>> MakeConnectors(const Config& config,
                                                                   const connectors::ConnectorContext& context) {
    std::vector<std::unique_ptr<connectors::Connector>> result;
    for (const auto& source : config.sources) {
        result.push_back(connectors::FindConnectorFactory(source.type)->create(source.name, source.specific, context));
    }
    return result;
}

FlagPolicy MakeFlagPolicy(const Config& config) {
    FlagPolicy policy{
        .negative_below = config.analysis.GetDouble("flag_negative_below"),
        .min_urgency = nlp::ParseUrgency(config.analysis.GetString("flag_min_urgency")).value_or(nlp::Urgency::kHigh),
        .community_units = {},
    };
    // Validated by the config loader: every entry is "<community>:<unit>".
    for (const auto& entry : config.routing.GetStringList("community_units")) {
        const auto colon = entry.find(':');
        policy.community_units[entry.substr(0, colon)] = entry.substr(colon + 1);
    }
    return policy;
}

std::string ReplicaId(const Config& config) {
    // Computed once per process: the same name for every lease this process takes, also across reloads.
    static const std::string kDefault = [] {
        char host[256] = {};
        if (gethostname(host, sizeof host - 1) != 0) {
            std::snprintf(host, sizeof host, "host");
        }
        return std::string(host) + ":" + std::to_string(getpid());
    }();
    const std::string configured = config.daemon.GetString("replica_id");
    return configured.empty() ? kDefault : configured;
}

IngestSettings MakeIngestSettings(const Config& config) {
    IngestSettings settings;
    settings.poll_interval = std::chrono::milliseconds(config.daemon.GetInt("poll_interval_ms"));
    settings.batch_size = static_cast<std::size_t>(config.daemon.GetInt("batch_size"));
    settings.retry_max_delay = std::chrono::milliseconds(config.daemon.GetInt("retry_max_delay_ms"));
    settings.flag_policy = MakeFlagPolicy(config);
    settings.case_targets = {.critical = std::chrono::hours(config.cases.GetInt("response_target_hours_critical")),
                             .high = std::chrono::hours(config.cases.GetInt("response_target_hours_high")),
                             .low = std::chrono::hours(config.cases.GetInt("response_target_hours_low")),
                             .none = std::chrono::hours(config.cases.GetInt("response_target_hours_none"))};
    settings.replica_id = ReplicaId(config);
    settings.source_lease = std::chrono::seconds(config.daemon.GetInt("source_lease_seconds"));
    for (const auto& source : config.sources) {
        if (!source.common.GetBool("enabled")) {
            settings.disabled_sources.push_back(source.name);
        }
        if (const auto interval = source.common.GetInt("poll_interval_ms"); interval > 0) {
            settings.source_poll_intervals[source.name] = std::chrono::milliseconds(interval);
        }
    }
    return settings;
}

connectors::http::ClientOptions MakeClientOptions(const Config& config) {
    connectors::http::ClientOptions options;
    const auto& upstream = config.upstream;
    options.proxy = upstream.GetString("proxy");
    options.ca_file = upstream.GetString("ca_file");
    options.connect_timeout = std::chrono::milliseconds(upstream.GetInt("connect_timeout_ms"));
    options.total_timeout = std::chrono::milliseconds(upstream.GetInt("request_timeout_ms"));
    options.max_response_bytes = static_cast<std::size_t>(upstream.GetInt("max_response_bytes"));
    options.max_in_flight = static_cast<std::size_t>(upstream.GetInt("max_in_flight"));
    options.allow_plain_http_loopback = upstream.GetBool("allow_plain_http_loopback");
    return options;
}

void ApplyLogLevel(const Config& config) {
    const auto& level = config.daemon.GetString("log_level");
    log::SetMinLevel(level == "error"     ? log::Level::kError
                     : level == "warning" ? log::Level::kWarning
                     : level == "notice"  ? log::Level::kNotice
                     : level == "debug"   ? log::Level::kDebug
                                          : log::Level::kInfo);
}

std::string_view Version() {
    return CARELISTEN_VERSION;
}

std::vector<SourceExpectation> MakeSourceExpectations(const Config& config) {
    std::vector<SourceExpectation> expectations;
    for (const auto& source : config.sources) {
        expectations.push_back({.name = source.name,
                                .type = source.type,
                                .enabled = source.common.GetBool("enabled"),
                                .expected_interval_s = source.common.GetInt("expected_interval_s")});
    }
    return expectations;
}

std::string LibraryVersions() {
    return std::string("icu ") + U_ICU_VERSION + ", boost " + std::to_string(BOOST_VERSION / 100000) + "." +
           std::to_string(BOOST_VERSION / 100 % 1000) + ", " + crm::ClientLibraryVersions();
}

}  // namespace carelisten::daemon
