#include <gtest/gtest.h>

#include <string>
#include <surveys/sms_dialog.hpp>

#include "survey_fixture.hpp"

namespace carelisten::surveys {
namespace {

using testing::Cardiology;

bool Contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

TEST(SmsQuestion, NumberedWithHint) {
    const SurveyDefinition definition = Cardiology();
    EXPECT_EQ(SmsQuestion(definition, 1, "en"), "Q2/4: Have you had a fever since you went home? Reply YES or NO.");
    EXPECT_EQ(SmsQuestion(definition, 0, "en"),
              "Q1/4: How much pain do you have today, from 0 (none) to 10 (worst)? Reply with a number from 0 to 10.");
    EXPECT_EQ(SmsQuestion(definition, 2, "en"),
              "Q3/4: How does your wound look compared with the day you left? Reply with the number: 1 Better, 2 The "
              "same, 3 Worse, 4 Much worse.");
    EXPECT_EQ(SmsQuestion(definition, 3, "en"),
              "Q4/4: Anything else you want your care team to know? Reply in a few words. Or reply SKIP.");
    EXPECT_EQ(SmsQuestion(definition, 4, "en"), "");
}

TEST(SmsQuestion, LocalizedHintWhereTranslated) {
    SurveyDefinition definition = Cardiology();
    EXPECT_EQ(SmsQuestion(definition, 1, "hi"),
              "Q2/4: घर जाने के बाद क्या आपको बुखार हुआ है? हाँ या नहीं (YES या NO) लिखकर उत्तर दें।");
    // No Hindi wording: English wording with the English hint, never a mix.
    definition.questions[1].text.erase("hi");
    EXPECT_EQ(SmsQuestion(definition, 1, "hi"), "Q2/4: Have you had a fever since you went home? Reply YES or NO.");
    // A language without sentences: English hint under the translated wording is the fallback.
    definition.questions[1].text["ta"] = "காய்ச்சல்?";
    EXPECT_EQ(SmsQuestion(definition, 1, "ta"), "Q2/4: காய்ச்சல்? Reply YES or NO.");
}

TEST(SmsInvitation, IntroStopAndFirstQuestion) {
    const SurveyDefinition definition = Cardiology();
    const std::string text = SmsInvitation(definition, "en", "City Hospital", "https://f.example/s/abc");
    EXPECT_TRUE(Contains(text, "City Hospital")) << text;
    EXPECT_TRUE(Contains(text, "cardiology")) << text;
    EXPECT_TRUE(Contains(text, "4 short questions")) << text;
    EXPECT_TRUE(Contains(text, "https://f.example/s/abc")) << text;
    EXPECT_TRUE(Contains(text, "Reply STOP to opt out.")) << text;
    EXPECT_TRUE(text.ends_with(SmsQuestion(definition, 0, "en"))) << text;
    EXPECT_LE(text.size(), kSmsTargetLength);
}

TEST(SmsInvitation, ShorterIntroWhenLong) {
    const SurveyDefinition definition = Cardiology();
    const std::string hospital = "All India Institute of Medical Sciences and Research Centre, New Delhi";
    const std::string text = SmsInvitation(definition, "en", hospital, "https://followup.hospital.example/s/abcdef");
    EXPECT_TRUE(Contains(text, "(cardiology) follow-up: 4 questions.")) << text;
    EXPECT_TRUE(Contains(text, "Reply STOP to opt out.")) << text;
    EXPECT_LE(text.size(), kSmsTargetLength) << text.size();
}

TEST(SmsInvitation, HindiAndNoUrlAndSingleQuestion) {
    SurveyDefinition definition = Cardiology();
    const std::string hindi = SmsInvitation(definition, "hi", "सिटी अस्पताल", "");
    EXPECT_TRUE(Contains(hindi, "सिटी अस्पताल")) << hindi;
    EXPECT_TRUE(Contains(hindi, "STOP")) << hindi;
    EXPECT_FALSE(Contains(hindi, "ऑनलाइन")) << hindi;
    EXPECT_TRUE(Contains(hindi, SmsQuestion(definition, 0, "hi"))) << hindi;
    definition.questions.resize(1);
    EXPECT_TRUE(Contains(SmsInvitation(definition, "en", "H", ""), "1 short question by SMS"));
}

// The whole conversation of the brief: a re-ask, a give-up, a red flag, the finish.
TEST(ApplySmsReply, FullConversation) {
    const SurveyDefinition definition = Cardiology();
    SmsDialogState state;

    // Q1 pain: "eleven" is unusable -> re-asked once with the expected form.
    SmsStep step = ApplySmsReply(definition, state, "eleven", "en");
    EXPECT_FALSE(step.recorded.has_value());
    EXPECT_EQ(step.state.reasks_of_current, 1);
    EXPECT_EQ(step.state.next_question, 0U);
    EXPECT_EQ(step.reply,
              "Sorry, we did not understand. Q1/4: How much pain do you have today, from 0 (none) to 10 (worst)? "
              "Please reply with a number from 0 to 10.");
    EXPECT_FALSE(step.gave_up_on_question);

    // "9": recorded, and it is a red flag.
    step = ApplySmsReply(definition, step.state, "9", "en");
    ASSERT_TRUE(step.recorded.has_value());
    EXPECT_EQ(step.recorded->first, "pain");
    EXPECT_EQ(step.recorded->second.number, 9);
    EXPECT_EQ(step.red_flags, std::vector<std::string>{"uncontrolled_pain"});
    EXPECT_EQ(step.state.reasks_of_current, 0);
    EXPECT_EQ(step.state.next_question, 1U);
    EXPECT_EQ(step.reply, SmsQuestion(definition, 1, "en"));

    // Q2 fever: two unusable answers -> given up, recorded unanswered, next question.
    step = ApplySmsReply(definition, step.state, "maybe", "en");
    EXPECT_EQ(step.state.reasks_of_current, 1);
    EXPECT_TRUE(Contains(step.reply, "Please reply YES or NO.")) << step.reply;
    step = ApplySmsReply(definition, step.state, "ok", "en");
    EXPECT_TRUE(step.gave_up_on_question);
    ASSERT_TRUE(step.recorded.has_value());
    EXPECT_EQ(step.recorded->first, "fever");
    EXPECT_FALSE(IsAnswered(step.recorded->second));
    EXPECT_TRUE(step.red_flags.empty());
    EXPECT_EQ(step.reply, SmsQuestion(definition, 2, "en"));

    // Q3 wound: by number.
    step = ApplySmsReply(definition, step.state, "2", "en");
    EXPECT_EQ(step.recorded->second.choice_key, "same");
    EXPECT_FALSE(step.finished);

    // Q4 comments (not required): SKIP -> unanswered, finished, thank-you with the red-flag advice.
    step = ApplySmsReply(definition, step.state, "Skip", "en");
    EXPECT_TRUE(step.finished);
    EXPECT_TRUE(step.state.finished);
    EXPECT_FALSE(IsAnswered(step.recorded->second));
    EXPECT_EQ(step.reply,
              "Thank you. Your answers have been sent to your care team. If you feel very unwell, call the hospital "
              "or your emergency number now.");
    ASSERT_EQ(step.state.answers.size(), 4U);
    EXPECT_EQ(step.state.answers[0].first, "pain");
    EXPECT_EQ(step.state.answers[2].second.choice_key, "same");

    // A message after the end: nothing to send, nothing recorded.
    const SmsStep late = ApplySmsReply(definition, step.state, "thanks", "en");
    EXPECT_EQ(late.reply, "");
    EXPECT_FALSE(late.recorded.has_value());
    EXPECT_TRUE(late.finished);
    EXPECT_EQ(late.state, step.state);
}

TEST(ApplySmsReply, HinglishConversationWithoutRedFlag) {
    const SurveyDefinition definition = Cardiology();
    SmsStep step = ApplySmsReply(definition, {}, "teen", "hi");
    EXPECT_EQ(step.recorded->second.number, 3);
    EXPECT_TRUE(step.red_flags.empty());
    EXPECT_EQ(step.reply, SmsQuestion(definition, 1, "hi"));
    step = ApplySmsReply(definition, step.state, "ji nahi", "hi");
    EXPECT_EQ(step.recorded->second.yes, false);
    step = ApplySmsReply(definition, step.state, "बेहतर", "hi");
    EXPECT_EQ(step.recorded->second.choice_key, "better");
    step = ApplySmsReply(definition, step.state, "सब ठीक है, धन्यवाद", "hi");
    EXPECT_EQ(step.recorded->second.text, "सब ठीक है, धन्यवाद");
    EXPECT_TRUE(step.finished);
    EXPECT_EQ(step.reply, "धन्यवाद। आपके उत्तर आपकी देखभाल टीम को भेज दिए गए हैं।");
}

TEST(ApplySmsReply, FeverYesIsARedFlagAndRequiredQuestionsCannotBeSkipped) {
    const SurveyDefinition definition = Cardiology();
    SmsDialogState state;
    state.next_question = 1;
    const SmsStep skip = ApplySmsReply(definition, state, "skip", "en");
    EXPECT_FALSE(skip.recorded.has_value());  // required: "skip" is just an unusable answer, re-asked
    EXPECT_EQ(skip.state.reasks_of_current, 1);
    const SmsStep yes = ApplySmsReply(definition, skip.state, "haan", "en");
    EXPECT_EQ(yes.red_flags, std::vector<std::string>{"fever"});
    EXPECT_EQ(yes.recorded->second.yes, true);
}

TEST(ApplySmsReply, StateFromBeyondTheSurveyIsFinished) {
    const SurveyDefinition definition = Cardiology();
    SmsDialogState state;
    state.next_question = 99;
    const SmsStep step = ApplySmsReply(definition, state, "7", "en");
    EXPECT_TRUE(step.finished);
    EXPECT_EQ(step.reply, "");
}

TEST(DialogJson, RoundTrip) {
    SmsDialogState state;
    state.next_question = 3;
    state.reasks_of_current = 1;
    state.answers = {{"pain", AnswerValue{.type = QuestionType::kScale0To10, .number = 9}},
                     {"fever", AnswerValue{.type = QuestionType::kYesNo}},
                     {"wound", AnswerValue{.type = QuestionType::kSingleChoice, .choice_key = "same"}},
                     {"comments", AnswerValue{.type = QuestionType::kFreeText, .text = "\"sore\" \\ घाव"}}};
    const std::string json = ToJson(state);
    const auto back = DialogFromJson(json);
    ASSERT_TRUE(back.has_value()) << json;
    EXPECT_EQ(*back, state);
    EXPECT_EQ(ToJson(*back), json);
    EXPECT_FALSE(DialogFromJson("{}"));
    EXPECT_FALSE(DialogFromJson("not json"));
    // A number on a yes/no answer: a stored state that does not fit its own types is refused.
    EXPECT_FALSE(DialogFromJson(R"({"next_question":0,"reasks_of_current":0,"answers":)"
                                R"([{"question":"p","value":{"type":"yes_no","number":3}}],"finished":false})"));
    EXPECT_FALSE(DialogFromJson(R"({"next_question":-1,"reasks_of_current":0,"answers":[],"finished":false})"));
    const auto value = AnswerFromJson(AnswerToJson(AnswerValue{.type = QuestionType::kYesNo, .yes = false}));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(value->yes, false);
}

}  // namespace
}  // namespace carelisten::surveys
