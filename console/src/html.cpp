#include <common/web_text.hpp>
#include <console/html.hpp>

namespace carelisten::console {

void AppendEscaped(std::string& out, std::string_view text) {
    web::AppendEscapedHtml(out, text);
}

std::string EscapeHtml(std::string_view text) {
    return web::EscapeHtml(text);
}

std::string EncodeUrlComponent(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                                (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' ||
                                byte == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0F];
        }
    }
    return out;
}

}  // namespace carelisten::console
