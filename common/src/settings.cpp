#include <common/settings.hpp>
#include <stdexcept>

namespace carelisten {

std::string_view ToString(SettingType type) {
    switch (type) {
        case SettingType::kBool:
            return "boolean";
        case SettingType::kInteger:
            return "integer";
        case SettingType::kDouble:
            return "number";
        case SettingType::kString:
            return "string";
        case SettingType::kStringList:
            return "array of strings";
    }
    return "unknown";
}

const SettingSpec* SettingsTable::Find(std::string_view key) const {
    for (const auto& spec : specs) {
        if (spec.key == key) {
            return &spec;
        }
    }
    return nullptr;
}

const SettingValue& Settings::At(std::string_view key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) {
        throw std::logic_error("setting not declared or not loaded: " + std::string(key));
    }
    return it->second;
}

bool Settings::Has(std::string_view key) const {
    const auto it = values_.find(key);
    return it != values_.end() && !std::holds_alternative<std::monostate>(it->second);
}

namespace {
template <typename T>
const T& Get(const SettingValue& value, std::string_view key) {
    if (const auto* typed = std::get_if<T>(&value)) {
        return *typed;
    }
    throw std::logic_error("setting read with the wrong type: " + std::string(key));
}
}  // namespace

bool Settings::GetBool(std::string_view key) const {
    return Get<bool>(At(key), key);
}
std::int64_t Settings::GetInt(std::string_view key) const {
    return Get<std::int64_t>(At(key), key);
}
double Settings::GetDouble(std::string_view key) const {
    return Get<double>(At(key), key);
}
const std::string& Settings::GetString(std::string_view key) const {
    return Get<std::string>(At(key), key);
}
const std::vector<std::string>& Settings::GetStringList(std::string_view key) const {
    return Get<std::vector<std::string>>(At(key), key);
}

Settings DefaultSettings(const SettingsTable& table) {
    Settings settings;
    for (const auto& spec : table.specs) {
        settings.Set(std::string(spec.key), spec.default_value);
    }
    return settings;
}

}  // namespace carelisten
