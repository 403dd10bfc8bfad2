#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <nlp/intent.hpp>
#include <nlp/sentiment.hpp>
#include <string_view>
#include <unordered_map>
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

// --- One index over every phrase list ----------------------------------------------------------------------
// Every list is compiled once into an index keyed by the phrase's first word (exact words in a hash map,
// prefixes by their first byte), so a text is matched in one pass: per word one hash lookup and the few
// prefixes that share its first byte, instead of every phrase of every list at every word.

/// The phrase lists; a text's matches are one bit per list per word position.
enum PhraseList : std::uint32_t {
    kListComplaintWords,
    kListComplaintPhrases,
    kListQuestionOpeners,
    kListQuestionPhrases,
    kListRhetoricalOpeners,
    kListInquiryTopics,
    kListSuggestionPhrases,
    kListImprovementVerbs,
    kListComplimentWords,
    kListFirstTag,  ///< TagRules()[i] is list kListFirstTag + i
};

struct Term {
    std::string_view text;
    bool prefix = false;  ///< written with a trailing '*': matches words that start with `text`

    bool Matches(std::string_view word) const { return prefix ? word.starts_with(text) : word == text; }
};

struct Phrase {
    std::vector<Term> terms;
    std::uint32_t list = 0;
    std::string_view written;  ///< as written in its list, for IsFalseFriend
    bool tag = false;          ///< a routing-tag term: false friends do not count
};

class PhraseIndex {
public:
    PhraseIndex() {
        AddAll(kListComplaintWords, kComplaintWords);
        AddAll(kListComplaintPhrases, kComplaintPhrases);
        AddAll(kListQuestionOpeners, kQuestionOpeners);
        AddAll(kListQuestionPhrases, kQuestionPhrases);
        AddAll(kListRhetoricalOpeners, kRhetoricalOpeners);
        AddAll(kListInquiryTopics, kInquiryTopics);
        AddAll(kListSuggestionPhrases, kSuggestionPhrases);
        AddAll(kListImprovementVerbs, kImprovementVerbs);
        AddAll(kListComplimentWords, kComplimentWords);
        const std::vector<TagRule>& rules = TagRules();
        for (std::size_t i = 0; i < rules.size(); ++i) {
            for (const std::string_view term : rules[i].terms) {
                Add(kListFirstTag + static_cast<std::uint32_t>(i), term, /*tag=*/true);
            }
        }
        // One bit per list in a std::uint64_t mask.
        if (kListFirstTag + rules.size() > 64) {
            std::abort();
        }
    }

    /// For each word position, the lists with a phrase that starts there.
    std::vector<std::uint64_t> Match(const std::vector<Word>& words) const {
        std::vector<std::uint64_t> masks(words.size(), 0);
        for (std::size_t at = 0; at < words.size(); ++at) {
            const std::string_view word = words[at].text;
            if (const auto it = exact_first_.find(word); it != exact_first_.end()) {
                for (const std::uint32_t index : it->second) {
                    MatchAt(phrases_[index], words, at, masks);
                }
            }
            if (!word.empty()) {
                for (const std::uint32_t index : prefix_first_[static_cast<unsigned char>(word.front())]) {
                    MatchAt(phrases_[index], words, at, masks);
                }
            }
        }
        return masks;
    }

private:
    template <std::size_t N>
    void AddAll(std::uint32_t list, const std::array<std::string_view, N>& phrases) {
        for (const std::string_view phrase : phrases) {
            Add(list, phrase, /*tag=*/false);
        }
    }

    void Add(std::uint32_t list, std::string_view written, bool tag) {
        Phrase phrase;
        phrase.list = list;
        phrase.written = written;
        phrase.tag = tag;
        std::string_view rest = written;
        while (!rest.empty()) {
            const std::size_t space = rest.find(' ');
            Term term{rest.substr(0, space), false};
            rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
            if (!term.text.empty() && term.text.back() == '*') {
                term.text.remove_suffix(1);
                term.prefix = true;
            }
            phrase.terms.push_back(term);
        }
        const auto index = static_cast<std::uint32_t>(phrases_.size());
        const Term& first = phrase.terms.front();
        if (!first.prefix) {
            exact_first_[first.text].push_back(index);
        } else if (first.text.empty()) {
            for (auto& bucket : prefix_first_) {
                bucket.push_back(index);
            }
        } else {
            prefix_first_[static_cast<unsigned char>(first.text.front())].push_back(index);
        }
        phrases_.push_back(std::move(phrase));
    }

    /// Sets the phrase's list bit at `at` when its terms match the words from there, all in one clause.
    static void MatchAt(const Phrase& phrase, const std::vector<Word>& words, std::size_t at,
                        std::vector<std::uint64_t>& masks) {
        const std::uint64_t bit = std::uint64_t{1} << phrase.list;
        if ((masks[at] & bit) != 0 || at + phrase.terms.size() > words.size()) {
            return;
        }
        for (std::size_t k = 0; k < phrase.terms.size(); ++k) {
            const Word& word = words[at + k];
            if (word.clause != words[at].clause || !phrase.terms[k].Matches(word.text)) {
                return;
            }
        }
        if (phrase.tag && IsFalseFriend(phrase.written, words, at)) {
            return;
        }
        masks[at] |= bit;
    }

    std::vector<Phrase> phrases_;
    std::unordered_map<std::string_view, std::vector<std::uint32_t>> exact_first_;
    std::array<std::vector<std::uint32_t>, 256> prefix_first_;
};

const PhraseIndex& Index() {
    static const PhraseIndex index;
    return index;
}

/// A text's words and, per word, the lists with a phrase starting there.
struct Matches {
    std::vector<Word> words;
    std::vector<std::uint64_t> masks;

    explicit Matches(const NormalizedText& text) : words(WordsOf(text)), masks(Index().Match(words)) {}

    bool At(std::uint32_t list, std::size_t at) const {
        return at < masks.size() && (masks[at] & (std::uint64_t{1} << list)) != 0;
    }
    bool Any(std::uint32_t list) const {
        return std::any_of(masks.begin(), masks.end(),
                           [&](std::uint64_t mask) { return (mask & (std::uint64_t{1} << list)) != 0; });
    }
};

bool HasComplaintPhrasing(const Matches& m) {
    for (std::size_t at = 0; at < m.words.size(); ++at) {
        if (m.At(kListComplaintPhrases, at)) {
            return true;
        }
        if (m.At(kListComplaintWords, at) && !NegatedAt(m.words, at)) {
            return true;
        }
    }
    return false;
}

bool IsQuestion(const NormalizedText& text, const Matches& m) {
    if (text.question_marks > 0 || m.Any(kListQuestionPhrases)) {
        return true;
    }
    // A question opener at the start of any clause: "Hi, how do I book".
    for (std::size_t at = 0; at < m.words.size(); ++at) {
        const bool clause_start = at == 0 || m.words[at - 1].clause != m.words[at].clause;
        if (clause_start && m.At(kListQuestionOpeners, at)) {
            return true;
        }
    }
    return false;
}

bool IsInquiry(const NormalizedText& text, const Matches& m, const Sentiment& sentiment) {
    if (m.words.empty() || m.At(kListRhetoricalOpeners, 0)) {
        return false;
    }
    return sentiment.score >= kInquiryMinSentimentScore && IsQuestion(text, m) && m.Any(kListInquiryTopics);
}

bool HasSuggestionPhrasing(const Matches& m) {
    if (m.Any(kListSuggestionPhrases) || MoreNeeded(m.words)) {
        return true;
    }
    if (m.words.empty()) {
        return false;
    }
    const std::size_t first = m.words[0].text == "please" ? 1 : 0;
    return first < m.words.size() && m.At(kListImprovementVerbs, first);
}

Intent IntentOf(const NormalizedText& text, const Matches& m, const Sentiment& sentiment, QuestionKind question) {
    if (m.words.empty()) {
        return Intent::kNone;
    }
    if (HasComplaintPhrasing(m)) {
        return Intent::kComplaint;
    }
    if (IsInquiry(text, m, sentiment)) {
        return Intent::kInquiry;
    }
    if ((question == QuestionKind::kWhatToImprove && !IsNothingAnswer(text)) || HasSuggestionPhrasing(m)) {
        return Intent::kSuggestion;
    }
    if (sentiment.label == SentimentLabel::kNegative) {
        return Intent::kComplaint;
    }
    if (sentiment.label == SentimentLabel::kPositive || m.Any(kListComplimentWords)) {
        return Intent::kCompliment;
    }
    return Intent::kNone;
}

std::vector<std::string> TagsOf(const Matches& m) {
    std::vector<std::string> tags;
    const std::vector<TagRule>& rules = TagRules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (m.Any(kListFirstTag + static_cast<std::uint32_t>(i))) {
            tags.emplace_back(rules[i].tag);
        }
    }
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

}  // namespace

Intent DetectIntent(const NormalizedText& text, const Sentiment& sentiment, QuestionKind question) {
    return IntentOf(text, Matches(text), sentiment, question);
}

std::vector<std::string> DetectTags(const NormalizedText& text) {
    return TagsOf(Matches(text));
}

IntentAndTags DetectIntentAndTags(const NormalizedText& text, const Sentiment& sentiment, QuestionKind question) {
    const Matches m(text);
    return IntentAndTags{IntentOf(text, m, sentiment, question), TagsOf(m)};
}

}  // namespace carelisten::nlp
