#include <algorithm>
#include <cstddef>
#include <iterator>
#include <nlp/language.hpp>
#include <vector>

namespace carelisten::nlp {
namespace {

// Closed-class English words (pronouns, determiners, auxiliaries, prepositions, conjunctions), sorted.
constexpr std::string_view kEnglishFunctionWords[] = {
    "a",        "about", "after", "again",  "all",    "also",    "always", "am",      "an",       "and",        "any",
    "anything", "are",   "as",    "at",     "be",     "because", "been",   "before",  "but",      "by",         "can",
    "can't",    "could", "did",   "didn't", "do",     "don't",   "during", "every",   "everyone", "everything", "for",
    "from",     "had",   "has",   "have",   "he",     "her",     "here",   "him",     "his",      "how",        "i",
    "i'm",      "i've",  "if",    "in",     "into",   "is",      "it",     "it's",    "just",     "me",         "more",
    "must",     "my",    "never", "no",     "nobody", "none",    "not",    "nothing", "of",       "on",         "only",
    "or",       "our",   "out",   "over",   "she",    "should",  "so",     "some",    "someone",  "than",       "that",
    "the",      "their", "them",  "then",   "there",  "they",    "this",   "to",      "too",      "until",      "up",
    "us",       "very",  "was",   "wasn't", "we",     "were",    "what",   "when",    "where",    "which",      "who",
    "why",      "will",  "with",  "would",  "you",    "your"};

static_assert(std::is_sorted(std::begin(kEnglishFunctionWords), std::end(kEnglishFunctionWords)));

bool IsEnglishFunctionWord(std::string_view word) {
    return std::binary_search(std::begin(kEnglishFunctionWords), std::end(kEnglishFunctionWords), word);
}

/// "en-GB" → "en"; "" for anything that is not a plausible ISO 639 code.
std::string PrimarySubtag(std::string_view hint) {
    const std::size_t end = hint.find_first_of("-_");
    const std::string_view primary = hint.substr(0, end);
    if (primary.size() < 2 || primary.size() > 3) {
        return {};
    }
    std::string code;
    for (const char c : primary) {
        if (c >= 'A' && c <= 'Z') {
            code.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if (c >= 'a' && c <= 'z') {
            code.push_back(c);
        } else {
            return {};
        }
    }
    return code == "und" ? std::string{} : code;
}

}  // namespace

LanguageGuess DetectLanguage(const NormalizedText& text, std::string_view hint) {
    LanguageGuess guess;
    if (std::string code = PrimarySubtag(hint); !code.empty()) {
        guess.scorable = (code == "en");
        guess.code = std::move(code);
        return guess;
    }
    const ScriptCounts& letters = text.letters;
    const std::uint32_t total = letters.Total();
    if (total == 0) {
        guess.scorable = true;  // emoticons, emoji, numbers: nothing language-specific to miss
        return guess;
    }
    const std::uint32_t dominant =
        std::max({letters.latin, letters.devanagari, letters.han + letters.kana, letters.other});
    if (dominant == letters.devanagari && letters.devanagari > 0) {
        guess.code = "hi";
        return guess;
    }
    if (dominant == letters.han + letters.kana && dominant > 0) {
        guess.code = (letters.kana > 0) ? "ja" : "zh";
        return guess;
    }
    if (dominant != letters.latin) {
        return guess;  // another script: "und", not scorable
    }
    guess.scorable = true;
    if (static_cast<double>(letters.ascii) < kEnglishAsciiShare * static_cast<double>(letters.latin)) {
        return guess;
    }
    std::size_t words = 0;
    std::size_t function_words = 0;
    for (const Token& token : text.tokens) {
        if (token.kind != TokenKind::kWord) {
            continue;
        }
        ++words;
        function_words += IsEnglishFunctionWord(token.text) ? 1 : 0;
    }
    if (function_words > 0 &&
        static_cast<double>(function_words) >= kEnglishFunctionWordShare * static_cast<double>(words)) {
        guess.code = "en";
    }
    return guess;
}

}  // namespace carelisten::nlp
