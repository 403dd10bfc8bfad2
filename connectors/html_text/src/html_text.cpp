#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <connectors/html_text/html_text.hpp>
#include <connectors/raw_item.hpp>
#include <cstdint>
#include <utility>

namespace carelisten::connectors::html_text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct NamedEntity {
    std::string_view name;
    std::string_view text;
};

// The entities sanitized forum and fediverse HTML actually uses; anything else is kept as written.
constexpr std::array kNamedEntities = {
    NamedEntity{"amp", "&"},         NamedEntity{"lt", "<"},         NamedEntity{"gt", ">"},
    NamedEntity{"quot", "\""},       NamedEntity{"apos", "'"},       NamedEntity{"nbsp", " "},
    NamedEntity{"hellip", "\u2026"}, NamedEntity{"mdash", "\u2014"}, NamedEntity{"ndash", "\u2013"},
    NamedEntity{"lsquo", "\u2018"},  NamedEntity{"rsquo", "\u2019"}, NamedEntity{"ldquo", "\u201C"},
    NamedEntity{"rdquo", "\u201D"},  NamedEntity{"copy", "\u00A9"},  NamedEntity{"reg", "\u00AE"},
    NamedEntity{"trade", "\u2122"},  NamedEntity{"euro", "\u20AC"},  NamedEntity{"pound", "\u00A3"},
    NamedEntity{"middot", "\u00B7"}, NamedEntity{"bull", "\u2022"},  NamedEntity{"deg", "\u00B0"},
    NamedEntity{"times", "\u00D7"},  NamedEntity{"laquo", "\u00AB"}, NamedEntity{"raquo", "\u00BB"},
    NamedEntity{"shy", ""},          NamedEntity{"zwj", "\u200D"},   NamedEntity{"zwnj", "\u200C"},
};

void AppendCodePoint(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        out += kReplacement;
    } else if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes the entity starting at html[pos] == '&'. Returns the bytes consumed (0: not an entity).
std::size_t DecodeEntity(std::string_view html, std::size_t pos, std::string& decoded) {
    const std::size_t semicolon = html.find(';', pos + 1);
    if (semicolon == std::string_view::npos || semicolon - pos > 12 || semicolon == pos + 1) {
        return 0;
    }
    const std::string_view body = html.substr(pos + 1, semicolon - pos - 1);
    if (body[0] == '#') {
        const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
        const std::string_view digits = body.substr(hex ? 2 : 1);
        if (digits.empty() || digits.size() > 8) {
            return 0;
        }
        std::uint32_t cp = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (ec != std::errc{} || end != digits.data() + digits.size()) {
            return 0;
        }
        decoded.clear();
        AppendCodePoint(decoded, cp);
        return semicolon - pos + 1;
    }
    for (const auto& entity : kNamedEntities) {
        if (entity.name == body) {
            decoded.assign(entity.text);
            return semicolon - pos + 1;
        }
    }
    return 0;
}

std::string LowerAscii(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return lower;
}

bool IsHtmlSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Newlines a tag asks for around it: 2 for paragraph-like blocks, 1 for line-like ones, 0 for inline.
int BreakFor(std::string_view tag) {
    static constexpr std::array<std::string_view, 15> kParagraphs = {
        "p", "div", "blockquote", "pre", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "aside", "hr"};
    static constexpr std::array<std::string_view, 6> kLines = {"br", "li", "tr", "dt", "dd", "figcaption"};
    if (std::find(kParagraphs.begin(), kParagraphs.end(), tag) != kParagraphs.end()) {
        return 2;
    }
    if (std::find(kLines.begin(), kLines.end(), tag) != kLines.end()) {
        return 1;
    }
    return 0;
}

// The value of attribute `name` inside a start tag's text (after the tag name), decoded; empty if absent.
std::string AttributeValue(std::string_view tag_text, std::string_view name) {
    const std::string lower = LowerAscii(tag_text);
    std::size_t pos = 0;
    while ((pos = lower.find(name, pos)) != std::string::npos) {
        const bool boundary = pos == 0 || IsHtmlSpace(lower[pos - 1]);
        std::size_t after = pos + name.size();
        while (after < lower.size() && IsHtmlSpace(lower[after])) {
            ++after;
        }
        if (!boundary || after >= lower.size() || lower[after] != '=') {
            pos += name.size();
            continue;
        }
        ++after;
        while (after < lower.size() && IsHtmlSpace(lower[after])) {
            ++after;
        }
        if (after >= tag_text.size()) {
            return {};
        }
        std::string_view value;
        if (tag_text[after] == '"' || tag_text[after] == '\'') {
            const std::size_t close = tag_text.find(tag_text[after], after + 1);
            value = tag_text.substr(after + 1, (close == std::string_view::npos ? tag_text.size() : close) - after - 1);
        } else {
            std::size_t end = after;
            while (end < tag_text.size() && !IsHtmlSpace(tag_text[end]) && tag_text[end] != '/') {
                ++end;
            }
            value = tag_text.substr(after, end - after);
        }
        std::string decoded;
        std::string entity;
        for (std::size_t i = 0; i < value.size();) {
            if (value[i] == '&') {
                if (const std::size_t used = DecodeEntity(value, i, entity); used > 0) {
                    decoded += entity;
                    i += used;
                    continue;
                }
            }
            decoded += value[i++];
        }
        return decoded;
    }
    return {};
}

// Accumulates text with HTML whitespace rules and pending block breaks.
class TextBuilder {
public:
    void Text(std::string_view text, bool preformatted) {
        for (const char c : text) {
            if (!preformatted && IsHtmlSpace(c)) {
                pending_space_ = true;
                continue;
            }
            if (preformatted && c == '\n') {
                RequestBreak(1);
                FlushBreak();
                continue;
            }
            if (preformatted && c == '\r') {
                continue;
            }
            FlushBreak();
            if (pending_space_ && !out_.empty() && out_.back() != '\n') {
                out_ += ' ';
            }
            pending_space_ = false;
            out_ += c;
        }
    }

    void RequestBreak(int newlines) {
        pending_newlines_ = std::max(pending_newlines_, newlines);
        pending_space_ = false;
    }

    std::string Finish() {
        // Trim trailing spaces on every line (leading ones only come from <pre>) and the text as a whole.
        std::string result;
        result.reserve(out_.size());
        std::size_t line_start = 0;
        while (line_start <= out_.size()) {
            std::size_t line_end = out_.find('\n', line_start);
            if (line_end == std::string::npos) {
                line_end = out_.size();
            }
            std::string_view line(out_.data() + line_start, line_end - line_start);
            while (!line.empty() && line.back() == ' ') {
                line.remove_suffix(1);
            }
            result += line;
            if (line_end < out_.size()) {
                result += '\n';
            }
            line_start = line_end + 1;
        }
        while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) {
            result.pop_back();
        }
        std::size_t first = 0;
        while (first < result.size() && (result[first] == '\n' || result[first] == ' ')) {
            ++first;
        }
        return result.substr(first);
    }

private:
    void FlushBreak() {
        if (pending_newlines_ > 0 && !out_.empty()) {
            // Count the newlines already at the end so blocks never stack more than one blank line.
            int existing = 0;
            for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n'; ++it) {
                ++existing;
            }
            for (int i = existing; i < pending_newlines_; ++i) {
                out_ += '\n';
            }
            pending_space_ = false;
        }
        pending_newlines_ = 0;
    }

    std::string out_;
    int pending_newlines_ = 0;
    bool pending_space_ = false;
};

}  // namespace

std::string MakeValidUtf8(std::string_view text) {
    if (IsValidUtf8(text)) {
        return std::string(text);
    }
    std::string out;
    out.reserve(text.size() + 8);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 1;
        if (lead >= 0xC0 && lead < 0xE0) {
            length = 2;
        } else if (lead >= 0xE0 && lead < 0xF0) {
            length = 3;
        } else if (lead >= 0xF0 && lead < 0xF8) {
            length = 4;
        }
        if (lead < 0x80) {
            out += text[i++];
        } else if (i + length <= text.size() && length > 1 && IsValidUtf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += kReplacement;
            ++i;
        }
    }
    return out;
}

std::string HtmlToText(std::string_view html) {
    TextBuilder builder;
    int pre_depth = 0;
    std::string entity;
    std::size_t i = 0;
    std::size_t text_start = 0;
    auto flush_text = [&](std::size_t end) {
        std::string_view run = html.substr(text_start, end - text_start);
        std::size_t pos = 0;
        while (pos < run.size()) {
            const std::size_t amp = run.find('&', pos);
            builder.Text(run.substr(pos, (amp == std::string_view::npos ? run.size() : amp) - pos), pre_depth > 0);
            if (amp == std::string_view::npos) {
                break;
            }
            if (const std::size_t used = DecodeEntity(run, amp, entity); used > 0) {
                builder.Text(entity, pre_depth > 0);
                pos = amp + used;
            } else {
                builder.Text("&", pre_depth > 0);
                pos = amp + 1;
            }
        }
    };

    while (i < html.size()) {
        if (html[i] != '<') {
            ++i;
            continue;
        }
        // A '<' not followed by a tag name, '/' or '!' is text.
        const bool tag_like = i + 1 < html.size() && (std::isalpha(static_cast<unsigned char>(html[i + 1])) ||
                                                      html[i + 1] == '/' || html[i + 1] == '!');
        if (!tag_like) {
            ++i;
            continue;
        }
        flush_text(i);
        if (html.compare(i, 4, "<!--") == 0) {
            const std::size_t end = html.find("-->", i + 4);
            i = end == std::string_view::npos ? html.size() : end + 3;
            text_start = i;
            continue;
        }
        const std::size_t close = html.find('>', i);
        if (close == std::string_view::npos) {
            i = html.size();  // an unterminated tag at the end is dropped
            text_start = i;
            break;
        }
        std::string_view tag_text = html.substr(i + 1, close - i - 1);
        const bool closing = !tag_text.empty() && tag_text.front() == '/';
        if (closing) {
            tag_text.remove_prefix(1);
        }
        std::size_t name_end = 0;
        while (name_end < tag_text.size() && !IsHtmlSpace(tag_text[name_end]) && tag_text[name_end] != '/') {
            ++name_end;
        }
        const std::string name = LowerAscii(tag_text.substr(0, name_end));
        i = close + 1;
        text_start = i;

        if (!closing && (name == "script" || name == "style" || name == "template")) {
            // Raw text elements: skip to the matching end tag (case-insensitive).
            const std::string lower_rest = LowerAscii(html.substr(i));
            const std::size_t end = lower_rest.find("</" + name);
            if (end == std::string::npos) {
                i = html.size();
            } else {
                const std::size_t end_close = html.find('>', i + end);
                i = end_close == std::string_view::npos ? html.size() : end_close + 1;
            }
            text_start = i;
            continue;
        }
        if (name == "pre") {
            pre_depth = closing ? std::max(0, pre_depth - 1) : pre_depth + 1;
        }
        if (name == "img" && !closing) {
            const std::string alt = AttributeValue(tag_text.substr(name_end), "alt");
            builder.Text(alt, false);
        }
        if (const int newlines = BreakFor(name); newlines > 0) {
            builder.RequestBreak(name == "br" && !closing ? 1 : newlines);
        }
    }
    flush_text(html.size());
    return MakeValidUtf8(builder.Finish());
}

}  // namespace carelisten::connectors::html_text
