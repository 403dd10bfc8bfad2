/// @file
/// @brief Settings tables: each module declares the configuration keys it reads, as data, next to the
/// code that reads them. The daemon's loader validates a TOML file against these tables (unknown keys,
/// wrong types, out-of-range values), and a test checks that every key is in the example config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace carelisten {

enum class SettingType { kBool, kInteger, kDouble, kString, kStringList };

std::string_view ToString(SettingType type);

using SettingValue = std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<std::string>>;

/// One configuration key: what it is, its default, its bounds and whether SIGHUP may change it.
struct SettingSpec {
    std::string_view key;
    SettingType type;
    SettingValue default_value;  ///< std::monostate: the key is required
    std::string_view description;
    bool reloadable = false;
    std::optional<double> min = std::nullopt;  ///< for kInteger and kDouble
    std::optional<double> max = std::nullopt;
    std::string_view choices = {};  ///< for kString: allowed values separated by '|', empty = any
};

/// A named group of keys, e.g. the `[database]` table or one connector type's keys.
struct SettingsTable {
    std::string_view name;
    std::span<const SettingSpec> specs;

    const SettingSpec* Find(std::string_view key) const;
};

/// Validated values of one table, filled by the loader (defaults applied). Reading a key that the
/// table does not declare, or with the wrong type, is a programming error and throws std::logic_error.
class Settings {
public:
    Settings() = default;
    explicit Settings(std::map<std::string, SettingValue, std::less<>> values) : values_(std::move(values)) {}

    bool GetBool(std::string_view key) const;
    std::int64_t GetInt(std::string_view key) const;
    double GetDouble(std::string_view key) const;
    const std::string& GetString(std::string_view key) const;
    const std::vector<std::string>& GetStringList(std::string_view key) const;
    bool Has(std::string_view key) const;

    const std::map<std::string, SettingValue, std::less<>>& Values() const { return values_; }
    void Set(std::string key, SettingValue value) { values_[std::move(key)] = std::move(value); }

    friend bool operator==(const Settings&, const Settings&) = default;

private:
    const SettingValue& At(std::string_view key) const;

    std::map<std::string, SettingValue, std::less<>> values_;
};

/// Settings holding only each spec's default (for tests and for tools that need no file).
Settings DefaultSettings(const SettingsTable& table);

}  // namespace carelisten
