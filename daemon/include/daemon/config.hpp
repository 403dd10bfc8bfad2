/// @file
/// @brief The daemon's configuration: a TOML file validated against every module's settings table.
///
/// Unknown keys, wrong types and out-of-range values are all collected, each with file and line, and
/// reported together (ConfigError). Secrets never appear here: only paths to files holding them.
#pragma once

#include <common/settings.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace carelisten::daemon {

/// Every problem found in a configuration file, one "file:line:column: message" per entry.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(std::vector<std::string> problems);
    const std::vector<std::string>& Problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

/// One `[sources.<name>]` table: the common source keys and the connector type's own keys.
struct SourceConfig {
    std::string name;
    std::string type;
    Settings common;    ///< keys of SourceCommonSettingsTable()
    Settings specific;  ///< keys of the connector factory's table
    friend bool operator==(const SourceConfig&, const SourceConfig&) = default;
};

struct Config {
    std::string path;
    Settings daemon;                ///< [daemon]
    Settings database;              ///< [database]
    Settings http;                  ///< [http]
    Settings analysis;              ///< [analysis]
    Settings upstream;              ///< [upstream]: the HTTP runtime every network connector shares
    Settings webhooks;              ///< [webhooks]: the public listener upstreams push to
    Settings routing;               ///< [routing]: where items go (community -> care unit)
    Settings cases;                 ///< [cases]: response targets per urgency
    Settings mail_acknowledgement;  ///< [mail_acknowledgement]: optional e-mail acknowledgements
    Settings surveys;               ///< [surveys]: the two-week follow-up surveys
    Settings console;               ///< [console]: the staff console and API
    std::vector<SourceConfig> sources;
};

const SettingsTable& DaemonSettingsTable();
const SettingsTable& DatabaseSettingsTable();
const SettingsTable& HttpSettingsTable();
const SettingsTable& AnalysisSettingsTable();
const SettingsTable& UpstreamSettingsTable();
const SettingsTable& WebhooksSettingsTable();
const SettingsTable& RoutingSettingsTable();
const SettingsTable& CasesSettingsTable();
const SettingsTable& SourceCommonSettingsTable();

/// The fixed top-level tables, in documentation order (sources are separate: one table per source).
std::vector<const SettingsTable*> TopLevelSettingsTables();

/// Parses and validates a file. Throws ConfigError listing every problem.
Config LoadConfigFile(const std::string& path);
/// The same for text already read (`path` only names it in messages).
Config LoadConfigText(const std::string& text, const std::string& path);

/// What a reload may apply and what it may not.
struct ReloadPlan {
    std::vector<std::string> changed_reloadable;    ///< "section.key", applied by SIGHUP
    std::vector<std::string> changed_restart_only;  ///< "section.key", logged and ignored until restart
};
ReloadPlan PlanReload(const Config& running, const Config& next);

}  // namespace carelisten::daemon
