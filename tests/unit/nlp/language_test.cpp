#include <gtest/gtest.h>

#include <nlp/language.hpp>
#include <string>
#include <vector>

namespace carelisten::nlp {
namespace {

LanguageGuess Detect(std::string_view text, std::string_view hint = {}) {
    return DetectLanguage(Normalize(text), hint);
}

std::vector<std::string> Texts(const NormalizedText& text) {
    std::vector<std::string> out;
    for (const Token& token : text.tokens) {
        out.push_back(token.text);
    }
    return out;
}

TEST(Language, HintWinsWithFullConfidence) {
    const LanguageGuess guess = Detect("Le personnel était très gentil", "fr-FR");
    EXPECT_EQ(guess.code, "fr");
    EXPECT_DOUBLE_EQ(guess.confidence, 1.0);
    EXPECT_FALSE(guess.scorable);
    EXPECT_TRUE(Detect("The nurse was kind", "en").scorable);
}

TEST(Language, EnglishIsScorable) {
    const LanguageGuess guess = Detect("The nurse was very kind and the doctor explained everything to me");
    EXPECT_EQ(guess.code, "en");
    EXPECT_TRUE(guess.scorable);
    EXPECT_GT(guess.confidence, 0.5);
    EXPECT_LE(guess.confidence, 1.0);
}

TEST(Language, Cld2NamesOtherLanguagesAndTheyAreNotScored) {
    const LanguageGuess french =
        Detect("Le personnel de l'hôpital était très gentil et le médecin a tout expliqué clairement");
    EXPECT_EQ(french.code, "fr");
    EXPECT_FALSE(french.scorable);
    EXPECT_GT(french.confidence, 0.5);
    const LanguageGuess german = Detect("Das Personal war sehr freundlich und die Ärztin hat alles gut erklärt");
    EXPECT_EQ(german.code, "de");
    EXPECT_FALSE(german.scorable);
}

TEST(Language, AFewLatinWordsAreTooFewForCld2AndAreScored) {
    // Two or three words are no evidence of a language: CLD2 called these Danish and Spanish.
    for (const std::string_view text : {"glad u dig fam!", "@anonymous congrats mano", "jajaja :p"}) {
        const LanguageGuess guess = Detect(text);
        EXPECT_EQ(guess.code, "und") << text;
        EXPECT_TRUE(guess.scorable) << text;
    }
    // The handle and the URL are not words: only "gracias amigos" counts, and that is too short.
    EXPECT_EQ(Detect("@hospital_de_la_ciudad_central gracias amigos https://example.org/muchisimas-gracias").code,
              "und");
    // A sentence is enough.
    const LanguageGuess spanish = Detect("Muchas gracias a todo el personal del hospital por su paciencia");
    EXPECT_EQ(spanish.code, "es");
    EXPECT_FALSE(spanish.scorable);
}

TEST(Language, DevanagariIsHindi) {
    const LanguageGuess guess = Detect("डॉक्टर बहुत अच्छे थे");
    EXPECT_EQ(guess.code, "hi");
    EXPECT_FALSE(guess.scorable);
    EXPECT_DOUBLE_EQ(guess.confidence, 1.0);
}

TEST(Language, HinglishIsHindiAndScorable) {
    for (const std::string_view text : {"doctor bahut accha tha", "bahut bekar service", "staff ne dhyan nahi diya"}) {
        const LanguageGuess guess = Detect(text);
        EXPECT_EQ(guess.code, "hi") << text;
        EXPECT_TRUE(guess.hinglish) << text;
        EXPECT_TRUE(guess.scorable) << text;
        EXPECT_GT(guess.confidence, 0.5) << text;
    }
}

TEST(Language, MostlyEnglishWithHinglishWordsIsEnglish) {
    const LanguageGuess guess = Detect("the doctor was bahut accha and the nurse was also kind to my mother");
    EXPECT_EQ(guess.code, "en");
    EXPECT_TRUE(guess.hinglish);
    EXPECT_TRUE(guess.scorable);
}

TEST(Language, OneHinglishLookingWordIsNotHinglish) {
    EXPECT_FALSE(Detect("The nurse said hai to everyone on the ward").hinglish);
}

TEST(Language, NoLettersIsUndeterminedButScorable) {
    const LanguageGuess guess = Detect(":) 10/10");
    EXPECT_EQ(guess.code, "und");
    EXPECT_TRUE(guess.scorable);
    EXPECT_DOUBLE_EQ(guess.confidence, 0.0);
}

TEST(HinglishGloss, WordsAndMarkers) {
    EXPECT_EQ(HinglishGloss("accha"), "good");
    EXPECT_EQ(HinglishGloss("bahut"), "very");
    EXPECT_EQ(HinglishGloss("nahi"), "not");
    EXPECT_EQ(HinglishGloss("tha"), "-");
    EXPECT_EQ(HinglishGloss("nurse"), "");
}

TEST(HinglishGloss, NegatorMovesBeforeTheWordAndPhrasesMerge) {
    EXPECT_EQ(Texts(GlossHinglish(Normalize("khana accha nahi tha"))),
              (std::vector<std::string>{"khana", "not", "good", "tha"}));
    EXPECT_EQ(Texts(GlossHinglish(Normalize("staff ne dhyan nahi diya"))),
              (std::vector<std::string>{"staff", "ne", "ignored", "diya"}));
    EXPECT_EQ(Texts(GlossHinglish(Normalize("bahut bekar service"))),
              (std::vector<std::string>{"very", "useless", "service"}));
}

}  // namespace
}  // namespace carelisten::nlp
