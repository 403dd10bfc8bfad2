#include "negation.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_set>

namespace carelisten::nlp {
namespace {

// VADER's NEGATE list (vaderSentiment), sorted for binary search.
constexpr std::string_view kNegators[] = {
    "aint",    "aren't",   "arent",   "can't",   "cannot", "cant",     "couldn't", "couldnt",   "daren't",  "darent",
    "despite", "didn't",   "didnt",   "doesn't", "doesnt", "don't",    "dont",     "hadn't",    "hadnt",    "hasn't",
    "hasnt",   "haven't",  "havent",  "isn't",   "isnt",   "mightn't", "mightnt",  "mustn't",   "mustnt",   "needn't",
    "neednt",  "neither",  "never",   "nobody",  "none",   "noone",    "nope",     "nor",       "not",      "nothing",
    "nowhere", "oughtn't", "oughtnt", "rarely",  "seldom", "shan't",   "shant",    "shouldn't", "shouldnt", "uh-uh",
    "uhuh",    "wasn't",   "wasnt",   "weren't", "werent", "without",  "won't",    "wont",      "wouldn't", "wouldnt"};

// Cues that soften or contradict rather than deny a fact: "despite the fever" still reports a fever.
constexpr std::string_view kNonFactualNegators[] = {"despite", "nobody", "noone", "nothing",
                                                    "nowhere", "rarely", "seldom"};

constexpr std::string_view kClauseBreakWords[] = {"although", "but", "except", "however", "though"};

static_assert(std::is_sorted(std::begin(kNegators), std::end(kNegators)));
static_assert(std::is_sorted(std::begin(kNonFactualNegators), std::end(kNonFactualNegators)));
static_assert(std::is_sorted(std::begin(kClauseBreakWords), std::end(kClauseBreakWords)));

}  // namespace

namespace {

// The rules ask these for the words around every scored word: hash sets, not binary searches.
// One set per word list (the list itself is the template argument).
template <const auto& kWords>
bool InSet(std::string_view folded) {
    static const std::unordered_set<std::string_view> kSet(std::begin(kWords), std::end(kWords));
    return kSet.find(folded) != kSet.end();
}

}  // namespace

bool IsNegator(std::string_view folded) {
    return InSet<kNegators>(folded) || folded.find("n't") != std::string_view::npos;
}

bool DeniesFact(std::string_view folded) {
    if (folded == "no") {
        return true;
    }
    return IsNegator(folded) && !InSet<kNonFactualNegators>(folded);
}

bool IsClauseBreakWord(std::string_view folded) {
    return InSet<kClauseBreakWords>(folded);
}

bool NegatedBefore(const std::vector<const Token*>& words, std::size_t index, std::size_t window) {
    const std::uint32_t clause = words[index]->clause;
    for (std::size_t distance = 1; distance <= window && distance <= index; ++distance) {
        const Token& word = *words[index - distance];
        if (word.clause != clause || IsClauseBreakWord(word.text)) {
            return false;
        }
        if (DeniesFact(word.text)) {
            return true;
        }
    }
    return false;
}

}  // namespace carelisten::nlp
