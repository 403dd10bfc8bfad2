// The console's HTML. Every value from a feed, a patient or a user goes through AppendEscaped/EscapeHtml (the
// `E` helper below); markup is only ever written from literals here. No inline scripts or styles: the pages run
// under a Content-Security-Policy that forbids both.
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <console/html.hpp>
#include <console/spikes.hpp>
#include <console/svg_chart.hpp>
#include <numeric>

#include "console_context.hpp"

namespace carelisten::console::detail {
namespace {

std::string E(std::string_view text) {
    return EscapeHtml(text);
}

std::string Badge(const std::string& urgency) {
    return "<span class=\"badge urgency-" + E(urgency) + "\">" + E(HumanLabel(urgency)) + "</span>";
}

std::string CsrfField(const Context& context) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + E(context.csrf_token) + "\">";
}

std::string Option(const std::string& value, const std::string& label, bool selected, std::int64_t count = -1) {
    std::string out = "<option value=\"" + E(value) + "\"" + (selected ? " selected" : "") + ">" + E(label);
    if (count >= 0) {
        out += " (" + std::to_string(count) + ")";
    }
    return out + "</option>";
}

/// A <select> filter with its counts; values the facet knows come first, then the vocabulary's.
std::string FacetSelect(const std::string& name, const std::string& label, const std::optional<std::string>& current,
                        const std::map<std::string, std::int64_t>& counts, const std::vector<std::string>& vocabulary,
                        const std::string& any_label = "Any") {
    std::string out = "<label>" + E(label) + " <select name=\"" + E(name) + "\">";
    out += Option("", any_label, !current);
    std::vector<std::string> values = vocabulary;
    for (const auto& [value, count] : counts) {
        if (!value.empty() && std::find(values.begin(), values.end(), value) == values.end()) {
            values.push_back(value);
        }
    }
    for (const auto& value : values) {
        const auto found = counts.find(value);
        out +=
            Option(value, HumanLabel(value), current && *current == value, found == counts.end() ? 0 : found->second);
    }
    return out + "</select></label>";
}

std::string DueCell(const Context& context, const crm::CaseSummary& summary) {
    if (summary.status != "open") {
        return summary.closed_at ? "closed " + E(FormatLocalTime(*summary.closed_at, context.settings.time_zone))
                                 : "closed";
    }
    if (summary.first_response_at) {
        return "responded";
    }
    if (!summary.due_at) {
        return "–";
    }
    const bool overdue = *summary.due_at < context.now;
    return std::string("<time class=\"") + (overdue ? "overdue" : "due") + "\">" +
           (overdue ? "Overdue since " : "Due ") + E(FormatLocalTime(*summary.due_at, context.settings.time_zone)) +
           "</time>";
}

std::string Join(const std::vector<std::string>& values, const std::string& separator, bool human = true) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i ? separator : "") + E(human ? HumanLabel(values[i]) : values[i]);
    }
    return out;
}

std::string QuestionText(const std::string& definition_json, const std::string& question_id) {
    rapidjson::Document document;
    document.Parse(definition_json.c_str());
    if (document.IsObject() && document.HasMember("questions") && document["questions"].IsArray()) {
        for (const auto& question : document["questions"].GetArray()) {
            if (question.IsObject() && question.HasMember("id") && question["id"].IsString() &&
                question_id == question["id"].GetString()) {
                for (const char* key : {"text", "prompt", "label"}) {
                    if (question.HasMember(key)) {
                        const auto& text = question[key];
                        if (text.IsString()) {
                            return text.GetString();
                        }
                        if (text.IsObject() && text.HasMember("en") && text["en"].IsString()) {
                            return text["en"].GetString();
                        }
                    }
                }
            }
        }
    }
    return HumanLabel(question_id);
}

}  // namespace

std::string RenderErrorPage(const std::string& site_name, unsigned status, const std::string& message) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
           "content=\"width=device-width, initial-scale=1\"><title>" +
           std::to_string(status) + " – " + E(site_name) +
           "</title><link rel=\"stylesheet\" href=\"/console/static/console.css\"></head><body><main class=\"narrow\">"
           "<h1>" +
           (status == 404   ? std::string("Not found")
            : status == 403 ? std::string("Not allowed")
                            : "Something is wrong") +
           "</h1><p role=\"alert\">" + E(message) +
           "</p><p><a href=\"/console/\">Back to the console</a></p></main></body></html>";
}

std::string RenderLayout(const Context& context, std::string_view title, std::string_view active,
                         const std::string& content) {
    const std::string& role = context.viewer.role;
    std::string nav;
    const auto link = [&](const char* href, const char* label, const char* id) {
        nav += std::string("<li><a href=\"") + href + "\"" + (active == id ? " aria-current=\"page\"" : "") + ">" +
               label + "</a></li>";
    };
    if (MayReadCases(role)) {
        link("/console/queue", role == crm::kRolePhysician ? "My patients' cases" : "Queue", "queue");
    }
    if (MayViewDashboard(role)) {
        link("/console/dashboard", "Dashboard", "dashboard");
    }
    if (role == crm::kRolePhysician) {
        link("/console/physician", "Follow-up summary", "physician");
    }
    if (role == crm::kRoleAdmin) {
        link("/console/audit", "Audit log", "audit");
    }
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
           "content=\"width=device-width, initial-scale=1\"><title>" +
           E(title) + " – " + E(context.settings.site_name) +
           "</title><link rel=\"stylesheet\" href=\"/console/static/console.css\"></head><body>"
           "<a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"top\"><span class=\"site\">" +
           E(context.settings.site_name) + "</span><nav aria-label=\"Main\"><ul>" + nav +
           "</ul></nav><form class=\"logout\" method=\"post\" action=\"/console/logout\">" + CsrfField(context) +
           "<span class=\"who\">" +
           E(context.user.display_name.empty() ? context.user.username : context.user.display_name) + " · " +
           E(HumanLabel(role)) + "</span> <button type=\"submit\">Log out</button></form></header><main id=\"main\">" +
           content + "</main></body></html>";
}

std::string RenderLogin(const std::string& site_name, const std::string& login_token, const std::string& message) {
    std::string out =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
        "content=\"width=device-width, initial-scale=1\"><title>Log in – " +
        E(site_name) +
        "</title><link rel=\"stylesheet\" href=\"/console/static/console.css\"></head><body><main class=\"narrow\" "
        "id=\"main\"><h1>" +
        E(site_name) + "</h1><h2>Log in</h2>";
    if (!message.empty()) {
        out += "<p class=\"error\" role=\"alert\" id=\"login-error\">" + E(message) + "</p>";
    }
    out +=
        "<form method=\"post\" action=\"/console/login\" class=\"stack\"><input type=\"hidden\" name=\"csrf\" "
        "value=\"" +
        E(login_token) +
        "\"><label for=\"username\">Username</label><input id=\"username\" name=\"username\" "
        "autocomplete=\"username\" required autofocus><label for=\"password\">Password</label><input "
        "id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required><button "
        "type=\"submit\">Log in</button></form><p class=\"hint\">Sessions end after inactivity. Accounts lock "
        "after repeated failed attempts.</p></main></body></html>";
    return out;
}

std::string RenderQueue(const Context& context, const crm::CaseQuery& query, const crm::CaseQueuePage& page) {
    const crm::CaseFacets& f = page.facets;
    const std::string& tz = context.settings.time_zone;
    std::string out = "<h1>Flagged complaints and inquiries</h1>";
    out += "<p class=\"summary\"><strong id=\"case-total\">" + std::to_string(f.total) +
           "</strong> cases match · <a href=\"/console/queue?" + E(CaseQueryString(query, tz)) +
           "&amp;overdue=1\" class=\"overdue\">" + std::to_string(f.overdue) + " overdue</a></p>";
    // The filters: a plain GET form, usable without JavaScript.
    std::map<std::string, std::int64_t> status_counts = f.status;
    out += "<form method=\"get\" action=\"/console/queue\" class=\"filters\" aria-label=\"Filters\">";
    out += "<label>Status <select name=\"status\">" +
           Option("open", "Open", query.status && *query.status == "open", status_counts["open"]) +
           Option("closed", "Closed", query.status && *query.status == "closed", status_counts["closed"]) +
           Option("any", "Any", !query.status) + "</select></label>";
    out += FacetSelect("urgency", "Urgency", query.urgency, f.urgency, kUrgencies);
    std::vector<std::string> categories = kHcatCategories;
    categories.insert(categories.end(), kRoutingTags.begin(), kRoutingTags.end());
    out += FacetSelect("category", "Category", query.category, f.category, categories);
    out += FacetSelect("unit", "Unit", query.unit, f.unit, {});
    out += FacetSelect("physician", "Physician", query.physician_id, f.physician, {});
    out += FacetSelect("channel", "Channel", query.channel, f.channel, kChannels);
    out += "<label>Opened from <input type=\"date\" name=\"from\" value=\"" +
           (query.opened_from ? E(FormatLocalDate(*query.opened_from, tz)) : "") +
           "\"></label><label>to <input type=\"date\" name=\"to\" value=\"" +
           (query.opened_to ? E(FormatLocalDate(*query.opened_to - std::chrono::hours(24), tz)) : "") +
           "\"></label><label class=\"check\"><input type=\"checkbox\" name=\"overdue\" value=\"1\"" +
           (query.overdue_only ? " checked" : "") +
           "> Overdue only</label><button type=\"submit\">Filter</button> <a href=\"/console/queue\">Clear</a></form>";
    if (context.viewer.role != crm::kRolePhysician) {
        out += "<p class=\"export\"><a href=\"/console/export.csv?" + E(CaseQueryString(query, tz)) +
               "&amp;deidentified=1\">Export CSV (de-identified)</a>";
        if (SeesPersonalData(context.viewer.role)) {
            out += " · <a href=\"/console/export.csv?" + E(CaseQueryString(query, tz)) + "\">Export CSV (full)</a>";
        }
        out += "</p>";
    }
    if (page.cases.empty()) {
        return out + "<p class=\"empty\">No case matches these filters.</p>";
    }
    out +=
        "<table class=\"queue\"><caption class=\"visually-hidden\">Cases, most urgent and nearest deadline "
        "first</caption><thead><tr><th scope=\"col\">Case</th><th scope=\"col\">Urgency</th><th "
        "scope=\"col\">Deadline</th><th scope=\"col\">Categories</th><th scope=\"col\">Channel</th><th "
        "scope=\"col\">Sentiment</th><th scope=\"col\">Assigned</th><th scope=\"col\">First "
        "message</th></tr></thead><tbody>";
    for (const auto& c : page.cases) {
        const bool overdue = c.status == "open" && !c.first_response_at && c.due_at && *c.due_at < context.now;
        out += std::string("<tr") + (overdue ? " class=\"is-overdue\"" : "") +
               "><td data-label=\"Case\"><a href=\"/console/cases/" + std::to_string(c.id) + "\">#" +
               std::to_string(c.id) + "</a><br><small>opened " +
               E(FormatLocalTime(c.opened_at, context.settings.time_zone)) +
               "</small></td><td data-label=\"Urgency\">" + Badge(c.urgency) + "</td><td data-label=\"Deadline\">" +
               DueCell(context, c) + "</td><td data-label=\"Categories\">" + Join(c.categories, ", ") +
               "</td><td data-label=\"Channel\">" + Join(c.channels, ", ") + "</td><td data-label=\"Sentiment\">" +
               E(HumanLabel(c.sentiment_label)) + "</td><td data-label=\"Assigned\">" +
               E(c.assigned_username.empty()
                     ? (c.assigned_unit.empty() ? "–" : c.assigned_unit)
                     : c.assigned_username + (c.assigned_unit.empty() ? "" : " · " + c.assigned_unit)) +
               "</td><td data-label=\"First message\" class=\"preview\">" +
               E(VisibleText(context, c.preview, c.channels.empty() ? "unknown" : c.channels.front())) + "</td></tr>";
    }
    out += "</tbody></table>";
    const std::size_t page_number = query.offset / query.limit + 1;
    const std::string base = "/console/queue?" + CaseQueryString(query, tz);
    out += "<nav class=\"pages\" aria-label=\"Pages\">";
    if (page_number > 1) {
        out += "<a rel=\"prev\" href=\"" + E(base + "&page=" + std::to_string(page_number - 1)) + "\">Previous</a> ";
    }
    out += "Page " + std::to_string(page_number);
    if (query.offset + page.cases.size() < static_cast<std::size_t>(f.total)) {
        out += " <a rel=\"next\" href=\"" + E(base + "&page=" + std::to_string(page_number + 1)) + "\">Next</a>";
    }
    return out + "</nav>";
}

std::string RenderCase(const Context& context, const crm::CaseDetail& detail, const std::string& notice) {
    const crm::CaseSummary& c = detail.summary;
    const std::string& tz = context.settings.time_zone;
    const std::string id = std::to_string(c.id);
    std::string out = "<p><a href=\"/console/queue\">← Queue</a></p><h1>Case #" + id + " " + Badge(c.urgency) +
                      " <span class=\"status status-" + E(c.status) + "\" id=\"case-status\">" +
                      E(HumanLabel(c.status)) + "</span></h1>";
    if (!notice.empty()) {
        out += "<p class=\"notice\" role=\"status\">" + E(notice) + "</p>";
    }
    out += "<dl class=\"facts\"><dt>Opened</dt><dd>" + E(FormatLocalTime(c.opened_at, tz)) +
           "</dd><dt>Deadline</dt><dd>" + DueCell(context, c) + "</dd><dt>Categories</dt><dd id=\"case-categories\">" +
           (c.categories.empty() ? std::string("none") : Join(c.categories, ", ")) +
           (c.categories_corrected ? " <small>(corrected by staff)</small>" : "") +
           "</dd><dt>Sentiment</dt><dd id=\"case-sentiment\">" + E(HumanLabel(c.sentiment_label)) + " (lowest score " +
           FormatNumber(c.min_sentiment_score, 2) + ")</dd><dt>Assigned</dt><dd>" +
           E(c.assigned_username.empty() ? "nobody" : c.assigned_username) +
           (c.assigned_unit.empty() ? "" : " · unit " + E(c.assigned_unit)) + "</dd><dt>From</dt><dd>" +
           E(VisibleAuthor(context, c.author)) + " on " + E(c.source) + "</dd>";
    if (!c.outcome.empty()) {
        out += "<dt>Outcome</dt><dd>" + E(HumanLabel(c.outcome)) + "</dd>";
    }
    if (c.merged_into) {
        out += "<dt>Merged into</dt><dd><a href=\"/console/cases/" + std::to_string(*c.merged_into) + "\">#" +
               std::to_string(*c.merged_into) + "</a></dd>";
    }
    if (detail.patient) {
        const auto& p = *detail.patient;
        out += "<dt>Patient</dt><dd>" +
               (SeesPersonalData(context.viewer.role) ? "MRN " + E(p.mrn.empty() ? "unknown" : p.mrn)
                                                      : std::string("[patient]")) +
               (p.visit_number.empty()
                    ? ""
                    : " · visit " + E(SeesPersonalData(context.viewer.role) ? p.visit_number : "[visit]")) +
               (p.care_unit.empty() ? "" : " · " + E(p.care_unit)) +
               (p.physician_id.empty() ? "" : " · physician " + E(p.physician_id)) +
               (p.discharged_at ? " · discharged " + E(FormatLocalDate(*p.discharged_at, tz)) : "") + "</dd>";
    }
    out += "</dl><h2>Messages</h2><ol class=\"messages\">";
    for (const auto& m : detail.messages) {
        nlp::AnalysisInput input;
        input.text = m.text;
        input.channel = nlp::ParseChannel(m.channel).value_or(nlp::Channel::kUnknown);
        input.question = m.question;
        const nlp::Analysis analysis = context.analyzer.Analyze(input);
        const bool redact = !SeesPersonalData(context.viewer.role);
        std::vector<TextSpan> spans;
        for (const auto& span : analysis.personal_data) {
            spans.push_back({span.span.begin, span.span.end, span.kind});
        }
        const std::string shown = redact ? RedactSpans(m.text, spans) : m.text;
        out += "<li class=\"message\"><article><header><strong>" + E(HumanLabel(m.channel)) + "</strong> · " +
               E(m.source) + " · " + E(VisibleAuthor(context, m.author)) + " · <time>" +
               E(FormatLocalTime(m.posted_at.value_or(m.received_at), tz)) + "</time></header>";
        if (!m.question.empty()) {
            out += "<p class=\"question\">Answering: " + E(m.question) + "</p>";
        }
        out += "<p class=\"text\">" + E(shown) + "</p>";
        if (!m.url.empty() && !redact && (m.url.rfind("https://", 0) == 0 || m.url.rfind("http://", 0) == 0)) {
            out += "<p><a rel=\"noopener noreferrer nofollow\" href=\"" + E(m.url) + "\">Original</a></p>";
        }
        out += "<details><summary>Analysis: " + E(HumanLabel(m.sentiment_label)) + " (" +
               FormatNumber(m.sentiment_score, 2) + "), urgency " + E(m.urgency) +
               "</summary><dl class=\"analysis\"><dt>Categories</dt><dd>";
        bool any_category = false;
        for (const auto& score : analysis.category_scores) {
            if (score.confidence >= 0.2 ||
                std::find(m.categories.begin(), m.categories.end(), score.name) != m.categories.end()) {
                out += (any_category ? ", " : "") + E(HumanLabel(score.name)) + " " + FormatNumber(score.confidence, 2);
                any_category = true;
            }
        }
        out += std::string(any_category ? "" : "none") + "</dd><dt>Tags</dt><dd>" +
               (analysis.tags.empty() ? std::string("none") : Join(analysis.tags, ", ")) +
               "</dd><dt>Red flags</dt><dd>";
        if (analysis.red_flag_details.empty()) {
            out += "none";
        }
        for (const auto& flag : analysis.red_flag_details) {
            const std::size_t begin = std::min(flag.evidence.begin, m.text.size());
            const std::size_t end = std::clamp(flag.evidence.end, begin, m.text.size());
            const std::string evidence = m.text.substr(begin, end - begin);
            out += "<span class=\"flag\">" + E(HumanLabel(flag.name)) + ": “" +
                   E(redact ? RedactSpans(evidence, {}) : evidence) + "”</span> ";
        }
        out += "</dd><dt>Language</dt><dd>" + E(m.language) + "</dd>";
        if (!m.noise_reasons.empty()) {
            out += "<dt>Noise</dt><dd>" + Join(m.noise_reasons, ", ", false) + "</dd>";
        }
        out += "<dt>Analyzer</dt><dd>" + E(m.analyzer_version) + "</dd></dl></details></article></li>";
    }
    out += "</ol>";
    if (!detail.events.empty()) {
        out += "<h2>History</h2><ol class=\"history\">";
        for (const auto& event : detail.events) {
            out += "<li><time>" + E(FormatLocalTime(event.at, tz)) + "</time> " +
                   E(event.username.empty() ? "system" : event.username) + ": " + E(HumanLabel(event.kind)) +
                   (event.channel.empty() ? "" : " via " + E(event.channel)) +
                   // What an assignment, correction, merge or resolution set (ids and labels, never text).
                   (event.detail_json.empty() || event.detail_json == "{}" || event.kind == "response"
                        ? std::string()
                        : " <small class=\"detail\">" + E(event.detail_json) + "</small>") +
                   (event.body.empty() ? "" : "<blockquote>" + E(event.body) + "</blockquote>") + "</li>";
        }
        out += "</ol>";
    }
    if (!MayActOnCases(context.viewer.role)) {
        return out;
    }
    const std::string action = "/console/cases/" + id + "/";
    const std::string csrf = CsrfField(context);
    out += "<h2>Actions</h2><div class=\"actions\">";
    if (c.status == "open") {
        out += "<form method=\"post\" action=\"" + action + "assign\" class=\"stack\"><h3>Assign</h3>" + csrf +
               "<label for=\"assign-user\">Person (username)</label><input id=\"assign-user\" name=\"user\" value=\"" +
               E(c.assigned_username) +
               "\"><label for=\"assign-unit\">Unit</label><input id=\"assign-unit\" "
               "name=\"unit\" value=\"" +
               E(c.assigned_unit) + "\"><button type=\"submit\">Assign</button></form>";
        out += "<form method=\"post\" action=\"" + action + "response\" class=\"stack\"><h3>Record a response</h3>" +
               csrf +
               "<label for=\"response-channel\">Sent through</label><select id=\"response-channel\" name=\"channel\">";
        for (const auto& channel : kResponseChannels) {
            out += Option(channel, HumanLabel(channel), false);
        }
        out +=
            "</select><label for=\"response-body\">What was said</label><textarea id=\"response-body\" name=\"body\" "
            "rows=\"3\"></textarea><button type=\"submit\">Record response</button></form>";
    }
    out +=
        "<form method=\"post\" action=\"" + action + "note\" class=\"stack\"><h3>Add a note</h3>" + csrf +
        "<label for=\"note-body\">Note</label><textarea id=\"note-body\" name=\"body\" rows=\"3\" required></textarea>"
        "<button type=\"submit\">Add note</button></form>";
    out += "<form method=\"post\" action=\"" + action + "correct\" class=\"stack\"><h3>Correct the analysis</h3>" +
           csrf + "<fieldset><legend>Categories</legend>";
    for (const auto& category : kHcatCategories) {
        const bool checked = std::find(c.categories.begin(), c.categories.end(), category) != c.categories.end();
        out += "<label class=\"check\"><input type=\"checkbox\" name=\"category\" value=\"" + E(category) + "\"" +
               (checked ? " checked" : "") + "> " + E(HumanLabel(category)) + "</label>";
    }
    out += "</fieldset><fieldset><legend>Sentiment</legend>";
    for (const char* label : {"negative", "neutral", "positive"}) {
        out += std::string("<label class=\"check\"><input type=\"radio\" name=\"sentiment\" value=\"") + label + "\"" +
               (c.sentiment_label == label ? " checked" : "") + "> " + HumanLabel(label) + "</label>";
    }
    out += "</fieldset><button type=\"submit\">Save correction</button></form>";
    if (c.status == "open") {
        out += "<form method=\"post\" action=\"" + action + "merge\" class=\"stack\"><h3>Merge as a duplicate</h3>" +
               csrf +
               "<label for=\"merge-into\">Into case number</label><input id=\"merge-into\" name=\"into\" "
               "inputmode=\"numeric\" pattern=\"[0-9]+\" required><button type=\"submit\">Merge into that "
               "case</button></form>";
        out += "<form method=\"post\" action=\"" + action + "resolve\" class=\"stack\"><h3>Resolve</h3>" + csrf +
               "<label for=\"resolve-outcome\">Outcome</label><select id=\"resolve-outcome\" name=\"outcome\">";
        for (const auto& outcome : kOutcomes) {
            out += Option(outcome, HumanLabel(outcome), false);
        }
        out +=
            "</select><label for=\"resolve-note\">Note</label><textarea id=\"resolve-note\" name=\"note\" rows=\"2\">"
            "</textarea><button type=\"submit\">Resolve case</button></form>";
    } else if (!c.merged_into) {
        out += "<form method=\"post\" action=\"" + action + "reopen\" class=\"stack\"><h3>Reopen</h3>" + csrf +
               "<label for=\"reopen-reason\">Why</label><textarea id=\"reopen-reason\" name=\"reason\" rows=\"2\">"
               "</textarea><button type=\"submit\">Reopen case</button></form>";
    }
    return out + "</div>";
}

std::string RenderDashboard(const Context& context, const crm::DashboardData& data) {
    std::string out = "<h1>Dashboard</h1><p class=\"summary\">The last " + std::to_string(data.days.size()) +
                      " days, " + E(context.settings.time_zone) + ".</p>";
    std::vector<std::string> labels;
    for (const auto& day : data.days) {
        labels.push_back(day.substr(5));
    }
    // Spikes: a day far above its usual level.
    std::vector<double> totals(data.complaints_per_day.begin(), data.complaints_per_day.end());
    const std::vector<Spike> spikes = DetectSpikes(totals);
    ChartSpec total_chart;
    total_chart.id_prefix = "total";
    total_chart.title = "Complaints per day";
    total_chart.x_labels = labels;
    total_chart.series.push_back({"Complaints", totals});
    for (const auto& spike : spikes) {
        total_chart.highlighted_points.push_back(spike.index);
    }
    out += "<section><h2>Complaints over time</h2>" + RenderLineChart(total_chart);
    if (spikes.empty()) {
        out += "<p>No spike: no day far above its usual level.</p>";
    } else {
        out += "<ul class=\"spikes\">";
        for (const auto& spike : spikes) {
            out += "<li class=\"spike\"><strong>" + E(data.days[spike.index]) +
                   "</strong>: " + FormatNumber(spike.value, 0) + " complaints (usual " +
                   FormatNumber(spike.baseline, 0) + ")</li>";
        }
        out += "</ul>";
    }
    const auto top_series = [&](const std::map<std::string, std::vector<std::int64_t>>& by, const std::string& id,
                                const std::string& title) {
        std::vector<std::pair<std::int64_t, std::string>> ranked;
        for (const auto& [name, values] : by) {
            ranked.emplace_back(std::accumulate(values.begin(), values.end(), std::int64_t{0}), name);
        }
        std::sort(ranked.rbegin(), ranked.rend());
        ChartSpec chart;
        chart.id_prefix = id;
        chart.title = title;
        chart.x_labels = labels;
        for (std::size_t i = 0; i < ranked.size() && i < 6; ++i) {
            const auto& values = by.at(ranked[i].second);
            chart.series.push_back({ranked[i].second.empty() ? std::string("no unit") : HumanLabel(ranked[i].second),
                                    std::vector<double>(values.begin(), values.end())});
        }
        return RenderLineChart(chart);
    };
    out += top_series(data.complaints_by_category, "category", "Complaints per day by category");
    out += top_series(data.complaints_by_unit, "unit", "Complaints per day by unit") + "</section>";
    ChartSpec sentiment;
    sentiment.id_prefix = "sentiment";
    sentiment.title = "Mean sentiment per day by source (-1 to 1)";
    sentiment.x_labels = labels;
    for (const auto& [source, values] : data.sentiment_by_source) {
        if (sentiment.series.size() < 6) {
            sentiment.series.push_back({source, values});
        }
    }
    out += "<section><h2>Sentiment trend</h2>" + RenderLineChart(sentiment) + "</section>";
    out +=
        "<section><h2>Response times against targets</h2><table class=\"figures\" id=\"response-times\"><thead><tr>"
        "<th scope=\"col\">Urgency</th><th scope=\"col\">Cases</th><th scope=\"col\">Responded</th><th "
        "scope=\"col\">Within target</th><th scope=\"col\">Median time to respond</th><th "
        "scope=\"col\">Target</th><th scope=\"col\">Overdue, no response</th></tr></thead><tbody>";
    for (const auto& row : ResponseTimes(context, data)) {
        out += "<tr><th scope=\"row\">" + Badge(row.urgency) + "</th><td>" + std::to_string(row.cases) + "</td><td>" +
               std::to_string(row.responded) + "</td><td>" +
               (row.responded
                    ? FormatNumber(100.0 * static_cast<double>(row.within_target) / static_cast<double>(row.responded),
                                   0) +
                          " %"
                    : std::string("–")) +
               "</td><td>" +
               (row.median_business_time ? E(FormatDuration(*row.median_business_time)) : std::string("–")) +
               "</td><td>" + E(FormatDuration(row.target)) + "</td><td" +
               (row.overdue_open ? " class=\"overdue\"" : "") + ">" + std::to_string(row.overdue_open) + "</td></tr>";
    }
    out += "</tbody></table><p class=\"hint\">Times count business hours where the target does.</p></section>";
    std::vector<std::pair<std::int64_t, std::string>> themes;
    for (const auto& [name, count] : data.themes_this_week) {
        themes.emplace_back(count, name);
    }
    std::sort(themes.rbegin(), themes.rend());
    out += "<section><h2>Top themes this week</h2>";
    if (themes.empty()) {
        out += "<p>No complaint this week.</p>";
    } else {
        ChartSpec bars;
        bars.id_prefix = "themes";
        bars.title = "Complaints this week and last week by theme";
        ChartSeries this_week{"This week", {}};
        ChartSeries last_week{"Last week", {}};
        out += "<ol class=\"themes\">";
        for (std::size_t i = 0; i < themes.size() && i < 8; ++i) {
            const auto& [count, name] = themes[i];
            const auto previous = data.themes_last_week.count(name) ? data.themes_last_week.at(name) : 0;
            bars.x_labels.push_back(HumanLabel(name));
            this_week.values.push_back(static_cast<double>(count));
            last_week.values.push_back(static_cast<double>(previous));
            out += "<li>" + E(HumanLabel(name)) + ": " + std::to_string(count) + " (last week " +
                   std::to_string(previous) + ")</li>";
        }
        bars.series = {this_week, last_week};
        out += "</ol>" + RenderBarChart(bars);
    }
    out += "</section>";
    return out;
}

std::string RenderPhysicianSummary(const Context& context, const crm::SummaryData& summary, int days) {
    const std::string& tz = context.settings.time_zone;
    std::string out = "<h1>Your patients' follow-ups</h1><p class=\"summary\">The last " + std::to_string(days) +
                      " days: " + std::to_string(summary.invitations) + " invited, " +
                      std::to_string(summary.responses) + " answered.</p>";
    out += "<form method=\"get\" action=\"/console/physician\" class=\"filters\"><label>Period <select name=\"days\">";
    for (const int choice : {7, 14, 30, 90, 365}) {
        out += Option(std::to_string(choice), std::to_string(choice) + " days", choice == days);
    }
    out += "</select></label><button type=\"submit\">Show</button></form>";
    out += "<section><h2 id=\"red-flags\">Red flags</h2>";
    if (summary.red_flags.empty()) {
        out += "<p>No red flag in this period.</p>";
    } else {
        out += "<ul class=\"red-flags\">";
        for (const auto& flag : summary.red_flags) {
            out += "<li class=\"flag\"><a href=\"/console/physician/surveys/" + std::to_string(flag.survey_id) + "\">" +
                   E(HumanLabel(flag.flag)) + " · visit " + E(flag.visit_number) + "</a> · " +
                   E(FormatLocalTime(flag.answered_at, tz)) +
                   (flag.case_id ? " · case " + E(flag.case_status) : std::string()) + "</li>";
        }
        out += "</ul>";
    }
    out +=
        "</section><section><h2>Questions</h2><table class=\"figures\"><thead><tr><th scope=\"col\">Question</th><th "
        "scope=\"col\">Answers</th><th scope=\"col\">Mean</th><th scope=\"col\">Previous "
        "period</th></tr></thead><tbody>";
    for (const auto& question : summary.questions) {
        const double mean =
            question.numeric_answers ? question.total / static_cast<double>(question.numeric_answers) : std::nan("");
        double previous = std::nan("");
        for (const auto& p : summary.previous_questions) {
            if (p.question_id == question.question_id && p.numeric_answers) {
                previous = p.total / static_cast<double>(p.numeric_answers);
            }
        }
        out += "<tr><th scope=\"row\">" + E(HumanLabel(question.question_id)) + "</th><td>" +
               std::to_string(question.answers) + "</td><td>" + FormatNumber(mean, 1) + "</td><td>" +
               FormatNumber(previous, 1) + "</td></tr>";
    }
    out += "</tbody></table></section>";
    // The comparison: aggregates only (groups of at least five), the physician's own units and the others.
    std::map<std::string, std::map<std::string, double>> unit_means;
    std::vector<std::string> question_ids;
    for (const auto& unit : summary.units) {
        if (unit.answers > 0) {
            unit_means[unit.care_unit][unit.question_id] = unit.total / static_cast<double>(unit.answers);
        }
        if (std::find(question_ids.begin(), question_ids.end(), unit.question_id) == question_ids.end()) {
            question_ids.push_back(unit.question_id);
        }
    }
    out += "<section><h2>Compared with units</h2>";
    if (unit_means.empty()) {
        out += "<p>Not enough answers yet (groups under five are not shown).</p>";
    } else {
        ChartSpec chart;
        chart.id_prefix = "units";
        chart.title = "Mean answer by unit";
        for (const auto& q : question_ids) {
            chart.x_labels.push_back(HumanLabel(q));
        }
        for (const auto& [unit, means] : unit_means) {
            ChartSeries series{unit.empty() ? std::string("no unit") : unit, {}};
            for (const auto& q : question_ids) {
                series.values.push_back(means.count(q) ? means.at(q) : std::nan(""));
            }
            chart.series.push_back(series);
        }
        out += RenderBarChart(chart);
    }
    out += "</section><section><h2>Comments</h2>";
    if (summary.comments.empty()) {
        out += "<p>No comment in this period.</p>";
    } else {
        out += "<ul class=\"comments\">";
        for (const auto& comment : summary.comments) {
            out += "<li><a href=\"/console/physician/surveys/" + std::to_string(comment.survey_id) + "\">" +
                   E(FormatLocalDate(comment.answered_at, tz)) + "</a> · " + E(HumanLabel(comment.sentiment_label)) +
                   "<blockquote>" + E(comment.text) + "</blockquote></li>";
        }
        out += "</ul>";
    }
    return out + "</section>";
}

std::string RenderPhysicianSurvey(const Context& context, const crm::PhysicianSurveyView& view) {
    const std::string& tz = context.settings.time_zone;
    std::string out = "<p><a href=\"/console/physician\">← Summary</a></p><h1>Follow-up of visit " +
                      E(view.survey.visit_number) + "</h1><dl class=\"facts\"><dt>Patient</dt><dd>MRN " +
                      E(view.mrn.empty() ? "unknown" : view.mrn) + "</dd><dt>Unit</dt><dd>" + E(view.survey.care_unit) +
                      "</dd><dt>State</dt><dd>" + E(HumanLabel(view.survey.state)) + "</dd>";
    if (view.survey.answered_at) {
        out += "<dt>Answered</dt><dd>" + E(FormatLocalTime(*view.survey.answered_at, tz)) + "</dd>";
    }
    out +=
        "</dl><h2>Answers</h2><table class=\"figures\" id=\"answers\"><thead><tr><th scope=\"col\">Question</th><th "
        "scope=\"col\">Answer</th><th scope=\"col\">Red flag</th></tr></thead><tbody>";
    // Red flags first, then the rest in question order.
    std::vector<crm::SurveyAnswerRecord> answers = view.answers;
    std::stable_sort(answers.begin(), answers.end(),
                     [](const auto& a, const auto& b) { return !a.red_flag.empty() && b.red_flag.empty(); });
    for (const auto& answer : answers) {
        out += std::string("<tr") + (answer.red_flag.empty() ? "" : " class=\"is-flagged\"") + "><th scope=\"row\">" +
               E(QuestionText(view.definition_json, answer.question_id)) + "</th><td>" +
               E(answer.value_text.empty() && answer.value_number ? std::to_string(*answer.value_number)
                                                                  : answer.value_text) +
               "</td><td>" + E(answer.red_flag.empty() ? "–" : HumanLabel(answer.red_flag)) + "</td></tr>";
    }
    out += "</tbody></table>";
    if (view.case_id) {
        out += "<p>Red-flag case: <a href=\"/console/cases/" + std::to_string(*view.case_id) + "\">#" +
               std::to_string(*view.case_id) + "</a></p>";
    }
    return out;
}

std::string RenderAudit(const Context& context, const std::vector<crm::AuditEntry>& entries,
                        const crm::AuditFilter& filter) {
    std::string out =
        "<h1>Audit log</h1><form method=\"get\" action=\"/console/audit\" class=\"filters\"><label>Who "
        "<input name=\"actor\" value=\"" +
        E(filter.actor.value_or("")) + "\"></label><label>Action <input name=\"action\" value=\"" +
        E(filter.action.value_or("")) + "\"></label><label>Object <input name=\"object_type\" value=\"" +
        E(filter.object_type.value_or("")) + "\"></label><label>Id <input name=\"object_id\" value=\"" +
        E(filter.object_id.value_or("")) + "\"></label><button type=\"submit\">Filter</button></form>";
    out +=
        "<table class=\"figures audit\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th><th "
        "scope=\"col\">Role</th><th scope=\"col\">Action</th><th scope=\"col\">Object</th><th scope=\"col\">From</th>"
        "<th scope=\"col\">Detail</th></tr></thead><tbody>";
    for (const auto& entry : entries) {
        out += "<tr><td>" + E(FormatLocalTime(entry.at, context.settings.time_zone)) + "</td><td>" + E(entry.actor) +
               "</td><td>" + E(entry.actor_role) + "</td><td>" + E(entry.action) + "</td><td>" + E(entry.object_type) +
               (entry.object_id.empty() ? "" : " " + E(entry.object_id)) + "</td><td>" + E(entry.remote_address) +
               "</td><td><code>" + E(entry.detail_json) + "</code></td></tr>";
    }
    return out + "</tbody></table>";
}

}  // namespace carelisten::console::detail
