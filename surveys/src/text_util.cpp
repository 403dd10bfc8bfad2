#include "text_util.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <utility>

namespace carelisten::surveys::detail {
namespace {

icu::UnicodeString FromUtf8(std::string_view text) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
}

std::string ToUtf8(const icu::UnicodeString& text) {
    std::string out;
    text.toUTF8String(out);
    return out;
}

bool IsSpaceLike(UChar32 c) {
    return u_isUWhiteSpace(c) != 0 || u_charType(c) == U_CONTROL_CHAR;
}

// Punctuation, symbols (emoji included), format characters and U+FFFD: nothing a patient means as an answer.
bool IsNoise(UChar32 c) {
    if (IsSpaceLike(c) || u_ispunct(c) != 0 || c == 0xFFFD) {
        return true;
    }
    switch (u_charType(c)) {
        case U_MATH_SYMBOL:
        case U_CURRENCY_SYMBOL:
        case U_MODIFIER_SYMBOL:
        case U_OTHER_SYMBOL:
        case U_FORMAT_CHAR:
            return true;
        default:
            return false;
    }
}

bool IsSign(UChar32 c) {
    return c == '-' || c == '+' || c == 0x2212;
}

}  // namespace

std::string NormalizeForMatch(std::string_view text) {
    icu::UnicodeString folded = FromUtf8(text);
    folded.foldCase();
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
    if (U_SUCCESS(status)) {
        icu::UnicodeString normalized = nfc->normalize(folded, status);
        if (U_SUCCESS(status)) {
            folded = std::move(normalized);
        }
    }
    // Code points with digits mapped and space runs collapsed.
    std::vector<UChar32> points;
    bool pending_space = false;
    for (std::int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
        const UChar32 c = folded.char32At(i);
        if (IsSpaceLike(c)) {
            pending_space = !points.empty();
            continue;
        }
        if (pending_space) {
            points.push_back(' ');
            pending_space = false;
        }
        if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
            points.push_back('0' + u_charDigitValue(c));
        } else {
            points.push_back(c);
        }
    }
    std::size_t begin = 0;
    std::size_t end = points.size();
    while (begin < end && IsNoise(points[begin]) &&
           !(IsSign(points[begin]) && begin + 1 < end && points[begin + 1] >= '0' && points[begin + 1] <= '9')) {
        ++begin;
    }
    while (end > begin && IsNoise(points[end - 1])) {
        --end;
    }
    icu::UnicodeString out;
    for (std::size_t i = begin; i < end; ++i) {
        out.append(points[i] == 0x2212 ? UChar32{'-'} : points[i]);
    }
    return ToUtf8(out);
}

std::vector<std::string> Words(std::string_view normalized) {
    const icu::UnicodeString text = FromUtf8(normalized);
    std::vector<std::string> words;
    icu::UnicodeString current;
    for (std::int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
        const UChar32 c = text.char32At(i);
        if (IsNoise(c)) {
            if (!current.isEmpty()) {
                words.push_back(ToUtf8(current));
                current.remove();
            }
        } else {
            current.append(c);
        }
    }
    if (!current.isEmpty()) {
        words.push_back(ToUtf8(current));
    }
    return words;
}

std::string CleanFreeText(std::string_view text) {
    const icu::UnicodeString source = FromUtf8(text);
    icu::UnicodeString cleaned;
    for (std::int32_t i = 0; i < source.length(); i = source.moveIndex32(i, 1)) {
        const UChar32 c = source.char32At(i);
        const bool keep_control = c == '\n' || c == '\t';
        cleaned.append(!keep_control && u_charType(c) == U_CONTROL_CHAR ? UChar32{' '} : c);
    }
    std::int32_t begin = 0;
    std::int32_t end = cleaned.length();
    while (begin < end && u_isUWhiteSpace(cleaned.char32At(begin)) != 0) {
        begin = cleaned.moveIndex32(begin, 1);
    }
    while (end > begin && u_isUWhiteSpace(cleaned.char32At(cleaned.moveIndex32(end, -1))) != 0) {
        end = cleaned.moveIndex32(end, -1);
    }
    return ToUtf8(cleaned.tempSubStringBetween(begin, end));
}

bool IsValidUtf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto length = static_cast<std::int32_t>(text.size());
    std::int32_t i = 0;
    while (i < length) {
        UChar32 c = 0;
        U8_NEXT(bytes, i, length, c);
        if (c < 0) {
            return false;
        }
    }
    return true;
}

std::size_t CodePointCount(std::string_view text) {
    std::size_t count = 0;
    for (const char byte : text) {
        count += (static_cast<unsigned char>(byte) & 0xC0U) != 0x80U ? 1 : 0;
    }
    return count;
}

bool IsIdentifier(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

std::string Fill(std::string_view pattern,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == '{') {
            const auto close = pattern.find('}', i);
            if (close != std::string_view::npos) {
                const auto name = pattern.substr(i + 1, close - i - 1);
                bool replaced = false;
                for (const auto& [key, value] : values) {
                    if (key == name) {
                        out += value;
                        replaced = true;
                        break;
                    }
                }
                if (replaced) {
                    i = close + 1;
                    continue;
                }
            }
        }
        out += pattern[i];
        ++i;
    }
    return out;
}

}  // namespace carelisten::surveys::detail
