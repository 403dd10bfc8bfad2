#include <gtest/gtest.h>

#include <string>
#include <surveys/definition.hpp>
#include <variant>

#include "survey_fixture.hpp"

namespace carelisten::surveys {
namespace {

using testing::Cardiology;
using testing::ExampleToml;

std::vector<DefinitionError> Errors(const std::string& toml) {
    auto parsed = ParseDefinitionToml(toml);
    if (std::holds_alternative<SurveyDefinition>(parsed)) {
        ADD_FAILURE() << "expected errors for:\n" << toml;
        return {};
    }
    return std::get<std::vector<DefinitionError>>(parsed);
}

// The error list has one whose message contains `fragment`, at `line`.
::testing::AssertionResult HasError(const std::vector<DefinitionError>& errors, const std::string& fragment, int line) {
    std::string all;
    for (const auto& error : errors) {
        if (error.message.find(fragment) != std::string::npos && error.line == line) {
            return ::testing::AssertionSuccess();
        }
        all += "\n  " + error.message;
    }
    return ::testing::AssertionFailure() << "no error with '" << fragment << "' at line " << line << " in:" << all;
}

const std::string kHeader = R"([survey]
unit = "cardiology"
version = 1
approved_by = "dr-1"
approved_at = "2026-01-15"
)";

TEST(DefinitionToml, ExampleParsesWithEveryField) {
    const SurveyDefinition definition = Cardiology();
    EXPECT_EQ(definition.unit, "cardiology");
    EXPECT_EQ(definition.version, 3);
    EXPECT_EQ(definition.approved_by, "dr-4711");
    EXPECT_EQ(definition.approved_at, "2026-01-15");
    EXPECT_EQ(definition.time_zone, "Asia/Kolkata");
    EXPECT_EQ(definition.days_after_discharge, 14);
    EXPECT_EQ(definition.reminder_max, 2);
    EXPECT_EQ(definition.reminder_min_gap_hours, 48);
    EXPECT_EQ(definition.expire_after_days, 7);
    EXPECT_EQ(definition.quiet_start, "21:00");
    EXPECT_EQ(definition.quiet_end, "08:00");
    ASSERT_EQ(definition.questions.size(), 4U);
    const Question& pain = definition.questions[0];
    EXPECT_EQ(pain.id, "pain");
    EXPECT_EQ(pain.type, QuestionType::kScale0To10);
    ASSERT_TRUE(pain.red_flag.has_value());
    EXPECT_EQ(pain.red_flag->kind, RedFlagKind::kCompare);
    EXPECT_EQ(pain.red_flag->comparison, Comparison::kGreaterEqual);
    EXPECT_EQ(pain.red_flag->threshold, 8);
    EXPECT_EQ(pain.red_flag_label, "uncontrolled_pain");
    EXPECT_TRUE(pain.required);
    EXPECT_EQ(definition.questions[1].type, QuestionType::kYesNo);
    EXPECT_EQ(definition.questions[1].red_flag->kind, RedFlagKind::kYes);
    const Question& wound = definition.questions[2];
    ASSERT_EQ(wound.choices.size(), 4U);
    EXPECT_EQ(wound.choices[3].key, "much_worse");
    EXPECT_EQ(wound.choices[3].labels.at("hi"), "बहुत खराब");
    EXPECT_EQ(wound.red_flag->choice_keys, (std::vector<std::string>{"worse", "much_worse"}));
    EXPECT_EQ(definition.questions[3].type, QuestionType::kFreeText);
    EXPECT_FALSE(definition.questions[3].required);
}

TEST(DefinitionToml, DefaultsApplyAndPlainTextIsEnglish) {
    auto parsed = ParseDefinitionToml(kHeader + R"(
[[question]]
id = "fever"
type = "yes_no"
text = "Fever?"
)");
    ASSERT_TRUE(std::holds_alternative<SurveyDefinition>(parsed));
    const auto& definition = std::get<SurveyDefinition>(parsed);
    EXPECT_EQ(definition.days_after_discharge, 14);
    EXPECT_EQ(definition.reminder_max, 2);
    EXPECT_EQ(definition.reminder_min_gap_hours, 48);
    EXPECT_EQ(definition.expire_after_days, 7);
    EXPECT_EQ(definition.time_zone, "UTC");
    EXPECT_EQ(definition.questions[0].text.at("en"), "Fever?");
    EXPECT_FALSE(definition.questions[0].red_flag.has_value());
}

TEST(DefinitionToml, BareTomlDateIsAccepted) {
    auto parsed = ParseDefinitionToml(R"([survey]
unit = "ortho"
version = 2
approved_by = "dr-2"
approved_at = 2026-02-03
[[question]]
id = "pain"
type = "scale_0_10"
text = { en = "Pain?" }
)");
    ASSERT_TRUE(std::holds_alternative<SurveyDefinition>(parsed));
    EXPECT_EQ(std::get<SurveyDefinition>(parsed).approved_at, "2026-02-03");
}

TEST(DefinitionToml, SyntaxErrorHasLineAndColumn) {
    const auto errors = Errors("[survey]\nunit = \"x\"\nversion = = 1\n");
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].line, 3);
    EXPECT_GT(errors[0].column, 0);
    EXPECT_TRUE(errors[0].message.starts_with("3:")) << errors[0].message;
    EXPECT_NE(errors[0].message.find("not valid TOML"), std::string::npos);
}

TEST(DefinitionToml, UnknownKeysAreRefusedAtEveryLevel) {
    const auto errors = Errors(R"([survey]
unit = "cardiology"
version = 1
approved_by = "dr-1"
approved_at = "2026-01-15"
colour = "red"
[survey.settings]
reminder_maximum = 3
[[question]]
id = "pain"
type = "scale_0_10"
text = { en = "Pain?" }
weight = 2
[extra]
)");
    EXPECT_TRUE(HasError(errors, "survey.colour: unknown key", 6));
    EXPECT_TRUE(HasError(errors, "survey.settings.reminder_maximum: unknown key", 8));
    EXPECT_TRUE(HasError(errors, "question[1].weight: unknown key", 13));
    EXPECT_TRUE(HasError(errors, "extra: unknown key", 14));
    EXPECT_EQ(errors.size(), 4U);
}

TEST(DefinitionToml, IdsMustBeUniqueAndLowerCase) {
    const auto errors = Errors(kHeader + R"(
[[question]]
id = "pain"
type = "scale_0_10"
text = { en = "Pain?" }

[[question]]
id = "pain"
type = "scale_0_10"
text = { en = "Pain again?" }

[[question]]
id = "Fever-1"
type = "yes_no"
text = { en = "Fever?" }
)");
    EXPECT_TRUE(HasError(errors, "question[2].id: 'pain' is used by an earlier question", 13));
    EXPECT_TRUE(HasError(errors, "question[3].id: is required: lower-case", 18));
    EXPECT_EQ(errors.size(), 2U);
}

TEST(DefinitionToml, RedFlagThatCannotMatchItsTypeIsRefused) {
    const auto errors = Errors(kHeader + R"(
[[question]]
id = "pain"
type = "scale_0_10"
text = { en = "Pain?" }
red_flag = "yes"

[[question]]
id = "fever"
type = "yes_no"
text = { en = "Fever?" }
red_flag = ">= 8"

[[question]]
id = "too_high"
type = "scale_0_10"
text = { en = "Pain?" }
red_flag = "> 10"

[[question]]
id = "wound"
type = "single_choice"
text = { en = "Wound?" }
red_flag = "in [worse, purple]"
[[question.choice]]
key = "better"
label = { en = "Better" }
[[question.choice]]
key = "worse"
label = { en = "Worse" }

[[question]]
id = "notes"
type = "free_text"
text = { en = "Notes?" }
red_flag = "yes"

[[question]]
id = "garbled"
type = "scale_0_10"
text = { en = "Pain?" }
red_flag = "about 8"
)");
    EXPECT_TRUE(HasError(errors, "question[1].red_flag: 'yes': 'yes'/'no' rules need a yes_no question", 11));
    EXPECT_TRUE(HasError(errors, "question[2].red_flag: '>= 8': comparison rules need a scale_0_10", 17));
    EXPECT_TRUE(HasError(errors, "question[3].red_flag: '> 10': the rule can never match", 23));
    EXPECT_TRUE(HasError(errors, "question[4].red_flag: 'in [worse, purple]': the rule names 'purple'", 29));
    EXPECT_TRUE(HasError(errors, "question[5].red_flag: free_text answers cannot raise a red flag", 41));
    EXPECT_TRUE(HasError(errors, "question[6].red_flag: not a rule", 47));
    EXPECT_EQ(errors.size(), 6U);
}

TEST(DefinitionToml, AtLeastOneQuestion) {
    const auto errors = Errors(kHeader);
    EXPECT_TRUE(HasError(errors, "question: a survey needs at least one [[question]]", 1));
}

TEST(DefinitionToml, AtMostTwentyQuestions) {
    std::string toml = kHeader;
    for (int i = 0; i < 21; ++i) {
        toml += "[[question]]\nid = \"q" + std::to_string(i) + "\"\ntype = \"yes_no\"\ntext = { en = \"Q?\" }\n";
    }
    const auto errors = Errors(toml);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_NE(errors[0].message.find("at most 20 questions"), std::string::npos) << errors[0].message;
    EXPECT_EQ(errors[0].line, 6);  // the first [[question]]
}

TEST(DefinitionToml, EveryProblemIsReportedWithItsLine) {
    const auto errors = Errors(R"([survey]
unit = "Cardiology Unit"
version = "three"
approved_at = "2026-02-30"
[survey.settings]
reminder_max = 9
quiet_start = "9pm"
time_zone = "Mars/Olympus"
[[question]]
id = "wound"
type = "single_choice"
text = { hi = "घाव?" }
[[question.choice]]
key = "only"
label = { en = "Only" }
[[question]]
id = "x"
type = "slider"
text = { en = "X?" }
required = "yes"
)");
    EXPECT_TRUE(HasError(errors, "survey.unit: is required", 2));
    EXPECT_TRUE(HasError(errors, "survey.version: must be an integer", 3));
    EXPECT_TRUE(HasError(errors, "survey.approved_by: is required", 1));
    EXPECT_TRUE(HasError(errors, "survey.approved_at: is required: an ISO date", 4));
    EXPECT_TRUE(HasError(errors, "survey.settings.reminder_max: must be from 0 to 5", 6));
    EXPECT_TRUE(HasError(errors, "survey.settings.quiet_start: must be a time HH:MM", 7));
    EXPECT_TRUE(HasError(errors, "survey.settings.time_zone: must be an IANA time zone", 8));
    EXPECT_TRUE(HasError(errors, "question[1].text: wording needs an English wording", 12));
    EXPECT_TRUE(HasError(errors, "question[1].choice: a single_choice question needs 2 to 9", 13));
    EXPECT_TRUE(HasError(errors, "question[2].type: must be one of", 18));
    EXPECT_TRUE(HasError(errors, "question[2].required: must be true or false", 20));
    // "version" is reported once (its type), not again as "required".
    int version_errors = 0;
    for (const auto& error : errors) {
        version_errors += error.message.find("survey.version") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(version_errors, 1);
}

TEST(DefinitionToml, MissingSurveyTable) {
    const auto errors = Errors("[[question]]\nid = \"a\"\ntype = \"yes_no\"\ntext = \"A?\"\n");
    EXPECT_TRUE(HasError(errors, "survey: the [survey] table is required", 1));
}

TEST(DefinitionToml, ChoicesOnlyOnSingleChoiceAndRedFlagLabelNeedsRule) {
    const auto errors = Errors(kHeader + R"(
[[question]]
id = "fever"
type = "yes_no"
text = { en = "Fever?" }
red_flag_label = "fever"
[[question.choice]]
key = "a"
label = { en = "A" }
)");
    EXPECT_TRUE(HasError(errors, "question[1].red_flag_label: is set but the question has no red_flag", 11));
    EXPECT_TRUE(HasError(errors, "question[1].choice: only single_choice questions have choices", 12));
}

TEST(RedFlagRuleGrammar, EveryForm) {
    const auto ge = ParseRedFlagRule(">= 8");
    ASSERT_TRUE(ge);
    EXPECT_EQ(ge->comparison, Comparison::kGreaterEqual);
    EXPECT_EQ(ge->threshold, 8);
    EXPECT_EQ(ParseRedFlagRule("> 7")->comparison, Comparison::kGreater);
    EXPECT_EQ(ParseRedFlagRule("<= 2")->comparison, Comparison::kLessEqual);
    EXPECT_EQ(ParseRedFlagRule("<3")->comparison, Comparison::kLess);
    EXPECT_EQ(ParseRedFlagRule("== 0")->comparison, Comparison::kEqual);
    EXPECT_EQ(ParseRedFlagRule("== 0")->threshold, 0);
    EXPECT_EQ(ParseRedFlagRule(" YES ")->kind, RedFlagKind::kYes);
    EXPECT_EQ(ParseRedFlagRule("no")->kind, RedFlagKind::kNo);
    const auto in = ParseRedFlagRule("in [worse, much_worse]");
    ASSERT_TRUE(in);
    EXPECT_EQ(in->kind, RedFlagKind::kInChoices);
    EXPECT_EQ(in->choice_keys, (std::vector<std::string>{"worse", "much_worse"}));
    EXPECT_EQ(in->text, "in [worse, much_worse]");
    for (const char* bad : {"", ">=", "> eight", "in []", "in [a,,b]", "in worse", "maybe", "= 3", "=> 3", ">= 8x"}) {
        EXPECT_FALSE(ParseRedFlagRule(bad)) << bad;
    }
}

TEST(Wording, TranslationElseEnglish) {
    const SurveyDefinition definition = Cardiology();
    const Question& fever = definition.questions[1];
    EXPECT_EQ(Wording(fever, "hi"), "घर जाने के बाद क्या आपको बुखार हुआ है?");
    EXPECT_EQ(Wording(fever, "en"), "Have you had a fever since you went home?");
    EXPECT_EQ(Wording(fever, "fr"), "Have you had a fever since you went home?");
    EXPECT_EQ(Label(definition.questions[2].choices[0], "hi"), "बेहतर");
    EXPECT_EQ(Label(definition.questions[2].choices[0], "ta"), "Better");
}

TEST(DefinitionJson, RoundTripIsExactAndCanonical) {
    const SurveyDefinition definition = Cardiology();
    const std::string json = ToJson(definition);
    const auto back = FromJson(json);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, definition);
    EXPECT_EQ(ToJson(*back), json);
    EXPECT_TRUE(json.starts_with(R"({"unit":"cardiology","version":3,"approved_by":"dr-4711")")) << json;
    EXPECT_NE(json.find(R"("red_flag":"in [worse, much_worse]")"), std::string::npos);
    EXPECT_NE(json.find(R"("time_zone":"Asia/Kolkata")"), std::string::npos);
}

TEST(DefinitionJson, RefusesMalformedAndInvalid) {
    EXPECT_FALSE(FromJson(""));
    EXPECT_FALSE(FromJson("[]"));
    EXPECT_FALSE(FromJson("{\"unit\":\"x\"}"));
    std::string json = ToJson(Cardiology());
    std::string bad_type = json;
    bad_type.replace(bad_type.find("scale_0_10"), 10, "slider_010");
    EXPECT_FALSE(FromJson(bad_type));
    std::string bad_zone = json;
    bad_zone.replace(bad_zone.find("Asia/Kolkata"), 12, "Asia/Nowhere");
    EXPECT_FALSE(FromJson(bad_zone));  // ValidateDefinition runs on what the crm gives back
    EXPECT_FALSE(FromJson(std::string(100000, '[')));
}

TEST(ValidateDefinition, SpeaksInPaths) {
    SurveyDefinition definition = Cardiology();
    definition.questions[1].id = "pain";
    const auto errors = ValidateDefinition(definition);
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].message, "question[2].id: 'pain' is used by an earlier question: ids must be unique");
    EXPECT_EQ(errors[0].line, 0);
    EXPECT_TRUE(ValidateDefinition(Cardiology()).empty());
}

TEST(QuestionTypeNames, RoundTrip) {
    for (const auto type :
         {QuestionType::kScale0To10, QuestionType::kYesNo, QuestionType::kSingleChoice, QuestionType::kFreeText}) {
        EXPECT_EQ(ParseQuestionType(ToString(type)), type);
    }
    EXPECT_FALSE(ParseQuestionType("Scale_0_10"));
}

}  // namespace
}  // namespace carelisten::surveys
