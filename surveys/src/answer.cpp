#include <algorithm>
#include <array>
#include <string_view>
#include <surveys/answer.hpp>

#include "definition_check.hpp"
#include "text_util.hpp"

namespace carelisten::surveys {
namespace {

// Longer than any real answer to a closed question; keeps ICU work bounded on hostile input.
constexpr std::size_t kMaxClosedAnswerBytes = 500;

struct NumberWord {
    std::string_view word;
    int value;
};

// English, romanized Hindi (the spellings patients use in SMS) and Devanagari.
constexpr std::array kNumberWords = {
    NumberWord{"zero", 0},   NumberWord{"one", 1},    NumberWord{"two", 2},   NumberWord{"three", 3},
    NumberWord{"four", 4},   NumberWord{"five", 5},   NumberWord{"six", 6},   NumberWord{"seven", 7},
    NumberWord{"eight", 8},  NumberWord{"nine", 9},   NumberWord{"ten", 10},  NumberWord{"none", 0},
    NumberWord{"shunya", 0}, NumberWord{"shunye", 0}, NumberWord{"sifar", 0}, NumberWord{"ek", 1},
    NumberWord{"do", 2},     NumberWord{"teen", 3},   NumberWord{"tin", 3},   NumberWord{"char", 4},
    NumberWord{"chaar", 4},  NumberWord{"paanch", 5}, NumberWord{"panch", 5}, NumberWord{"chhe", 6},
    NumberWord{"chhah", 6},  NumberWord{"chheh", 6},  NumberWord{"chah", 6},  NumberWord{"che", 6},
    NumberWord{"saat", 7},   NumberWord{"sat", 7},    NumberWord{"aath", 8},  NumberWord{"ath", 8},
    NumberWord{"aat", 8},    NumberWord{"nau", 9},    NumberWord{"das", 10},  NumberWord{"dus", 10},
    NumberWord{"शून्य", 0},    NumberWord{"एक", 1},     NumberWord{"दो", 2},    NumberWord{"तीन", 3},
    NumberWord{"चार", 4},    NumberWord{"पांच", 5},    NumberWord{"पाँच", 5},   NumberWord{"छह", 6},
    NumberWord{"छः", 6},     NumberWord{"छे", 6},      NumberWord{"सात", 7},   NumberWord{"आठ", 8},
    NumberWord{"नौ", 9},     NumberWord{"दस", 10},
};

constexpr std::array<std::string_view, 15> kYesWords = {
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "haan", "han", "ha", "haa", "haanji", "हाँ", "हां", "हा",
};
constexpr std::array<std::string_view, 12> kNoWords = {
    "no", "n", "nope", "nah", "nahi", "nahin", "nai", "na", "नहीं", "नही", "ना", "nahiin",
};
// Words that turn a yes into something else ("yes, but not much"): the answer is re-asked.
constexpr std::array<std::string_view, 6> kNegations = {"not", "never", "didn", "don", "wasn", "haven"};
// "ok" answers the question as a patient read it, which for "Did you have a fever?" could be either: refused.
constexpr std::array<std::string_view, 6> kAmbiguous = {"ok", "okay", "k", "okk", "fine", "ठीक"};
// The honorific that starts (or ends) polite Hindi answers: "ji haan", "ji nahi", "haan ji".
constexpr std::array<std::string_view, 2> kHonorifics = {"ji", "जी"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& words, std::string_view word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

ParsedAnswer Unusable(QuestionType type, std::string problem) {
    ParsedAnswer answer;
    answer.value.type = type;
    answer.problem = std::move(problem);
    return answer;
}

std::optional<int> ParseDigits(std::string_view text) {
    if (text.empty() || text.size() > 6) {
        return std::nullopt;
    }
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

std::optional<int> NumberWordValue(std::string_view word) {
    for (const auto& entry : kNumberWords) {
        if (entry.word == word && entry.value >= 0) {
            return entry.value;
        }
    }
    return std::nullopt;
}

std::string_view TrimAsciiSpaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    return text;
}

ParsedAnswer ParseScale(const std::string& normalized) {
    constexpr auto kType = QuestionType::kScale0To10;
    std::string_view rest = normalized;
    // "7/10", "7 / 10", "7 out of 10", "seven out of ten", "7 of 10"
    for (const std::string_view suffix : {"/10", "/ 10", "out of 10", "out of ten", "of 10", "/ten"}) {
        if (rest.size() > suffix.size() && rest.ends_with(suffix)) {
            rest = TrimAsciiSpaces(rest.substr(0, rest.size() - suffix.size()));
            break;
        }
    }
    if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
        const bool negative = rest.front() == '-';
        if (const auto digits = ParseDigits(rest.substr(1))) {
            if (negative && *digits != 0) {
                return Unusable(kType, "the number is not from 0 to 10");
            }
            rest.remove_prefix(1);
        }
    }
    std::optional<int> value = ParseDigits(rest);
    if (!value) {
        value = NumberWordValue(rest);
    }
    if (!value) {
        const bool decimal = rest.find_first_of(".,") != std::string_view::npos &&
                             rest.find_first_of("0123456789") != std::string_view::npos;
        return Unusable(kType, decimal ? "not a whole number from 0 to 10" : "not a number from 0 to 10");
    }
    if (*value > 10) {
        return Unusable(kType, "the number is not from 0 to 10");
    }
    ParsedAnswer answer;
    answer.usable = true;
    answer.value.type = kType;
    answer.value.number = *value;
    return answer;
}

ParsedAnswer ParseYesNo(const std::string& normalized) {
    constexpr auto kType = QuestionType::kYesNo;
    std::vector<std::string> words = detail::Words(normalized);
    while (words.size() > 1 && Contains(kHonorifics, words.front())) {
        words.erase(words.begin());
    }
    while (words.size() > 1 && Contains(kHonorifics, words.back())) {
        words.pop_back();
    }
    if (words.empty()) {
        return Unusable(kType, "not a yes or no");
    }
    if (words.size() == 1 && Contains(kHonorifics, words.front())) {
        words.front() = "yes";  // "ji" alone is a polite yes
    }
    bool has_yes = false;
    bool has_no = false;
    for (const auto& word : words) {
        has_yes = has_yes || Contains(kYesWords, word);
        has_no = has_no || Contains(kNoWords, word) || Contains(kNegations, word);
    }
    if (has_yes && has_no) {
        return Unusable(kType, "both yes and no");
    }
    ParsedAnswer answer;
    answer.value.type = kType;
    if (Contains(kYesWords, words.front())) {
        answer.usable = true;
        answer.value.yes = true;
    } else if (Contains(kNoWords, words.front())) {
        answer.usable = true;
        answer.value.yes = false;
    } else if (Contains(kAmbiguous, words.front())) {
        answer.problem = "'ok' does not say yes or no";
    } else {
        answer.problem = "not a yes or no";
    }
    return answer;
}

ParsedAnswer ParseChoice(const Question& question, const std::string& normalized, std::string_view language) {
    constexpr auto kType = QuestionType::kSingleChoice;
    const auto pick = [&](const Choice& choice) {
        ParsedAnswer answer;
        answer.usable = true;
        answer.value.type = kType;
        answer.value.choice_key = choice.key;
        return answer;
    };
    if (const auto number = ParseDigits(normalized)) {
        if (*number >= 1 && static_cast<std::size_t>(*number) <= question.choices.size()) {
            return pick(question.choices[static_cast<std::size_t>(*number - 1)]);
        }
        return Unusable(kType, "the number is not one of the choices");
    }
    for (const Choice& choice : question.choices) {
        std::string spaced = choice.key;
        std::replace(spaced.begin(), spaced.end(), '_', ' ');
        if (normalized == choice.key || normalized == spaced ||
            normalized == detail::NormalizeForMatch(Label(choice, language)) ||
            normalized == detail::NormalizeForMatch(Label(choice, "en"))) {
            return pick(choice);
        }
    }
    return Unusable(kType, "not one of the choices");
}

}  // namespace

ParsedAnswer ParseAnswer(const Question& question, std::string_view text, std::string_view language) {
    if (question.type == QuestionType::kFreeText) {
        if (text.size() > kMaxFreeTextBytes) {
            return Unusable(question.type, "the answer is too long");
        }
        std::string cleaned = detail::CleanFreeText(text);
        if (cleaned.empty()) {
            return Unusable(question.type, "empty answer");
        }
        ParsedAnswer answer;
        answer.usable = true;
        answer.value.type = question.type;
        answer.value.text = std::move(cleaned);
        return answer;
    }
    if (text.size() > kMaxClosedAnswerBytes) {
        return Unusable(question.type, "the answer is too long");
    }
    const std::string normalized = detail::NormalizeForMatch(text);
    if (normalized.empty()) {
        return Unusable(question.type, "empty answer");
    }
    switch (question.type) {
        case QuestionType::kScale0To10:
            return ParseScale(normalized);
        case QuestionType::kYesNo:
            return ParseYesNo(normalized);
        case QuestionType::kSingleChoice:
            return ParseChoice(question, normalized, language);
        case QuestionType::kFreeText:
            break;
    }
    return Unusable(question.type, "unknown question type");
}

bool IsAnswered(const AnswerValue& value) {
    return value.number.has_value() || value.yes.has_value() || !value.choice_key.empty() || !value.text.empty();
}

std::optional<std::string> RedFlagOf(const Question& question, const AnswerValue& value) {
    if (!question.red_flag || value.type != question.type || !IsAnswered(value)) {
        return std::nullopt;
    }
    const RedFlagRule& rule = *question.red_flag;
    bool raised = false;
    switch (rule.kind) {
        case RedFlagKind::kYes:
            raised = value.yes == true;
            break;
        case RedFlagKind::kNo:
            raised = value.yes == false;
            break;
        case RedFlagKind::kCompare:
            raised = value.number.has_value() && detail::CompareMatches(rule, *value.number);
            break;
        case RedFlagKind::kInChoices:
            raised =
                std::find(rule.choice_keys.begin(), rule.choice_keys.end(), value.choice_key) != rule.choice_keys.end();
            break;
    }
    if (!raised) {
        return std::nullopt;
    }
    return question.red_flag_label.empty() ? question.id : question.red_flag_label;
}

std::string AnswerToText(const AnswerValue& value) {
    if (value.number) {
        return std::to_string(*value.number);
    }
    if (value.yes) {
        return *value.yes ? "yes" : "no";
    }
    if (!value.choice_key.empty()) {
        return value.choice_key;
    }
    return value.text;
}

}  // namespace carelisten::surveys
