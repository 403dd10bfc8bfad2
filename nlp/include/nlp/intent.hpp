/// @file
/// @brief Intent and routing-tag stage: what the writer wants (complaint, compliment, inquiry,
/// suggestion) and finer routing tags ("waiting_time", "billing"...), by deterministic rules over the
/// normalized tokens, the sentiment and the survey question. Pure functions; thread-safe.
#pragma once

#include <nlp/analysis.hpp>
#include <nlp/learned_model.hpp>
#include <nlp/normalize.hpp>
#include <string>
#include <vector>

namespace carelisten::nlp {

/// An inquiry stays an inquiry while its sentiment score is at or above this (slightly negative
/// questions about cost or appointments are still questions, not complaints).
inline constexpr double kInquiryMinSentimentScore = -0.5;

/// The writer's intent, by the first rule that fires:
/// 1. explicit complaint phrasing ("I want to complain", "unacceptable") → kComplaint;
/// 2. a question (question mark or question opener) about an inquiry topic (appointments, cost,
///    insurance, directions, visiting or opening times) whose sentiment score is at least
///    kInquiryMinSentimentScore → kInquiry;
/// 3. any answer but a "nothing" answer to a what-could-we-improve question, or suggestion phrasing
///    ("it would be better if", "could you", "please add", "more X needed", "should have", an imperative
///    improvement verb first) → kSuggestion;
/// 4. negative sentiment → kComplaint;
/// 5. positive sentiment or thanks/praise words ("thank you", "excellent") → kCompliment;
/// 6. otherwise kNone.
Intent DetectIntent(const NormalizedText& text, const Sentiment& sentiment, QuestionKind question);

/// The routing tags whose word lists match a word token (exact words, or prefixes for inflections),
/// sorted and unique: appointments, billing, cleanliness, discharge, food, medication, parking,
/// privacy, staff_attitude, waiting_time.
std::vector<std::string> DetectTags(const NormalizedText& text);

struct IntentAndTags {
    Intent intent = Intent::kNone;
    std::vector<std::string> tags;
};

/// DetectIntent and DetectTags in one pass over the text (the same results).
IntentAndTags DetectIntentAndTags(const NormalizedText& text, const Sentiment& sentiment, QuestionKind question);

}  // namespace carelisten::nlp
