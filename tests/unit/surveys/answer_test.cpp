#include <gtest/gtest.h>

#include <string>
#include <surveys/answer.hpp>

#include "survey_fixture.hpp"

namespace carelisten::surveys {
namespace {

using testing::MakeQuestion;

std::optional<int> Scale(std::string_view text) {
    const auto parsed = ParseAnswer(MakeQuestion("pain", QuestionType::kScale0To10), text, "en");
    if (!parsed.usable) {
        return std::nullopt;
    }
    return parsed.value.number;
}

std::optional<bool> YesNo(std::string_view text) {
    const auto parsed = ParseAnswer(MakeQuestion("fever", QuestionType::kYesNo), text, "en");
    if (!parsed.usable) {
        return std::nullopt;
    }
    return parsed.value.yes;
}

std::string ChoiceKey(std::string_view text, std::string_view language = "en") {
    const auto parsed = ParseAnswer(MakeQuestion("wound", QuestionType::kSingleChoice), text, language);
    return parsed.usable ? parsed.value.choice_key : "<unusable>";
}

TEST(ParseAnswerScale, DigitsAndTolerantForms) {
    EXPECT_EQ(Scale("7"), 7);
    EXPECT_EQ(Scale(" 7."), 7);
    EXPECT_EQ(Scale("7/10"), 7);
    EXPECT_EQ(Scale("7 / 10"), 7);
    EXPECT_EQ(Scale("7 out of 10"), 7);
    EXPECT_EQ(Scale("0"), 0);
    EXPECT_EQ(Scale("10"), 10);
    EXPECT_EQ(Scale("10!!"), 10);
    EXPECT_EQ(Scale("\"3\""), 3);
    EXPECT_EQ(Scale("07"), 7);
    EXPECT_EQ(Scale("५"), 5);    // Devanagari digit
    EXPECT_EQ(Scale("१०"), 10);  // Devanagari 10
    EXPECT_EQ(Scale("８"), 8);   // full-width digit from a phone keyboard
}

TEST(ParseAnswerScale, NumberWordsEnglishHinglishDevanagari) {
    EXPECT_EQ(Scale("seven"), 7);
    EXPECT_EQ(Scale("Seven!"), 7);
    EXPECT_EQ(Scale("TEN"), 10);
    EXPECT_EQ(Scale("zero"), 0);
    EXPECT_EQ(Scale("seven out of ten"), 7);
    const std::pair<const char*, int> kHinglish[] = {
        {"shunya", 0}, {"sifar", 0},  {"ek", 1},    {"do", 2},    {"teen", 3},  {"char", 4},
        {"chaar", 4},  {"paanch", 5}, {"panch", 5}, {"chhe", 6},  {"chhah", 6}, {"saat", 7},
        {"aath", 8},   {"nau", 9},    {"das", 10},  {"Saat.", 7}, {"DAS", 10},
    };
    for (const auto& [word, value] : kHinglish) {
        EXPECT_EQ(Scale(word), value) << word;
    }
    EXPECT_EQ(Scale("सात"), 7);
    EXPECT_EQ(Scale("दस"), 10);
}

TEST(ParseAnswerScale, UnusableWithAReasonButNoPatientText) {
    for (const char* text :
         {"11", "-1", "100", "7.5", "7,5", "seven eight", "7 8", "", "   ", "?!", "a lot", "999999999999", "7/9"}) {
        const auto parsed = ParseAnswer(MakeQuestion("pain", QuestionType::kScale0To10), text, "en");
        EXPECT_FALSE(parsed.usable) << text;
        EXPECT_FALSE(parsed.problem.empty()) << text;
        if (std::string_view(text).size() > 2) {
            EXPECT_EQ(parsed.problem.find(text), std::string::npos) << parsed.problem;
        }
    }
    EXPECT_EQ(ParseAnswer(MakeQuestion("pain", QuestionType::kScale0To10), "11", "en").problem,
              "the number is not from 0 to 10");
    EXPECT_EQ(ParseAnswer(MakeQuestion("pain", QuestionType::kScale0To10), "7.5", "en").problem,
              "not a whole number from 0 to 10");
    EXPECT_EQ(ParseAnswer(MakeQuestion("pain", QuestionType::kScale0To10), std::string(600, '7'), "en").problem,
              "the answer is too long");
}

TEST(ParseAnswerYesNo, EnglishHinglishDevanagari) {
    for (const char* yes : {"yes", "YES", "Yes.", " y ", "yeah", "yep", "yup", "haan", "han", "ha", "ji", "ji haan",
                            "Ji Haan!", "haan ji", "हाँ", "हां", "जी हाँ", "yes I did", "Yes 👍"}) {
        EXPECT_EQ(YesNo(yes), true) << yes;
    }
    for (const char* no :
         {"no", "NO", "n", "nope", "nahi", "nahin", "na", "ji nahi", "नहीं", "No.", "no fever", "nahi ji"}) {
        EXPECT_EQ(YesNo(no), false) << no;
    }
}

TEST(ParseAnswerYesNo, BothOrNeitherOrOkAreUnusable) {
    for (const char* text : {"yes no", "yes/no", "haan nahi", "yes, but not much", "maybe", "", "fever", "2"}) {
        EXPECT_EQ(YesNo(text), std::nullopt) << text;
    }
    // "ok" is refused: to "Did you have a fever?" it may mean "I am ok" (no) or "ok, yes".
    for (const char* text : {"ok", "OK", "okay", "k", "fine"}) {
        const auto parsed = ParseAnswer(MakeQuestion("fever", QuestionType::kYesNo), text, "en");
        EXPECT_FALSE(parsed.usable) << text;
        EXPECT_EQ(parsed.problem, "'ok' does not say yes or no") << text;
    }
    EXPECT_EQ(ParseAnswer(MakeQuestion("fever", QuestionType::kYesNo), "yes no", "en").problem, "both yes and no");
}

TEST(ParseAnswerChoice, NumberKeyOrLabel) {
    EXPECT_EQ(ChoiceKey("1"), "better");
    EXPECT_EQ(ChoiceKey("3"), "much_worse");
    EXPECT_EQ(ChoiceKey(" 2."), "same");
    EXPECT_EQ(ChoiceKey("३"), "much_worse");
    EXPECT_EQ(ChoiceKey("much_worse"), "much_worse");
    EXPECT_EQ(ChoiceKey("Much worse"), "much_worse");
    EXPECT_EQ(ChoiceKey("MUCH WORSE!"), "much_worse");
    EXPECT_EQ(ChoiceKey("the same"), "same");
    EXPECT_EQ(ChoiceKey("बेहतर", "hi"), "better");
    EXPECT_EQ(ChoiceKey("better", "hi"), "better");  // English label still accepted in Hindi
    EXPECT_EQ(ChoiceKey("0"), "<unusable>");
    EXPECT_EQ(ChoiceKey("4"), "<unusable>");
    EXPECT_EQ(ChoiceKey("purple"), "<unusable>");
    EXPECT_EQ(ChoiceKey(""), "<unusable>");
}

TEST(ParseAnswerFreeText, AnyNonEmptyTextTrimmedAndClean) {
    const Question notes = MakeQuestion("notes", QuestionType::kFreeText);
    const auto parsed = ParseAnswer(notes, "  Wound is a bit red\n near the stitches.  ", "en");
    ASSERT_TRUE(parsed.usable);
    EXPECT_EQ(parsed.value.text, "Wound is a bit red\n near the stitches.");
    EXPECT_EQ(ParseAnswer(notes, "घाव ठीक है", "hi").value.text, "घाव ठीक है");
    EXPECT_EQ(ParseAnswer(notes, std::string("a\0b", 3), "en").value.text, "a b");  // NUL never reaches the crm
    EXPECT_EQ(ParseAnswer(notes, "\xff\xfe ok", "en").value.text, "\xEF\xBF\xBD\xEF\xBF\xBD ok");
    EXPECT_FALSE(ParseAnswer(notes, " \t\n ", "en").usable);
    EXPECT_EQ(ParseAnswer(notes, "", "en").problem, "empty answer");
    EXPECT_FALSE(ParseAnswer(notes, std::string(kMaxFreeTextBytes + 1, 'a'), "en").usable);
}

TEST(RedFlagOf, PerTypeAndLabel) {
    Question pain = MakeQuestion("pain", QuestionType::kScale0To10, ">= 8");
    pain.red_flag_label = "uncontrolled_pain";
    EXPECT_EQ(RedFlagOf(pain, AnswerValue{.type = QuestionType::kScale0To10, .number = 8}), "uncontrolled_pain");
    EXPECT_EQ(RedFlagOf(pain, AnswerValue{.type = QuestionType::kScale0To10, .number = 10}), "uncontrolled_pain");
    EXPECT_EQ(RedFlagOf(pain, AnswerValue{.type = QuestionType::kScale0To10, .number = 7}), std::nullopt);
    EXPECT_EQ(RedFlagOf(pain, AnswerValue{.type = QuestionType::kScale0To10}), std::nullopt);  // unanswered

    const Question gt = MakeQuestion("pain", QuestionType::kScale0To10, "> 7");
    EXPECT_EQ(RedFlagOf(gt, AnswerValue{.type = QuestionType::kScale0To10, .number = 8}), "pain");
    EXPECT_EQ(RedFlagOf(gt, AnswerValue{.type = QuestionType::kScale0To10, .number = 7}), std::nullopt);
    const Question low = MakeQuestion("mobility", QuestionType::kScale0To10, "<= 2");
    EXPECT_EQ(RedFlagOf(low, AnswerValue{.type = QuestionType::kScale0To10, .number = 2}), "mobility");
    EXPECT_EQ(RedFlagOf(low, AnswerValue{.type = QuestionType::kScale0To10, .number = 3}), std::nullopt);
    const Question zero = MakeQuestion("appetite", QuestionType::kScale0To10, "== 0");
    EXPECT_EQ(RedFlagOf(zero, AnswerValue{.type = QuestionType::kScale0To10, .number = 0}), "appetite");
    EXPECT_EQ(RedFlagOf(zero, AnswerValue{.type = QuestionType::kScale0To10, .number = 1}), std::nullopt);

    Question fever = MakeQuestion("fever", QuestionType::kYesNo, "yes");
    fever.red_flag_label = "fever";
    EXPECT_EQ(RedFlagOf(fever, AnswerValue{.type = QuestionType::kYesNo, .yes = true}), "fever");
    EXPECT_EQ(RedFlagOf(fever, AnswerValue{.type = QuestionType::kYesNo, .yes = false}), std::nullopt);
    const Question eating = MakeQuestion("eating", QuestionType::kYesNo, "no");
    EXPECT_EQ(RedFlagOf(eating, AnswerValue{.type = QuestionType::kYesNo, .yes = false}), "eating");
    EXPECT_EQ(RedFlagOf(eating, AnswerValue{.type = QuestionType::kYesNo, .yes = true}), std::nullopt);

    const Question wound = MakeQuestion("wound", QuestionType::kSingleChoice, "in [much_worse]");
    EXPECT_EQ(RedFlagOf(wound, AnswerValue{.type = QuestionType::kSingleChoice, .choice_key = "much_worse"}), "wound");
    EXPECT_EQ(RedFlagOf(wound, AnswerValue{.type = QuestionType::kSingleChoice, .choice_key = "same"}), std::nullopt);

    const Question no_rule = MakeQuestion("pain", QuestionType::kScale0To10);
    EXPECT_EQ(RedFlagOf(no_rule, AnswerValue{.type = QuestionType::kScale0To10, .number = 10}), std::nullopt);
    // A value of another type (a stale stored answer) never raises the flag.
    EXPECT_EQ(RedFlagOf(fever, AnswerValue{.type = QuestionType::kScale0To10, .number = 10}), std::nullopt);
}

TEST(RedFlagOf, FromParsedAnswers) {
    const Question pain = MakeQuestion("pain", QuestionType::kScale0To10, ">= 8");
    EXPECT_EQ(RedFlagOf(pain, ParseAnswer(pain, "aath", "hi").value), "pain");
    EXPECT_EQ(RedFlagOf(pain, ParseAnswer(pain, "९", "hi").value), "pain");
    const Question fever = MakeQuestion("fever", QuestionType::kYesNo, "yes");
    EXPECT_EQ(RedFlagOf(fever, ParseAnswer(fever, "ji haan", "hi").value), "fever");
    EXPECT_EQ(RedFlagOf(fever, ParseAnswer(fever, "नहीं", "hi").value), std::nullopt);
}

TEST(AnswerToText, CanonicalForms) {
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kScale0To10, .number = 7}), "7");
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kScale0To10, .number = 0}), "0");
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kYesNo, .yes = true}), "yes");
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kYesNo, .yes = false}), "no");
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kSingleChoice, .choice_key = "worse"}), "worse");
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kFreeText, .text = "sore"}), "sore");
    EXPECT_EQ(AnswerToText(AnswerValue{.type = QuestionType::kYesNo}), "");
    EXPECT_FALSE(IsAnswered(AnswerValue{.type = QuestionType::kYesNo}));
    EXPECT_TRUE(IsAnswered(AnswerValue{.type = QuestionType::kScale0To10, .number = 0}));
}

}  // namespace
}  // namespace carelisten::surveys
