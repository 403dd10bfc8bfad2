#include <gtest/gtest.h>

#include <algorithm>
#include <nlp/analyzer.hpp>
#include <nlp/models.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shared_analyzer_test_base.hpp"

namespace carelisten::nlp {
namespace {

class AnalyzerTest : public SharedAnalyzerTest {
protected:
    static Analysis Run(std::string_view text, std::string_view question = {}, std::string_view hint = {}) {
        AnalysisInput input;
        input.text = text;
        input.channel = Channel::kSurvey;
        input.question = question;
        input.language_hint = hint;
        return analyzer_->Analyze(input);
    }
};

bool operator==(const Analysis& a, const Analysis& b) {
    return a.language == b.language && a.sentiment.label == b.sentiment.label &&
           a.sentiment.score == b.sentiment.score && a.sentiment.scored == b.sentiment.scored &&
           a.noise.is_noise == b.noise.is_noise && a.noise.reasons == b.noise.reasons && a.categories == b.categories &&
           a.urgency == b.urgency && a.red_flags == b.red_flags && a.input_repaired == b.input_repaired &&
           a.analyzer_version == b.analyzer_version;
}

const std::vector<std::string>& Corpus() {
    static const std::vector<std::string> corpus = {
        "The staff were lovely and very caring, thank you!",
        "Waited 4 hours, nobody told us anything. Not good enough.",
        "Nothing.",
        "I was given the wrong medication and now I feel awful",
        "No fever, but the wound is red and oozing",
        "I will be contacting my solicitor",
        "\xE0\xA4\xAE\xE0\xA5\x81\xE0\xA4\x9D\xE0\xA5\x87 \xE0\xA4\xAF\xE0\xA4\xB9 \xE0\xA4\x85\xE0\xA4\xB8\xE0\xA5\x8D"
        "\xE0\xA4\xAA\xE0\xA4\xA4\xE0\xA4\xBE\xE0\xA4\xB2 \xE0\xA4\xAA\xE0\xA4\xB8\xE0\xA4\x82\xE0\xA4\xA6 \xE0\xA4\xB9"
        "\xE0\xA5\x88",
        "broken \xC3( utf8 but GREAT care :)",
        "",
        "soooo good!!! \xF0\x9F\x98\x80 #thankyounhs @ward7 https://example.org",
    };
    return corpus;
}

TEST_F(AnalyzerTest, VersionIsStampedOnEveryAnalysis) {
    EXPECT_FALSE(analyzer_->Version().empty());
    EXPECT_EQ(analyzer_->Version().substr(0, 4), "nlp-");
    EXPECT_EQ(Run("fine").analyzer_version, analyzer_->Version());
}

TEST_F(AnalyzerTest, InvalidUtf8IsRepairedAndReported) {
    const Analysis repaired = Run("good \xFF care");
    EXPECT_TRUE(repaired.input_repaired);
    EXPECT_EQ(repaired.sentiment.label, SentimentLabel::kPositive);
    EXPECT_FALSE(Run("good care").input_repaired);
}

TEST_F(AnalyzerTest, EnglishIsDetectedAndScored) {
    const Analysis analysis = Run("The nurses were kind and the ward was clean");
    EXPECT_EQ(analysis.language, "en");
    EXPECT_TRUE(analysis.sentiment.scored);
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kPositive);
    EXPECT_GT(analysis.sentiment.score, 0.0);
    EXPECT_LE(analysis.sentiment.score, 1.0);
}

TEST_F(AnalyzerTest, ShortLatinTextIsUndeterminedButScored) {
    const Analysis analysis = Run("Excellent service");
    EXPECT_EQ(analysis.language, "und");
    EXPECT_TRUE(analysis.sentiment.scored);
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kPositive);
}

TEST_F(AnalyzerTest, DevanagariIsHindiAndNotScored) {
    const Analysis analysis = Run(Corpus()[6]);
    EXPECT_EQ(analysis.language, "hi");
    EXPECT_FALSE(analysis.sentiment.scored);
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kNeutral);
    EXPECT_DOUBLE_EQ(analysis.sentiment.score, 0.0);
    EXPECT_EQ(analysis.urgency, Urgency::kNone);
}

TEST_F(AnalyzerTest, HanIsChineseAndNotScored) {
    const Analysis analysis = Run("\xE6\x9C\x8D\xE5\x8A\xA1\xE5\xBE\x88\xE5\xB7\xAE");  // 服务很差
    EXPECT_EQ(analysis.language, "zh");
    EXPECT_FALSE(analysis.sentiment.scored);
}

TEST_F(AnalyzerTest, LanguageHintIsHonoured) {
    const Analysis french = Run("Le personnel était très bien", {}, "fr-FR");
    EXPECT_EQ(french.language, "fr");
    EXPECT_FALSE(french.sentiment.scored);
    const Analysis english = Run("Excellent service", {}, "EN");
    EXPECT_EQ(english.language, "en");
    EXPECT_TRUE(english.sentiment.scored);
    EXPECT_EQ(Run("Excellent service", {}, "und").language, "und");  // not a usable hint
}

TEST_F(AnalyzerTest, NothingAnsweringWhatCouldWeDoBetterIsPositive) {
    const Analysis analysis = Run("Nothing.", "What could we do better?");
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kPositive);
    EXPECT_EQ(analysis.urgency, Urgency::kNone);
}

TEST_F(AnalyzerTest, UrgencyFromRedFlagsAndSentiment) {
    const Analysis clinical = Run(Corpus()[4]);
    EXPECT_EQ(clinical.red_flags, std::vector<std::string>{"clinical"});
    EXPECT_EQ(clinical.urgency, Urgency::kCritical);

    const Analysis legal = Run(Corpus()[5]);
    EXPECT_EQ(legal.red_flags, std::vector<std::string>{"legal_threat"});
    EXPECT_EQ(legal.urgency, Urgency::kHigh);

    const Analysis complaint = Run(Corpus()[1]);
    EXPECT_TRUE(complaint.red_flags.empty());
    EXPECT_EQ(complaint.sentiment.label, SentimentLabel::kNegative);
    EXPECT_EQ(complaint.urgency, Urgency::kLow);

    const Analysis praise = Run(Corpus()[0]);
    EXPECT_EQ(praise.urgency, Urgency::kNone);

    const Analysis negated = Run("I had no fever and no bleeding, thank you");
    EXPECT_TRUE(negated.red_flags.empty());
}

TEST_F(AnalyzerTest, EmptyAndPunctuationOnlyAreNoise) {
    for (const std::string_view text : {"", "   ", "...", " ?! -- "}) {
        const Analysis analysis = Run(text);
        EXPECT_TRUE(analysis.noise.is_noise) << '"' << text << '"';
        EXPECT_EQ(analysis.noise.reasons, std::vector<std::string>{"empty"});
    }
    for (const std::string_view text : {":)", "ok", "N/A", "\xF0\x9F\x91\x8D", "Terrible"}) {
        const Analysis analysis = Run(text);
        EXPECT_FALSE(analysis.noise.is_noise) << text;
        EXPECT_TRUE(analysis.noise.reasons.empty());
    }
}

TEST_F(AnalyzerTest, PromotionalSmsIsSpamNoiseButPatientMessagesAreNot) {
    const auto run = [](std::string_view text, Channel channel) {
        AnalysisInput input;
        input.text = text;
        input.channel = channel;
        return analyzer_->Analyze(input);
    };
    constexpr std::string_view kPromo = "WINNER!! Claim your free prize now, call 09061701461";
    for (const Channel channel : {Channel::kSms, Channel::kUnknown, Channel::kEmail}) {
        const Analysis promo = run(kPromo, channel);
        EXPECT_TRUE(promo.noise.is_noise) << ToString(channel);
        EXPECT_EQ(promo.noise.reasons, std::vector<std::string>{"spam"}) << ToString(channel);
        for (const std::string_view text : {"The nurse was late with my medication", "Thank you doctor"}) {
            const Analysis patient = run(text, channel);
            EXPECT_FALSE(patient.noise.is_noise) << text << " " << ToString(channel);
            EXPECT_TRUE(patient.noise.reasons.empty()) << text;
        }
    }
    // SMS and e-mail have thresholds of their own; text of unknown origin gets the stricter.
    const auto models = LoadEmbeddedModels();
    ASSERT_TRUE(models);
    const LinearModel& spam = models.value()->spam_model;
    ASSERT_EQ(spam.EmailThresholds().size(), 1U);
    EXPECT_GT(spam.Thresholds()[0], 0.0);
    // The spam model is for SMS and e-mail: a survey answer is never dropped as spam.
    EXPECT_FALSE(run(kPromo, Channel::kSurvey).noise.is_noise);
}

TEST_F(AnalyzerTest, CategoriesComeFromTheLearnedModel) {
    const Analysis analysis = Run("The parking was awful and staff rude");
    EXPECT_EQ(analysis.category_scores.size(), 7U);
    EXPECT_TRUE(std::is_sorted(analysis.categories.begin(), analysis.categories.end()));
    EXPECT_FALSE(analysis.categories.empty());
}

Analysis Review(const Analyzer& analyzer, std::string_view text, std::optional<int> rating) {
    AnalysisInput input;
    input.text = text;
    input.channel = Channel::kReview;
    input.rating = rating;
    return analyzer.Analyze(input);
}

TEST_F(AnalyzerTest, OneStarReviewInNeutralWordsIsNegative) {
    constexpr std::string_view kText = "My mother had her operation here in March.";
    const Analysis unrated = Review(*analyzer_, kText, std::nullopt);
    const Analysis one_star = Review(*analyzer_, kText, 1);
    EXPECT_NE(unrated.sentiment.label, SentimentLabel::kNegative);
    EXPECT_EQ(one_star.sentiment.label, SentimentLabel::kNegative);
    EXPECT_LT(one_star.sentiment.score, unrated.sentiment.score - 0.4);
    EXPECT_EQ(one_star.intent, Intent::kComplaint);
}

TEST_F(AnalyzerTest, FiveStarReviewThatGrumblesAboutParkingIsNotAComplaint) {
    const Analysis five_star = Review(
        *analyzer_, "The surgeon explained everything but the parking was a nightmare, took ages to find a space.", 5);
    EXPECT_EQ(five_star.sentiment.label, SentimentLabel::kPositive);
    EXPECT_NE(five_star.intent, Intent::kComplaint);
    EXPECT_TRUE(std::find(five_star.tags.begin(), five_star.tags.end(), "parking") != five_star.tags.end());
}

TEST_F(AnalyzerTest, RatingMovesTheScoreButStrongWordsStillCount) {
    constexpr std::string_view kText = "Rude receptionist, filthy waiting room, an absolute disgrace.";
    const Analysis five_star = Review(*analyzer_, kText, 5);
    const Analysis unrated = Review(*analyzer_, kText, std::nullopt);
    EXPECT_GT(five_star.sentiment.score, unrated.sentiment.score);
    EXPECT_EQ(unrated.sentiment.label, SentimentLabel::kNegative);
}

TEST_F(AnalyzerTest, ThreeStarsAndOutOfRangeRatingsChangeNothing) {
    constexpr std::string_view kText = "The nurses were kind but we waited a long time.";
    const Analysis unrated = Review(*analyzer_, kText, std::nullopt);
    for (const int rating : {3, 0, 6, -1}) {
        const Analysis rated = Review(*analyzer_, kText, rating);
        EXPECT_EQ(rated.sentiment.score, unrated.sentiment.score) << rating;
        EXPECT_EQ(rated.intent, unrated.intent) << rating;
    }
}

TEST_F(AnalyzerTest, RatingDoesNotScoreUnscoredLanguages) {
    const Analysis hindi = Review(*analyzer_, Corpus()[6], 1);
    EXPECT_FALSE(hindi.sentiment.scored);
    EXPECT_EQ(hindi.sentiment.score, 0.0);
}

TEST_F(AnalyzerTest, StrongNegativeWordsOnSocialMediaScoreStronglyNegative) {
    // "filthy" and "disgraceful" are not in VADER's lexicon; the patient-feedback supplement has them.
    AnalysisInput input;
    input.text = "Waited six hours in A&E with my dad, the ward was filthy. Absolutely disgraceful treatment";
    input.channel = Channel::kSocial;
    const Analysis analysis = analyzer_->Analyze(input);
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kNegative);
    EXPECT_LT(analysis.sentiment.score, -0.5);
    EXPECT_EQ(analysis.intent, Intent::kComplaint);
}

TEST_F(AnalyzerTest, Deterministic) {
    for (const std::string& text : Corpus()) {
        const Analysis first = Run(text, "What could we do better?");
        for (int i = 0; i < 3; ++i) {
            EXPECT_TRUE(Run(text, "What could we do better?") == first) << text;
        }
    }
    auto second = Analyzer::Create();
    ASSERT_TRUE(second);
    AnalysisInput input;
    input.text = Corpus()[1];
    EXPECT_TRUE(second.value().Analyze(input) == analyzer_->Analyze(input));
}

TEST_F(AnalyzerTest, ThreadSafe) {
    std::vector<Analysis> expected;
    for (const std::string& text : Corpus()) {
        expected.push_back(Run(text));
    }
    constexpr int kThreads = 4;
    constexpr int kRounds = 50;
    std::vector<int> mismatches(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < kRounds; ++round) {
                for (std::size_t i = 0; i < Corpus().size(); ++i) {
                    AnalysisInput input;
                    input.text = Corpus()[(i + static_cast<std::size_t>(t)) % Corpus().size()];
                    input.channel = Channel::kSurvey;
                    const Analysis got = analyzer_->Analyze(input);
                    if (!(got == expected[(i + static_cast<std::size_t>(t)) % Corpus().size()])) {
                        ++mismatches[static_cast<std::size_t>(t)];
                    }
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(mismatches[static_cast<std::size_t>(t)], 0) << "thread " << t;
    }
}

TEST(AnalysisStrings, RoundTripAndStableNames) {
    const std::pair<Channel, std::string_view> channels[] = {
        {Channel::kUnknown, "unknown"}, {Channel::kSms, "sms"},       {Channel::kEmail, "email"},
        {Channel::kSocial, "social"},   {Channel::kReview, "review"}, {Channel::kForum, "forum"},
        {Channel::kSurvey, "survey"}};
    for (const auto& [channel, name] : channels) {
        EXPECT_EQ(ToString(channel), name);
        EXPECT_EQ(ParseChannel(name), channel);
    }
    const std::pair<SentimentLabel, std::string_view> labels[] = {{SentimentLabel::kPositive, "positive"},
                                                                  {SentimentLabel::kNeutral, "neutral"},
                                                                  {SentimentLabel::kNegative, "negative"}};
    for (const auto& [label, name] : labels) {
        EXPECT_EQ(ToString(label), name);
        EXPECT_EQ(ParseSentimentLabel(name), label);
    }
    const std::pair<Urgency, std::string_view> urgencies[] = {
        {Urgency::kNone, "none"}, {Urgency::kLow, "low"}, {Urgency::kHigh, "high"}, {Urgency::kCritical, "critical"}};
    for (const auto& [urgency, name] : urgencies) {
        EXPECT_EQ(ToString(urgency), name);
        EXPECT_EQ(ParseUrgency(name), urgency);
    }
    EXPECT_FALSE(ParseChannel("SMS"));
    EXPECT_FALSE(ParseSentimentLabel(""));
    EXPECT_FALSE(ParseUrgency("urgent"));
}

}  // namespace
}  // namespace carelisten::nlp
