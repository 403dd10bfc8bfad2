/// @file
/// @brief Reading a console request: form and query fields (repeated keys kept: checkboxes), cookies, headers.
#pragma once

#include <console/console_app.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::console::detail {

/// application/x-www-form-urlencoded fields in order, repeated keys kept. nullopt when a field is not valid
/// percent-encoding, not UTF-8, or holds a NUL (refused whole: a form is never half-read).
std::optional<std::vector<std::pair<std::string, std::string>>> ParseUrlEncoded(std::string_view text);

class Fields {
public:
    Fields() = default;
    explicit Fields(std::vector<std::pair<std::string, std::string>> pairs) : pairs_(std::move(pairs)) {}
    /// The first value of `name`, or "" when absent.
    std::string Get(std::string_view name) const;
    std::optional<std::string> Optional(std::string_view name) const;  ///< nullopt when absent or empty
    std::vector<std::string> All(std::string_view name) const;
    bool Has(std::string_view name) const;

private:
    std::vector<std::pair<std::string, std::string>> pairs_;
};

std::string Header(const ConsoleRequest& request, std::string_view name);
/// The value of cookie `name` in the Cookie header, or "".
std::string Cookie(const ConsoleRequest& request, std::string_view name);
bool IsValidUtf8(std::string_view text);

}  // namespace carelisten::console::detail
