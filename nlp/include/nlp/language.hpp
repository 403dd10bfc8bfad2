/// @file
/// @brief Language identification, first slice: by script, plus English function words for Latin text.
#pragma once

#include <nlp/normalize.hpp>
#include <string>
#include <string_view>

namespace carelisten::nlp {

struct LanguageGuess {
    std::string code = "und";  ///< ISO 639-1, or "und"
    bool scorable = false;     ///< the sentiment stage can score it: "en", or "und" text in Latin script
};

/// Share of a text's words that must be English function words ("the", "and", "was", …) to call it "en".
inline constexpr double kEnglishFunctionWordShare = 0.15;
/// Share of a text's Latin letters that must be ASCII for the English test to apply at all.
inline constexpr double kEnglishAsciiShare = 0.9;

/// Rules, in order:
/// 1. a usable `hint` (a 2–3 letter primary subtag, "en-GB" → "en"; not "und") wins;
/// 2. the dominant script of the letters: Devanagari → "hi", Han without kana → "zh", kana → "ja";
/// 3. Latin letters, mostly ASCII, with enough English function words → "en";
/// 4. otherwise "und". Text with no letters at all (emoticons, numbers) is "und" and scorable.
LanguageGuess DetectLanguage(const NormalizedText& text, std::string_view hint);

}  // namespace carelisten::nlp
