// The /api/v1 answers: the same data as the pages, as JSON, with the same redaction for the same roles.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <console/spikes.hpp>
#include <ctime>

#include "console_context.hpp"

namespace carelisten::console::detail {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void String(Writer& w, std::string_view text) {
    w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void Key(Writer& w, const char* key) {
    w.Key(key);
}

void Strings(Writer& w, const std::vector<std::string>& values) {
    w.StartArray();
    for (const auto& value : values) {
        String(w, value);
    }
    w.EndArray();
}

std::string Iso(std::chrono::system_clock::time_point time) {
    const std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

void Time(Writer& w, const std::optional<std::chrono::system_clock::time_point>& time) {
    if (time) {
        String(w, Iso(*time));
    } else {
        w.Null();
    }
}

void Number(Writer& w, double value) {
    if (std::isfinite(value)) {
        w.Double(value);
    } else {
        w.Null();
    }
}

void Counts(Writer& w, const std::map<std::string, std::int64_t>& counts) {
    w.StartObject();
    for (const auto& [name, count] : counts) {
        String(w, name);
        w.Int64(count);
    }
    w.EndObject();
}

void CaseSummaryJson(Writer& w, const Context& context, const crm::CaseSummary& c) {
    w.StartObject();
    Key(w, "id");
    w.Int64(c.id);
    Key(w, "source");
    String(w, c.source);
    Key(w, "author");
    String(w, VisibleAuthor(context, c.author));
    Key(w, "status");
    String(w, c.status);
    Key(w, "urgency");
    String(w, c.urgency);
    Key(w, "sentiment");
    String(w, c.sentiment_label);
    Key(w, "min_sentiment_score");
    Number(w, c.min_sentiment_score);
    Key(w, "categories");
    Strings(w, c.categories);
    Key(w, "categories_corrected");
    w.Bool(c.categories_corrected);
    Key(w, "channels");
    Strings(w, c.channels);
    Key(w, "item_count");
    w.Int64(c.item_count);
    Key(w, "opened_at");
    Time(w, c.opened_at);
    Key(w, "due_at");
    Time(w, c.due_at);
    Key(w, "overdue");
    w.Bool(c.status == "open" && !c.first_response_at && c.due_at && *c.due_at < context.now);
    Key(w, "first_response_at");
    Time(w, c.first_response_at);
    Key(w, "closed_at");
    Time(w, c.closed_at);
    Key(w, "outcome");
    String(w, c.outcome);
    Key(w, "assigned_to");
    String(w, c.assigned_username);
    Key(w, "assigned_unit");
    String(w, c.assigned_unit);
    Key(w, "care_unit");
    String(w, c.care_unit);
    Key(w, "physician_id");
    String(w, c.physician_id);
    Key(w, "merged_into");
    if (c.merged_into) {
        w.Int64(*c.merged_into);
    } else {
        w.Null();
    }
    Key(w, "preview");
    String(w, VisibleText(context, c.preview, c.channels.empty() ? "unknown" : c.channels.front()));
    w.EndObject();
}

}  // namespace

std::string QueueJson(const Context& context, const crm::CaseQueuePage& page) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "total");
    w.Int64(page.facets.total);
    Key(w, "overdue");
    w.Int64(page.facets.overdue);
    Key(w, "facets");
    w.StartObject();
    Key(w, "status");
    Counts(w, page.facets.status);
    Key(w, "urgency");
    Counts(w, page.facets.urgency);
    Key(w, "category");
    Counts(w, page.facets.category);
    Key(w, "unit");
    Counts(w, page.facets.unit);
    Key(w, "physician");
    Counts(w, page.facets.physician);
    Key(w, "channel");
    Counts(w, page.facets.channel);
    w.EndObject();
    Key(w, "cases");
    w.StartArray();
    for (const auto& c : page.cases) {
        CaseSummaryJson(w, context, c);
    }
    w.EndArray();
    w.EndObject();
    return buffer.GetString();
}

std::string CaseJson(const Context& context, const crm::CaseDetail& detail) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "case");
    CaseSummaryJson(w, context, detail.summary);
    Key(w, "messages");
    w.StartArray();
    for (const auto& m : detail.messages) {
        nlp::AnalysisInput input;
        input.text = m.text;
        input.channel = nlp::ParseChannel(m.channel).value_or(nlp::Channel::kUnknown);
        input.question = m.question;
        const nlp::Analysis analysis = context.analyzer.Analyze(input);
        w.StartObject();
        Key(w, "id");
        w.Int64(m.id);
        Key(w, "source");
        String(w, m.source);
        Key(w, "channel");
        String(w, m.channel);
        Key(w, "author");
        String(w, VisibleAuthor(context, m.author));
        Key(w, "text");
        String(w, VisibleText(context, m.text, m.channel));
        Key(w, "question");
        String(w, m.question);
        Key(w, "written_at");
        Time(w, m.posted_at.value_or(m.received_at));
        Key(w, "language");
        String(w, m.language);
        Key(w, "sentiment");
        w.StartObject();
        Key(w, "label");
        String(w, m.sentiment_label);
        Key(w, "score");
        Number(w, m.sentiment_score);
        w.EndObject();
        Key(w, "categories");
        w.StartArray();
        for (const auto& score : analysis.category_scores) {
            w.StartObject();
            Key(w, "name");
            String(w, score.name);
            Key(w, "confidence");
            Number(w, score.confidence);
            Key(w, "assigned");
            w.Bool(std::find(m.categories.begin(), m.categories.end(), score.name) != m.categories.end());
            w.EndObject();
        }
        w.EndArray();
        Key(w, "urgency");
        String(w, m.urgency);
        Key(w, "red_flags");
        w.StartArray();
        for (const auto& flag : analysis.red_flag_details) {
            w.StartObject();
            Key(w, "name");
            String(w, flag.name);
            Key(w, "evidence");
            w.StartObject();
            Key(w, "begin");
            w.Uint64(flag.evidence.begin);
            Key(w, "end");
            w.Uint64(flag.evidence.end);
            w.EndObject();
            w.EndObject();
        }
        w.EndArray();
        Key(w, "personal_data");
        w.StartArray();
        if (SeesPersonalData(context.viewer.role)) {
            for (const auto& span : analysis.personal_data) {
                w.StartObject();
                Key(w, "kind");
                String(w, span.kind);
                Key(w, "begin");
                w.Uint64(span.span.begin);
                Key(w, "end");
                w.Uint64(span.span.end);
                w.EndObject();
            }
        }
        w.EndArray();
        Key(w, "noise_reasons");
        Strings(w, m.noise_reasons);
        Key(w, "analyzer_version");
        String(w, m.analyzer_version);
        w.EndObject();
    }
    w.EndArray();
    Key(w, "events");
    w.StartArray();
    for (const auto& event : detail.events) {
        w.StartObject();
        Key(w, "at");
        Time(w, event.at);
        Key(w, "by");
        String(w, event.username);
        Key(w, "kind");
        String(w, event.kind);
        Key(w, "channel");
        String(w, event.channel);
        Key(w, "body");
        String(w, event.body);
        w.EndObject();
    }
    w.EndArray();
    Key(w, "patient");
    if (detail.patient && SeesPersonalData(context.viewer.role)) {
        w.StartObject();
        Key(w, "mrn");
        String(w, detail.patient->mrn);
        Key(w, "visit_number");
        String(w, detail.patient->visit_number);
        Key(w, "care_unit");
        String(w, detail.patient->care_unit);
        Key(w, "physician_id");
        String(w, detail.patient->physician_id);
        w.EndObject();
    } else {
        w.Null();
    }
    w.EndObject();
    return buffer.GetString();
}

std::string DashboardJson(const Context& context, const crm::DashboardData& data) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    const auto series = [&w](const std::map<std::string, std::vector<std::int64_t>>& by) {
        w.StartObject();
        for (const auto& [name, values] : by) {
            String(w, name);
            w.StartArray();
            for (const auto value : values) {
                w.Int64(value);
            }
            w.EndArray();
        }
        w.EndObject();
    };
    w.StartObject();
    Key(w, "days");
    Strings(w, data.days);
    Key(w, "complaints_per_day");
    w.StartArray();
    std::vector<double> totals;
    for (const auto value : data.complaints_per_day) {
        w.Int64(value);
        totals.push_back(static_cast<double>(value));
    }
    w.EndArray();
    Key(w, "spikes");
    w.StartArray();
    for (const auto& spike : DetectSpikes(totals)) {
        w.StartObject();
        Key(w, "day");
        String(w, data.days[spike.index]);
        Key(w, "count");
        Number(w, spike.value);
        Key(w, "baseline");
        Number(w, spike.baseline);
        w.EndObject();
    }
    w.EndArray();
    Key(w, "complaints_by_category");
    series(data.complaints_by_category);
    Key(w, "complaints_by_unit");
    series(data.complaints_by_unit);
    Key(w, "sentiment_by_source");
    w.StartObject();
    for (const auto& [source, values] : data.sentiment_by_source) {
        String(w, source);
        w.StartArray();
        for (const auto value : values) {
            Number(w, value);
        }
        w.EndArray();
    }
    w.EndObject();
    Key(w, "response_times");
    w.StartArray();
    for (const auto& row : ResponseTimes(context, data)) {
        w.StartObject();
        Key(w, "urgency");
        String(w, row.urgency);
        Key(w, "cases");
        w.Int64(row.cases);
        Key(w, "responded");
        w.Int64(row.responded);
        Key(w, "within_target");
        w.Int64(row.within_target);
        Key(w, "overdue_open");
        w.Int64(row.overdue_open);
        Key(w, "median_minutes");
        if (row.median_business_time) {
            w.Int64(row.median_business_time->count());
        } else {
            w.Null();
        }
        Key(w, "target_minutes");
        w.Int64(row.target.count());
        w.EndObject();
    }
    w.EndArray();
    Key(w, "themes_this_week");
    Counts(w, data.themes_this_week);
    Key(w, "themes_last_week");
    Counts(w, data.themes_last_week);
    w.EndObject();
    return buffer.GetString();
}

std::string PhysicianSummaryJson(const crm::SummaryData& summary) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "invitations");
    w.Int64(summary.invitations);
    Key(w, "responses");
    w.Int64(summary.responses);
    Key(w, "red_flags");
    w.StartArray();
    for (const auto& flag : summary.red_flags) {
        w.StartObject();
        Key(w, "survey_id");
        w.Int64(flag.survey_id);
        Key(w, "visit_number");
        String(w, flag.visit_number);
        Key(w, "flag");
        String(w, flag.flag);
        Key(w, "case_status");
        String(w, flag.case_status);
        Key(w, "answered_at");
        Time(w, flag.answered_at);
        w.EndObject();
    }
    w.EndArray();
    Key(w, "questions");
    w.StartArray();
    for (const auto& question : summary.questions) {
        w.StartObject();
        Key(w, "question_id");
        String(w, question.question_id);
        Key(w, "answers");
        w.Int64(question.answers);
        Key(w, "mean");
        Number(w, question.numeric_answers ? question.total / static_cast<double>(question.numeric_answers)
                                           : std::nan(""));
        w.EndObject();
    }
    w.EndArray();
    Key(w, "units");
    w.StartArray();
    for (const auto& unit : summary.units) {
        w.StartObject();
        Key(w, "care_unit");
        String(w, unit.care_unit);
        Key(w, "question_id");
        String(w, unit.question_id);
        Key(w, "answers");
        w.Int64(unit.answers);
        Key(w, "mean");
        Number(w, unit.answers ? unit.total / static_cast<double>(unit.answers) : std::nan(""));
        w.EndObject();
    }
    w.EndArray();
    Key(w, "comments");
    w.StartArray();
    for (const auto& comment : summary.comments) {
        w.StartObject();
        Key(w, "survey_id");
        w.Int64(comment.survey_id);
        Key(w, "question_id");
        String(w, comment.question_id);
        Key(w, "text");
        String(w, comment.text);
        Key(w, "sentiment");
        String(w, comment.sentiment_label);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return buffer.GetString();
}

std::string PhysicianSurveyJson(const crm::PhysicianSurveyView& view) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "survey_id");
    w.Int64(view.survey.id);
    Key(w, "visit_number");
    String(w, view.survey.visit_number);
    Key(w, "mrn");
    String(w, view.mrn);
    Key(w, "state");
    String(w, view.survey.state);
    Key(w, "care_unit");
    String(w, view.survey.care_unit);
    Key(w, "answered_at");
    Time(w, view.survey.answered_at);
    Key(w, "answers");
    w.StartArray();
    for (const auto& answer : view.answers) {
        w.StartObject();
        Key(w, "question_id");
        String(w, answer.question_id);
        Key(w, "value_number");
        if (answer.value_number) {
            w.Int(*answer.value_number);
        } else {
            w.Null();
        }
        Key(w, "value_text");
        String(w, answer.value_text);
        Key(w, "red_flag");
        String(w, answer.red_flag);
        w.EndObject();
    }
    w.EndArray();
    Key(w, "case_id");
    if (view.case_id) {
        w.Int64(*view.case_id);
    } else {
        w.Null();
    }
    w.EndObject();
    return buffer.GetString();
}

std::string AuditJson(const std::vector<crm::AuditEntry>& entries) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "entries");
    w.StartArray();
    for (const auto& entry : entries) {
        w.StartObject();
        Key(w, "id");
        w.Int64(entry.id);
        Key(w, "at");
        Time(w, entry.at);
        Key(w, "actor");
        String(w, entry.actor);
        Key(w, "actor_role");
        String(w, entry.actor_role);
        Key(w, "action");
        String(w, entry.action);
        Key(w, "object_type");
        String(w, entry.object_type);
        Key(w, "object_id");
        String(w, entry.object_id);
        Key(w, "remote_address");
        String(w, entry.remote_address);
        Key(w, "detail");
        w.RawValue(entry.detail_json.c_str(), entry.detail_json.size(), rapidjson::kObjectType);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return buffer.GetString();
}

std::string MeJson(const Context& context) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Key(w, "username");
    String(w, context.user.username);
    Key(w, "role");
    String(w, context.user.role);
    Key(w, "physician_id");
    String(w, context.user.physician_id);
    Key(w, "care_unit");
    String(w, context.user.care_unit);
    w.EndObject();
    return buffer.GetString();
}

std::optional<Fields> ReadJsonFields(std::string_view body) {
    rapidjson::Document document;
    document.Parse(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject()) {
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& member : document.GetObject()) {
        const std::string name = member.name.GetString();
        if (member.value.IsString()) {
            pairs.emplace_back(name, member.value.GetString());
        } else if (member.value.IsInt64()) {
            pairs.emplace_back(name, std::to_string(member.value.GetInt64()));
        } else if (member.value.IsArray()) {
            pairs.emplace_back(name + "[]", "");  // present, possibly empty
            for (const auto& element : member.value.GetArray()) {
                if (!element.IsString()) {
                    return std::nullopt;
                }
                pairs.emplace_back(name, element.GetString());
            }
        } else if (!member.value.IsNull()) {
            return std::nullopt;
        }
    }
    return Fields(std::move(pairs));
}

}  // namespace carelisten::console::detail
