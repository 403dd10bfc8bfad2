// libFuzzer target: the survey answer parser over every question type and language, and the SMS dialog driven
// by arbitrary messages (one per line). Invariants: a usable answer has exactly its type's value, in range; a
// problem never echoes the patient's text; the dialog state stays consistent and survives its JSON round trip.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <surveys/answer.hpp>
#include <surveys/sms_dialog.hpp>

namespace {

using namespace carelisten::surveys;

SurveyDefinition MakeDefinition() {
    SurveyDefinition definition;
    definition.unit = "fuzz";
    definition.version = 1;
    const auto question = [](std::string id, QuestionType type, std::string rule, bool required) {
        Question q;
        q.id = std::move(id);
        q.type = type;
        q.text = {{"en", "Question?"}, {"hi", "प्रश्न?"}};
        if (!rule.empty()) {
            q.red_flag = ParseRedFlagRule(rule);
        }
        q.required = required;
        return q;
    };
    definition.questions.push_back(question("pain", QuestionType::kScale0To10, ">= 8", true));
    definition.questions.push_back(question("fever", QuestionType::kYesNo, "yes", true));
    Question wound = question("wound", QuestionType::kSingleChoice, "in [worse]", true);
    wound.choices = {Choice{.key = "better", .labels = {{"en", "Better"}, {"hi", "बेहतर"}}},
                     Choice{.key = "worse", .labels = {{"en", "Worse"}, {"hi", "खराब"}}}};
    definition.questions.push_back(std::move(wound));
    definition.questions.push_back(question("notes", QuestionType::kFreeText, "", false));
    return definition;
}

const SurveyDefinition kDefinition = MakeDefinition();

void CheckAnswer(const Question& question, std::string_view text, const ParsedAnswer& parsed) {
    const AnswerValue& value = parsed.value;
    if (value.type != question.type) {
        std::abort();
    }
    if (!parsed.usable) {
        // Every problem is a short constant: one containing 40+ bytes of input would be an echo.
        if (parsed.problem.empty() || (text.size() >= 40 && parsed.problem.find(text) != std::string::npos)) {
            std::abort();
        }
        return;
    }
    const int set = (value.number ? 1 : 0) + (value.yes ? 1 : 0) + (value.choice_key.empty() ? 0 : 1) +
                    (value.text.empty() ? 0 : 1);
    if (set != 1 || AnswerToText(value).empty()) {
        std::abort();
    }
    switch (question.type) {
        case QuestionType::kScale0To10:
            if (!value.number || *value.number < 0 || *value.number > 10) {
                std::abort();
            }
            break;
        case QuestionType::kYesNo:
            if (!value.yes) {
                std::abort();
            }
            break;
        case QuestionType::kSingleChoice:
            if (value.choice_key != "better" && value.choice_key != "worse") {
                std::abort();
            }
            break;
        case QuestionType::kFreeText:
            if (value.text.size() > kMaxFreeTextBytes) {
                std::abort();
            }
            break;
    }
    (void)RedFlagOf(question, value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (const Question& question : kDefinition.questions) {
        for (const std::string_view language : {"en", "hi"}) {
            CheckAnswer(question, input, ParseAnswer(question, input, language));
        }
    }
    SmsDialogState state;
    std::string_view rest = input;
    for (int messages = 0; messages < 16 && !state.finished; ++messages) {
        const auto newline = rest.find('\n');
        const std::string_view message = rest.substr(0, newline);
        const SmsStep step = ApplySmsReply(kDefinition, state, message, messages % 2 == 0 ? "en" : "hi");
        const SmsDialogState& next = step.state;
        if (next.next_question > kDefinition.questions.size() || next.reasks_of_current < 0 ||
            next.reasks_of_current > 1 || next.answers.size() != next.next_question ||
            next.finished != (next.next_question == kDefinition.questions.size()) || step.finished != next.finished ||
            (!next.finished && step.reply.empty())) {
            std::abort();
        }
        const auto back = DialogFromJson(ToJson(next));
        if (!back || *back != next) {
            std::abort();
        }
        state = next;
        if (newline == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(newline + 1);
    }
    return 0;
}
