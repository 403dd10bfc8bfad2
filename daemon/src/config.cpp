#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <connectors/registry.hpp>
#include <daemon/config.hpp>
#include <daemon/console_service.hpp>
#include <daemon/mail_acknowledger.hpp>
#include <daemon/survey_service.hpp>
#include <fstream>
#include <sstream>

namespace carelisten::daemon {
namespace {

// Settings tables of the daemon itself. Connector types declare theirs next to their code.
const std::array kDaemonSpecs = {
    SettingSpec{.key = "state_dir",
                .type = SettingType::kString,
                .default_value = std::string{"/var/lib/carelisten"},
                .description = "Directory for the embedded PostgreSQL cluster and runtime files."},
    SettingSpec{.key = "log_level",
                .type = SettingType::kString,
                .default_value = std::string{"info"},
                .description = "Least important level logged.",
                .reloadable = true,
                .choices = "error|warning|notice|info|debug"},
    SettingSpec{.key = "poll_interval_ms",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{2000},
                .description = "How long a source with nothing new waits before it is polled again.",
                .reloadable = true,
                .min = 50,
                .max = 3'600'000},
    SettingSpec{.key = "batch_size",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{500},
                .description = "Most items stored in one transaction.",
                .reloadable = true,
                .min = 1,
                .max = 10'000},
    SettingSpec{
        .key = "stop_timeout_ms",
        .type = SettingType::kInteger,
        .default_value = std::int64_t{20'000},
        .description = "On SIGTERM, how long the in-flight transaction may take before the daemon exits anyway.",
        .reloadable = true,
        .min = 100,
        .max = 600'000},
    SettingSpec{.key = "retry_max_delay_ms",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{60'000},
                .description = "Longest back-off after repeated failures of a source or of the database.",
                .reloadable = true,
                .min = 100,
                .max = 3'600'000},
    SettingSpec{.key = "replica_id",
                .type = SettingType::kString,
                .default_value = std::string{""},
                .description = "This process's name among replicas sharing one database (source leases); empty: "
                               "<host name>:<process id>."},
    SettingSpec{.key = "source_lease_seconds",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{30},
                .description = "How long a replica's hold on a polled source lasts without renewal; another "
                               "replica takes the source over within this time after the holder stops.",
                .min = 3,
                .max = 600},
};

const std::array kDatabaseSpecs = {
    SettingSpec{.key = "url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "libpq connection URI or key=value string, without a password (e.g. "
                               "\"postgresql://carelisten@db.example.org/crm?sslmode=verify-full\"). "
                               "Empty: the daemon runs a private PostgreSQL cluster in state_dir."},
    SettingSpec{.key = "password_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "File holding the database password (its first line)."},
    SettingSpec{.key = "password_credential",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Name of a systemd credential ($CREDENTIALS_DIRECTORY/<name>) holding the password."},
    SettingSpec{.key = "embedded_run_as",
                .type = SettingType::kString,
                .default_value = std::string{"postgres"},
                .description = "When the daemon runs as root, the unprivileged user that runs the embedded cluster."},
    SettingSpec{.key = "embedded_bin_dir",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "PostgreSQL server binaries for the embedded cluster; empty: the newest "
                               "/usr/lib/postgresql/<version>/bin."},
};

const std::array kHttpSpecs = {
    SettingSpec{.key = "listen_address",
                .type = SettingType::kString,
                .default_value = std::string{"127.0.0.1"},
                .description = "Address of the internal HTTP listener (/healthz, /readyz, /metrics)."},
    SettingSpec{.key = "listen_port",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{8470},
                .description = "Port of the internal HTTP listener; 0 picks a free port (written to "
                               "<state_dir>/http.address).",
                .min = 0,
                .max = 65535},
};

const std::array kUpstreamSpecs = {
    SettingSpec{.key = "proxy",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Proxy for every upstream request (e.g. http://proxy.hospital.example:3128); empty: "
                               "direct. Environment proxy variables are ignored."},
    SettingSpec{.key = "ca_file",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "Extra CA bundle (PEM) to trust, e.g. a TLS-inspecting proxy's; empty: the system "
                               "store. Verification is never switched off."},
    SettingSpec{.key = "connect_timeout_ms",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{10'000},
                .description = "Longest wait for a connection to an upstream.",
                .min = 100,
                .max = 300'000},
    SettingSpec{.key = "request_timeout_ms",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{60'000},
                .description = "Longest time one upstream request may take in all.",
                .min = 1000,
                .max = 600'000},
    SettingSpec{.key = "max_response_bytes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{32 * 1024 * 1024},
                .description = "A larger upstream response is refused (and the fetch retried later).",
                .min = 1024,
                .max = 1024LL * 1024 * 1024},
    SettingSpec{.key = "max_in_flight",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{64},
                .description = "Most upstream requests in flight at once over all sources; more wait their turn.",
                .min = 1,
                .max = 1024},
    SettingSpec{.key = "allow_plain_http_loopback",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Allow plain http:// to 127.0.0.1/localhost only (the demo and tests use local "
                               "fakes). Never applies to other hosts: everything else is https with verified TLS."},
};

const std::array kWebhooksSpecs = {
    SettingSpec{.key = "enabled",
                .type = SettingType::kBool,
                .default_value = false,
                .description = "Run the public listener that upstreams push to (Discourse webhooks): POST "
                               "/webhooks/<source name>."},
    SettingSpec{.key = "listen_address",
                .type = SettingType::kString,
                .default_value = std::string{"127.0.0.1"},
                .description = "Address of the webhook listener; put a TLS-terminating reverse proxy in front of it."},
    SettingSpec{.key = "listen_port",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{8471},
                .description = "Port of the webhook listener; 0 picks a free port (written to "
                               "<state_dir>/webhooks.address).",
                .min = 0,
                .max = 65535},
    SettingSpec{.key = "public_base_url",
                .type = SettingType::kString,
                .default_value = std::string{},
                .description = "The external URL the proxy publishes the listener under (e.g. "
                               "https://feedback.hospital.example); signatures over the URL are checked against it."},
    SettingSpec{.key = "max_body_bytes",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{1024 * 1024},
                .description = "A larger push is refused with 413.",
                .min = 1024,
                .max = 64LL * 1024 * 1024},
};

// How long a case of each urgency may stay open before it is overdue (the /metrics gauge and its alert). Plain
// hours; the staff console counts them in the hospital's business hours.
const std::array kCasesSpecs = {
    SettingSpec{.key = "response_target_hours_critical",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{4},
                .description = "A critical case (self-harm, clinical red flag, safety incident) is overdue after this.",
                .reloadable = true,
                .min = 1,
                .max = 8760},
    SettingSpec{.key = "response_target_hours_high",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{24},
                .description = "A high-urgency case (legal or media threat, abuse) is overdue after this.",
                .reloadable = true,
                .min = 1,
                .max = 8760},
    SettingSpec{.key = "response_target_hours_low",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{72},
                .description = "A low-urgency case is overdue after this.",
                .reloadable = true,
                .min = 1,
                .max = 8760},
    SettingSpec{.key = "response_target_hours_none",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{120},
                .description = "A case opened for negative feedback without urgency is overdue after this.",
                .reloadable = true,
                .min = 1,
                .max = 8760},
};

const std::array kRoutingSpecs = {
    SettingSpec{.key = "community_units",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description =
                    "Condition community -> care unit, e.g. [\"diabetes:endocrinology\", \"heart:cardiology\"]: "
                    "items of a community (a Discourse category) are routed to its unit.",
                .reloadable = true},
};

const std::array kAnalysisSpecs = {
    SettingSpec{.key = "flag_negative_below",
                .type = SettingType::kDouble,
                .default_value = -0.3,
                .description = "An item whose sentiment score is at or below this opens or extends a case.",
                .reloadable = true,
                .min = -1.0,
                .max = 0.0},
    SettingSpec{.key = "flag_min_urgency",
                .type = SettingType::kString,
                .default_value = std::string{"high"},
                .description = "An item at least this urgent opens or extends a case, whatever its sentiment.",
                .reloadable = true,
                .choices = "low|high|critical"},
    SettingSpec{.key = "watch_terms",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Names of the hospital to watch for in public posts (e.g. \"St Elsewhere\"); a "
                               "mention with no care context is noise off_topic (see nlp/README.md). Empty: off."},
    SettingSpec{.key = "watch_context_terms",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Words that show a mention is about the hospital, besides the built-in care "
                               "words; when set, a mention without context is off_topic."},
    SettingSpec{.key = "watch_exclude_terms",
                .type = SettingType::kStringList,
                .default_value = std::vector<std::string>{},
                .description = "Words of the other sense of the name (e.g. \"cement\"): a mention with one and "
                               "no care context is off_topic."},
};

const std::array kSourceCommonSpecs = {
    SettingSpec{.key = "type",
                .type = SettingType::kString,
                .default_value = std::monostate{},
                .description = "Connector type (see connectors/README.md)."},
    SettingSpec{.key = "enabled",
                .type = SettingType::kBool,
                .default_value = true,
                .description = "A disabled source is not polled; its cursor is kept.",
                .reloadable = true},
    SettingSpec{.key = "expected_interval_s",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{0},
                .description = "Longest silence that is normal for this source; after it /status and `carelisten "
                               "status` report it as stale (no data for longer than expected). 0: never stale.",
                .reloadable = true,
                .min = 0,
                .max = 31 * 24 * 3600},
    SettingSpec{.key = "poll_interval_ms",
                .type = SettingType::kInteger,
                .default_value = std::int64_t{0},
                .description = "How long this source waits between polls when nothing is new; 0 uses "
                               "daemon.poll_interval_ms. Network sources poll every minute or so (rate limits).",
                .reloadable = true,
                .min = 0,
                .max = 86'400'000},
};

const SettingsTable kDaemonTable{"daemon", kDaemonSpecs};
const SettingsTable kDatabaseTable{"database", kDatabaseSpecs};
const SettingsTable kHttpTable{"http", kHttpSpecs};
const SettingsTable kAnalysisTable{"analysis", kAnalysisSpecs};
const SettingsTable kUpstreamTable{"upstream", kUpstreamSpecs};
const SettingsTable kWebhooksTable{"webhooks", kWebhooksSpecs};
const SettingsTable kRoutingTable{"routing", kRoutingSpecs};
const SettingsTable kCasesTable{"cases", kCasesSpecs};
const SettingsTable kSourceCommonTable{"sources.<name>", kSourceCommonSpecs};

std::string Where(const std::string& path, const toml::source_region& region) {
    std::ostringstream out;
    out << path << ":" << region.begin.line << ":" << region.begin.column;
    return out.str();
}

bool ChoiceAllowed(std::string_view choices, std::string_view value) {
    while (!choices.empty()) {
        const auto bar = choices.find('|');
        if (choices.substr(0, bar) == value) {
            return true;
        }
        if (bar == std::string_view::npos) {
            break;
        }
        choices.remove_prefix(bar + 1);
    }
    return false;
}

class Validator {
public:
    explicit Validator(std::string path) : path_(std::move(path)) {}

    // Fills `out` from `table` (may be null: all defaults), checking every key against `spec_tables`.
    void Fill(const toml::table* table, const std::string& section, std::initializer_list<const SettingsTable*> specs,
              std::initializer_list<Settings*> outs) {
        auto spec_it = specs.begin();
        for (auto* out : outs) {
            for (const auto& spec : (*spec_it)->specs) {
                out->Set(std::string(spec.key), spec.default_value);
            }
            ++spec_it;
        }
        if (table != nullptr) {
            for (const auto& [key, node] : *table) {
                const SettingSpec* found = nullptr;
                Settings* target = nullptr;
                auto out_it = outs.begin();
                for (const auto* spec_table : specs) {
                    if (const auto* spec = spec_table->Find(key.str())) {
                        found = spec;
                        target = *out_it;
                        break;
                    }
                    ++out_it;
                }
                if (found == nullptr) {
                    Problem(node.source(),
                            "unknown key '" + section + "." + std::string(key.str()) + "'" + SecretHint(key.str()));
                    continue;
                }
                ReadValue(node, *found, section, *target);
            }
        }
        spec_it = specs.begin();
        for (auto* out : outs) {
            for (const auto& spec : (*spec_it)->specs) {
                if (std::holds_alternative<std::monostate>(out->Values().at(std::string(spec.key)))) {
                    Problem(table != nullptr ? table->source() : toml::source_region{},
                            "missing required key '" + section + "." + std::string(spec.key) + "'");
                }
            }
            ++spec_it;
        }
    }

    void Problem(const toml::source_region& region, const std::string& message) {
        problems_.push_back(Where(path_, region) + ": " + message);
    }

    const std::vector<std::string>& Problems() const { return problems_; }

private:
    static std::string SecretHint(std::string_view key) {
        const std::string lower(key);
        if (lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos ||
            lower.find("token") != std::string::npos) {
            return " (secrets are never written in the configuration: name a file with *_file or a systemd "
                   "credential with *_credential)";
        }
        return {};
    }

    void ReadValue(const toml::node& node, const SettingSpec& spec, const std::string& section, Settings& out) {
        const std::string name = section + "." + std::string(spec.key);
        auto wrong_type = [&] {
            std::ostringstream actual;
            actual << node.type();
            Problem(node.source(),
                    "'" + name + "' must be " + std::string(ToString(spec.type)) + ", not " + actual.str());
        };
        auto check_bounds = [&](double value) {
            if ((spec.min && value < *spec.min) || (spec.max && value > *spec.max)) {
                std::ostringstream range;
                range << "'" << name << "' is out of range [" << (spec.min ? *spec.min : -INFINITY) << ", "
                      << (spec.max ? *spec.max : INFINITY) << "]";
                Problem(node.source(), range.str());
                return false;
            }
            return true;
        };
        switch (spec.type) {
            case SettingType::kBool:
                if (const auto value = node.value<bool>(); value && node.is_boolean()) {
                    out.Set(std::string(spec.key), *value);
                } else {
                    wrong_type();
                }
                break;
            case SettingType::kInteger:
                if (node.is_integer()) {
                    const auto value = node.as_integer()->get();
                    if (check_bounds(static_cast<double>(value))) {
                        out.Set(std::string(spec.key), value);
                    }
                } else {
                    wrong_type();
                }
                break;
            case SettingType::kDouble:
                if (node.is_floating_point() || node.is_integer()) {
                    const double value = node.is_integer() ? static_cast<double>(node.as_integer()->get())
                                                           : node.as_floating_point()->get();
                    if (check_bounds(value)) {
                        out.Set(std::string(spec.key), value);
                    }
                } else {
                    wrong_type();
                }
                break;
            case SettingType::kString:
                if (node.is_string()) {
                    const std::string value = node.as_string()->get();
                    if (!spec.choices.empty() && !ChoiceAllowed(spec.choices, value)) {
                        std::string allowed(spec.choices);
                        std::replace(allowed.begin(), allowed.end(), '|', ',');
                        Problem(node.source(), "'" + name + "' must be one of " + allowed);
                    } else {
                        out.Set(std::string(spec.key), value);
                    }
                } else {
                    wrong_type();
                }
                break;
            case SettingType::kStringList:
                if (const auto* array = node.as_array();
                    array != nullptr &&
                    std::all_of(array->begin(), array->end(), [](const auto& e) { return e.is_string(); })) {
                    std::vector<std::string> values;
                    for (const auto& element : *array) {
                        values.push_back(element.as_string()->get());
                    }
                    out.Set(std::string(spec.key), std::move(values));
                } else {
                    wrong_type();
                }
                break;
        }
    }

    std::string path_;
    std::vector<std::string> problems_;
};

bool ValidSourceName(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// A database URL must not carry a password: passwords come from files or credentials.
bool UrlCarriesPassword(std::string_view url) {
    if (url.find("password=") != std::string_view::npos) {
        return true;
    }
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return false;
    }
    const auto authority = url.substr(scheme + 3, url.find_first_of("/?", scheme + 3) - (scheme + 3));
    const auto at = authority.rfind('@');
    return at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(problems.empty() ? "invalid configuration" : problems.front()),
      problems_(std::move(problems)) {}

const SettingsTable& DaemonSettingsTable() {
    return kDaemonTable;
}
const SettingsTable& DatabaseSettingsTable() {
    return kDatabaseTable;
}
const SettingsTable& HttpSettingsTable() {
    return kHttpTable;
}
const SettingsTable& AnalysisSettingsTable() {
    return kAnalysisTable;
}
const SettingsTable& UpstreamSettingsTable() {
    return kUpstreamTable;
}
const SettingsTable& WebhooksSettingsTable() {
    return kWebhooksTable;
}
const SettingsTable& CasesSettingsTable() {
    return kCasesTable;
}

const SettingsTable& RoutingSettingsTable() {
    return kRoutingTable;
}
const SettingsTable& SourceCommonSettingsTable() {
    return kSourceCommonTable;
}

std::vector<const SettingsTable*> TopLevelSettingsTables() {
    return {&kDaemonTable,          &kDatabaseTable,        &kHttpTable,
            &kAnalysisTable,        &kUpstreamTable,        &kWebhooksTable,
            &kRoutingTable,         &kCasesTable,           &MailAcknowledgementSettingsTable(),
            &SurveySettingsTable(), &ConsoleSettingsTable()};
}

Config LoadConfigFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError({path + ": cannot read the configuration file"});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return LoadConfigText(text.str(), path);
}

Config LoadConfigText(const std::string& text, const std::string& path) {
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& error) {
        throw ConfigError({Where(path, error.source()) + ": " + std::string(error.description())});
    }

    Config config;
    config.path = path;
    Validator validator(path);
    for (const auto& [key, node] : root) {
        const auto name = key.str();
        if (name == "daemon" || name == "database" || name == "http" || name == "analysis" || name == "upstream" ||
            name == "webhooks" || name == "mail_acknowledgement" || name == "routing" || name == "cases" ||
            name == "surveys" || name == "console" || name == "sources") {
            if (!node.is_table()) {
                validator.Problem(node.source(), "'" + std::string(name) + "' must be a table");
            }
            continue;
        }
        validator.Problem(node.source(), "unknown table or key '" + std::string(name) + "'");
    }
    validator.Fill(root["daemon"].as_table(), "daemon", {&kDaemonTable}, {&config.daemon});
    validator.Fill(root["database"].as_table(), "database", {&kDatabaseTable}, {&config.database});
    validator.Fill(root["http"].as_table(), "http", {&kHttpTable}, {&config.http});
    validator.Fill(root["analysis"].as_table(), "analysis", {&kAnalysisTable}, {&config.analysis});
    validator.Fill(root["upstream"].as_table(), "upstream", {&kUpstreamTable}, {&config.upstream});
    validator.Fill(root["webhooks"].as_table(), "webhooks", {&kWebhooksTable}, {&config.webhooks});
    validator.Fill(root["routing"].as_table(), "routing", {&kRoutingTable}, {&config.routing});
    validator.Fill(root["cases"].as_table(), "cases", {&kCasesTable}, {&config.cases});
    if (const auto* units = root["routing"]["community_units"].node()) {
        for (const auto& entry : config.routing.GetStringList("community_units")) {
            const auto colon = entry.find(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
                validator.Problem(units->source(), "routing.community_units entry '" + entry +
                                                       "' is not <community>:<care unit>, e.g. \"heart:cardiology\"");
            }
        }
    }
    validator.Fill(root["mail_acknowledgement"].as_table(), "mail_acknowledgement",
                   {&MailAcknowledgementSettingsTable()}, {&config.mail_acknowledgement});
    validator.Fill(root["surveys"].as_table(), "surveys", {&SurveySettingsTable()}, {&config.surveys});
    validator.Fill(root["console"].as_table(), "console", {&ConsoleSettingsTable()}, {&config.console});

    if (const auto* url_node = root["database"]["url"].node()) {
        if (config.database.GetString("url").size() > 0 && UrlCarriesPassword(config.database.GetString("url"))) {
            validator.Problem(url_node->source(),
                              "'database.url' must not contain a password: use database.password_file or "
                              "database.password_credential");
        }
    }
    if (!config.database.GetString("password_file").empty() &&
        !config.database.GetString("password_credential").empty()) {
        validator.Problem(root["database"].node()->source(),
                          "set database.password_file or database.password_credential, not both");
    }

    if (const auto* sources = root["sources"].as_table()) {
        for (const auto& [key, node] : *sources) {
            const std::string name(key.str());
            const std::string section = "sources." + name;
            if (!ValidSourceName(name)) {
                validator.Problem(node.source(),
                                  "source name '" + name + "' must be 1 to 64 characters of a-z, 0-9, '_' or '-'");
                continue;
            }
            const auto* table = node.as_table();
            if (table == nullptr) {
                validator.Problem(node.source(), "'" + section + "' must be a table");
                continue;
            }
            const auto* type_node = table->get("type");
            if (type_node == nullptr || !type_node->is_string()) {
                validator.Problem(table->source(), "'" + section + ".type' is required and must be a string");
                continue;
            }
            const std::string type = type_node->as_string()->get();
            const auto* factory = connectors::FindConnectorFactory(type);
            if (factory == nullptr) {
                std::string known;
                for (const auto* f : connectors::AllConnectorFactories()) {
                    known += (known.empty() ? "" : ", ") + std::string(f->type);
                }
                validator.Problem(type_node->source(),
                                  "unknown connector type '" + type + "' (this build knows: " + known + ")");
                continue;
            }
            SourceConfig source{.name = name, .type = type, .common = {}, .specific = {}};
            validator.Fill(table, section, {&kSourceCommonTable, &factory->settings},
                           {&source.common, &source.specific});
            config.sources.push_back(std::move(source));
        }
    }
    if (validator.Problems().empty()) {
        // Checked once the keys have their types: the console's business hours, holidays and zone.
        for (const auto& problem : ConsoleSettingsProblems(config)) {
            const auto* node = root["console"].node();
            if (node != nullptr) {
                validator.Problem(node->source(), problem);
            } else {
                validator.Problem(toml::source_region{}, problem);
            }
        }
    }
    if (!validator.Problems().empty()) {
        throw ConfigError(validator.Problems());
    }
    return config;
}

ReloadPlan PlanReload(const Config& running, const Config& next) {
    ReloadPlan plan;
    auto compare = [&](const Settings& a, const Settings& b, const SettingsTable& table, const std::string& section) {
        for (const auto& spec : table.specs) {
            const std::string key(spec.key);
            const bool same =
                a.Values().count(key) && b.Values().count(key) && a.Values().at(key) == b.Values().at(key);
            if (!same) {
                (spec.reloadable ? plan.changed_reloadable : plan.changed_restart_only).push_back(section + "." + key);
            }
        }
    };
    compare(running.daemon, next.daemon, kDaemonTable, "daemon");
    compare(running.database, next.database, kDatabaseTable, "database");
    compare(running.http, next.http, kHttpTable, "http");
    compare(running.analysis, next.analysis, kAnalysisTable, "analysis");
    compare(running.upstream, next.upstream, kUpstreamTable, "upstream");
    compare(running.webhooks, next.webhooks, kWebhooksTable, "webhooks");
    compare(running.routing, next.routing, kRoutingTable, "routing");
    compare(running.cases, next.cases, kCasesTable, "cases");
    compare(running.mail_acknowledgement, next.mail_acknowledgement, MailAcknowledgementSettingsTable(),
            "mail_acknowledgement");
    compare(running.surveys, next.surveys, SurveySettingsTable(), "surveys");
    compare(running.console, next.console, ConsoleSettingsTable(), "console");
    for (const auto& source : next.sources) {
        const auto old = std::find_if(running.sources.begin(), running.sources.end(),
                                      [&](const auto& s) { return s.name == source.name; });
        const std::string section = "sources." + source.name;
        if (old == running.sources.end() || old->type != source.type) {
            plan.changed_restart_only.push_back(section);
            continue;
        }
        compare(old->common, source.common, kSourceCommonTable, section);
        compare(old->specific, source.specific, connectors::FindConnectorFactory(source.type)->settings, section);
    }
    for (const auto& source : running.sources) {
        if (std::none_of(next.sources.begin(), next.sources.end(),
                         [&](const auto& s) { return s.name == source.name; })) {
            plan.changed_restart_only.push_back("sources." + source.name);
        }
    }
    return plan;
}

}  // namespace carelisten::daemon
