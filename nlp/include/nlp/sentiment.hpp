/// @file
/// @brief Sentiment stage: VADER-style lexicon scoring of normalized English text, plus the survey rule
/// that "Nothing." answering "What could we do better?" is praise. Pure functions; thread-safe.
#pragma once

#include <nlp/analysis.hpp>
#include <nlp/lexicon.hpp>
#include <nlp/normalize.hpp>
#include <optional>
#include <string_view>

namespace carelisten::nlp {

/// Compound score at or above which a text is positive, and at or below which it is negative (VADER's
/// published thresholds).
inline constexpr double kPositiveThreshold = 0.05;
inline constexpr double kNegativeThreshold = -0.05;

/// VADER's constants: compound = sum / sqrt(sum² + alpha); boosters add ±0.293; ALL CAPS adds ±0.733;
/// a negation multiplies by -0.74; each '!' adds 0.292 (at most 4); 2–3 '?' add 0.18 each, more add 0.96.
inline constexpr double kVaderAlpha = 15.0;
inline constexpr double kBoosterIncrement = 0.293;
inline constexpr double kCapsIncrement = 0.733;
inline constexpr double kNegationScalar = -0.74;
inline constexpr double kExclamationIncrement = 0.292;
inline constexpr unsigned kMaxExclamations = 4;
inline constexpr double kQuestionIncrement = 0.18;
inline constexpr double kManyQuestionsIncrement = 0.96;
/// Weights of the words before and after the first "but" (VADER's but-check).
inline constexpr double kBeforeButWeight = 0.5;
inline constexpr double kAfterButWeight = 1.5;
/// Score given to "nothing"-style answers to a what-could-we-improve question.
inline constexpr double kNothingToImproveScore = 0.5;

/// VADER's compound score in [-1, 1] for the text's words, emoticons and emoji. Differences from the
/// reference implementation: negation and boosters do not reach across clause punctuation or "but";
/// elongated words ("goooood") count as emphasised like a booster; two-word lexicon entries ("fed up")
/// match; emoji are scored by the lexicon words in their Unicode names, as VADER does with their CLDR names.
double VaderCompound(const Lexicon& lexicon, const NormalizedText& text);

/// Valence of one emoji: the sum of the lexicon valences of the words of its Unicode name ("LOUDLY CRYING
/// FACE" → "crying"), clamped to the lexicon range. 0 when no word is in the lexicon.
double EmojiValence(const Lexicon& lexicon, std::string_view emoji_utf8);

SentimentLabel LabelForScore(double score);

/// Weight of a star rating against the text's score: score = (1 − w)·text + w·(rating − 3)/2. A rating is
/// the writer's own verdict, so a 1-star review in neutral words is negative (−0.5) and a 5-star review that
/// grumbles about the parking stays positive; strong words against the stars still move the score.
inline constexpr double kRatingWeight = 0.5;

/// The sentiment with a star rating (1..5) taken as evidence; unchanged without a rating, for a rating
/// outside 1..5, for 3 stars (no direction) and for unscored text (a rating is not a language).
Sentiment ApplyRating(const Sentiment& sentiment, std::optional<int> rating);

/// True for survey questions asking what to improve: "What could we do better?", "How can we improve?".
bool AsksWhatToImprove(const NormalizedText& question);

/// True when the whole answer is a "nothing" answer: "Nothing.", "None", "No", "N/A", "nothing really".
bool IsNothingAnswer(const NormalizedText& answer);

/// The sentiment of English (or undetermined Latin-script) text. `question` is the survey question the
/// text answers, empty if none.
Sentiment ScoreSentiment(const Lexicon& lexicon, const NormalizedText& text, std::string_view question);

}  // namespace carelisten::nlp
