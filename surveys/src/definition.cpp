#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>
#include <surveys/definition.hpp>
#include <surveys/schedule.hpp>

#include "definition_check.hpp"
#include "text_util.hpp"

namespace carelisten::surveys {
namespace {

std::string_view TrimSpaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

std::string AsciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::optional<int> ParseSmallInt(std::string_view text) {
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

bool IsIsoDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return false;
    }
    const auto year = ParseSmallInt(text.substr(0, 4));
    const auto month = ParseSmallInt(text.substr(5, 2));
    const auto day = ParseSmallInt(text.substr(8, 2));
    if (!year || !month || !day || *year < 1900 || *month < 1 || *month > 12 || *day < 1) {
        return false;
    }
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (*year % 4 == 0 && *year % 100 != 0) || *year % 400 == 0;
    const int days = kDays[*month - 1] + (*month == 2 && leap ? 1 : 0);
    return *day <= days;
}

bool IsUnitName(std::string_view text) {
    return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// "en", "hi", "pt-BR", "zh-Hant": a BCP 47 primary tag and optional subtags, letters and digits.
bool IsLanguageTag(std::string_view text) {
    if (text.size() < 2 || text.size() > 35) {
        return false;
    }
    std::size_t primary = 0;
    while (primary < text.size() && text[primary] >= 'a' && text[primary] <= 'z') {
        ++primary;
    }
    if (primary < 2 || primary > 3) {
        return false;
    }
    for (std::size_t i = primary; i < text.size(); ++i) {
        const char c = text[i];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        (c == '-' && i + 1 < text.size());
        if (!ok) {
            return false;
        }
    }
    return text.size() == primary || text[primary] == '-';
}

bool HasControl(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

void CheckTexts(const std::map<std::string, std::string>& texts, const std::string& path, std::string_view what,
                const detail::Reporter& report) {
    const auto english = texts.find("en");
    if (english == texts.end() || TrimSpaces(english->second).empty()) {
        report(path, std::string(what) + " needs an English wording (en = \"...\")");
    }
    for (const auto& [language, wording] : texts) {
        if (!IsLanguageTag(language)) {
            report(path, "'" + language + "' is not a language tag like en, hi or pt-BR");
        } else if (TrimSpaces(wording).empty()) {
            report(path, "the '" + language + "' " + std::string(what) + " is empty");
        } else if (!detail::IsValidUtf8(wording) || wording.size() > 1000) {
            report(path, "the '" + language + "' " + std::string(what) + " is not valid UTF-8 of at most 1000 bytes");
        }
    }
}

std::string RuleProblem(const RedFlagRule& rule, const Question& question) {
    switch (rule.kind) {
        case RedFlagKind::kYes:
        case RedFlagKind::kNo:
            return question.type == QuestionType::kYesNo ? "" : "'yes'/'no' rules need a yes_no question";
        case RedFlagKind::kCompare: {
            if (question.type != QuestionType::kScale0To10) {
                return "comparison rules need a scale_0_10 question";
            }
            int matches = 0;
            for (int value = 0; value <= 10; ++value) {
                matches += detail::CompareMatches(rule, value) ? 1 : 0;
            }
            if (matches == 0) {
                return "the rule can never match an answer from 0 to 10";
            }
            if (matches == 11) {
                return "the rule matches every answer from 0 to 10";
            }
            return "";
        }
        case RedFlagKind::kInChoices: {
            if (question.type != QuestionType::kSingleChoice) {
                return "'in [...]' rules need a single_choice question";
            }
            for (const auto& key : rule.choice_keys) {
                const bool known = std::any_of(question.choices.begin(), question.choices.end(),
                                               [&](const Choice& choice) { return choice.key == key; });
                if (!known) {
                    return "the rule names '" + key + "', which is not a choice of this question";
                }
            }
            if (rule.choice_keys.size() >= question.choices.size() && !question.choices.empty()) {
                return "the rule matches every choice";
            }
            return "";
        }
    }
    return "";
}

}  // namespace

namespace detail {

bool CompareMatches(const RedFlagRule& rule, int value) {
    switch (rule.comparison) {
        case Comparison::kGreaterEqual:
            return value >= rule.threshold;
        case Comparison::kGreater:
            return value > rule.threshold;
        case Comparison::kLessEqual:
            return value <= rule.threshold;
        case Comparison::kLess:
            return value < rule.threshold;
        case Comparison::kEqual:
            return value == rule.threshold;
    }
    return false;
}

void CheckDefinition(const SurveyDefinition& definition, const Reporter& report) {
    // "*" is the hospital's default: the question set for units that have none of their own.
    if (definition.unit != "*" && !IsUnitName(definition.unit)) {
        report("survey.unit",
               "is required: lower-case letters, digits, '_' or '-', at most 64, or \"*\" (the "
               "default for units without their own)");
    }
    if (definition.version < 1) {
        report("survey.version", "is required: an integer >= 1");
    }
    if (TrimSpaces(definition.approved_by).empty() || definition.approved_by.size() > 128 ||
        HasControl(definition.approved_by) || !IsValidUtf8(definition.approved_by)) {
        report("survey.approved_by", "is required: the approving physician's id (at most 128 characters)");
    }
    if (!IsIsoDate(definition.approved_at)) {
        report("survey.approved_at", "is required: an ISO date YYYY-MM-DD");
    }
    const auto range = [&](int value, int low, int high, const char* key) {
        if (value < low || value > high) {
            report(std::string("survey.settings.") + key,
                   "must be from " + std::to_string(low) + " to " + std::to_string(high));
        }
    };
    range(definition.days_after_discharge, 1, 90, "days_after_discharge");
    range(definition.reminder_max, 0, 5, "reminder_max");
    range(definition.reminder_min_gap_hours, 1, 336, "reminder_min_gap_hours");
    range(definition.expire_after_days, 1, 60, "expire_after_days");
    if (!ParseQuietHours(definition.quiet_start, "00:00")) {
        report("survey.settings.quiet_start", "must be a time HH:MM (24 h)");
    }
    if (!ParseQuietHours("00:00", definition.quiet_end)) {
        report("survey.settings.quiet_end", "must be a time HH:MM (24 h)");
    }
    if (!IsValidTimeZone(definition.time_zone)) {
        report("survey.settings.time_zone", "must be an IANA time zone such as Europe/London or Asia/Kolkata");
    }
    if (definition.questions.empty()) {
        report("question", "a survey needs at least one [[question]]");
    } else if (definition.questions.size() > kMaxQuestions) {
        report("question", "a survey has at most " + std::to_string(kMaxQuestions) + " questions");
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < definition.questions.size(); ++i) {
        const Question& question = definition.questions[i];
        const std::string path = "question[" + std::to_string(i + 1) + "]";
        if (!IsIdentifier(question.id) || question.id.size() > 64) {
            report(path + ".id", "is required: lower-case letters, digits and '_' ([a-z0-9_]+), at most 64");
        } else if (!ids.insert(question.id).second) {
            report(path + ".id", "'" + question.id + "' is used by an earlier question: ids must be unique");
        }
        CheckTexts(question.text, path + ".text", "wording", report);
        if (question.type == QuestionType::kSingleChoice) {
            if (question.choices.size() < 2 || question.choices.size() > kMaxChoices) {
                report(path + ".choice", "a single_choice question needs 2 to " + std::to_string(kMaxChoices) +
                                             " [[question.choice]] entries");
            }
            std::set<std::string> keys;
            for (std::size_t c = 0; c < question.choices.size(); ++c) {
                const Choice& choice = question.choices[c];
                const std::string choice_path = path + ".choice[" + std::to_string(c + 1) + "]";
                if (!IsIdentifier(choice.key) || choice.key.size() > 64) {
                    report(choice_path + ".key", "is required: lower-case letters, digits and '_' ([a-z0-9_]+)");
                } else if (!keys.insert(choice.key).second) {
                    report(choice_path + ".key", "'" + choice.key + "' is used twice in this question");
                }
                CheckTexts(choice.labels, choice_path + ".label", "label", report);
            }
        } else if (!question.choices.empty()) {
            report(path + ".choice", "only single_choice questions have choices");
        }
        if (question.red_flag) {
            if (question.type == QuestionType::kFreeText) {
                report(path + ".red_flag", "free_text answers cannot raise a red flag");
            } else if (const auto problem = RuleProblem(*question.red_flag, question); !problem.empty()) {
                report(path + ".red_flag", "'" + question.red_flag->text + "': " + problem);
            }
        }
        if (!question.red_flag_label.empty()) {
            if (!IsIdentifier(question.red_flag_label) || question.red_flag_label.size() > 64) {
                report(path + ".red_flag_label", "must be lower-case letters, digits and '_', e.g. \"fever\"");
            } else if (!question.red_flag) {
                report(path + ".red_flag_label", "is set but the question has no red_flag");
            }
        }
    }
}

}  // namespace detail

std::string_view ToString(QuestionType type) {
    switch (type) {
        case QuestionType::kScale0To10:
            return "scale_0_10";
        case QuestionType::kYesNo:
            return "yes_no";
        case QuestionType::kSingleChoice:
            return "single_choice";
        case QuestionType::kFreeText:
            return "free_text";
    }
    return "free_text";
}

std::optional<QuestionType> ParseQuestionType(std::string_view text) {
    for (const auto type :
         {QuestionType::kScale0To10, QuestionType::kYesNo, QuestionType::kSingleChoice, QuestionType::kFreeText}) {
        if (ToString(type) == text) {
            return type;
        }
    }
    return std::nullopt;
}

std::optional<RedFlagRule> ParseRedFlagRule(std::string_view text) {
    RedFlagRule rule;
    rule.text = std::string(text);
    const std::string_view trimmed = TrimSpaces(text);
    const std::string lower = AsciiLower(trimmed);
    if (lower == "yes") {
        rule.kind = RedFlagKind::kYes;
        return rule;
    }
    if (lower == "no") {
        rule.kind = RedFlagKind::kNo;
        return rule;
    }
    if (lower.starts_with("in")) {
        std::string_view rest = TrimSpaces(std::string_view(lower).substr(2));
        if (rest.size() < 2 || rest.front() != '[' || rest.back() != ']') {
            return std::nullopt;
        }
        rest = rest.substr(1, rest.size() - 2);
        rule.kind = RedFlagKind::kInChoices;
        while (true) {
            const auto comma = rest.find(',');
            const std::string_view key = TrimSpaces(rest.substr(0, comma));
            if (!detail::IsIdentifier(key)) {
                return std::nullopt;
            }
            if (std::find(rule.choice_keys.begin(), rule.choice_keys.end(), key) == rule.choice_keys.end()) {
                rule.choice_keys.emplace_back(key);
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
        return rule;
    }
    static constexpr std::pair<std::string_view, Comparison> kOperators[] = {
        {">=", Comparison::kGreaterEqual}, {"<=", Comparison::kLessEqual}, {"==", Comparison::kEqual},
        {">", Comparison::kGreater},       {"<", Comparison::kLess},
    };
    for (const auto& [op, comparison] : kOperators) {
        if (trimmed.starts_with(op)) {
            const auto number = ParseSmallInt(TrimSpaces(trimmed.substr(op.size())));
            if (!number || *number < -1000 || *number > 1000) {
                return std::nullopt;
            }
            rule.kind = RedFlagKind::kCompare;
            rule.comparison = comparison;
            rule.threshold = *number;
            return rule;
        }
    }
    return std::nullopt;
}

const std::string& Wording(const Question& question, std::string_view language) {
    if (const auto found = question.text.find(std::string(language)); found != question.text.end()) {
        return found->second;
    }
    static const std::string kEmpty;
    const auto english = question.text.find("en");
    return english != question.text.end() ? english->second : kEmpty;
}

const std::string& Label(const Choice& choice, std::string_view language) {
    if (const auto found = choice.labels.find(std::string(language)); found != choice.labels.end()) {
        return found->second;
    }
    static const std::string kEmpty;
    const auto english = choice.labels.find("en");
    return english != choice.labels.end() ? english->second : kEmpty;
}

std::vector<DefinitionError> ValidateDefinition(const SurveyDefinition& definition) {
    std::vector<DefinitionError> errors;
    detail::CheckDefinition(definition, [&](const std::string& path, const std::string& message) {
        errors.push_back(DefinitionError{.message = path + ": " + message});
    });
    return errors;
}

namespace {

// Reads the TOML tree into a definition, remembering where each path was written so that the semantic
// checks (which speak in paths) can report line:column.
class TomlReader {
public:
    std::variant<SurveyDefinition, std::vector<DefinitionError>> Read(std::string_view text) {
        toml::table root;
        try {
            root = toml::parse(text);
        } catch (const toml::parse_error& error) {
            // The parser's description names the construct, never the document's content beyond a character.
            Error(error.source(), "", "not valid TOML: " + std::string(error.description()));
            return errors_;
        }
        Where("", root.source());
        CheckKeys(root, "", {"survey", "question"});
        if (const auto* survey = Table(root, "survey", "survey")) {
            ReadSurvey(*survey);
        } else if (!root.contains("survey")) {
            Error(root.source(), "survey", "the [survey] table is required");
        }
        if (const auto* node = root.get("question")) {
            Where("question", node->source());
            if (const auto* questions = node->as_array(); questions != nullptr && questions->is_array_of_tables()) {
                for (std::size_t i = 0; i < questions->size() && i <= kMaxQuestions; ++i) {
                    definition_.questions.push_back(
                        ReadQuestion(*questions->get(i)->as_table(), "question[" + std::to_string(i + 1) + "]"));
                }
                if (questions->size() > kMaxQuestions) {
                    // Keep one too many so the count check reports it, and read no further.
                    definition_.questions.resize(kMaxQuestions + 1);
                }
            } else {
                Error(node->source(), "question", "must be an array of tables: [[question]]");
            }
        }
        detail::CheckDefinition(definition_, [&](const std::string& path, const std::string& message) {
            if (reported_.contains(path)) {
                return;  // its type was already refused; the value left behind is only a default
            }
            Error(Find(path), path, message);
        });
        if (!errors_.empty()) {
            std::stable_sort(errors_.begin(), errors_.end(), [](const DefinitionError& a, const DefinitionError& b) {
                return std::pair(a.line, a.column) < std::pair(b.line, b.column);
            });
            return errors_;
        }
        return definition_;
    }

private:
    void ReadSurvey(const toml::table& survey) {
        CheckKeys(survey, "survey", {"unit", "version", "approved_by", "approved_at", "settings"});
        ReadString(survey, "unit", "survey.unit", definition_.unit);
        ReadInt(survey, "version", "survey.version", definition_.version);
        ReadString(survey, "approved_by", "survey.approved_by", definition_.approved_by);
        if (const auto* node = survey.get("approved_at"); node != nullptr && node->is_date()) {
            // A bare TOML date (approved_at = 2026-01-15) is as good as the quoted one.
            Where("survey.approved_at", node->source());
            const toml::date date = node->as_date()->get();
            char buffer[16];
            std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", static_cast<int>(date.year),
                          static_cast<int>(date.month), static_cast<int>(date.day));
            definition_.approved_at = buffer;
        } else {
            ReadString(survey, "approved_at", "survey.approved_at", definition_.approved_at);
        }
        if (const auto* settings = Table(survey, "settings", "survey.settings")) {
            CheckKeys(*settings, "survey.settings",
                      {"days_after_discharge", "reminder_max", "reminder_min_gap_hours", "expire_after_days",
                       "quiet_start", "quiet_end", "time_zone"});
            const std::string p = "survey.settings.";
            ReadInt(*settings, "days_after_discharge", p + "days_after_discharge", definition_.days_after_discharge);
            ReadInt(*settings, "reminder_max", p + "reminder_max", definition_.reminder_max);
            ReadInt(*settings, "reminder_min_gap_hours", p + "reminder_min_gap_hours",
                    definition_.reminder_min_gap_hours);
            ReadInt(*settings, "expire_after_days", p + "expire_after_days", definition_.expire_after_days);
            ReadString(*settings, "quiet_start", p + "quiet_start", definition_.quiet_start);
            ReadString(*settings, "quiet_end", p + "quiet_end", definition_.quiet_end);
            ReadString(*settings, "time_zone", p + "time_zone", definition_.time_zone);
        }
    }

    Question ReadQuestion(const toml::table& table, const std::string& path) {
        Question question;
        Where(path, table.source());
        CheckKeys(table, path, {"id", "type", "text", "red_flag", "red_flag_label", "required", "choice"});
        ReadString(table, "id", path + ".id", question.id);
        std::string type;
        if (ReadString(table, "type", path + ".type", type)) {
            if (const auto parsed = ParseQuestionType(type)) {
                question.type = *parsed;
            } else {
                Error(Find(path + ".type"), path + ".type",
                      "must be one of scale_0_10, yes_no, single_choice, free_text");
            }
        } else if (!table.contains("type")) {
            Error(table.source(), path + ".type", "is required: scale_0_10, yes_no, single_choice or free_text");
        }
        ReadTexts(table, "text", path + ".text", question.text);
        std::string rule;
        if (ReadString(table, "red_flag", path + ".red_flag", rule)) {
            question.red_flag = ParseRedFlagRule(rule);
            if (!question.red_flag) {
                Error(Find(path + ".red_flag"), path + ".red_flag",
                      "not a rule: use yes, no, >= N, > N, <= N, < N, == N or in [key, key]");
            }
        }
        ReadString(table, "red_flag_label", path + ".red_flag_label", question.red_flag_label);
        if (const auto* node = table.get("required")) {
            Where(path + ".required", node->source());
            if (const auto value = node->value<bool>()) {
                question.required = *value;
            } else {
                Error(node->source(), path + ".required", "must be true or false");
            }
        }
        if (const auto* node = table.get("choice")) {
            Where(path + ".choice", node->source());
            const auto* choices = node->as_array();
            if (choices == nullptr || !choices->is_array_of_tables()) {
                Error(node->source(), path + ".choice", "must be an array of tables: [[question.choice]]");
            } else {
                for (std::size_t c = 0; c < choices->size() && c <= kMaxChoices; ++c) {
                    const auto& choice_table = *choices->get(c)->as_table();
                    const std::string choice_path = path + ".choice[" + std::to_string(c + 1) + "]";
                    Where(choice_path, choice_table.source());
                    CheckKeys(choice_table, choice_path, {"key", "label"});
                    Choice choice;
                    ReadString(choice_table, "key", choice_path + ".key", choice.key);
                    ReadTexts(choice_table, "label", choice_path + ".label", choice.labels);
                    question.choices.push_back(std::move(choice));
                }
            }
        }
        return question;
    }

    void ReadTexts(const toml::table& table, std::string_view key, const std::string& path,
                   std::map<std::string, std::string>& out) {
        const auto* node = table.get(key);
        if (node == nullptr) {
            return;  // the semantic check asks for the English wording
        }
        Where(path, node->source());
        if (const auto* text = node->as_string()) {
            out["en"] = text->get();  // text = "..." is the English wording
            return;
        }
        const auto* texts = node->as_table();
        if (texts == nullptr) {
            Error(node->source(), path, "must be a table of wordings by language: { en = \"...\", hi = \"...\" }");
            return;
        }
        for (const auto& [language, value] : *texts) {
            if (const auto* wording = value.as_string()) {
                out[std::string(language.str())] = wording->get();
            } else {
                Error(value.source(), path, "the '" + std::string(language.str()) + "' wording must be a string");
            }
        }
    }

    const toml::table* Table(const toml::table& parent, std::string_view key, const std::string& path) {
        const auto* node = parent.get(key);
        if (node == nullptr) {
            return nullptr;
        }
        Where(path, node->source());
        if (const auto* table = node->as_table()) {
            return table;
        }
        Error(node->source(), path, "must be a table");
        return nullptr;
    }

    bool ReadString(const toml::table& table, std::string_view key, const std::string& path, std::string& out) {
        const auto* node = table.get(key);
        if (node == nullptr) {
            return false;
        }
        Where(path, node->source());
        if (const auto* value = node->as_string()) {
            out = value->get();
            return true;
        }
        Error(node->source(), path, "must be a string");
        return false;
    }

    void ReadInt(const toml::table& table, std::string_view key, const std::string& path, int& out) {
        const auto* node = table.get(key);
        if (node == nullptr) {
            return;
        }
        Where(path, node->source());
        const auto* value = node->as_integer();
        if (value == nullptr) {
            Error(node->source(), path, "must be an integer");
            return;
        }
        const std::int64_t number = value->get();
        if (number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max()) {
            Error(node->source(), path, "is out of range");
            return;
        }
        out = static_cast<int>(number);
    }

    void CheckKeys(const toml::table& table, const std::string& path, std::initializer_list<std::string_view> known) {
        for (const auto& [key, value] : table) {
            if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
                const std::string name = (path.empty() ? "" : path + ".") + std::string(key.str());
                std::string expected;
                for (const auto k : known) {
                    expected += (expected.empty() ? "" : ", ") + std::string(k);
                }
                Error(value.source(), name, "unknown key (expected one of: " + expected + ")");
            }
        }
    }

    void Where(const std::string& path, const toml::source_region& region) { where_[path] = region; }

    // The position of `path`, else of its nearest recorded parent ("question[2].id" -> "question[2]").
    toml::source_region Find(std::string path) const {
        while (true) {
            if (const auto found = where_.find(path); found != where_.end()) {
                return found->second;
            }
            const auto cut = path.find_last_of(".[");
            if (cut == std::string::npos || path.empty()) {
                break;
            }
            path.resize(cut);
        }
        toml::source_region start;
        start.begin = {1, 1};
        return start;
    }

    void Error(const toml::source_region& region, const std::string& path, const std::string& message) {
        const int line = std::max(1, static_cast<int>(region.begin.line));
        const int column = std::max(1, static_cast<int>(region.begin.column));
        reported_.insert(path);
        errors_.push_back(DefinitionError{.message = std::to_string(line) + ":" + std::to_string(column) + ": " +
                                                     (path.empty() ? "" : path + ": ") + message,
                                          .line = line,
                                          .column = column});
    }

    SurveyDefinition definition_;
    std::map<std::string, toml::source_region> where_;
    std::set<std::string> reported_;
    std::vector<DefinitionError> errors_;
};

}  // namespace

std::variant<SurveyDefinition, std::vector<DefinitionError>> ParseDefinitionToml(std::string_view text) {
    return TomlReader().Read(text);
}

}  // namespace carelisten::surveys
