#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <connectors/wire_util.hpp>
#include <utility>

namespace carelisten::connectors {
namespace {

// Decodes one entity starting at text[0] == '&'; returns the bytes consumed (0: not an entity we decode).
std::size_t DecodeOne(std::string_view text, std::string& out) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kNamed = {
        {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", "\xC2\xA0"}}};
    for (const auto& [name, replacement] : kNamed) {
        if (text.starts_with(name)) {
            out.append(replacement);
            return name.size();
        }
    }
    if (text.size() < 4 || text[1] != '#') {
        return 0;
    }
    const bool hex = text[2] == 'x' || text[2] == 'X';
    std::size_t i = hex ? 3 : 2;
    std::uint32_t code_point = 0;
    const std::size_t digits_start = i;
    for (; i < text.size() && i < digits_start + 8; ++i) {
        const char c = text[i];
        std::uint32_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
            digit = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
            digit = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            break;
        }
        code_point = code_point * (hex ? 16U : 10U) + digit;
    }
    if (i == digits_start || i >= text.size() || text[i] != ';') {
        return 0;
    }
    // Only scalar values: no NUL, no surrogates, nothing above U+10FFFF (the text must stay valid UTF-8).
    if (code_point == 0 || (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
        return 0;
    }
    AppendUtf8(out, code_point);
    return i + 1;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        // Explicit ASCII ranges, not std::isalnum: the result must not depend on the process locale.
        if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
            byte == '-' || byte == '.' || byte == '_' || byte == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0x0F]);
        }
    }
    return out;
}

BadRecord MakeBadRecord(std::string locator, std::string reason, std::string raw, std::size_t max_raw_bytes) {
    BadRecord bad{std::move(locator), std::move(reason), std::move(raw), false};
    if (bad.raw.size() > max_raw_bytes) {
        bad.raw.resize(max_raw_bytes);
        bad.raw_truncated = true;
    }
    return bad;
}

std::string JsonToString(const rapidjson::Value& value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

std::optional<std::string> JsonStringMember(const rapidjson::Value& object, const char* key, std::string& out) {
    const auto it = object.FindMember(key);
    if (it == object.MemberEnd() || it->value.IsNull()) {
        return std::nullopt;
    }
    if (!it->value.IsString()) {
        return std::string(key) + " is not a string";
    }
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return std::nullopt;
}

const rapidjson::Value* JsonMember(const rapidjson::Value& object, const char* key) {
    if (!object.IsObject()) {
        return nullptr;
    }
    const auto it = object.FindMember(key);
    return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string_view JsonStringView(const rapidjson::Value& value) {
    return {value.GetString(), value.GetStringLength()};
}

void AppendUtf8(std::string& out, std::uint32_t code_point) {
    if (code_point < 0x80) {
        out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
}

std::string DecodeBasicEntities(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '&') {
            if (const std::size_t used = DecodeOne(text.substr(i), out); used > 0) {
                i += used;
                continue;
            }
        }
        out.push_back(text[i]);
        ++i;
    }
    return out;
}

std::string HostPortOf(std::string_view url) {
    const auto scheme = url.find("://");
    std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    return std::string(rest.substr(0, rest.find('/')));
}

std::string CappedText(std::string text, std::size_t limit) {
    if (text.size() > limit) {
        text.resize(limit);
        text += "...";
    }
    return text;
}

int HexDigitValue(char c) {
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

std::uint64_t Fingerprint64(std::string_view bytes) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::string Fingerprint64Hex(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uint64_t hash = Fingerprint64(bytes);
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = kHex[hash & 0xF];
        hash >>= 4;
    }
    return out;
}

}  // namespace carelisten::connectors
