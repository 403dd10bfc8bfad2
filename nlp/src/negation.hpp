/// @file
/// @brief English negation cues shared by the sentiment and urgency stages.
#pragma once

#include <cstddef>
#include <nlp/normalize.hpp>
#include <string_view>
#include <vector>

namespace carelisten::nlp {

/// How many words before a term a negation cue still applies to (VADER's window).
inline constexpr std::size_t kNegationWindow = 3;

/// VADER's negation words ("not", "never", "without", "nothing", "don't", "cant", …), "nobody", "noone",
/// and any "…n't". "no" is not one: it is itself a lexicon word, and the sentiment stage treats it apart.
bool IsNegator(std::string_view folded);

/// The cues that deny a reported fact, for red flags: "no", and the negators except the ones that only
/// soften or contradict ("despite the fever", "nobody noticed the bleeding", "nothing but pain").
bool DeniesFact(std::string_view folded);

/// Words that start a new clause for negation scope: "but", "however", "although", "though", "except".
bool IsClauseBreakWord(std::string_view folded);

/// True when one of the `window` words before words[index] denies it (DeniesFact), without crossing
/// a clause boundary (punctuation, see Token::clause, or a clause-break word).
bool NegatedBefore(const std::vector<const Token*>& words, std::size_t index, std::size_t window);

}  // namespace carelisten::nlp
