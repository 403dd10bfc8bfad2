#include <gtest/gtest.h>

#include <nlp/models.hpp>
#include <nlp/sentiment.hpp>
#include <utility>

namespace carelisten::nlp {
namespace {

class SentimentTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { models_ = LoadEmbeddedModels().value(); }
    static void TearDownTestSuite() { models_.reset(); }

    static double Score(std::string_view text) { return VaderCompound(models_->lexicon, Normalize(text)); }
    static Sentiment Of(std::string_view text, std::string_view question = {}) {
        return ScoreSentiment(models_->lexicon, Normalize(text), question);
    }

    static std::shared_ptr<const Models> models_;
};

std::shared_ptr<const Models> SentimentTest::models_;

TEST_F(SentimentTest, PlainWords) {
    EXPECT_EQ(Of("The staff were lovely").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("The nurse was rude").label, SentimentLabel::kNegative);
    EXPECT_EQ(Of("I had an appointment on Tuesday").label, SentimentLabel::kNeutral);
    EXPECT_DOUBLE_EQ(Score(""), 0.0);
}

TEST_F(SentimentTest, NegationFlipsPolarity) {
    EXPECT_EQ(Of("good").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("not good").label, SentimentLabel::kNegative);
    EXPECT_NE(Of("not bad").label, SentimentLabel::kNegative);
    EXPECT_EQ(Of("The food wasn't good").label, SentimentLabel::kNegative);
    EXPECT_EQ(Of("never helpful").label, SentimentLabel::kNegative);
    EXPECT_EQ(Of("without any problems").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("no problems at all").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("nobody cared").label, SentimentLabel::kNegative);
}

TEST_F(SentimentTest, NeverSoAndThisIntensifyAsInVader) {
    // Compounds of VADER's JavaScript port (npm vader-sentiment 1.1.3) for the same sentences: "so"/"this"
    // before the word turns a negation three words back into emphasis; a negation two words back stays one.
    const std::pair<std::string_view, double> kReference[] = {
        {"I have never slept so well", 0.4101}, {"never so good", 0.6474},       {"I have not been this happy", 0.657},
        {"The food was never so bad", -0.804},  {"I was not so happy", -0.5815}, {"it was never this good", 0.677},
    };
    for (const auto& [text, compound] : kReference) {
        EXPECT_NEAR(Score(text), compound, 5e-5) << text;
    }
}

TEST_F(SentimentTest, NegationDoesNotCrossClauses) {
    EXPECT_EQ(Of("Not sure, happy overall").label, SentimentLabel::kPositive);
}

TEST_F(SentimentTest, ClauseAfterButWeighsMore) {
    // Same words, swapped around "but": the clause after it decides.
    EXPECT_EQ(Of("The food was good but the staff were rude").label, SentimentLabel::kNegative);
    EXPECT_EQ(Of("The staff were rude but the food was good").label, SentimentLabel::kPositive);
    EXPECT_LT(Score("good but bad"), Score("good and bad"));
}

TEST_F(SentimentTest, IntensifiersAndDampeners) {
    EXPECT_GT(Score("The care was very good"), Score("The care was good"));
    EXPECT_GT(Score("The care was extremely good"), Score("The care was good"));
    EXPECT_LT(Score("The care was slightly good"), Score("The care was good"));
    EXPECT_LT(Score("extremely rude"), Score("rude"));
}

TEST_F(SentimentTest, CapsAndExclamationsEmphasise) {
    EXPECT_GT(Score("the care was GOOD"), Score("the care was good"));
    EXPECT_GT(Score("the care was good!!!"), Score("the care was good"));
    EXPECT_LT(Score("the wait was awful!!"), Score("the wait was awful"));
}

TEST_F(SentimentTest, ElongationReachesTheLexiconAndEmphasises) {
    EXPECT_EQ(Of("goooood").label, SentimentLabel::kPositive);
    EXPECT_GT(Score("it was goooood"), Score("it was good"));
    EXPECT_GT(Score("soooo good"), Score("good"));  // "soooo" → "so", a booster
}

TEST_F(SentimentTest, EmoticonsAndEmoji) {
    EXPECT_EQ(Of(":)").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("Seen today :(").label, SentimentLabel::kNegative);
    EXPECT_EQ(Of("Seen today :-D").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("Seen today <3").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("Seen today \xF0\x9F\x98\xA2").label, SentimentLabel::kNegative);  // crying face
    EXPECT_EQ(Of("Seen today \xF0\x9F\x98\x80").label, SentimentLabel::kPositive);  // grinning face
    EXPECT_LT(EmojiValence(models_->lexicon, "\xF0\x9F\x98\xA0"), 0.0);             // angry face
    EXPECT_EQ(EmojiValence(models_->lexicon, "\xF0\x9F\x9A\x97"), 0.0);             // automobile
}

TEST_F(SentimentTest, TwoWordLexiconEntries) {
    EXPECT_EQ(Of("I am fed up").label, SentimentLabel::kNegative);
}

TEST_F(SentimentTest, ScoreStaysInRange) {
    const double high = Score("AMAZING!!! wonderful, excellent, lovely, perfect, best ever!!!!");
    EXPECT_LE(high, 1.0);
    EXPECT_GT(high, 0.9);
    const double low = Score("horrible awful terrible disgusting worst rude!!!!");
    EXPECT_GE(low, -1.0);
    EXPECT_LT(low, -0.9);
}

TEST_F(SentimentTest, LabelThresholds) {
    EXPECT_EQ(LabelForScore(kPositiveThreshold), SentimentLabel::kPositive);
    EXPECT_EQ(LabelForScore(kNegativeThreshold), SentimentLabel::kNegative);
    EXPECT_EQ(LabelForScore(0.049), SentimentLabel::kNeutral);
    EXPECT_EQ(LabelForScore(-0.049), SentimentLabel::kNeutral);
}

TEST_F(SentimentTest, NothingToImproveIsPraise) {
    for (const std::string_view answer : {"Nothing.", "nothing", "None", "No.", "N/A", "Nothing really", "NOTHING!"}) {
        const Sentiment sentiment = Of(answer, "What could we do better?");
        EXPECT_EQ(sentiment.label, SentimentLabel::kPositive) << answer;
        EXPECT_DOUBLE_EQ(sentiment.score, kNothingToImproveScore) << answer;
    }
    EXPECT_EQ(Of("Nothing.", "How could we improve the service?").label, SentimentLabel::kPositive);
}

TEST_F(SentimentTest, NothingRuleNeedsTheQuestionAndAWholeAnswer) {
    EXPECT_NE(Of("Nothing.").label, SentimentLabel::kPositive);
    EXPECT_NE(Of("Nothing.", "What was good?").label, SentimentLabel::kPositive);
    EXPECT_EQ(Of("Nothing was explained to me, rude staff", "What could we do better?").label,
              SentimentLabel::kNegative);
}

TEST(SentimentQuestions, RecognisesImprovementQuestions) {
    EXPECT_TRUE(AsksWhatToImprove(Normalize("What could we do better?")));
    EXPECT_TRUE(AsksWhatToImprove(Normalize("Is there anything we could improve?")));
    EXPECT_FALSE(AsksWhatToImprove(Normalize("What was good?")));
    EXPECT_TRUE(IsNothingAnswer(Normalize("  nothing really ")));
    EXPECT_FALSE(IsNothingAnswer(Normalize("nothing works")));
    EXPECT_FALSE(IsNothingAnswer(Normalize("")));
}

TEST(ApplyRating, StarsPullTheScoreTowardsTheirDirection) {
    Sentiment neutral;
    neutral.score = 0.0;
    neutral.label = SentimentLabel::kNeutral;
    EXPECT_DOUBLE_EQ(ApplyRating(neutral, 1).score, -kRatingWeight);
    EXPECT_EQ(ApplyRating(neutral, 1).label, SentimentLabel::kNegative);
    EXPECT_DOUBLE_EQ(ApplyRating(neutral, 2).score, -kRatingWeight / 2);
    EXPECT_DOUBLE_EQ(ApplyRating(neutral, 5).score, kRatingWeight);
    EXPECT_EQ(ApplyRating(neutral, 5).label, SentimentLabel::kPositive);
    Sentiment negative;
    negative.score = -0.9;
    negative.label = SentimentLabel::kNegative;
    EXPECT_DOUBLE_EQ(ApplyRating(negative, 5).score, (1 - kRatingWeight) * -0.9 + kRatingWeight);
}

TEST(ApplyRating, NoRatingThreeStarsOutOfRangeAndUnscoredAreUnchanged) {
    Sentiment positive;
    positive.score = 0.6;
    positive.label = SentimentLabel::kPositive;
    for (const std::optional<int> rating :
         {std::optional<int>{}, std::optional<int>{3}, std::optional<int>{0}, std::optional<int>{6}}) {
        EXPECT_EQ(ApplyRating(positive, rating).score, 0.6);
    }
    Sentiment unscored;
    unscored.scored = false;
    EXPECT_EQ(ApplyRating(unscored, 1).score, 0.0);
    EXPECT_FALSE(ApplyRating(unscored, 1).scored);
}

}  // namespace
}  // namespace carelisten::nlp
