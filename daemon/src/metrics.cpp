#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <daemon/metrics.hpp>
#include <fstream>
#include <functional>
#include <sstream>

namespace carelisten::daemon {
namespace {

constexpr double kActivityWindowSeconds = 3600.0;
constexpr double kActivitySampleSeconds = 60.0;

// Latency buckets: an analysis takes well under a millisecond to tens of milliseconds; a transaction
// of a 500-item batch tens of milliseconds to seconds.
std::vector<double> AnalysisBuckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
}
std::vector<double> TransactionBuckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0};
}

double Seconds(std::chrono::steady_clock::duration elapsed) {
    return std::chrono::duration<double>(elapsed).count();
}

void AddTo(std::atomic<double>& target, double value) {
    double current = target.load();
    while (!target.compare_exchange_weak(current, current + value)) {
    }
}

void Header(std::ostringstream& out, std::string_view name, std::string_view type, std::string_view help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size()]) {
    std::sort(bounds_.begin(), bounds_.end());
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        buckets_[i].store(0);
    }
}

void Histogram::Observe(double value) {
    // Cumulative counts are stored directly (every bound at or above the value), as the exposition
    // wants them, so a scrape needs no consistent snapshot of all buckets.
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (value <= bounds_[i]) {
            buckets_[i].fetch_add(1);
        }
    }
    AddTo(sum_, value);
    count_.fetch_add(1);
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
    std::ostringstream text;
    text.precision(15);
    const std::string prefix = labels.empty() ? std::string{} : std::string(labels) + ",";
    // Observe() increments the buckets before count_, and count_ is read last here (and raised to the
    // largest bucket), so le="+Inf" is never below a finite bucket in one scrape.
    std::vector<std::uint64_t> values(bounds_.size());
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        values[i] = buckets_[i].load();
    }
    const auto sum = sum_.load();
    auto count = count_.load();
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        count = std::max(count, values[i]);
        text << name << "_bucket{" << prefix << "le=\"" << bounds_[i] << "\"} " << values[i] << "\n";
    }
    text << name << "_bucket{" << prefix << "le=\"+Inf\"} " << count << "\n";
    const std::string braces = labels.empty() ? std::string{} : "{" + std::string(labels) + "}";
    text << name << "_sum" << braces << " " << sum << "\n";
    text << name << "_count" << braces << " " << count << "\n";
    out += text.str();
}

Metrics::Metrics()
    : analysis_seconds(AnalysisBuckets()),
      transaction_seconds_committed(TransactionBuckets()),
      transaction_seconds_failed(TransactionBuckets()) {
    start_unixtime.store(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

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

void Metrics::SetSurveyStates(std::map<std::string, std::int64_t> counts) {
    std::lock_guard lock(survey_mutex_);
    survey_states_ = std::move(counts);
}

std::vector<std::string> Metrics::SourceNames() const {
    std::vector<std::string> names;
    for (const auto& [name, metrics] : sources_) {
        names.push_back(name);
    }
    return names;
}

void Metrics::ObserveAnalysis(std::chrono::steady_clock::duration elapsed) {
    analysis_seconds.Observe(Seconds(elapsed));
}

void Metrics::ObserveTransaction(std::chrono::steady_clock::duration elapsed, bool committed) {
    (committed ? transaction_seconds_committed : transaction_seconds_failed).Observe(Seconds(elapsed));
}

void Metrics::SetUpstreamHttp(UpstreamHttpSnapshot snapshot) {
    std::sort(snapshot.responses_by_status.begin(), snapshot.responses_by_status.end());
    const std::lock_guard lock(upstream_mutex_);
    upstream_ = std::move(snapshot);
}

UpstreamHttpSnapshot Metrics::UpstreamHttp() const {
    const std::lock_guard lock(upstream_mutex_);
    return upstream_;
}

void Metrics::SampleActivity(double now_unixtime) {
    const std::lock_guard lock(activity_mutex_);
    for (const auto& [name, source] : sources_) {
        auto& track = activity_[name];
        const std::uint64_t fetched = source->items_fetched.load();
        if (fetched > track.last_seen) {
            track.last_item_unixtime = now_unixtime;
        }
        track.last_seen = fetched;
        // One sample a minute is enough for "items in the last hour"; the newest is always replaced
        // so the window's end is current.
        if (track.samples.empty() || now_unixtime - track.samples.back().first >= kActivitySampleSeconds) {
            track.samples.emplace_back(now_unixtime, fetched);
        } else if (track.samples.size() > 1) {
            track.samples.back() = {now_unixtime, fetched};
        }
        // Keep exactly one sample at or before the window's start, as the baseline.
        while (track.samples.size() > 1 && now_unixtime - track.samples[1].first >= kActivityWindowSeconds) {
            track.samples.pop_front();
        }
    }
}

SourceActivity Metrics::Activity(const std::string& name) const {
    const std::lock_guard lock(activity_mutex_);
    const auto it = activity_.find(name);
    if (it == activity_.end() || it->second.samples.empty()) {
        return {};
    }
    const auto& track = it->second;
    return {.items_last_hour = track.last_seen - track.samples.front().second,
            .last_item_unixtime = track.last_item_unixtime};
}

std::string Metrics::RenderPrometheus() const {
    std::ostringstream out;
    out.precision(15);
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        std::function<double(const std::string&, const SourceMetrics&)> value;
    };
    const Family families[] = {
        {"carelisten_items_fetched_total", "counter", "Items read from the source.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.items_fetched.load()); }},
        {"carelisten_items_stored_total", "counter", "Items newly stored in the CRM database.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.items_stored.load()); }},
        {"carelisten_items_duplicate_total", "counter", "Items already stored (re-delivery, a no-op).",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.duplicates.load()); }},
        {"carelisten_items_quarantined_total", "counter", "Records that could not be read, kept in quarantine.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.quarantined.load()); }},
        {"carelisten_source_errors_total", "counter", "Failed fetches, acknowledgements or stores.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.errors.load()); }},
        {"carelisten_cases_opened_total", "counter", "Cases opened for flagged items.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.cases_opened.load()); }},
        {"carelisten_cases_extended_total", "counter", "Flagged items added to an open case.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.cases_extended.load()); }},
        {"carelisten_source_last_success_timestamp_seconds", "gauge", "When the source last completed a batch.",
         [](const std::string&, const SourceMetrics& m) { return m.last_success_unixtime.load(); }},
        {"carelisten_webhooks_accepted_total", "counter", "Pushes (webhooks) verified and handed to the store.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.webhooks_accepted.load()); }},
        {"carelisten_webhooks_rejected_total", "counter", "Pushes refused: bad signature, malformed, unknown event.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.webhooks_rejected.load()); }},
        {"carelisten_source_healthy", "gauge", "1 when the source works, 0 when it needs an operator.",
         [](const std::string&, const SourceMetrics& m) { return m.healthy.load() ? 1.0 : 0.0; }},
        {"carelisten_source_last_error_class", "gauge",
         "Class of the last failure: 0 none, 1 retry later, 2 rate limited, 3 auth broken, 4 malformed, "
         "5 permanent.",
         [](const std::string&, const SourceMetrics& m) { return static_cast<double>(m.last_error_class.load()); }},
        {"carelisten_source_blocked_until_timestamp_seconds", "gauge",
         "Until when the upstream asked us to wait (rate limited); 0 when not blocked.",
         [](const std::string&, const SourceMetrics& m) { return m.blocked_until_unixtime.load(); }},
        {"carelisten_source_stale", "gauge",
         "1 when the source delivered no data for longer than its expected_interval_s.",
         [](const std::string&, const SourceMetrics& m) { return m.stale.load() ? 1.0 : 0.0; }},
        {"carelisten_source_items_last_hour", "gauge", "Items fetched in the last hour (sampled each minute).",
         [this](const std::string& name, const SourceMetrics&) {
             return static_cast<double>(Activity(name).items_last_hour);
         }},
        {"carelisten_source_last_item_timestamp_seconds", "gauge",
         "When the source last delivered an item (0: none since the daemon started).",
         [this](const std::string& name, const SourceMetrics&) { return Activity(name).last_item_unixtime; }},
    };
    for (const auto& family : families) {
        Header(out, family.name, family.type, family.help);
        for (const auto& [name, metrics] : sources_) {
            out << family.name << "{source=\"" << name << "\"} " << family.value(name, *metrics) << "\n";
        }
    }

    std::string histograms;
    histograms +=
        "# HELP carelisten_analysis_duration_seconds Time to analyze one item.\n"
        "# TYPE carelisten_analysis_duration_seconds histogram\n";
    analysis_seconds.Render(histograms, "carelisten_analysis_duration_seconds");
    histograms +=
        "# HELP carelisten_db_transaction_duration_seconds Time of one ingest transaction (items, "
        "quarantine and cursor).\n"
        "# TYPE carelisten_db_transaction_duration_seconds histogram\n";
    transaction_seconds_committed.Render(histograms, "carelisten_db_transaction_duration_seconds",
                                         "result=\"committed\"");
    transaction_seconds_failed.Render(histograms, "carelisten_db_transaction_duration_seconds", "result=\"failed\"");
    out << histograms;

    const auto upstream = UpstreamHttp();
    Header(out, "carelisten_upstream_requests_total", "counter", "HTTP requests sent to upstream APIs.");
    out << "carelisten_upstream_requests_total " << upstream.requests << "\n";
    Header(out, "carelisten_upstream_responses_total", "counter",
           "Upstream HTTP responses by status code (result), and transport errors (result=\"transport_error\").");
    for (const auto& [status, count] : upstream.responses_by_status) {
        out << "carelisten_upstream_responses_total{result=\"" << status << "\"} " << count << "\n";
    }
    out << "carelisten_upstream_responses_total{result=\"transport_error\"} " << upstream.transport_errors << "\n";
    Header(out, "carelisten_upstream_rate_limit_waits_total", "counter",
           "Upstream requests delayed because a rate limit was reached or the upstream asked us to wait.");
    out << "carelisten_upstream_rate_limit_waits_total " << upstream.rate_limit_waits << "\n";

    Header(out, "carelisten_database_errors_total", "counter", "Database failures (each retried later).");
    out << "carelisten_database_errors_total " << database_errors.load() << "\n";
    Header(out, "carelisten_database_ready", "gauge", "1 when the database is reachable and migrated.");
    out << "carelisten_database_ready " << (database_ready.load() ? 1 : 0) << "\n";
    Header(out, "carelisten_schema_version", "gauge", "Highest migration applied in the database.");
    out << "carelisten_schema_version " << schema_version.load() << "\n";
    Header(out, "carelisten_schema_expected_version", "gauge", "Highest migration this binary carries.");
    out << "carelisten_schema_expected_version " << expected_schema_version.load() << "\n";
    Header(out, "carelisten_config_reloads_total", "counter", "Configuration reloads applied.");
    out << "carelisten_config_reloads_total " << reloads.load() << "\n";
    Header(out, "carelisten_config_reload_failures_total", "counter",
           "Reloads refused because the new file was invalid.");
    out << "carelisten_config_reload_failures_total " << reload_failures.load() << "\n";

    Header(out, "carelisten_surveys", "gauge",
           "Follow-up surveys by state (scheduled, invited, answered, expired, cancelled, skipped, ...).");
    {
        std::lock_guard lock(survey_mutex_);
        for (const std::string state :
             {"scheduled", "invited", "answered", "expired", "cancelled", "skipped", "staff_review", "phone_list"}) {
            const auto found = survey_states_.find(state);
            out << "carelisten_surveys{state=\"" << state << "\"} "
                << (found == survey_states_.end() ? 0 : found->second) << "\n";
        }
    }
    Header(out, "carelisten_cases_open", "gauge", "Open cases (flagged complaints and red flags).");
    out << "carelisten_cases_open " << cases_open.load() << "\n";
    Header(out, "carelisten_cases_overdue", "gauge",
           "Open cases older than the response target of their urgency ([cases] response_target_hours_*).");
    out << "carelisten_cases_overdue " << cases_overdue.load() << "\n";
    Header(out, "carelisten_survey_sms_answers_total", "counter", "Inbound SMS applied to survey conversations.");
    out << "carelisten_survey_sms_answers_total " << survey_sms_replies.load() << "\n";
    Header(out, "carelisten_hl7_messages_total", "counter", "HL7 messages received on the MLLP listener.");
    out << "carelisten_hl7_messages_total " << hl7_messages.load() << "\n";

    // Process figures under the names Prometheus client libraries use, so stock dashboards work.
    Header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    out << "process_resident_memory_bytes " << ProcessResidentBytes() << "\n";
    Header(out, "process_open_fds", "gauge", "Number of open file descriptors.");
    out << "process_open_fds " << ProcessOpenFds() << "\n";
    Header(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
    out << "process_start_time_seconds " << start_unixtime.load() << "\n";
    return out.str();
}

std::uint64_t ProcessResidentBytes() {
    // statm: size resident shared text lib data dt, in pages.
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0;
    std::uint64_t resident = 0;
    if (!(statm >> size >> resident)) {
        return 0;
    }
    const long page = ::sysconf(_SC_PAGESIZE);
    return resident * static_cast<std::uint64_t>(page > 0 ? page : 4096);
}

std::uint64_t ProcessOpenFds() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return 0;
    }
    std::uint64_t count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') {
            ++count;
        }
    }
    ::closedir(dir);
    return count > 0 ? count - 1 : 0;  // the directory stream's own descriptor is not the daemon's
}

}  // namespace carelisten::daemon
