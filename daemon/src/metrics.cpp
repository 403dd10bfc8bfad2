#include <daemon/metrics.hpp>
#include <functional>
#include <sstream>

namespace carelisten::daemon {

SourceMetrics& Metrics::Source(const std::string& name) {
    auto& slot = sources_[name];
    if (!slot) {
        slot = std::make_unique<SourceMetrics>();
    }
    return *slot;
}

const SourceMetrics* Metrics::FindSource(const std::string& name) const {
    const auto it = sources_.find(name);
    return it == sources_.end() ? nullptr : it->second.get();
}

SourceMetrics* Metrics::FindSource(const std::string& name) {
    const auto it = sources_.find(name);
    return it == sources_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Metrics::SourceNames() const {
    std::vector<std::string> names;
    for (const auto& [name, metrics] : sources_) {
        names.push_back(name);
    }
    return names;
}

std::string Metrics::RenderPrometheus() const {
    std::ostringstream out;
    out.precision(15);
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        std::function<double(const SourceMetrics&)> value;
    };
    const Family families[] = {
        {"carelisten_items_fetched_total", "counter", "Items read from the source.",
         [](const SourceMetrics& m) { return static_cast<double>(m.items_fetched.load()); }},
        {"carelisten_items_stored_total", "counter", "Items newly stored in the CRM database.",
         [](const SourceMetrics& m) { return static_cast<double>(m.items_stored.load()); }},
        {"carelisten_items_duplicate_total", "counter", "Items already stored (re-delivery, a no-op).",
         [](const SourceMetrics& m) { return static_cast<double>(m.duplicates.load()); }},
        {"carelisten_items_quarantined_total", "counter", "Records that could not be read, kept in quarantine.",
         [](const SourceMetrics& m) { return static_cast<double>(m.quarantined.load()); }},
        {"carelisten_source_errors_total", "counter", "Failed fetches, acknowledgements or stores.",
         [](const SourceMetrics& m) { return static_cast<double>(m.errors.load()); }},
        {"carelisten_cases_opened_total", "counter", "Cases opened for flagged items.",
         [](const SourceMetrics& m) { return static_cast<double>(m.cases_opened.load()); }},
        {"carelisten_cases_extended_total", "counter", "Flagged items added to an open case.",
         [](const SourceMetrics& m) { return static_cast<double>(m.cases_extended.load()); }},
        {"carelisten_source_last_success_timestamp_seconds", "gauge", "When the source last completed a batch.",
         [](const SourceMetrics& m) { return m.last_success_unixtime.load(); }},
        {"carelisten_webhooks_accepted_total", "counter", "Pushes (webhooks) verified and handed to the store.",
         [](const SourceMetrics& m) { return static_cast<double>(m.webhooks_accepted.load()); }},
        {"carelisten_webhooks_rejected_total", "counter", "Pushes refused: bad signature, malformed, unknown event.",
         [](const SourceMetrics& m) { return static_cast<double>(m.webhooks_rejected.load()); }},
        {"carelisten_source_healthy", "gauge", "1 when the source works, 0 when it needs an operator.",
         [](const SourceMetrics& m) { return m.healthy.load() ? 1.0 : 0.0; }},
    };
    for (const auto& family : families) {
        out << "# HELP " << family.name << " " << family.help << "\n# TYPE " << family.name << " " << family.type
            << "\n";
        for (const auto& [name, metrics] : sources_) {
            out << family.name << "{source=\"" << name << "\"} " << family.value(*metrics) << "\n";
        }
    }
    out << "# HELP carelisten_database_errors_total Database failures (each retried later).\n"
        << "# TYPE carelisten_database_errors_total counter\n"
        << "carelisten_database_errors_total " << database_errors.load() << "\n"
        << "# HELP carelisten_database_ready 1 when the database is reachable and migrated.\n"
        << "# TYPE carelisten_database_ready gauge\n"
        << "carelisten_database_ready " << (database_ready.load() ? 1 : 0) << "\n"
        << "# HELP carelisten_config_reloads_total Configuration reloads applied.\n"
        << "# TYPE carelisten_config_reloads_total counter\n"
        << "carelisten_config_reloads_total " << reloads.load() << "\n"
        << "# HELP carelisten_config_reload_failures_total Reloads refused because the new file was invalid.\n"
        << "# TYPE carelisten_config_reload_failures_total counter\n"
        << "carelisten_config_reload_failures_total " << reload_failures.load() << "\n";
    return out.str();
}

}  // namespace carelisten::daemon
