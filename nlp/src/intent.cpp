#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <nlp/intent.hpp>
#include <nlp/sentiment.hpp>
#include <string_view>
#include <vector>

namespace carelisten::nlp {
namespace {

/// One word of the text, with its clause: phrases match only within one clause.
struct Word {
    std::string_view text;
    std::uint32_t clause = 0;
};

std::vector<Word> WordsOf(const NormalizedText& text) {
    std::vector<Word> words;
    words.reserve(text.tokens.size());
    for (const Token& token : text.tokens) {
        if (token.kind == TokenKind::kWord) {
            words.push_back(Word{token.text, token.clause});
        }
    }
    return words;
}

/// A term is an exact folded word, or a prefix when written with a trailing '*' ("wait*").
bool TermMatches(std::string_view term, std::string_view word) {
    if (!term.empty() && term.back() == '*') {
        term.remove_suffix(1);
        return word.starts_with(term);
    }
    return word == term;
}

/// True when the space-separated terms of `phrase` match the words starting at `at`, in one clause.
bool PhraseMatchesAt(std::string_view phrase, const std::vector<Word>& words, std::size_t at) {
    std::size_t index = at;
    while (!phrase.empty()) {
        const std::size_t space = phrase.find(' ');
        const std::string_view term = phrase.substr(0, space);
        phrase = space == std::string_view::npos ? std::string_view{} : phrase.substr(space + 1);
        if (index >= words.size() || words[index].clause != words[at].clause || !TermMatches(term, words[index].text)) {
            return false;
        }
        ++index;
    }
    return true;
}

template <std::size_t N>
bool AnyPhraseAt(const std::array<std::string_view, N>& phrases, const std::vector<Word>& words, std::size_t at) {
    return std::any_of(phrases.begin(), phrases.end(),
                       [&](std::string_view phrase) { return PhraseMatchesAt(phrase, words, at); });
}

template <std::size_t N>
bool AnyPhrase(const std::array<std::string_view, N>& phrases, const std::vector<Word>& words) {
    for (std::size_t at = 0; at < words.size(); ++at) {
        if (AnyPhraseAt(phrases, words, at)) {
            return true;
        }
    }
    return false;
}

constexpr std::array<std::string_view, 8> kNegators = {"no",      "not",    "nothing", "never",
                                                       "without", "nobody", "none",    "hardly"};

/// True when a negator is within the two words before `at`, in the same clause ("no complaints").
bool NegatedAt(const std::vector<Word>& words, std::size_t at) {
    for (std::size_t back = 1; back <= 2 && back <= at; ++back) {
        const Word& before = words[at - back];
        if (before.clause != words[at].clause) {
            break;
        }
        const bool negator = std::find(kNegators.begin(), kNegators.end(), before.text) != kNegators.end() ||
                             before.text.ends_with("n't");
        if (negator) {
            return true;
        }
    }
    return false;
}

// Explicit complaint phrasing; single words are dropped when negated ("no complaints").
constexpr std::array<std::string_view, 7> kComplaintWords = {"complain*", "complaint*", "unacceptable", "disgrace*",
                                                             "appalling", "outrageous", "disgusting"};
constexpr std::array<std::string_view, 3> kComplaintPhrases = {"not acceptable", "not good enough", "formal complaint"};

// Words that open a question even without a question mark ("how do I book"). "why" is left out:
// "why did I wait five hours" is a complaint, not a question for the front desk.
constexpr std::array<std::string_view, 11> kQuestionOpeners = {"how",  "what", "when", "where", "which", "who",
                                                               "does", "do",   "is",   "are",   "can"};
constexpr std::array<std::string_view, 8> kQuestionPhrases = {
    "does anyone know", "do you know",   "i would like to know", "i'd like to know",
    "wondering",        "please advise", "please let me know",   "can i"};
constexpr std::array<std::string_view, 2> kRhetoricalOpeners = {"why", "how come"};

// What an inquiry asks about: appointments, cost and insurance, directions, visiting and opening times.
constexpr std::array<std::string_view, 31> kInquiryTopics = {
    "appointment*", "book",    "booking*", "reschedul*", "referral*", "cost*",    "price*",     "fee*",
    "charge*",      "pay",     "payment*", "insur*",     "covered",   "cover",    "direction*", "where",
    "address",      "located", "location", "get there",  "get to",    "visiting", "visit",      "open*",
    "clos*",        "hours",   "time",     "times",      "bus",       "parking",  "accept*"};

// Suggestion phrasing.
constexpr std::array<std::string_view, 23> kSuggestionPhrases = {
    "would be better", "would be nice",  "would be good", "would be great", "would help",  "it'd be",
    "could you",       "can you please", "please add",    "please provide", "please make", "please consider",
    "should have",     "should be",      "should get",    "should hire",    "need more",   "needs more",
    "suggest*",        "suggestion*",    "i wish",        "why not",        "how about"};

// Imperative improvement verbs that open a suggestion ("Cut the waiting time", "Please add more chairs").
constexpr std::array<std::string_view, 22> kImprovementVerbs = {
    "add",       "allow", "cut",  "employ", "extend",  "fix",    "give",    "hire",  "improve", "increase", "install",
    "introduce", "let",   "make", "offer",  "provide", "reduce", "shorten", "speed", "train",   "update",   "upgrade"};

// Thanks and praise words.
constexpr std::array<std::string_view, 14> kComplimentWords = {
    "thank*",    "thx",       "excellent", "grateful",  "brilliant", "outstanding", "amazing",
    "wonderful", "fantastic", "superb",    "well done", "kudos",     "appreciate*", "fabulous"};

/// "more X needed": "more staff needed", "more seats are needed".
bool MoreNeeded(const std::vector<Word>& words) {
    for (std::size_t at = 0; at < words.size(); ++at) {
        if (words[at].text != "more") {
            continue;
        }
        for (std::size_t next = at + 1; next < words.size() && next <= at + 4; ++next) {
            if (words[next].clause != words[at].clause) {
                break;
            }
            if (words[next].text == "needed" || words[next].text == "required") {
                return true;
            }
        }
    }
    return false;
}

bool HasComplaintPhrasing(const std::vector<Word>& words) {
    for (std::size_t at = 0; at < words.size(); ++at) {
        if (AnyPhraseAt(kComplaintPhrases, words, at)) {
            return true;
        }
        if (AnyPhraseAt(kComplaintWords, words, at) && !NegatedAt(words, at)) {
            return true;
        }
    }
    return false;
}

bool IsQuestion(const NormalizedText& text, const std::vector<Word>& words) {
    if (text.question_marks > 0 || AnyPhrase(kQuestionPhrases, words)) {
        return true;
    }
    // A question opener at the start of any clause: "Hi, how do I book".
    for (std::size_t at = 0; at < words.size(); ++at) {
        const bool clause_start = at == 0 || words[at - 1].clause != words[at].clause;
        if (clause_start && AnyPhraseAt(kQuestionOpeners, words, at)) {
            return true;
        }
    }
    return false;
}

bool IsInquiry(const NormalizedText& text, const std::vector<Word>& words, const Sentiment& sentiment) {
    if (words.empty() || AnyPhraseAt(kRhetoricalOpeners, words, 0)) {
        return false;
    }
    return sentiment.score >= kInquiryMinSentimentScore && IsQuestion(text, words) && AnyPhrase(kInquiryTopics, words);
}

bool HasSuggestionPhrasing(const std::vector<Word>& words) {
    if (AnyPhrase(kSuggestionPhrases, words) || MoreNeeded(words)) {
        return true;
    }
    if (words.empty()) {
        return false;
    }
    const std::size_t first = words[0].text == "please" ? 1 : 0;
    return first < words.size() && AnyPhraseAt(kImprovementVerbs, words, first);
}

/// A routing tag and its words; '*' marks a prefix, spaces separate the words of a phrase.
struct TagRule {
    std::string_view tag;
    std::vector<std::string_view> terms;
};

/// Sorted by tag name, so the tags come out sorted.
const std::vector<TagRule>& TagRules() {
    static const std::vector<TagRule> kRules = {
        {"appointments", {"appointment*", "booking*", "book", "booked", "cancel*", "reschedul*"}},
        {"billing",
         {"bill", "bills", "billed", "billing", "charg*", "cost*", "price*", "pricing", "insur*", "payment*", "pay",
          "paid", "paying", "invoice*", "fee", "fees"}},
        {"cleanliness", {"dirt*", "clean*", "unclean*", "filth*", "hygien*", "unhygienic", "toilet*", "stain*"}},
        {"discharge", {"discharg*"}},
        {"food", {"food*", "meal*", "drink*", "breakfast*", "lunch*", "dinner*", "snack*"}},
        {"medication",
         {"medication*", "medicine*", "tablet*", "prescri*", "pharmac*", "pill", "pills", "painkiller*", "dose*"}},
        {"parking", {"parking", "car park*", "carpark*"}},
        {"privacy", {"privacy", "private", "confidential*", "overheard"}},
        {"staff_attitude",
         {"rude*", "dismissive*", "kind", "kindness", "kindly", "unkind*", "caring", "uncaring", "attitude*", "manner*",
          "polite*", "impolite*", "disrespect*", "condescending", "arrogant"}},
        {"waiting_time", {"wait", "waits", "waited", "waiting", "delay*", "queue*", "queuing", "hours"}},
    };
    return kRules;
}

/// Words that make a tag word mean something else: "visiting hours" is no wait, "kind of" no kindness.
bool IsFalseFriend(std::string_view term, const std::vector<Word>& words, std::size_t at) {
    if (term == "hours" && at > 0) {
        const std::string_view before = words[at - 1].text;
        return before == "visiting" || before == "opening" || before == "office";
    }
    if (term == "kind" && at + 1 < words.size()) {
        return words[at + 1].text == "of";
    }
    return false;
}

}  // namespace

Intent DetectIntent(const NormalizedText& text, const Sentiment& sentiment, QuestionKind question) {
    const std::vector<Word> words = WordsOf(text);
    if (words.empty()) {
        return Intent::kNone;
    }
    if (HasComplaintPhrasing(words)) {
        return Intent::kComplaint;
    }
    if (IsInquiry(text, words, sentiment)) {
        return Intent::kInquiry;
    }
    if ((question == QuestionKind::kWhatToImprove && !IsNothingAnswer(text)) || HasSuggestionPhrasing(words)) {
        return Intent::kSuggestion;
    }
    if (sentiment.label == SentimentLabel::kNegative) {
        return Intent::kComplaint;
    }
    if (sentiment.label == SentimentLabel::kPositive || AnyPhrase(kComplimentWords, words)) {
        return Intent::kCompliment;
    }
    return Intent::kNone;
}

std::vector<std::string> DetectTags(const NormalizedText& text) {
    const std::vector<Word> words = WordsOf(text);
    std::vector<std::string> tags;
    for (const TagRule& rule : TagRules()) {
        bool found = false;
        for (std::size_t at = 0; at < words.size() && !found; ++at) {
            for (std::string_view term : rule.terms) {
                if (PhraseMatchesAt(term, words, at) && !IsFalseFriend(term, words, at)) {
                    found = true;
                    break;
                }
            }
        }
        if (found) {
            tags.emplace_back(rule.tag);
        }
    }
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

}  // namespace carelisten::nlp
