#include "request_util.hpp"

namespace carelisten::console::detail {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::string> Decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = HexValue(text[i + 1]);
            const int low = HexValue(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += text[i];
        }
    }
    if (!IsValidUtf8(out) || out.find('\0') != std::string::npos) {
        return std::nullopt;
    }
    return out;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            length = 2;
            code = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            code = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            code = c & 0x07;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((length == 2 && code < 0x80) || (length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
            code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
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
        auto key = Decode(pair.substr(0, equals));
        auto value = Decode(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1));
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
