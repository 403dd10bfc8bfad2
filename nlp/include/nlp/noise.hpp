/// @file
/// @brief Noise stage, first slice: only empty messages are noise. Spam and auto-replies come later.
#pragma once

#include <nlp/analysis.hpp>
#include <nlp/lexicon.hpp>
#include <nlp/normalize.hpp>
#include <string_view>

namespace carelisten::nlp {

/// Reason given for a message with nothing to read: empty, whitespace or punctuation only.
inline constexpr std::string_view kNoiseEmpty = "empty";

/// Noise when the text has no word, number, link, handle, hashtag or emoji, and no symbol run that the
/// lexicon knows or that has a letter or digit (so ":)" and "n/a" alone are messages, "..." is not). The
/// channel is not used yet.
NoiseVerdict DetectNoise(const Lexicon& lexicon, const NormalizedText& text, Channel channel);

}  // namespace carelisten::nlp
