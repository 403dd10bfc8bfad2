/// @file
/// @brief A unit's follow-up survey as approved by its physicians: questions, red-flag rules and the
/// schedule settings; parsed from TOML (the unit's file), stored as canonical JSON (the crm's jsonb).
/// Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten::surveys {

inline constexpr std::size_t kMaxQuestions = 20;
inline constexpr std::size_t kMaxChoices = 9;  // one digit per choice, so an SMS reply "3" is unambiguous

enum class QuestionType { kScale0To10, kYesNo, kSingleChoice, kFreeText };

/// "scale_0_10", "yes_no", "single_choice", "free_text": the TOML and JSON spelling.
std::string_view ToString(QuestionType type);
std::optional<QuestionType> ParseQuestionType(std::string_view text);

struct Choice {
    std::string key;                            ///< [a-z0-9_]+, unique in its question; what is stored
    std::map<std::string, std::string> labels;  ///< language -> label; "en" required
    bool operator==(const Choice&) const = default;
};

enum class RedFlagKind {
    kYes,        ///< "yes": a yes/no answer of yes
    kNo,         ///< "no": a yes/no answer of no
    kCompare,    ///< ">= 8", "> 7", "<= 2", "< 3", "== 0": a scale answer
    kInChoices,  ///< "in [worse, much_worse]": a single-choice answer among these keys
};

enum class Comparison { kGreaterEqual, kGreater, kLessEqual, kLess, kEqual };

struct RedFlagRule {
    std::string text;  ///< as written; the canonical form is re-parsed from it
    RedFlagKind kind = RedFlagKind::kYes;
    Comparison comparison = Comparison::kGreaterEqual;  ///< kCompare only
    int threshold = 0;                                  ///< kCompare only
    std::vector<std::string> choice_keys;               ///< kInChoices only
    bool operator==(const RedFlagRule&) const = default;
};

/// The rule grammar (README "Rule grammar"); nullopt when `text` is not a rule.
std::optional<RedFlagRule> ParseRedFlagRule(std::string_view text);

struct Question {
    std::string id;  ///< [a-z0-9_]+, unique in the survey
    QuestionType type = QuestionType::kFreeText;
    std::map<std::string, std::string> text;  ///< language -> wording, "en" required
    std::vector<Choice> choices;              ///< kSingleChoice only (2..kMaxChoices)
    std::optional<RedFlagRule> red_flag;
    std::string red_flag_label;  ///< e.g. "fever"; empty: the question id names the flag
    bool required = true;
    bool operator==(const Question&) const = default;
};

struct SurveyDefinition {
    std::string unit;         ///< the treatment unit, [a-z0-9_-]+
    int version = 0;          ///< >= 1; bumped whenever the physicians approve a change
    std::string approved_by;  ///< physician id
    std::string approved_at;  ///< ISO date, YYYY-MM-DD
    std::vector<Question> questions;
    // Settings, with their defaults.
    int days_after_discharge = 14;
    int reminder_max = 2;
    int reminder_min_gap_hours = 48;
    int expire_after_days = 7;
    std::string quiet_start = "21:00", quiet_end = "08:00";
    std::string time_zone = "UTC";  ///< IANA
    bool operator==(const SurveyDefinition&) const = default;
};

struct DefinitionError {
    std::string message;  ///< "line:column: what is wrong" when from TOML; "question[2].id: ..." otherwise
    int line = 0;         ///< 1-based; 0 when not from TOML
    int column = 0;
};

/// The TOML form (README "Definition file"; surveys/examples/cardiology.toml). Every problem is reported,
/// not only the first: unknown keys, wrong types, ids, rules that cannot match their type, 1..20 questions.
std::variant<SurveyDefinition, std::vector<DefinitionError>> ParseDefinitionToml(std::string_view text);

/// The same semantic checks as ParseDefinitionToml on an already built definition (FromJson uses it).
std::vector<DefinitionError> ValidateDefinition(const SurveyDefinition& definition);

/// The wording in `language` when a translation exists, else English.
const std::string& Wording(const Question& question, std::string_view language);
/// The choice's label in `language` when a translation exists, else English.
const std::string& Label(const Choice& choice, std::string_view language);

/// Canonical JSON: fixed key order, no whitespace, every setting written; equal definitions give equal bytes.
std::string ToJson(const SurveyDefinition& definition);
/// Parses ToJson's form; nullopt when malformed or when ValidateDefinition finds a problem.
std::optional<SurveyDefinition> FromJson(std::string_view json);

}  // namespace carelisten::surveys
