#include <connectors/hl7/encounter_import.hpp>
#include <daemon/config.hpp>
#include <daemon/survey_commands.hpp>
#include <daemon/survey_planner.hpp>
#include <daemon/survey_service.hpp>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <surveys/answer.hpp>
#include <surveys/definition.hpp>

namespace carelisten::daemon {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// RFC 4180 rows (quotes, doubled quotes, CRLF, newlines inside quotes), each with the line it starts on.
std::vector<std::pair<std::size_t, std::vector<std::string>>> ParseCsv(std::string_view text) {
    std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    bool any = false;
    std::size_t line = 1;
    std::size_t row_line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                line += c == '\n' ? 1 : 0;
                field += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            any = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            if (any || !field.empty()) {
                row.push_back(std::move(field));
                rows.emplace_back(row_line, std::move(row));
            }
            row.clear();
            field.clear();
            any = false;
            row_line = ++line;
        } else {
            field += c;
            any = true;
        }
    }
    if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.emplace_back(row_line, std::move(row));
    }
    return rows;
}

std::string Lower(std::string text) {
    for (auto& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

}  // namespace

std::optional<crm::Timestamp> ParseDay(const std::string& text) {
    int year = 0;
    int month = 0;
    int day = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &year, &month, &day, &extra) != 3 || month < 1 || month > 12 ||
        day < 1 || day > 31) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

int RunSurveysDefine(crm::Store& store, const std::string& path, std::ostream& out, std::ostream& err) {
    const auto text = ReadFile(path);
    if (!text) {
        err << "carelisten: cannot read " << path << "\n";
        return 1;
    }
    auto parsed = surveys::ParseDefinitionToml(*text);
    if (const auto* errors = std::get_if<std::vector<surveys::DefinitionError>>(&parsed)) {
        for (const auto& error : *errors) {
            // A message from the TOML parser starts with its line:column.
            err << path << (error.line > 0 ? ":" : ": ") << error.message << "\n";
        }
        return 2;
    }
    const auto& definition = std::get<surveys::SurveyDefinition>(parsed);
    crm::SurveyRepository surveys(store);
    auto stored = surveys.AddDefinition({.care_unit = definition.unit,
                                         .version = definition.version,
                                         .approved_by = definition.approved_by,
                                         .approved_at = definition.approved_at,
                                         .definition_json = surveys::ToJson(definition)});
    if (!stored) {
        err << "carelisten: " << definition.unit << " version " << definition.version << ": "
            << stored.error().message() << "\n";
        return 1;
    }
    out << "survey definition " << stored.value().id << ": unit " << definition.unit << " version "
        << definition.version << " (" << definition.questions.size() << " questions, approved by "
        << definition.approved_by << " on " << definition.approved_at << ")\n";
    return 0;
}

int RunEncountersImport(crm::Store& store, const Config& config, const std::string& path, crm::Timestamp now,
                        std::ostream& out, std::ostream& err) {
    const auto text = ReadFile(path);
    if (!text) {
        err << "carelisten: cannot read " << path << "\n";
        return 1;
    }
    const bool csv = path.size() >= 4 && Lower(path.substr(path.size() - 4)) == ".csv";
    const auto parsed =
        csv ? connectors::hl7::ParseEncounterCsv(*text) : connectors::hl7::ParseEncounterJsonLines(*text);
    for (const auto& error : parsed.errors) {
        err << path << ":" << error.line << ": " << error.reason << "\n";
    }
    const SurveyPlanner planner(SurveyPlannerOptions{});
    crm::SurveyRepository surveys(store);
    std::size_t applied = 0;
    std::size_t replays = 0;
    std::size_t scheduled = 0;
    std::size_t refused = parsed.errors.size();
    for (const auto& [line, event] : parsed.events) {
        std::string problem;
        const auto message = ToEncounterMessage(event, config.surveys.GetString("time_zone"),
                                                config.surveys.GetString("default_region"), problem);
        if (!message) {
            err << path << ":" << line << ": " << problem << "\n";
            ++refused;
            continue;
        }
        auto outcome = surveys.ApplyEncounterMessage(*message, now, planner.DueTimeRule());
        if (!outcome) {
            err << "carelisten: " << path << ":" << line << ": " << outcome.error().message()
                << " (records before it are stored; run the import again: stored records are skipped)\n";
            return 1;
        }
        ++applied;
        replays += outcome.value().replay ? 1 : 0;
        scheduled += !outcome.value().replay && outcome.value().survey_state == "scheduled" ? 1 : 0;
        if (!outcome.value().note.empty()) {
            err << path << ":" << line << ": " << outcome.value().note << " (unit " << message->care_unit << ")\n";
        }
    }
    out << "encounters: " << applied << " record(s) applied (" << replays << " already imported), " << scheduled
        << " survey(s) scheduled, " << refused << " refused\n";
    return refused == 0 ? 0 : 1;
}

int RunImportCalls(crm::Store& store, const Config& config, const nlp::Analyzer* analyzer, const std::string& path,
                   crm::Timestamp now, std::ostream& out, std::ostream& err) {
    const auto text = ReadFile(path);
    if (!text) {
        err << "carelisten: cannot read " << path << "\n";
        return 1;
    }
    const auto rows = ParseCsv(*text);
    if (rows.empty()) {
        err << path << ": empty file\n";
        return 1;
    }
    std::map<std::string, std::size_t> columns;
    for (std::size_t i = 0; i < rows[0].second.size(); ++i) {
        columns[Lower(rows[0].second[i])] = i;
    }
    const bool by_id = columns.count("survey_id") > 0;
    if ((!by_id && columns.count("visit_number") == 0) || columns.count("question_id") == 0 ||
        columns.count("answer") == 0) {
        err << path << ":1: the header needs survey_id (or visit_number), question_id and answer\n";
        return 2;
    }
    auto cell = [&](const std::vector<std::string>& row, const std::string& name) -> std::string {
        const auto found = columns.find(name);
        return found == columns.end() || found->second >= row.size() ? std::string() : row[found->second];
    };
    crm::SurveyRepository surveys(store);
    SurveyPlannerOptions options;
    options.hospital_name = config.surveys.GetString("hospital_name");
    options.sms_source = config.surveys.GetString("sms_source");
    options.email_source = config.surveys.GetString("smtp_url").empty() ? "" : std::string(kSurveyEmailSource);
    options.console_url = config.surveys.GetString("console_url");
    const SurveyPlanner planner(options);

    struct Pending {
        std::size_t first_line = 0;
        std::vector<std::pair<std::string, surveys::AnswerValue>> answers;
    };
    std::map<std::int64_t, Pending> by_survey;
    std::map<std::int64_t, std::shared_ptr<const surveys::SurveyDefinition>> definitions;
    std::size_t refused = 0;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const auto& [line, row] = rows[r];
        std::optional<std::int64_t> survey_id;
        if (by_id) {
            try {
                survey_id = std::stoll(cell(row, "survey_id"));
            } catch (const std::exception&) {
                survey_id.reset();
            }
        } else {
            auto found = surveys.FindSurveyByVisit(cell(row, "facility"), cell(row, "visit_number"));
            if (!found) {
                err << "carelisten: " << found.error().message() << "\n";
                return 1;
            }
            survey_id = found.value();
        }
        if (!survey_id) {
            err << path << ":" << line << ": no single survey for this row's survey or visit\n";
            ++refused;
            continue;
        }
        if (definitions.count(*survey_id) == 0) {
            auto row_definition = surveys.DefinitionOfSurvey(*survey_id);
            if (!row_definition) {
                err << path << ":" << line << ": survey " << *survey_id << ": " << row_definition.error().message()
                    << "\n";
                ++refused;
                continue;
            }
            definitions[*survey_id] = planner.Definition(row_definition.value());
        }
        const auto& definition = definitions[*survey_id];
        const std::string question_id = cell(row, "question_id");
        const surveys::Question* question = nullptr;
        if (definition) {
            for (const auto& candidate : definition->questions) {
                if (candidate.id == question_id) {
                    question = &candidate;
                }
            }
        }
        if (question == nullptr) {
            err << path << ":" << line << ": survey " << *survey_id << " has no question '" << question_id << "'\n";
            ++refused;
            continue;
        }
        const auto parsed = surveys::ParseAnswer(*question, cell(row, "answer"), "en");
        if (!parsed.usable) {
            err << path << ":" << line << ": question " << question_id << ": " << parsed.problem << "\n";
            ++refused;
            continue;
        }
        auto& pending = by_survey[*survey_id];
        pending.first_line = pending.first_line == 0 ? line : pending.first_line;
        pending.answers.emplace_back(question_id, parsed.value);
    }
    std::size_t recorded = 0;
    std::size_t already = 0;
    for (const auto& [survey_id, pending] : by_survey) {
        const auto plan = planner.PlanSubmission(survey_id, "", *definitions[survey_id], pending.answers, analyzer);
        auto outcome = surveys.SubmitAnswers(survey_id, "phone", plan.answers, plan.text_items, plan.alert, now);
        if (!outcome) {
            err << "carelisten: survey " << survey_id << ": " << outcome.error().message() << "\n";
            return 1;
        }
        if (outcome.value().accepted) {
            ++recorded;
        } else {
            ++already;
            err << path << ":" << pending.first_line << ": survey " << survey_id << " is " << outcome.value().state
                << " or already answered: not recorded again\n";
        }
    }
    out << "calls: " << recorded << " survey(s) recorded, " << already << " already answered or closed, " << refused
        << " row(s) refused\n";
    return refused == 0 && already == 0 ? 0 : 1;
}

}  // namespace carelisten::daemon
