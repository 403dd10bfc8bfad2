/// @file
/// @brief The SMS conversation: one question at a time, one re-ask of an unusable answer, then move on.
/// The state is a value the daemon stores (as JSON) between inbound messages. Pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <surveys/answer.hpp>
#include <surveys/definition.hpp>
#include <utility>
#include <vector>

namespace carelisten::surveys {

inline constexpr std::size_t kSmsTargetLength = 300;

struct SmsDialogState {
    std::size_t next_question = 0;  ///< index of the question the patient is answering
    int reasks_of_current = 0;      ///< 0 or 1
    /// In question order; a skipped or given-up question has an unanswered value (IsAnswered false).
    std::vector<std::pair<std::string /*question id*/, AnswerValue>> answers;
    bool finished = false;
    bool operator==(const SmsDialogState&) const = default;
};

struct SmsStep {
    std::string reply;  ///< the SMS to send next: the next question, a re-ask, or the thank-you; "" = send nothing
    SmsDialogState state;
    std::optional<std::pair<std::string, AnswerValue>> recorded;  ///< what this SMS settled, if anything
    std::vector<std::string> red_flags;                           ///< raised by this SMS: alert at once
    bool finished = false;
    bool gave_up_on_question = false;
};

/// The invitation: intro naming hospital and unit, the number of questions, the form link, "Reply STOP to
/// opt out", then the first question; kept within kSmsTargetLength by a shorter intro where possible.
std::string SmsInvitation(const SurveyDefinition& definition, std::string_view language, std::string_view hospital_name,
                          std::string_view form_url);

/// Applies one inbound SMS to `state`. README "SMS dialog".
SmsStep ApplySmsReply(const SurveyDefinition& definition, const SmsDialogState& state, std::string_view text,
                      std::string_view language);

/// "Q2/5: Did you have a fever? Reply YES or NO." (hint localized where a translation exists).
std::string SmsQuestion(const SurveyDefinition& definition, std::size_t index, std::string_view language);

std::string ToJson(const SmsDialogState& state);
std::optional<SmsDialogState> DialogFromJson(std::string_view json);

/// The AnswerValue JSON object used inside the dialog state (and usable by the crm for single answers).
std::string AnswerToJson(const AnswerValue& value);
std::optional<AnswerValue> AnswerFromJson(std::string_view json);

}  // namespace carelisten::surveys
