#include <algorithm>
#include <iterator>
#include <nlp/personal_data.hpp>
#include <string>

namespace carelisten::nlp {
namespace {

// Words that make a following number a record number, sorted.
constexpr std::string_view kRecordKeywords[] = {"case", "chi",     "hospital", "id",        "medical", "mrn",
                                                "nhs",  "patient", "record",   "reference", "ref",     "uhid"};
// Month names and abbreviations, sorted.
constexpr std::string_view kMonths[] = {"apr",      "april",    "aug",     "august",  "dec",  "december",
                                        "feb",      "february", "jan",     "january", "jul",  "july",
                                        "jun",      "june",     "mar",     "march",   "may",  "nov",
                                        "november", "oct",      "october", "sep",     "sept", "september"};

static_assert(std::is_sorted(std::begin(kMonths), std::end(kMonths)));

bool IsRecordKeyword(std::string_view word) {
    return std::find(std::begin(kRecordKeywords), std::end(kRecordKeywords), word) != std::end(kRecordKeywords);
}

bool IsMonth(std::string_view word) {
    if (word.size() < 3 || word.size() > 9) {
        return false;  // most words, without the search
    }
    switch (word[0]) {  // the first letters of month names
        case 'a':
        case 'd':
        case 'f':
        case 'j':
        case 'm':
        case 'n':
        case 'o':
        case 's':
            break;
        default:
            return false;
    }
    // Every month name starts with one of the twelve abbreviations: almost every other word stops here.
    constexpr std::string_view kPrefixes[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                              "jul", "aug", "sep", "oct", "nov", "dec"};
    const std::string_view prefix = word.substr(0, 3);
    if (std::none_of(std::begin(kPrefixes), std::end(kPrefixes), [&](std::string_view p) { return p == prefix; })) {
        return false;
    }
    return std::binary_search(std::begin(kMonths), std::end(kMonths), word);
}

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

std::size_t CountDigits(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), IsDigit));
}

bool AllDigits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

/// "2", "02", "2nd", "21st", "3rd", "4th": a day of the month.
bool IsDay(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && IsDigit(text[digits])) {
        ++digits;
    }
    if (digits == 0 || digits > 2) {
        return false;
    }
    const std::string_view suffix = text.substr(digits);
    if (!suffix.empty() && suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th") {
        return false;
    }
    const int day = std::stoi(std::string(text.substr(0, digits)));
    return day >= 1 && day <= 31;
}

bool IsYear(std::string_view text) {
    return text.size() == 4 && AllDigits(text) && (text[0] == '1' || text[0] == '2');
}

/// "2026-11-02", "02/11/2026", "2.11.26".
bool IsNumericDate(std::string_view text) {
    std::size_t groups[3] = {0, 0, 0};
    std::size_t group = 0;
    char separator = 0;
    for (const char c : text) {
        if (IsDigit(c)) {
            ++groups[group];
            continue;
        }
        if ((c != '-' && c != '/' && c != '.') || group == 2 || groups[group] == 0 ||
            (separator != 0 && c != separator)) {
            return false;
        }
        separator = c;
        ++group;
    }
    if (group != 2 || groups[2] == 0) {
        return false;
    }
    return (groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2) ||
           (groups[0] <= 2 && groups[1] <= 2 && (groups[2] == 2 || groups[2] == 4));
}

/// Words record keywords are looked for in: word, number and phone tokens.
bool IsRuleToken(const Token& token) {
    return token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber || token.kind == TokenKind::kPhone;
}

}  // namespace

std::vector<PersonalDataSpan> FindPersonalData(const NormalizedText& text) {
    std::vector<PersonalDataSpan> found;
    const std::vector<Token>& tokens = text.tokens;
    const auto add = [&](std::string_view kind, std::size_t first, std::size_t last) {
        found.push_back({std::string(kind), Span{tokens[first].begin, tokens[last].end}});
    };
    const auto record_keyword_before = [&](std::size_t index) {
        std::size_t seen = 0;
        for (std::size_t k = index; k > 0 && seen < kRecordKeywordWindow;) {
            --k;
            if (!IsRuleToken(tokens[k])) {
                continue;
            }
            ++seen;
            if (IsRecordKeyword(tokens[k].text)) {
                return true;
            }
        }
        return false;
    };
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const Token& token = tokens[i];
        switch (token.kind) {
            case TokenKind::kEmail:
                add(kPersonalEmail, i, i);
                continue;
            case TokenKind::kPhone:
                add(record_keyword_before(i) ? kPersonalRecordNumber : kPersonalPhone, i, i);
                continue;
            case TokenKind::kNumber:
                if (IsNumericDate(token.text)) {
                    add(kPersonalDate, i, i);
                } else if (CountDigits(token.text) >= kMinRecordDigits && record_keyword_before(i)) {
                    add(kPersonalRecordNumber, i, i);
                } else if (IsDay(token.text) && i + 1 < tokens.size() && IsMonth(tokens[i + 1].text)) {
                    // "2 Nov", "2 Nov 2026"
                    std::size_t last = i + 1;
                    if (last + 1 < tokens.size() && IsYear(tokens[last + 1].text)) {
                        ++last;
                    }
                    add(kPersonalDate, i, last);
                    i = last;
                }
                continue;
            case TokenKind::kWord:
                if (token.text.size() > 3 && token.text.starts_with("mrn") &&
                    CountDigits(token.text) >= kMinRecordDigits) {
                    add(kPersonalRecordNumber, i, i);  // "MRN1234567"
                } else if (IsDay(token.text) && !AllDigits(token.text) && i + 1 < tokens.size() &&
                           IsMonth(tokens[i + 1].text)) {
                    std::size_t last = i + 1;  // "2nd November 2026"
                    if (last + 1 < tokens.size() && IsYear(tokens[last + 1].text)) {
                        ++last;
                    }
                    add(kPersonalDate, i, last);
                    i = last;
                } else if (IsMonth(token.text) && token.text != "may" && token.text != "mar" && i + 1 < tokens.size() &&
                           IsDay(tokens[i + 1].text)) {
                    std::size_t last = i + 1;  // "November 2, 2026", "Nov 2"
                    if (last + 1 < tokens.size() && IsYear(tokens[last + 1].text)) {
                        ++last;
                    }
                    add(kPersonalDate, i, last);
                    i = last;
                }
                continue;
            case TokenKind::kUrl:
            case TokenKind::kMention:
            case TokenKind::kHashtag:
            case TokenKind::kSymbol:
            case TokenKind::kEmoji:
                continue;
        }
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const PersonalDataSpan& a, const PersonalDataSpan& b) { return a.span.begin < b.span.begin; });
    return found;
}

}  // namespace carelisten::nlp
