#include <rapidjson/stringbuffer.h>

#include <surveys/sms_dialog.hpp>

#include "json_util.hpp"
#include "text_util.hpp"
#include "ui_strings.hpp"

namespace carelisten::surveys {
namespace {

// The hint language follows the wording: a Hindi hint under an English fallback wording would mix scripts.
const detail::UiStrings& HintStrings(const Question& question, std::string_view language) {
    if (question.text.contains(std::string(language)) && detail::HasStrings(language)) {
        return detail::Strings(language);
    }
    return detail::Strings("en");
}

std::string ChoiceList(const Question& question, std::string_view language) {
    std::string list;
    for (std::size_t i = 0; i < question.choices.size(); ++i) {
        list += (i == 0 ? "" : ", ") + std::to_string(i + 1) + " " + Label(question.choices[i], language);
    }
    return list;
}

std::string Hint(const Question& question, std::string_view language, bool please) {
    const auto& s = HintStrings(question, language);
    std::string hint;
    switch (question.type) {
        case QuestionType::kScale0To10:
            hint = please ? s.scale_please : s.scale_hint;
            break;
        case QuestionType::kYesNo:
            hint = please ? s.yes_no_please : s.yes_no_hint;
            break;
        case QuestionType::kSingleChoice:
            hint = std::string(please ? s.choice_please : s.choice_hint) + " " + ChoiceList(question, language) + ".";
            break;
        case QuestionType::kFreeText:
            hint = please ? s.free_please : s.free_hint;
            break;
    }
    if (!question.required) {
        hint += " ";
        hint += s.skip_hint;
    }
    return hint;
}

std::string Prefix(const SurveyDefinition& definition, std::size_t index) {
    return "Q" + std::to_string(index + 1) + "/" + std::to_string(definition.questions.size()) + ": ";
}

bool IsSkip(std::string_view text) {
    const std::string normalized = detail::NormalizeForMatch(text);
    return normalized == "skip" || normalized == "छोड़ें" || normalized == "chhodo";
}

void Advance(const SurveyDefinition& definition, std::string_view language, SmsStep& step) {
    step.state.next_question += 1;
    step.state.reasks_of_current = 0;
    if (step.state.next_question < definition.questions.size()) {
        step.reply = SmsQuestion(definition, step.state.next_question, language);
        return;
    }
    step.state.finished = true;
    step.finished = true;
    const auto& s = detail::Strings(language);
    step.reply = std::string(s.thanks);
    // Any red flag in the conversation: the care team is alerted, and the patient is told what to do meanwhile.
    for (const auto& [id, value] : step.state.answers) {
        for (const Question& question : definition.questions) {
            if (question.id == id && RedFlagOf(question, value)) {
                step.reply += " ";
                step.reply += s.unwell;
                return;
            }
        }
    }
}

}  // namespace

std::string SmsQuestion(const SurveyDefinition& definition, std::size_t index, std::string_view language) {
    if (index >= definition.questions.size()) {
        return {};
    }
    const Question& question = definition.questions[index];
    return Prefix(definition, index) + Wording(question, language) + " " + Hint(question, language, false);
}

std::string SmsInvitation(const SurveyDefinition& definition, std::string_view language, std::string_view hospital_name,
                          std::string_view form_url) {
    const auto& s = detail::Strings(language);
    const std::string count = std::to_string(definition.questions.size());
    const std::string_view questions = definition.questions.size() == 1 ? s.question_one : s.question_many;
    const std::string first = SmsQuestion(definition, 0, language);
    std::string shortest;
    for (const std::string_view intro : {s.intro_full, s.intro_short}) {
        std::string text = detail::Fill(
            intro,
            {{"hospital", hospital_name}, {"unit", definition.unit}, {"count", count}, {"questions", questions}});
        if (!form_url.empty()) {
            text += " " + detail::Fill(s.online, {{"url", form_url}});
        }
        text += " ";
        text += s.stop;
        text += "\n" + first;
        if (detail::CodePointCount(text) <= kSmsTargetLength) {
            return text;
        }
        shortest = std::move(text);
    }
    return shortest;  // still long: the wording itself is; the carrier splits it
}

SmsStep ApplySmsReply(const SurveyDefinition& definition, const SmsDialogState& state, std::string_view text,
                      std::string_view language) {
    SmsStep step;
    step.state = state;
    if (state.finished || state.next_question >= definition.questions.size()) {
        // A message after the end (a late "thanks"): nothing to record, nothing to send.
        step.state.finished = true;
        step.finished = true;
        return step;
    }
    const Question& question = definition.questions[state.next_question];
    const auto record = [&](AnswerValue value) {
        step.state.answers.emplace_back(question.id, value);
        step.recorded = std::pair(question.id, std::move(value));
    };
    if (!question.required && IsSkip(text)) {
        record(AnswerValue{.type = question.type});
        Advance(definition, language, step);
        return step;
    }
    ParsedAnswer parsed = ParseAnswer(question, text, language);
    if (parsed.usable) {
        if (auto flag = RedFlagOf(question, parsed.value)) {
            step.red_flags.push_back(std::move(*flag));
        }
        record(std::move(parsed.value));
        Advance(definition, language, step);
        return step;
    }
    if (state.reasks_of_current < 1) {
        step.state.reasks_of_current = state.reasks_of_current + 1;
        const auto& s = HintStrings(question, language);
        step.reply = std::string(s.sorry) + " " + Prefix(definition, state.next_question) +
                     Wording(question, language) + " " + Hint(question, language, true);
        return step;
    }
    // A second unusable answer: better an unanswered question than a patient stuck in a loop.
    record(AnswerValue{.type = question.type});
    step.gave_up_on_question = true;
    Advance(definition, language, step);
    return step;
}

std::string AnswerToJson(const AnswerValue& value) {
    rapidjson::StringBuffer buffer;
    detail::JsonWriter writer(buffer);
    writer.StartObject();
    writer.Key("type");
    detail::WriteString(writer, ToString(value.type));
    if (value.number) {
        writer.Key("number");
        writer.Int(*value.number);
    }
    if (value.yes) {
        writer.Key("yes");
        writer.Bool(*value.yes);
    }
    if (!value.choice_key.empty()) {
        writer.Key("choice_key");
        detail::WriteString(writer, value.choice_key);
    }
    if (!value.text.empty()) {
        writer.Key("text");
        detail::WriteString(writer, value.text);
    }
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

namespace {

std::optional<AnswerValue> AnswerFromValue(const rapidjson::Value& object) {
    const auto type_text = detail::StringMember(object, "type");
    if (!type_text) {
        return std::nullopt;
    }
    const auto type = ParseQuestionType(*type_text);
    if (!type) {
        return std::nullopt;
    }
    AnswerValue value{.type = *type};
    if (const auto* number = detail::Member(object, "number")) {
        if (!number->IsInt() || number->GetInt() < 0 || number->GetInt() > 10 || *type != QuestionType::kScale0To10) {
            return std::nullopt;
        }
        value.number = number->GetInt();
    }
    if (const auto* yes = detail::Member(object, "yes")) {
        if (!yes->IsBool() || *type != QuestionType::kYesNo) {
            return std::nullopt;
        }
        value.yes = yes->GetBool();
    }
    if (detail::Member(object, "choice_key") != nullptr) {
        const auto key = detail::StringMember(object, "choice_key");
        if (!key || *type != QuestionType::kSingleChoice) {
            return std::nullopt;
        }
        value.choice_key = *key;
    }
    if (detail::Member(object, "text") != nullptr) {
        const auto text = detail::StringMember(object, "text");
        if (!text || *type != QuestionType::kFreeText) {
            return std::nullopt;
        }
        value.text = *text;
    }
    return value;
}

void WriteAnswer(detail::JsonWriter& writer, const AnswerValue& value) {
    const std::string json = AnswerToJson(value);
    writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

}  // namespace

std::optional<AnswerValue> AnswerFromJson(std::string_view json) {
    rapidjson::Document document;
    if (!detail::ParseJson(json, document)) {
        return std::nullopt;
    }
    return AnswerFromValue(document);
}

std::string ToJson(const SmsDialogState& state) {
    rapidjson::StringBuffer buffer;
    detail::JsonWriter writer(buffer);
    writer.StartObject();
    writer.Key("next_question");
    writer.Uint64(state.next_question);
    writer.Key("reasks_of_current");
    writer.Int(state.reasks_of_current);
    writer.Key("answers");
    writer.StartArray();
    for (const auto& [id, value] : state.answers) {
        writer.StartObject();
        writer.Key("question");
        detail::WriteString(writer, id);
        writer.Key("value");
        WriteAnswer(writer, value);
        writer.EndObject();
    }
    writer.EndArray();
    writer.Key("finished");
    writer.Bool(state.finished);
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<SmsDialogState> DialogFromJson(std::string_view json) {
    rapidjson::Document document;
    if (!detail::ParseJson(json, document) || !document.IsObject()) {
        return std::nullopt;
    }
    const auto* next = detail::Member(document, "next_question");
    const auto reasks = detail::IntMember(document, "reasks_of_current");
    const auto finished = detail::BoolMember(document, "finished");
    const auto* answers = detail::Member(document, "answers");
    if (next == nullptr || !next->IsUint64() || next->GetUint64() > kMaxQuestions || !reasks || *reasks < 0 ||
        *reasks > 1 || !finished || answers == nullptr || !answers->IsArray() || answers->Size() > kMaxQuestions) {
        return std::nullopt;
    }
    SmsDialogState state;
    state.next_question = static_cast<std::size_t>(next->GetUint64());
    state.reasks_of_current = *reasks;
    state.finished = *finished;
    for (const auto& item : answers->GetArray()) {
        const auto id = detail::StringMember(item, "question");
        const auto* value_json = detail::Member(item, "value");
        if (!id || value_json == nullptr) {
            return std::nullopt;
        }
        auto value = AnswerFromValue(*value_json);
        if (!value) {
            return std::nullopt;
        }
        state.answers.emplace_back(*id, std::move(*value));
    }
    return state;
}

}  // namespace carelisten::surveys
