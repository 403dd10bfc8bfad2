/// @file
/// @brief Language identification: the source's hint, the dominant script, romanized Hindi (Hinglish)
/// from a compiled-in word list, English function words, and CLD2 for everything else.
#pragma once

#include <cstddef>
#include <nlp/normalize.hpp>
#include <string>
#include <string_view>

namespace carelisten::nlp {

struct LanguageGuess {
    std::string code = "und";  ///< ISO 639-1, or "und"
    double confidence = 0.0;   ///< in [0, 1]; 1 for a usable hint, 0 for "und"
    bool scorable = false;     ///< the sentiment stage can score it: "en", Hinglish, or "und" in Latin script
    bool hinglish = false;     ///< romanized Hindi words: score GlossHinglish(text) instead of the text
};

/// Share of a text's words that must be English function words ("the", "and", "was", …) to call it "en".
inline constexpr double kEnglishFunctionWordShare = 0.15;
/// Latin-script text with fewer letters than this in its words (@handles, URLs and #hashtags left out) is not
/// given to CLD2: a language model cannot tell a language from two or three words ("glad u dig fam!" came out
/// Danish, "congrats mano" Spanish), so such text stays "und" and is scored, as other Latin "und" text is.
inline constexpr std::size_t kMinLettersForCld2 = 16;
/// Share of a text's Latin letters that must be ASCII for the English test to apply at all.
inline constexpr double kEnglishAsciiShare = 0.9;
/// Latin text is Hinglish with at least this many words from the Hinglish list making this share of its
/// words other than English function words ("bahut bekar service": 2 of 3).
inline constexpr std::size_t kHinglishMinWords = 2;
inline constexpr double kHinglishWordShare = 0.25;
/// The English function-word rule's confidence is kFunctionWordConfidence + the share of function words,
/// at most kEnglishRuleMaxConfidence (CLD2 is not asked then: it would cost more than the rest of the analysis).
inline constexpr double kFunctionWordConfidence = 0.6;
inline constexpr double kEnglishRuleMaxConfidence = 0.99;

/// Rules, in order:
/// 1. a usable `hint` (a 2–3 letter primary subtag, "en-GB" → "en"; not "und") wins, confidence 1;
///    Hinglish words under an "en" or "hi" hint still make the text scorable as Hinglish;
/// 2. no letters at all (emoticons, numbers): "und", scorable;
/// 3. dominant Devanagari → "hi" (not scorable);
/// 4. Latin with enough Hinglish words → "hi", or "en" when English function words are as many;
///    scorable through GlossHinglish;
/// 5. Latin, mostly ASCII, with enough English function words → "en";
/// 6. CLD2's answer when it calls it reliable (only "en" is scorable);
/// 7. Han → "zh", kana → "ja"; other Latin → "und" (scorable); anything else "und".
LanguageGuess DetectLanguage(const NormalizedText& text, std::string_view hint);

/// The English gloss of a folded Hinglish word ("accha" → "good", "bahut" → "very", "nahi" → "not"),
/// "-" for a marker word with no gloss, empty when the word is not on the list.
std::string_view HinglishGloss(std::string_view folded);

/// The text with Hinglish words replaced by their English glosses, so the English scorer can read it:
/// two-word entries first ("dhyan nahi" → "ignored"), and a negator after a word ("accha nahi") moved
/// before it ("not good"), since Hindi negates after the word. Offsets of the tokens are kept.
NormalizedText GlossHinglish(const NormalizedText& text);

}  // namespace carelisten::nlp
