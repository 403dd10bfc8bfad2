#include <gtest/gtest.h>

#include <nlp/analyzer.hpp>
#include <nlp/intent.hpp>
#include <nlp/normalize.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "shared_analyzer_test_base.hpp"

namespace carelisten::nlp {
namespace {

using Tags = std::vector<std::string>;

Sentiment Scored(SentimentLabel label, double score) {
    Sentiment sentiment;
    sentiment.label = label;
    sentiment.score = score;
    return sentiment;
}

const Sentiment kNeutral = Scored(SentimentLabel::kNeutral, 0.0);
const Sentiment kNegative = Scored(SentimentLabel::kNegative, -0.6);
const Sentiment kSlightlyNegative = Scored(SentimentLabel::kNegative, -0.2);
const Sentiment kPositive = Scored(SentimentLabel::kPositive, 0.7);

Intent IntentOf(std::string_view text, const Sentiment& sentiment = kNeutral,
                QuestionKind question = QuestionKind::kNone) {
    return DetectIntent(Normalize(text), sentiment, question);
}

Tags TagsOf(std::string_view text) {
    return DetectTags(Normalize(text));
}

// --- Through the analyzer: the wiring and the brief's examples. ---

class IntentAnalyzerTest : public SharedAnalyzerTest {
protected:
    static Analysis Run(std::string_view text, std::string_view question = {}) {
        AnalysisInput input;
        input.text = text;
        input.channel = Channel::kSurvey;
        input.question = question;
        return analyzer_->Analyze(input);
    }
};

TEST_F(IntentAnalyzerTest, InsuranceQuestionIsBillingInquiry) {
    const Analysis analysis = Run("Does anyone know which insurance the cardiology clinic accepts?");
    EXPECT_EQ(analysis.intent, Intent::kInquiry);
    EXPECT_EQ(analysis.tags, Tags{"billing"});
}

TEST_F(IntentAnalyzerTest, ImprovementAnswerIsWaitingTimeSuggestion) {
    const Analysis analysis = Run("Cut the waiting time", "What could we do better?");
    EXPECT_EQ(analysis.intent, Intent::kSuggestion);
    EXPECT_EQ(analysis.tags, Tags{"waiting_time"});
}

TEST_F(IntentAnalyzerTest, RudeDoctorIsStaffAttitudeComplaint) {
    const Analysis analysis = Run("The doctor was rude");
    EXPECT_EQ(analysis.intent, Intent::kComplaint);
    EXPECT_EQ(analysis.tags, Tags{"staff_attitude"});
}

TEST_F(IntentAnalyzerTest, ThanksIsCompliment) {
    const Analysis analysis = Run("Thank you for the excellent care");
    EXPECT_EQ(analysis.intent, Intent::kCompliment);
    EXPECT_TRUE(analysis.tags.empty());
}

TEST_F(IntentAnalyzerTest, NothingToImproveIsNoSuggestion) {
    const Analysis analysis = Run("Nothing.", "What could we do better?");
    EXPECT_NE(analysis.intent, Intent::kSuggestion);
    EXPECT_TRUE(analysis.tags.empty());
}

TEST_F(IntentAnalyzerTest, EmptyMessageHasNoIntentOrTags) {
    const Analysis analysis = Run("   ");
    EXPECT_EQ(analysis.intent, Intent::kNone);
    EXPECT_TRUE(analysis.tags.empty());
}

TEST_F(IntentAnalyzerTest, MultipleTagsSortedAndUnique) {
    const Analysis analysis = Run("The food was cold, the toilet was dirty and the food came late after a long wait");
    EXPECT_EQ(analysis.tags, (Tags{"cleanliness", "food", "waiting_time"}));
}

// --- DetectIntent rules. ---

TEST(IntentTest, Inquiry) {
    EXPECT_EQ(IntentOf("How do I book an appointment"), Intent::kInquiry);
    EXPECT_EQ(IntentOf("What time is visiting?"), Intent::kInquiry);
    EXPECT_EQ(IntentOf("Where is the cardiology clinic?"), Intent::kInquiry);
    EXPECT_EQ(IntentOf("How much does an MRI cost?"), Intent::kInquiry);
    EXPECT_EQ(IntentOf("When does the pharmacy open on Sundays?"), Intent::kInquiry);
    // Slightly negative is still a question for the front desk.
    EXPECT_EQ(IntentOf("Is my insurance still accepted? I'm a bit worried.", kSlightlyNegative), Intent::kInquiry);
}

TEST(IntentTest, NotInquiry) {
    // A question without an inquiry topic, and a rhetorical "why".
    EXPECT_NE(IntentOf("Is the doctor nice?"), Intent::kInquiry);
    EXPECT_EQ(IntentOf("Why did I have to wait five hours for my appointment?", kNegative), Intent::kComplaint);
    // Strongly negative questions are complaints.
    EXPECT_EQ(IntentOf("What kind of hospital charges this much for nothing?", kNegative), Intent::kComplaint);
    // A topic without a question.
    EXPECT_NE(IntentOf("My appointment was on Monday"), Intent::kInquiry);
}

TEST(IntentTest, Suggestion) {
    EXPECT_EQ(IntentOf("It would be better if the clinic opened earlier"), Intent::kSuggestion);
    EXPECT_EQ(IntentOf("Could you put a water machine in the ward"), Intent::kSuggestion);
    EXPECT_EQ(IntentOf("Please add more chairs in the waiting room"), Intent::kSuggestion);
    EXPECT_EQ(IntentOf("More nurses needed at night"), Intent::kSuggestion);
    EXPECT_EQ(IntentOf("The ward should have a quiet room", kNegative), Intent::kSuggestion);
    EXPECT_EQ(IntentOf("Hire more staff"), Intent::kSuggestion);
    // Any answer but "nothing" to an improvement question.
    EXPECT_EQ(IntentOf("Better signs", kPositive, QuestionKind::kWhatToImprove), Intent::kSuggestion);
    EXPECT_EQ(IntentOf("Nothing really", kPositive, QuestionKind::kWhatToImprove), Intent::kCompliment);
}

TEST(IntentTest, Complaint) {
    EXPECT_EQ(IntentOf("I want to complain about my treatment"), Intent::kComplaint);
    EXPECT_EQ(IntentOf("This is unacceptable"), Intent::kComplaint);
    EXPECT_EQ(IntentOf("The nurse ignored me all night", kNegative), Intent::kComplaint);
    // Complaint phrasing wins over a question.
    EXPECT_EQ(IntentOf("I want to make a complaint, who do I contact about the bill?"), Intent::kComplaint);
    // "No complaints" is not complaint phrasing.
    EXPECT_EQ(IntentOf("No complaints at all", kPositive), Intent::kCompliment);
}

TEST(IntentTest, Compliment) {
    EXPECT_EQ(IntentOf("Thank you for the excellent care"), Intent::kCompliment);
    EXPECT_EQ(IntentOf("The staff were lovely", kPositive), Intent::kCompliment);
    EXPECT_EQ(IntentOf("Thanks to the team, well done"), Intent::kCompliment);
}

TEST(IntentTest, None) {
    EXPECT_EQ(IntentOf(""), Intent::kNone);
    EXPECT_EQ(IntentOf("I was seen on Tuesday"), Intent::kNone);
}

// --- DetectTags word lists. ---

TEST(TagsTest, EachTag) {
    EXPECT_EQ(TagsOf("We waited for ages in the queue"), Tags{"waiting_time"});
    EXPECT_EQ(TagsOf("There was a long delay"), Tags{"waiting_time"});
    EXPECT_EQ(TagsOf("I was charged twice on my bill"), Tags{"billing"});
    EXPECT_EQ(TagsOf("The price was too high"), Tags{"billing"});
    EXPECT_EQ(TagsOf("My payment was lost"), Tags{"billing"});
    EXPECT_EQ(TagsOf("I was discharged too early"), Tags{"discharge"});
    EXPECT_EQ(TagsOf("The meals were cold and there was no drink"), Tags{"food"});
    EXPECT_EQ(TagsOf("The ward was filthy"), Tags{"cleanliness"});
    EXPECT_EQ(TagsOf("Poor hygiene everywhere"), Tags{"cleanliness"});
    EXPECT_EQ(TagsOf("The receptionist was dismissive"), Tags{"staff_attitude"});
    EXPECT_EQ(TagsOf("Such kind and caring nurses"), Tags{"staff_attitude"});
    EXPECT_EQ(TagsOf("My tablets were late and the prescription was wrong"), Tags{"medication"});
    EXPECT_EQ(TagsOf("The pharmacy ran out of my medicine"), Tags{"medication"});
    EXPECT_EQ(TagsOf("Everyone could hear, there was no privacy"), Tags{"privacy"});
    EXPECT_EQ(TagsOf("My appointment was cancelled and rescheduled twice"), Tags{"appointments"});
    EXPECT_EQ(TagsOf("Online booking is broken"), Tags{"appointments"});
    EXPECT_EQ(TagsOf("The car park was full"), Tags{"parking"});
    EXPECT_EQ(TagsOf("Parking is expensive"), Tags{"parking"});
}

TEST(TagsTest, FalseFriends) {
    EXPECT_TRUE(TagsOf("What are the visiting hours").empty());
    EXPECT_TRUE(TagsOf("It was kind of okay").empty());
    EXPECT_EQ(TagsOf("We sat there for hours"), Tags{"waiting_time"});
}

TEST(TagsTest, NoTags) {
    EXPECT_TRUE(TagsOf("").empty());
    EXPECT_TRUE(TagsOf("Everything was fine").empty());
}

TEST(TagsTest, SortedUniqueMultiLabel) {
    EXPECT_EQ(TagsOf("Rude staff, dirty toilets, rude nurses, and the parking cost a fortune"),
              (Tags{"billing", "cleanliness", "parking", "staff_attitude"}));
}

}  // namespace
}  // namespace carelisten::nlp
