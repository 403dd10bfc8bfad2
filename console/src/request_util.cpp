#include "request_util.hpp"

#include <common/web_text.hpp>

namespace carelisten::console::detail {
bool IsValidUtf8(std::string_view text) {
    return web::IsValidUtf8(text);
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseUrlEncoded(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> fields;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto equals = pair.find('=');
        auto key = web::DecodeFormComponent(pair.substr(0, equals));
        auto value =
            web::DecodeFormComponent(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
        if (!key || !value) {
            return std::nullopt;
        }
        fields.emplace_back(std::move(*key), std::move(*value));
    }
    return fields;
}

std::string Fields::Get(std::string_view name) const {
    for (const auto& [key, value] : pairs_) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::optional<std::string> Fields::Optional(std::string_view name) const {
    std::string value = Get(name);
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

std::vector<std::string> Fields::All(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [key, value] : pairs_) {
        if (key == name && !value.empty()) {
            values.push_back(value);
        }
    }
    return values;
}

bool Fields::Has(std::string_view name) const {
    for (const auto& pair : pairs_) {
        if (pair.first == name) {
            return true;
        }
    }
    return false;
}

std::string Header(const ConsoleRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::string Cookie(const ConsoleRequest& request, std::string_view name) {
    const std::string header = Header(request, "cookie");
    std::string_view rest = header;
    while (!rest.empty()) {
        const auto semicolon = rest.find(';');
        std::string_view part = rest.substr(0, semicolon);
        rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
        while (!part.empty() && part.front() == ' ') {
            part.remove_prefix(1);
        }
        const auto equals = part.find('=');
        if (equals != std::string_view::npos && part.substr(0, equals) == name) {
            return std::string(part.substr(equals + 1));
        }
    }
    return {};
}

}  // namespace carelisten::console::detail
