/// @file
/// @brief One answer to one question, from what a patient typed (SMS, web form, call-centre import):
/// tolerant parsing (English, Hinglish, Devanagari), the red-flag check and the canonical stored text.
/// Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <surveys/definition.hpp>

namespace carelisten::surveys {

inline constexpr std::size_t kMaxFreeTextBytes = 8000;

/// Exactly one of number / yes / choice_key / text is set for an answer; none for an unanswered question.
struct AnswerValue {
    QuestionType type = QuestionType::kFreeText;
    std::optional<int> number;  ///< kScale0To10: 0..10
    std::optional<bool> yes;    ///< kYesNo
    std::string choice_key;     ///< kSingleChoice
    std::string text;           ///< kFreeText: trimmed, otherwise as typed
    bool operator==(const AnswerValue&) const = default;
};

struct ParsedAnswer {
    bool usable = false;
    AnswerValue value;
    std::string problem;  ///< why unusable; never contains the patient's text
};

/// README "Answer grammar". Case-insensitive; surrounding spaces, punctuation and symbols are ignored.
ParsedAnswer ParseAnswer(const Question& question, std::string_view text, std::string_view language);

/// False for the value recorded when a question was skipped or given up on.
bool IsAnswered(const AnswerValue& value);

/// The red-flag label ("fever", or the question id when no label) when the answer triggers the rule.
std::optional<std::string> RedFlagOf(const Question& question, const AnswerValue& value);

/// Canonical storage form: "7", "yes", "no", the choice key, the text; "" when unanswered.
std::string AnswerToText(const AnswerValue& value);

}  // namespace carelisten::surveys
