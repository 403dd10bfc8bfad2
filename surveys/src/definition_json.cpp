#include <rapidjson/stringbuffer.h>

#include <surveys/definition.hpp>

#include "json_util.hpp"

namespace carelisten::surveys {

std::string ToJson(const SurveyDefinition& definition) {
    rapidjson::StringBuffer buffer;
    detail::JsonWriter writer(buffer);
    using detail::WriteString;
    writer.StartObject();
    writer.Key("unit");
    WriteString(writer, definition.unit);
    writer.Key("version");
    writer.Int(definition.version);
    writer.Key("approved_by");
    WriteString(writer, definition.approved_by);
    writer.Key("approved_at");
    WriteString(writer, definition.approved_at);
    writer.Key("settings");
    writer.StartObject();
    writer.Key("days_after_discharge");
    writer.Int(definition.days_after_discharge);
    writer.Key("reminder_max");
    writer.Int(definition.reminder_max);
    writer.Key("reminder_min_gap_hours");
    writer.Int(definition.reminder_min_gap_hours);
    writer.Key("expire_after_days");
    writer.Int(definition.expire_after_days);
    writer.Key("quiet_start");
    WriteString(writer, definition.quiet_start);
    writer.Key("quiet_end");
    WriteString(writer, definition.quiet_end);
    writer.Key("time_zone");
    WriteString(writer, definition.time_zone);
    writer.EndObject();
    writer.Key("questions");
    writer.StartArray();
    for (const Question& question : definition.questions) {
        writer.StartObject();
        writer.Key("id");
        WriteString(writer, question.id);
        writer.Key("type");
        WriteString(writer, ToString(question.type));
        writer.Key("text");
        detail::WriteTexts(writer, question.text);
        writer.Key("required");
        writer.Bool(question.required);
        if (question.red_flag) {
            writer.Key("red_flag");
            WriteString(writer, question.red_flag->text);
        }
        if (!question.red_flag_label.empty()) {
            writer.Key("red_flag_label");
            WriteString(writer, question.red_flag_label);
        }
        writer.Key("choices");
        writer.StartArray();
        for (const Choice& choice : question.choices) {
            writer.StartObject();
            writer.Key("key");
            WriteString(writer, choice.key);
            writer.Key("label");
            detail::WriteTexts(writer, choice.labels);
            writer.EndObject();
        }
        writer.EndArray();
        writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<SurveyDefinition> FromJson(std::string_view json) {
    rapidjson::Document document;
    if (!detail::ParseJson(json, document) || !document.IsObject()) {
        return std::nullopt;
    }
    SurveyDefinition definition;
    const auto unit = detail::StringMember(document, "unit");
    const auto version = detail::IntMember(document, "version");
    const auto approved_by = detail::StringMember(document, "approved_by");
    const auto approved_at = detail::StringMember(document, "approved_at");
    const auto* settings = detail::Member(document, "settings");
    const auto* questions = detail::Member(document, "questions");
    if (!unit || !version || !approved_by || !approved_at || settings == nullptr || questions == nullptr ||
        !questions->IsArray()) {
        return std::nullopt;
    }
    definition.unit = *unit;
    definition.version = *version;
    definition.approved_by = *approved_by;
    definition.approved_at = *approved_at;
    const auto days = detail::IntMember(*settings, "days_after_discharge");
    const auto reminder_max = detail::IntMember(*settings, "reminder_max");
    const auto gap = detail::IntMember(*settings, "reminder_min_gap_hours");
    const auto expire = detail::IntMember(*settings, "expire_after_days");
    const auto quiet_start = detail::StringMember(*settings, "quiet_start");
    const auto quiet_end = detail::StringMember(*settings, "quiet_end");
    const auto time_zone = detail::StringMember(*settings, "time_zone");
    if (!days || !reminder_max || !gap || !expire || !quiet_start || !quiet_end || !time_zone) {
        return std::nullopt;
    }
    definition.days_after_discharge = *days;
    definition.reminder_max = *reminder_max;
    definition.reminder_min_gap_hours = *gap;
    definition.expire_after_days = *expire;
    definition.quiet_start = *quiet_start;
    definition.quiet_end = *quiet_end;
    definition.time_zone = *time_zone;
    if (questions->Size() > kMaxQuestions) {
        return std::nullopt;
    }
    for (const auto& item : questions->GetArray()) {
        Question question;
        const auto id = detail::StringMember(item, "id");
        const auto type = detail::StringMember(item, "type");
        const auto text = detail::TextsMember(item, "text");
        const auto required = detail::BoolMember(item, "required");
        const auto* choices = detail::Member(item, "choices");
        if (!id || !type || !text || !required || choices == nullptr || !choices->IsArray()) {
            return std::nullopt;
        }
        const auto parsed_type = ParseQuestionType(*type);
        if (!parsed_type) {
            return std::nullopt;
        }
        question.id = *id;
        question.type = *parsed_type;
        question.text = *text;
        question.required = *required;
        if (detail::Member(item, "red_flag") != nullptr) {
            const auto rule_text = detail::StringMember(item, "red_flag");
            if (!rule_text) {
                return std::nullopt;
            }
            question.red_flag = ParseRedFlagRule(*rule_text);
            if (!question.red_flag) {
                return std::nullopt;
            }
        }
        if (detail::Member(item, "red_flag_label") != nullptr) {
            const auto label = detail::StringMember(item, "red_flag_label");
            if (!label) {
                return std::nullopt;
            }
            question.red_flag_label = *label;
        }
        for (const auto& choice_item : choices->GetArray()) {
            const auto key = detail::StringMember(choice_item, "key");
            const auto labels = detail::TextsMember(choice_item, "label");
            if (!key || !labels) {
                return std::nullopt;
            }
            question.choices.push_back(Choice{.key = *key, .labels = *labels});
        }
        definition.questions.push_back(std::move(question));
    }
    if (!ValidateDefinition(definition).empty()) {
        return std::nullopt;
    }
    return definition;
}

}  // namespace carelisten::surveys
