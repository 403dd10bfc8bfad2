#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <nlp/normalize.hpp>
#include <string_view>
#include <vector>

namespace carelisten::nlp {
namespace {

constexpr UChar32 kReplacement = 0xFFFD;
constexpr std::int32_t kMaxSymbolLength = 12;  // UTF-16 units; longer punctuation runs are not emoticons
constexpr std::int32_t kMaxHandleLength = 30;

// --- UTF-8 ---------------------------------------------------------------------------------------------

/// Decodes one code point at bytes[*pos], advancing *pos. Returns -1 for an invalid sequence, having
/// consumed its maximal subpart (so each subpart becomes exactly one U+FFFD).
UChar32 DecodeUtf8(std::string_view bytes, std::size_t* pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    const unsigned char lead = byte(*pos);
    ++*pos;
    if (lead < 0x80) {
        return lead;
    }
    int length = 0;
    unsigned char lower = 0x80;
    unsigned char upper = 0xBF;
    UChar32 value = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        value = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        value = lead & 0x0F;
        if (lead == 0xE0) {
            lower = 0xA0;  // overlong
        } else if (lead == 0xED) {
            upper = 0x9F;  // surrogates
        }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        value = lead & 0x07;
        if (lead == 0xF0) {
            lower = 0x90;  // overlong
        } else if (lead == 0xF4) {
            upper = 0x8F;  // above U+10FFFF
        }
    } else {
        return -1;
    }
    for (int k = 1; k < length; ++k) {
        if (*pos >= bytes.size()) {
            return -1;
        }
        const unsigned char next = byte(*pos);
        if (next < lower || next > upper) {
            return -1;  // do not consume `next`: it may start the next character
        }
        lower = 0x80;
        upper = 0xBF;
        value = (value << 6) | (next & 0x3F);
        ++*pos;
    }
    return value;
}

/// C0/C1 controls other than line feed. (Not u_iscntrl: it also counts format characters such as ZWJ.)
bool IsControl(UChar32 c) {
    if (c < 0x80) {
        return (c < 0x20 || c == 0x7F) && c != '\n';  // the ASCII controls (Cc), without a property lookup
    }
    return u_charType(c) == U_CONTROL_CHAR && c != '\n';
}

bool IsSeparator(UChar32 c) {
    if (c < 0x80) {
        return c <= 0x20 || c == 0x7F;  // ASCII White_Space (9-13, 32) and controls
    }
    return u_isUWhiteSpace(c) || IsControl(c);
}

/// Text in UTF-16 with, for each code unit, the byte range of its source in the repaired input.
struct MappedText {
    icu::UnicodeString text;
    bool ascii = false;              ///< every unit is ASCII: NFKC and case folding are then trivial
    std::vector<std::size_t> begin;  ///< one per UTF-16 unit
    std::vector<std::size_t> end;    ///< one per UTF-16 unit
};

/// Raw bytes to UTF-16, replacing invalid UTF-8 with U+FFFD and control characters with spaces, keeping
/// each unit's byte range in the repaired input (where an invalid subpart is the 3 bytes of U+FFFD).
MappedText DecodeInput(std::string_view bytes, bool* repaired) {
    MappedText out;
    // UTF-8 never takes fewer bytes than UTF-16 units (an invalid subpart, at least one byte, becomes one unit),
    // so the buffers are sized once and written in place instead of appended unit by unit.
    const auto capacity = static_cast<std::int32_t>(bytes.size());
    out.begin.resize(bytes.size());
    out.end.resize(bytes.size());
    char16_t* units = out.text.getBuffer(capacity);
    std::size_t length16 = 0;
    bool ascii = true;
    if (units != nullptr) {
        std::size_t pos = 0;
        std::size_t repaired_pos = 0;
        while (pos < bytes.size()) {
            const auto byte = static_cast<unsigned char>(bytes[pos]);
            if (byte >= 0x20 && byte < 0x7F) {
                // Printable ASCII, most of any text: one unit, one byte, nothing to repair or replace.
                units[length16] = static_cast<char16_t>(byte);
                out.begin[length16] = repaired_pos;
                out.end[length16] = repaired_pos + 1;
                ++length16;
                ++pos;
                ++repaired_pos;
                continue;
            }
            const std::size_t start = pos;
            UChar32 c = DecodeUtf8(bytes, &pos);
            std::size_t length = pos - start;
            if (c < 0) {
                c = kReplacement;
                length = 3;
                *repaired = true;
            } else if (c == '\r') {
                c = '\n';
            } else if (IsControl(c) && !u_isUWhiteSpace(c)) {
                c = ' ';
            }
            ascii = ascii && c < 0x80;
            if (U_IS_BMP(c)) {
                units[length16] = static_cast<char16_t>(c);
                out.begin[length16] = repaired_pos;
                out.end[length16] = repaired_pos + length;
                ++length16;
            } else {
                for (const char16_t unit : {U16_LEAD(c), U16_TRAIL(c)}) {
                    units[length16] = unit;
                    out.begin[length16] = repaired_pos;
                    out.end[length16] = repaired_pos + length;
                    ++length16;
                }
            }
            repaired_pos += length;
        }
        out.text.releaseBuffer(static_cast<std::int32_t>(length16));
    }
    out.begin.resize(length16);
    out.end.resize(length16);
    out.ascii = ascii;
    return out;
}

/// UnicodeString::char32At without the out-of-line call (the scanning loops call it for every unit).
inline UChar32 At32(const icu::UnicodeString& s, std::int32_t i) {
    const char16_t* units = s.getBuffer();
    UChar32 c = 0;
    U16_GET(units, 0, i, s.length(), c);
    return c;
}

// --- ICU services ---------------------------------------------------------------------------------------

const icu::Normalizer2* Nfkc() {
    static const icu::Normalizer2* const instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
        return U_SUCCESS(status) ? nfkc : nullptr;
    }();
    return instance;
}

icu::UnicodeString ToNfkc(const icu::UnicodeString& text) {
    const icu::Normalizer2* nfkc = Nfkc();
    if (nfkc == nullptr) {
        return text;
    }
    UErrorCode status = U_ZERO_ERROR;
    if (nfkc->isNormalized(text, status) && U_SUCCESS(status)) {
        return text;
    }
    status = U_ZERO_ERROR;
    icu::UnicodeString normalized = nfkc->normalize(text, status);
    return U_SUCCESS(status) ? normalized : text;
}

/// NFKC that keeps the source byte ranges: the text is normalized segment by segment between
/// normalization boundaries (which gives the same result as normalizing it whole), and every unit of a
/// segment's output maps to the whole segment's source range.
MappedText ToNfkc(MappedText decoded) {
    const icu::Normalizer2* nfkc = Nfkc();
    UErrorCode status = U_ZERO_ERROR;
    if (decoded.ascii || nfkc == nullptr || (nfkc->isNormalized(decoded.text, status) && U_SUCCESS(status))) {
        return decoded;  // ASCII is NFKC already
    }
    MappedText out;
    const icu::UnicodeString& s = decoded.text;
    const auto flush = [&](std::int32_t from, std::int32_t to) {
        if (from >= to) {
            return;
        }
        UErrorCode segment_status = U_ZERO_ERROR;
        icu::UnicodeString segment = nfkc->normalize(s.tempSubStringBetween(from, to), segment_status);
        if (U_FAILURE(segment_status)) {
            segment = s.tempSubStringBetween(from, to);
        }
        out.text.append(segment);
        for (std::int32_t k = 0; k < segment.length(); ++k) {
            out.begin.push_back(decoded.begin[static_cast<std::size_t>(from)]);
            out.end.push_back(decoded.end[static_cast<std::size_t>(to - 1)]);
        }
    };
    std::int32_t segment_begin = 0;
    for (std::int32_t i = 0; i < s.length();) {
        const UChar32 c = At32(s, i);
        if (i > segment_begin && nfkc->hasBoundaryBefore(c)) {
            flush(segment_begin, i);
            segment_begin = i;
        }
        i += U16_LENGTH(c);
    }
    flush(segment_begin, s.length());
    return out;
}

/// One word break iterator per thread: creating one costs far more than analysing a short message, and
/// an iterator is not safe to share. The rules are ICU's root-locale word rules, the same on every thread.
icu::BreakIterator* WordBreaker() {
    thread_local const std::unique_ptr<icu::BreakIterator> breaker = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::BreakIterator> created(
            icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status)) {
            created.reset();
        }
        return created;
    }();
    return breaker.get();
}

// --- Character classes ---------------------------------------------------------------------------------

bool IsOneOf(UChar c, std::u16string_view set) {
    return set.find(c) != std::u16string_view::npos;
}

bool IsApostrophe(UChar32 c) {
    return c == 0x2019 || c == 0x2018 || c == 0x02BC;
}

/// u_isalpha and u_isdigit with ASCII answered inline (for ASCII they are exactly A-Za-z and 0-9).
inline bool IsLetter(UChar32 c) {
    return c < 0x80 ? ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') : u_isalpha(c) != 0;
}

inline bool IsDecimalDigit(UChar32 c) {
    return c < 0x80 ? (c >= '0' && c <= '9') : u_isdigit(c) != 0;
}

bool IsAsciiAlnum(UChar32 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsFaceChar(UChar32 c) {
    switch (c) {
        case ':':
        case ';':
        case '=':
        case '<':
        case '>':
        case '^':
        case '(':
        case ')':
        case '[':
        case ']':
        case '{':
        case '}':
        case '|':
        case '/':
        case '\\':
        case '*':
        case '_':
        case '\'':
            return true;
        default:
            return false;
    }
}

bool IsClausePunctuation(UChar32 c) {
    return c == '.' || c == '!' || c == '?' || c == ';' || c == ',' || c == ':' || c == '\n' || c == 0x2026;
}

bool IsEmojiCodePoint(UChar32 c) {
    return (c >= 0x2000 && u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) ||
           u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR);
}

/// Case folding for lookup: default folding, typographic apostrophes to ', default ignorables dropped.
icu::UnicodeString Fold(const icu::UnicodeString& text) {
    icu::UnicodeString folded(text);
    folded.foldCase(U_FOLD_CASE_DEFAULT);
    icu::UnicodeString out;
    for (std::int32_t i = 0; i < folded.length();) {
        const UChar32 c = folded.char32At(i);
        i += U16_LENGTH(c);
        if (IsApostrophe(c)) {
            out.append(static_cast<UChar32>('\''));
        } else if (!u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
            out.append(c);
        }
    }
    return out;
}

/// Collapses runs of 3+ identical letters to 2. Returns whether anything was collapsed.
bool CollapseElongation(icu::UnicodeString* text) {
    icu::UnicodeString out;
    UChar32 previous = -1;
    int run = 0;
    bool collapsed = false;
    for (std::int32_t i = 0; i < text->length();) {
        const UChar32 c = text->char32At(i);
        i += U16_LENGTH(c);
        run = (c == previous) ? run + 1 : 1;
        previous = c;
        if (run >= 3 && IsLetter(c)) {
            collapsed = true;
            continue;
        }
        out.append(c);
    }
    if (collapsed) {
        *text = out;
    }
    return collapsed;
}

std::string ToUtf8(const icu::UnicodeString& text) {
    std::string out;
    text.toUTF8String(out);
    return out;
}

// --- Typed chunks (URL, e-mail, handle, hashtag, emoticon) ----------------------------------------------

struct Span {
    std::int32_t begin = 0;
    std::int32_t end = 0;
    TokenKind kind = TokenKind::kWord;
};

bool StartsWithIgnoreCase(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end, const char* prefix) {
    std::int32_t i = begin;
    if (i < end && s.charAt(i) < 0x80 && (s.charAt(i) | 0x20) != *prefix) {
        return false;  // the usual answer, without the loop (a non-ASCII first unit may still lower to ASCII)
    }
    for (const char* p = prefix; *p != '\0'; ++p, ++i) {
        if (i >= end) {
            return false;
        }
        const UChar c = s.charAt(i);
        // ASCII lower-casing inline; u_tolower for the rest (U+212A KELVIN SIGN lowers to 'k').
        const UChar32 lower = c < 0x80 ? ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c) : u_tolower(c);
        if (lower != static_cast<UChar32>(*p)) {
            return false;
        }
    }
    return i < end;  // something must follow the prefix
}

bool IsEmail(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    std::int32_t at = -1;
    for (std::int32_t i = begin; i < end; ++i) {
        const UChar c = s.charAt(i);
        if (c == '@') {
            if (at >= 0) {
                return false;
            }
            at = i;
        } else if (!IsAsciiAlnum(c) && c != '.' && c != '-' && c != '_' && c != '+' && c != '%') {
            return false;
        }
    }
    if (at <= begin || at + 1 >= end) {
        return false;
    }
    const std::int32_t dot = s.lastIndexOf(static_cast<UChar>('.'), at + 1, end - (at + 1));
    return dot > at + 1 && dot + 1 < end;
}

bool IsHandle(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    if (s.charAt(begin) != '@' || end - begin < 2 || end - begin > kMaxHandleLength + 1) {
        return false;
    }
    for (std::int32_t i = begin + 1; i < end; ++i) {
        const UChar c = s.charAt(i);
        if (!IsAsciiAlnum(c) && c != '_') {
            return false;
        }
    }
    return true;
}

bool IsHashtag(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    if (s.charAt(begin) != '#' || end - begin < 2) {
        return false;
    }
    bool letter = false;
    for (std::int32_t i = begin + 1; i < end;) {
        const UChar32 c = At32(s, i);
        i += U16_LENGTH(c);
        if (IsLetter(c)) {
            letter = true;
        } else if (!IsDecimalDigit(c) && c != '_' && !u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) &&
                   u_charType(c) != U_NON_SPACING_MARK && u_charType(c) != U_COMBINING_SPACING_MARK) {
            return false;
        }
    }
    return letter;
}

/// "10:30", "01/02/2024", "0800-123-456": digits joined by separators that ICU word rules would split at.
bool IsNumberWithSeparators(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    if (end - begin < 3 || !IsDecimalDigit(s.charAt(begin)) || !IsDecimalDigit(s.charAt(end - 1))) {
        return false;
    }
    bool separator = false;
    for (std::int32_t i = begin; i < end; ++i) {
        const UChar c = s.charAt(i);
        if (c == ':' || c == '/' || c == '-') {
            separator = true;
        } else if (!IsDecimalDigit(c) && c != '.' && c != ',') {
            return false;
        }
    }
    return separator;
}

bool IsAsciiDigit(UChar c) {
    return c >= '0' && c <= '9';
}

/// "2026-11-02", "02/11/2026", "2.11.26": a date, not a phone number.
bool IsNumericDate(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    std::vector<std::int32_t> groups;
    UChar separator = 0;
    std::int32_t digits = 0;
    for (std::int32_t i = begin; i < end; ++i) {
        const UChar c = s.charAt(i);
        if (IsAsciiDigit(c)) {
            ++digits;
            continue;
        }
        if ((c != '-' && c != '/' && c != '.') || digits == 0 || (separator != 0 && c != separator)) {
            return false;
        }
        separator = c;
        groups.push_back(digits);
        digits = 0;
    }
    groups.push_back(digits);
    if (groups.size() != 3) {
        return false;
    }
    const bool year_first = groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2 && groups[2] > 0;
    const bool year_last = groups[0] <= 2 && groups[1] <= 2 && (groups[2] == 2 || groups[2] == 4);
    return year_first || year_last;
}

/// The end of a phone number starting at `begin` (a chunk start), or -1: 8 to 15 digits in groups joined
/// by single spaces, '-', '.' or parentheses, optionally after a '+'; it must end a chunk (perhaps before
/// sentence punctuation). Numeric dates and runs of years ("2019 2020") are not phone numbers.
std::int32_t PhoneEnd(const icu::UnicodeString& s, std::int32_t begin) {
    const std::int32_t n = s.length();
    std::int32_t i = begin;
    if (i < n && s.charAt(i) == '+') {
        ++i;
    }
    std::int32_t digits = 0;
    std::int32_t groups = 0;
    std::int32_t dots = 0;
    bool all_years = true;
    std::int32_t last_digit_end = -1;
    while (i < n) {
        const UChar c = s.charAt(i);
        if (IsAsciiDigit(c)) {
            const std::int32_t group_begin = i;
            while (i < n && IsAsciiDigit(s.charAt(i))) {
                ++i;
            }
            const std::int32_t length = i - group_begin;
            digits += length;
            ++groups;
            const UChar first = s.charAt(group_begin);
            all_years = all_years && length == 4 && (first == '1' || first == '2');
            last_digit_end = i;
            continue;
        }
        if (c == '.' && !(i + 1 < n && IsAsciiDigit(s.charAt(i + 1)))) {
            break;  // sentence punctuation, not a separator
        }
        if (c == '(' || c == ')' || c == '-' || c == '.' || c == ' ') {
            dots += (c == '.') ? 1 : 0;
            if (i + 1 < n && (s.charAt(i + 1) == ' ' || s.charAt(i + 1) == '-') && c != ')') {
                break;  // "1 - 2", double spaces: not one number
            }
            ++i;
            continue;
        }
        break;
    }
    if (last_digit_end < 0 || digits < 8 || digits > 15 || (groups > 1 && all_years) || (dots > 0 && groups < 3)) {
        return -1;
    }
    std::int32_t end = last_digit_end;
    if (end < n && s.charAt(end) == ')') {
        ++end;
    }
    std::int32_t after = end;
    while (after < n && IsOneOf(s.charAt(after), u".,!?;:)\"'")) {
        ++after;
    }
    if (after < n && !IsSeparator(At32(s, after))) {
        return -1;
    }
    if (IsNumericDate(s, begin, last_digit_end)) {
        return -1;
    }
    return last_digit_end;
}

/// A whitespace-delimited chunk of punctuation, perhaps with single letters or digits in it, that may be
/// an emoticon (":)", ":-D", "<3", ";p", "(:") or an abbreviation like "n/a". Not numbers like "10:30".
bool IsSymbolRun(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    const std::int32_t length = end - begin;
    if (length < 2 || length > kMaxSymbolLength) {
        return false;
    }
    bool face = false;
    bool digits_only = true;  // among the non-face, non-separator characters
    UChar32 previous = 0;
    for (std::int32_t i = begin; i < end;) {
        const UChar32 c = At32(s, i);
        i += U16_LENGTH(c);
        if (IsLetter(c) && IsLetter(previous)) {
            return false;  // two letters in a row: a word with punctuation, e.g. "good:)" or "(sic)"
        }
        if (c >= 0x80 && !IsLetter(c)) {
            return false;  // emoji and other symbols go through word segmentation
        }
        if (IsFaceChar(c)) {
            face = true;
        } else if (IsLetter(c)) {
            digits_only = false;
        } else if (!IsDecimalDigit(c) && c != '.' && c != ',' && c != '-') {
            digits_only = false;
        }
        previous = c;
    }
    if (!face) {
        return false;
    }
    // "10:30", "1/2", "3)": numbers with separators, not faces, unless a real face character shows up.
    const UChar first = s.charAt(begin);
    const UChar last = s.charAt(end - 1);
    if (digits_only && IsDecimalDigit(first) && (IsDecimalDigit(last) || last == ')' || last == '.')) {
        return false;
    }
    return true;
}

/// The first index at or after `i` whose code point is (`separator`) or is not (`!separator`) a separator,
/// or `n`. ASCII is answered from the unit (IsSeparator's ASCII rule) without decoding.
std::int32_t SkipWhile(const char16_t* units, std::int32_t i, std::int32_t n, bool separator) {
    while (i < n) {
        const char16_t unit = units[i];
        if (unit < 0x80) {
            if ((unit <= 0x20 || unit == 0x7F) != separator) {
                break;
            }
            ++i;
            continue;
        }
        std::int32_t next = i;
        UChar32 c = 0;
        U16_NEXT(units, next, n, c);
        if (IsSeparator(c) != separator) {
            break;
        }
        i = next;
    }
    return i;
}

/// Finds the typed chunks of the (NFKC) text, in order.
std::vector<Span> FindTypedSpans(const icu::UnicodeString& s) {
    std::vector<Span> spans;
    const std::int32_t n = s.length();
    const char16_t* units = s.getBuffer();
    std::int32_t i = 0;
    while (i < n) {
        i = SkipWhile(units, i, n, true);
        const std::int32_t chunk_begin = i;
        if (chunk_begin < n) {
            const UChar first = s.charAt(chunk_begin);
            if (IsAsciiDigit(first) || first == '+' || first == '(') {
                const std::int32_t phone_end = PhoneEnd(s, chunk_begin);
                if (phone_end > 0) {
                    spans.push_back({chunk_begin, phone_end, TokenKind::kPhone});
                    i = phone_end;
                    i = SkipWhile(units, i, n, false);
                    continue;
                }
            }
        }
        i = SkipWhile(units, i, n, false);
        const std::int32_t chunk_end = i;
        if (chunk_begin == chunk_end) {
            continue;
        }
        // Trim wrapping punctuation for URLs, addresses and handles: "(see www.x.org)." → "www.x.org".
        std::int32_t begin = chunk_begin;
        std::int32_t end = chunk_end;
        while (begin < end && (s.charAt(begin) == '(' || s.charAt(begin) == '"' || s.charAt(begin) == '\'' ||
                               s.charAt(begin) == '<' || s.charAt(begin) == '[')) {
            ++begin;
        }
        while (end > begin && IsOneOf(s.charAt(end - 1), u".,!?;:)\"'>]")) {
            --end;
        }
        if (begin < end) {
            // Only a chunk starting with h, w (or a non-ASCII unit that may lower-case to one) can be a URL.
            const UChar first = s.charAt(begin);
            const bool may_be_url = first >= 0x80 || (first | 0x20) == 'h' || (first | 0x20) == 'w';
            if (may_be_url &&
                (StartsWithIgnoreCase(s, begin, end, "http://") || StartsWithIgnoreCase(s, begin, end, "https://") ||
                 StartsWithIgnoreCase(s, begin, end, "www."))) {
                spans.push_back({begin, end, TokenKind::kUrl});
                continue;
            }
            if (IsEmail(s, begin, end)) {
                spans.push_back({begin, end, TokenKind::kEmail});
                continue;
            }
            if (IsHandle(s, begin, end)) {
                spans.push_back({begin, end, TokenKind::kMention});
                continue;
            }
            if (IsNumberWithSeparators(s, begin, end)) {
                spans.push_back({begin, end, TokenKind::kNumber});
                continue;
            }
            if (IsHashtag(s, begin, end)) {
                spans.push_back({begin, end, TokenKind::kHashtag});
                continue;
            }
        }
        if (IsSymbolRun(s, chunk_begin, chunk_end)) {
            // Sentence punctuation after a face is not part of it: ":)." → ":)".
            std::int32_t symbol_end = chunk_end;
            while (symbol_end - chunk_begin > 2 && IsOneOf(s.charAt(symbol_end - 1), u".,!?")) {
                --symbol_end;
            }
            spans.push_back({chunk_begin, symbol_end, TokenKind::kSymbol});
        }
    }
    return spans;
}

// --- Tokens ---------------------------------------------------------------------------------------------

struct CaseInfo {
    bool upper = false;
    bool lower = false;
};

CaseInfo ScanCase(const icu::UnicodeString& text) {
    CaseInfo info;
    for (std::int32_t i = 0; i < text.length();) {
        const UChar32 c = text.char32At(i);
        i += U16_LENGTH(c);
        info.upper = info.upper || u_isUUppercase(c);
        info.lower = info.lower || u_isULowercase(c);
    }
    return info;
}

/// Counts the letters of units [begin, end) of `s` by script.
void CountScripts(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end, ScriptCounts* counts) {
    const char16_t* units = s.getBuffer();
    for (std::int32_t i = begin; i < end;) {
        if (units[i] < 0x80) {  // ASCII without decoding
            const char16_t unit = units[i++];
            if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
                ++counts->latin;
                ++counts->ascii;
            }
            continue;
        }
        const UChar32 c = At32(s, i);
        i += U16_LENGTH(c);
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                ++counts->latin;
                ++counts->ascii;
            }
            continue;
        }
        if (!u_isalpha(c)) {
            continue;
        }
        UErrorCode status = U_ZERO_ERROR;
        switch (uscript_getScript(c, &status)) {
            case USCRIPT_LATIN:
                ++counts->latin;
                if (c < 0x80) {
                    ++counts->ascii;
                }
                break;
            case USCRIPT_DEVANAGARI:
                ++counts->devanagari;
                break;
            case USCRIPT_HAN:
                ++counts->han;
                break;
            case USCRIPT_HIRAGANA:
            case USCRIPT_KATAKANA:
                ++counts->kana;
                break;
            default:
                ++counts->other;
                break;
        }
    }
}

bool IsAscii(const char16_t* units, std::int32_t length) {
    for (std::int32_t i = 0; i < length; ++i) {
        if (units[i] >= 0x80) {
            return false;
        }
    }
    return true;
}

/// Keeps only the digits (and a leading '+') of a phone number's text.
void KeepPhoneDigits(std::string* text) {
    std::string digits;
    for (const char c : *text) {
        if ((c >= '0' && c <= '9') || (c == '+' && digits.empty())) {
            digits.push_back(c);
        }
    }
    *text = std::move(digits);
}

/// MakeToken for ASCII text without ICU strings: for ASCII, ICU's upper/lower case properties are A-Z/a-z,
/// default case folding is A-Z → a-z, no character is an apostrophe variant or default-ignorable, and the
/// letters are A-Za-z. Gives exactly what the general path gives.
Token MakeAsciiToken(const char16_t* units, std::int32_t length, TokenKind kind, std::uint32_t clause) {
    Token token;
    token.kind = kind;
    token.clause = clause;
    std::string& text = token.text;
    text.resize(static_cast<std::size_t>(length));
    bool upper = false;
    bool lower = false;
    for (std::int32_t i = 0; i < length; ++i) {
        char c = static_cast<char>(units[i]);
        if (kind != TokenKind::kUrl) {
            if (c >= 'A' && c <= 'Z') {
                upper = true;
                c = static_cast<char>(c - 'A' + 'a');
            } else if (c >= 'a' && c <= 'z') {
                lower = true;
            }
        }
        text[static_cast<std::size_t>(i)] = c;
    }
    if (kind == TokenKind::kUrl) {
        return token;
    }
    token.all_caps = upper && !lower;
    if (kind == TokenKind::kWord || kind == TokenKind::kHashtag) {
        std::string collapsed;
        char previous = 0;
        int run = 0;
        bool elongated = false;
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            run = (i > 0 && c == previous) ? run + 1 : 1;
            previous = c;
            const bool letter = c >= 'a' && c <= 'z';  // folded: no upper case left
            if (run >= 3 && letter) {
                if (!elongated) {
                    collapsed.assign(text, 0, i);
                    elongated = true;
                }
                continue;
            }
            if (elongated) {
                collapsed.push_back(c);
            }
        }
        if (elongated) {
            token.elongated = true;
            token.uncollapsed = std::move(text);
            token.text = std::move(collapsed);
        }
    }
    if (kind == TokenKind::kPhone) {
        KeepPhoneDigits(&token.text);
    }
    return token;
}

Token MakeToken(const icu::UnicodeString& original, TokenKind kind, std::uint32_t clause) {
    Token token;
    token.kind = kind;
    token.clause = clause;
    if (kind == TokenKind::kUrl || kind == TokenKind::kEmoji) {
        token.text = ToUtf8(original);
        return token;
    }
    const CaseInfo info = ScanCase(original);
    token.all_caps = info.upper && !info.lower;
    icu::UnicodeString folded = Fold(original);
    if (kind == TokenKind::kWord || kind == TokenKind::kHashtag) {
        icu::UnicodeString collapsed = folded;
        if (CollapseElongation(&collapsed)) {
            token.elongated = true;
            token.uncollapsed = ToUtf8(folded);
            folded = collapsed;
        }
    }
    token.text = ToUtf8(folded);
    if (kind == TokenKind::kPhone) {
        KeepPhoneDigits(&token.text);
    }
    return token;
}

/// The token for units [begin, end) of the mapped text, with its source byte range.
Token MakeTokenAt(const MappedText& m, std::int32_t begin, std::int32_t end, TokenKind kind, std::uint32_t clause) {
    const char16_t* units = m.text.getBuffer() + begin;
    Token token = kind != TokenKind::kEmoji && IsAscii(units, end - begin)
                      ? MakeAsciiToken(units, end - begin, kind, clause)
                      : MakeToken(m.text.tempSubStringBetween(begin, end), kind, clause);
    token.begin = m.begin[static_cast<std::size_t>(begin)];
    token.end = m.end[static_cast<std::size_t>(end - 1)];
    return token;
}

bool ContainsEmoji(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    for (std::int32_t i = begin; i < end;) {
        const UChar32 c = At32(s, i);
        i += U16_LENGTH(c);
        if (c >= 0x80 && IsEmojiCodePoint(c)) {  // no ASCII character is an emoji code point here
            return true;
        }
    }
    return false;
}

bool ContainsClauseBreak(const icu::UnicodeString& s, std::int32_t begin, std::int32_t end) {
    for (std::int32_t i = begin; i < end; ++i) {
        if (IsClausePunctuation(s.charAt(i))) {
            return true;
        }
    }
    return false;
}

/// Fallback when ICU has no word rules (a broken ICU data install): letter/digit runs are words.
void SegmentWithoutIcu(const MappedText& m, std::int32_t begin, std::int32_t end, std::uint32_t* clause,
                       NormalizedText* out) {
    const icu::UnicodeString& s = m.text;
    std::int32_t i = begin;
    while (i < end) {
        const UChar32 c = At32(s, i);
        if (!u_isalnum(c)) {
            if (IsClausePunctuation(c)) {
                ++*clause;
            }
            i += U16_LENGTH(c);
            continue;
        }
        const std::int32_t word_begin = i;
        while (i < end && (u_isalnum(At32(s, i)) || s.charAt(i) == '\'')) {
            i += U16_LENGTH(At32(s, i));
        }
        CountScripts(s, word_begin, i, &out->letters);
        out->tokens.push_back(
            MakeTokenAt(m, word_begin, i, u_isdigit(c) ? TokenKind::kNumber : TokenKind::kWord, *clause));
    }
}

// --- Word segmentation ----------------------------------------------------------------------------------

/// ICU's rule status ranges (UBRK_WORD_NONE 0, UBRK_WORD_NUMBER 100, UBRK_WORD_LETTER 200).
constexpr std::int32_t kStatusNone = UBRK_WORD_NONE;
constexpr std::int32_t kStatusNumber = UBRK_WORD_NUMBER;
constexpr std::int32_t kStatusLetter = UBRK_WORD_LETTER;

/// The Word_Break classes that ASCII characters have in ICU's root word rules (UAX #29, except that ICU's root
/// rules take ':' out of MidLetter, so no ASCII character is MidLetter there, and count '@' as a letter).
enum class AsciiWordClass : std::uint8_t {
    kOther,
    kLetter,
    kNumeric,
    kExtendNumLet,
    kMidNumLet,
    kMidNum,
    kSpace,
    kNewline
};

constexpr std::array<AsciiWordClass, 128> kAsciiWordClasses = [] {
    std::array<AsciiWordClass, 128> classes{};
    for (char c = 'a'; c <= 'z'; ++c) {
        classes[static_cast<std::size_t>(c)] = AsciiWordClass::kLetter;
        classes[static_cast<std::size_t>(c - 'a' + 'A')] = AsciiWordClass::kLetter;
    }
    for (char c = '0'; c <= '9'; ++c) {
        classes[static_cast<std::size_t>(c)] = AsciiWordClass::kNumeric;
    }
    classes['@'] = AsciiWordClass::kLetter;  // ICU's root rules add '@' to ALetter (e-mail addresses stay whole)
    classes['_'] = AsciiWordClass::kExtendNumLet;
    classes['.'] = AsciiWordClass::kMidNumLet;
    classes['\''] = AsciiWordClass::kMidNumLet;  // Single_Quote: treated like MidNumLet by WB6/7, WB11/12
    classes[','] = AsciiWordClass::kMidNum;
    classes[';'] = AsciiWordClass::kMidNum;
    classes[' '] = AsciiWordClass::kSpace;
    classes['\n'] = AsciiWordClass::kNewline;
    classes['\r'] = AsciiWordClass::kNewline;  // CR LF is handled before the class is looked at
    classes['\v'] = AsciiWordClass::kNewline;
    classes['\f'] = AsciiWordClass::kNewline;
    return classes;
}();

inline AsciiWordClass ClassOf(char16_t unit) {
    return kAsciiWordClasses[unit];
}

inline bool IsAsciiWhitespace(char16_t unit) {
    return unit == ' ' || unit == '\n' || unit == '\t' || unit == '\v' || unit == '\f' || unit == '\r';
}

/// ICU's word segmentation of units [begin, end), all ASCII, where `begin` is a boundary; gives exactly the
/// boundaries and rule statuses of ICU's root word rules on ASCII (UAX #29 WB3, WB3a/b, WB3d, WB5-WB13b; the
/// status is that of the last rule applied: a letter ends a letter word, a digit a number, '_' keeps the
/// status of what it follows, and a lone '_' is none). Proven against ICU by `normalize_test`.
void SegmentAscii(const char16_t* units, std::int32_t begin, std::int32_t end, std::vector<WordSegment>* out) {
    std::int32_t i = begin;
    while (i < end) {
        const char16_t c = units[i];
        const AsciiWordClass cls = ClassOf(c);
        std::int32_t j = i + 1;
        std::int32_t status = kStatusNone;
        if (cls == AsciiWordClass::kSpace) {
            while (j < end && units[j] == ' ') {  // WB3d
                ++j;
            }
        } else if (c == '\r') {
            if (j < end && units[j] == '\n') {  // WB3
                ++j;
            }
        } else if (cls == AsciiWordClass::kLetter || cls == AsciiWordClass::kNumeric ||
                   cls == AsciiWordClass::kExtendNumLet) {
            status = cls == AsciiWordClass::kLetter    ? kStatusLetter
                     : cls == AsciiWordClass::kNumeric ? kStatusNumber
                                                       : kStatusNone;
            AsciiWordClass previous = cls;
            while (j < end) {
                const AsciiWordClass next = ClassOf(units[j]);
                if (next == AsciiWordClass::kLetter) {  // WB5, WB10, WB13b
                    status = kStatusLetter;
                } else if (next == AsciiWordClass::kNumeric) {  // WB8, WB9, WB13b
                    status = kStatusNumber;
                } else if (next == AsciiWordClass::kExtendNumLet) {  // WB13a
                    status = previous == AsciiWordClass::kNumeric ? kStatusNumber : kStatusLetter;
                } else if ((next == AsciiWordClass::kMidNumLet || next == AsciiWordClass::kMidNum) && j + 1 < end &&
                           ClassOf(units[j + 1]) == previous &&
                           ((previous == AsciiWordClass::kLetter && next == AsciiWordClass::kMidNumLet) ||
                            previous == AsciiWordClass::kNumeric)) {
                    ++j;  // WB6/WB7 (letter . letter), WB11/WB12 (digit . , ; ' digit)
                    continue;
                } else {
                    break;
                }
                previous = next;
                ++j;
            }
        }
        out->push_back({i, j, status});
        i = j;
    }
}

/// ICU's segmentation of units [begin, end) of the breaker's text. Returns the first boundary at or after
/// `end`, where it stopped, or -1 when `begin` is not a boundary.
std::int32_t SegmentWithIcu(icu::BreakIterator* breaker, std::int32_t begin, std::int32_t end,
                            std::vector<WordSegment>* out) {
    if (!breaker->isBoundary(begin)) {  // leaves the iterator at `begin` when it is one
        return -1;
    }
    std::int32_t from = begin;
    for (std::int32_t to = breaker->next(); to != icu::BreakIterator::DONE; from = to, to = breaker->next()) {
        out->push_back({from, to, breaker->getRuleStatus()});
        if (to >= end) {
            return to;
        }
    }
    return from;
}

/// The word segments of `s` with their ICU rule statuses. Runs of ASCII go through SegmentAscii; ICU's
/// iterator sees only the whitespace-delimited pieces that hold a non-ASCII unit (with the whitespace before
/// them, which a combining mark could attach to). A break is certain before an ASCII whitespace unit that
/// follows a non-whitespace one (WB3a/b, WB3d, WB999: nothing but WB3d and WB4 joins across one, and WB4 joins
/// only Extend, Format and ZWJ after it), so the two agree at the seams; where ICU's boundary lands after the
/// seam (U+3000 then a space, WB3d) the ASCII path resumes from ICU's boundary. With `icu_only`, ICU alone.
std::vector<WordSegment> WordSegmentsOf(const icu::UnicodeString& s, const bool icu_only) {
    std::vector<WordSegment> out;
    icu::BreakIterator* breaker = WordBreaker();
    if (breaker == nullptr) {
        return out;
    }
    const char16_t* units = s.getBuffer();
    const std::int32_t n = s.length();
    out.reserve(static_cast<std::size_t>(n) / 3 + 4);
    bool text_set = false;
    const auto segment_all_with_icu = [&] {
        out.clear();
        if (!text_set) {
            breaker->setText(s);
            text_set = true;
        }
        if (n > 0) {
            SegmentWithIcu(breaker, 0, n, &out);
        }
    };
    if (icu_only) {
        segment_all_with_icu();
    } else {
        std::int32_t i = 0;
        while (i < n) {
            std::int32_t j = i;
            while (j < n && units[j] < 0x80) {
                ++j;
            }
            if (j == n) {
                SegmentAscii(units, i, n, &out);
                break;
            }
            std::int32_t region_begin = j;
            while (region_begin > i && !IsAsciiWhitespace(units[region_begin - 1])) {
                --region_begin;
            }
            while (region_begin > i && IsAsciiWhitespace(units[region_begin - 1])) {
                --region_begin;
            }
            SegmentAscii(units, i, region_begin, &out);
            // The region ends with its piece, or with the next piece that is all ASCII (CJK and Devanagari text
            // stays one region instead of one ICU call per word).
            std::int32_t region_end = j;
            for (;;) {
                while (region_end < n && !IsAsciiWhitespace(units[region_end])) {
                    ++region_end;
                }
                std::int32_t piece_end = region_end;
                while (piece_end < n && IsAsciiWhitespace(units[piece_end])) {
                    ++piece_end;
                }
                bool non_ascii = false;
                while (piece_end < n && !IsAsciiWhitespace(units[piece_end])) {
                    non_ascii = non_ascii || units[piece_end] >= 0x80;
                    ++piece_end;
                }
                if (!non_ascii) {
                    break;
                }
                region_end = piece_end;
            }
            if (!text_set) {
                breaker->setText(s);
                text_set = true;
            }
            i = SegmentWithIcu(breaker, region_begin, region_end, &out);
            if (i < 0) {
                segment_all_with_icu();  // not expected (see above); ICU's answer is the reference
                break;
            }
        }
    }
    if (text_set) {
        // The iterator keeps a reference to its text; do not leave it pointing at `s`, which dies with the caller.
        static const icu::UnicodeString kNoText;
        breaker->setText(kNoText);
    }
    return out;
}

}  // namespace

namespace detail {

std::vector<WordSegment> WordSegments(const std::u16string_view text, const bool icu_only) {
    const icu::UnicodeString s(false, text.data(), static_cast<std::int32_t>(text.size()));
    return WordSegmentsOf(s, icu_only);
}

}  // namespace detail

namespace {

void Segment(const MappedText& m, NormalizedText* out) {
    const icu::UnicodeString& s = m.text;
    const std::vector<Span> spans = FindTypedSpans(s);
    // About one token per six units in running text: reserve once rather than regrow (and move every token).
    out->tokens.reserve(static_cast<std::size_t>(s.length()) / 6 + 4);
    std::size_t next_span = 0;
    std::size_t emitted_spans = 0;
    std::uint32_t clause = 0;
    if (WordBreaker() == nullptr) {
        std::int32_t position = 0;
        for (const Span& span : spans) {
            SegmentWithoutIcu(m, position, span.begin, &clause, out);
            out->tokens.push_back(MakeTokenAt(m, span.begin, span.end, span.kind, clause));
            position = span.end;
        }
        SegmentWithoutIcu(m, position, s.length(), &clause, out);
        return;
    }
    for (const WordSegment& segment : WordSegmentsOf(s, false)) {
        const std::int32_t begin = segment.begin;
        const std::int32_t end = segment.end;
        const std::int32_t status = segment.status;
        while (next_span < spans.size() && spans[next_span].end <= begin) {
            ++next_span;
        }
        if (next_span < spans.size() && begin >= spans[next_span].begin) {
            const Span& span = spans[next_span];
            if (emitted_spans <= next_span) {
                out->tokens.push_back(MakeTokenAt(m, span.begin, span.end, span.kind, clause));
                emitted_spans = next_span + 1;
            }
            continue;  // inside a typed chunk
        }
        if (status >= UBRK_WORD_NONE && status < UBRK_WORD_NONE_LIMIT) {
            if (ContainsEmoji(s, begin, end)) {
                out->tokens.push_back(MakeTokenAt(m, begin, end, TokenKind::kEmoji, clause));
            } else if (ContainsClauseBreak(s, begin, end)) {
                ++clause;
            }
            continue;
        }
        if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT) {
            out->tokens.push_back(MakeTokenAt(m, begin, end, TokenKind::kNumber, clause));
            continue;
        }
        CountScripts(s, begin, end, &out->letters);
        out->tokens.push_back(MakeTokenAt(m, begin, end, TokenKind::kWord, clause));
    }
}

/// Folded copy of the text with whitespace runs collapsed to one space and trimmed.
/// Appends the UTF-8 of Fold() applied to one code point. Default full case folding maps each code point on
/// its own (no context, unlike lower-casing), so folding a text character by character equals folding it whole.
void AppendFolded(UChar32 c, std::string* out) {
    if (c < 0x80) {
        out->push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        return;
    }
    UChar source[2];
    std::int32_t source_length = 0;
    U16_APPEND_UNSAFE(source, source_length, c);
    UChar folded[8];
    UErrorCode status = U_ZERO_ERROR;
    std::int32_t length = u_strFoldCase(folded, 8, source, source_length, U_FOLD_CASE_DEFAULT, &status);
    if (U_FAILURE(status)) {
        length = source_length;
        std::copy(source, source + source_length, folded);
    }
    for (std::int32_t i = 0; i < length;) {
        UChar32 f = 0;
        U16_NEXT(folded, i, length, f);
        if (IsApostrophe(f)) {
            out->push_back('\'');
        } else if (!u_hasBinaryProperty(f, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) {
            char bytes[U8_MAX_LENGTH];
            std::int32_t n = 0;
            U8_APPEND_UNSAFE(bytes, n, f);
            out->append(bytes, static_cast<std::size_t>(n));
        }
    }
}

/// Folded copy of the text with whitespace runs collapsed to one space and trimmed. (Separators fold to
/// themselves and are never default-ignorable, so they can be found before folding.)
std::string CollapsedFoldedText(const icu::UnicodeString& s) {
    const char16_t* units = s.getBuffer();
    const std::int32_t length = s.length();
    std::string out;
    out.reserve(static_cast<std::size_t>(length));
    std::string folded;
    bool pending_space = false;
    for (std::int32_t i = 0; i < length;) {
        UChar32 c = 0;
        U16_NEXT(units, i, length, c);
        if (IsSeparator(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (c < 0x80) {  // ASCII folds to one byte and is never default-ignorable: no temporary string
            if (pending_space) {
                out.push_back(' ');
                pending_space = false;
            }
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
            continue;
        }
        folded.clear();
        AppendFolded(c, &folded);
        if (folded.empty()) {
            continue;  // a default-ignorable character: gone, as if never there
        }
        if (pending_space) {
            out.push_back(' ');
            pending_space = false;
        }
        out += folded;
    }
    return out;
}

}  // namespace

std::string RepairUtf8(std::string_view bytes, bool* repaired) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::size_t start = pos;
        if (DecodeUtf8(bytes, &pos) < 0) {
            out += "\xEF\xBF\xBD";
            if (repaired != nullptr) {
                *repaired = true;
            }
        } else {
            out.append(bytes.substr(start, pos - start));
        }
    }
    return out;
}

NormalizedText Normalize(std::string_view utf8) {
    NormalizedText out;
    const MappedText mapped = ToNfkc(DecodeInput(utf8, &out.repaired));
    const icu::UnicodeString& nfkc = mapped.text;
    for (std::int32_t i = 0; i < nfkc.length(); ++i) {
        const UChar c = nfkc.charAt(i);
        out.exclamation_marks += (c == '!') ? 1U : 0U;
        out.question_marks += (c == '?') ? 1U : 0U;
    }
    Segment(mapped, &out);
    out.text = CollapsedFoldedText(nfkc);
    return out;
}

std::string FoldForLookup(std::string_view utf8) {
    bool repaired = false;
    return ToUtf8(Fold(ToNfkc(DecodeInput(utf8, &repaired).text)));
}

}  // namespace carelisten::nlp
