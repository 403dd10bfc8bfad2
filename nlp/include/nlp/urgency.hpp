/// @file
/// @brief Urgency stage: red-flag phrases (self-harm, abuse, clinical, legal, media, safety), negation-aware
/// ("no fever" is not a flag), and the urgency level that follows from them and from the sentiment.
#pragma once

#include <array>
#include <cstddef>
#include <nlp/analysis.hpp>
#include <nlp/normalize.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace carelisten::nlp {

/// One word of a rule: an exact folded word, or a prefix when written with a trailing '*' ("suicid*").
struct RedFlagTerm {
    std::string text;
    bool prefix = false;

    bool Matches(std::string_view word) const;
};

/// Consecutive words ("chest pain*"), unless the next word is one of `except_next` ("fell asleep").
/// Hinglish rules are also negated by a Hindi negator ("nahi", "nahin", "mat"…) within
/// kPostNegationWindow words after the match, in the same clause ("bukhar nahi hai": no fever).
struct PhraseRule {
    std::string flag;
    std::vector<RedFlagTerm> terms;
    std::vector<std::string> except_next;
    bool hinglish = false;
};

/// How many words after a Hinglish red-flag phrase a Hindi negator still denies it.
inline constexpr std::size_t kPostNegationWindow = 2;

/// An anchor and a sign within `window` words of each other, in either order ("wound … red"); negated when
/// either of them is.
struct ProximityRule {
    std::string flag;
    std::vector<RedFlagTerm> anchors;
    std::vector<RedFlagTerm> signs;
    std::size_t window = 0;
};

/// The compiled English rule set. Built once (see Models); immutable and thread-safe afterwards.
class RedFlagRules {
public:
    /// The rules of this code version (urgency.cpp). Changing them changes analyzer output: bump
    /// kCodeVersion in models.hpp.
    static RedFlagRules Default();

    /// Flags found in the text, sorted and unique. Matching is on folded word tokens; a match is dropped
    /// when a negation cue ("no", "not", "never", "without", "…n't") is within kNegationWindow words
    /// before it in the same clause.
    std::vector<std::string> Find(const NormalizedText& text) const;

    /// Every match behind Find(), in text order: the flag, its UrgencyOfFlag level and the byte span of
    /// the matched words in the repaired input (Token::begin/end); for a proximity rule, from the first
    /// to the last of its two words. One entry per flag and span.
    std::vector<RedFlag> FindDetails(const NormalizedText& text) const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };

    std::vector<PhraseRule> phrases_;
    std::vector<ProximityRule> proximities_;
    std::unordered_map<std::string, std::vector<std::size_t>, Hash, std::equal_to<>> by_first_word_;
    std::vector<std::size_t> prefix_first_;  ///< phrases whose first term is a prefix
    /// prefix_first_ by the first byte of the prefix (an empty prefix is under every byte): a word is tried
    /// only against the prefixes that can match it.
    std::array<std::vector<std::size_t>, 256> prefix_by_first_byte_;
};

/// The level a flag calls for: self_harm, abuse, clinical → kCritical; legal_threat, media_threat,
/// safety_incident → kHigh; unknown flags → kHigh.
Urgency UrgencyOfFlag(std::string_view flag);

/// The highest level of the flags; with no flags, kLow for a negative message and kNone otherwise.
Urgency UrgencyFor(const std::vector<std::string>& red_flags, const Sentiment& sentiment);

}  // namespace carelisten::nlp
