/// @file
/// @brief RapidJSON helpers shared by the definition and dialog-state serializations.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace carelisten::surveys::detail {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void WriteString(JsonWriter& writer, std::string_view text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

inline void WriteTexts(JsonWriter& writer, const std::map<std::string, std::string>& texts) {
    writer.StartObject();
    for (const auto& [key, value] : texts) {  // std::map: sorted, so canonical
        WriteString(writer, key);
        WriteString(writer, value);
    }
    writer.EndObject();
}

/// Iterative parsing: a deeply nested document cannot exhaust the stack.
inline bool ParseJson(std::string_view json, rapidjson::Document& document) {
    document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    return !document.HasParseError();
}

inline const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
    if (!object.IsObject()) {
        return nullptr;
    }
    const auto found = object.FindMember(name);
    return found == object.MemberEnd() ? nullptr : &found->value;
}

inline std::optional<std::string> StringMember(const rapidjson::Value& object, const char* name) {
    const auto* value = Member(object, name);
    if (value == nullptr || !value->IsString()) {
        return std::nullopt;
    }
    return std::string(value->GetString(), value->GetStringLength());
}

inline std::optional<int> IntMember(const rapidjson::Value& object, const char* name) {
    const auto* value = Member(object, name);
    if (value == nullptr || !value->IsInt()) {
        return std::nullopt;
    }
    return value->GetInt();
}

inline std::optional<bool> BoolMember(const rapidjson::Value& object, const char* name) {
    const auto* value = Member(object, name);
    if (value == nullptr || !value->IsBool()) {
        return std::nullopt;
    }
    return value->GetBool();
}

inline std::optional<std::map<std::string, std::string>> TextsMember(const rapidjson::Value& object, const char* name) {
    const auto* value = Member(object, name);
    if (value == nullptr || !value->IsObject()) {
        return std::nullopt;
    }
    std::map<std::string, std::string> out;
    for (const auto& member : value->GetObject()) {
        if (!member.value.IsString()) {
            return std::nullopt;
        }
        out[std::string(member.name.GetString(), member.name.GetStringLength())] =
            std::string(member.value.GetString(), member.value.GetStringLength());
    }
    return out;
}

}  // namespace carelisten::surveys::detail
