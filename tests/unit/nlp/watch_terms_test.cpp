// Off-topic mentions: a watched hospital name used in another sense is noise `off_topic`; a patient's message
// that names the hospital is not, whichever way it is phrased.
#include <gtest/gtest.h>

#include <nlp/analyzer.hpp>
#include <nlp/watch_terms.hpp>
#include <string>
#include <vector>

namespace carelisten::nlp {
namespace {

WatchTermsConfig StElsewhere() {
    WatchTermsConfig config;
    config.terms = {"St Elsewhere", "#StElsewhere"};
    config.exclude_terms = {"cement", "concrete", "quarry"};
    return config;
}

class WatchTermsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        AnalyzerOptions options;
        options.watch_terms = StElsewhere();
        auto created = Analyzer::Create(options);
        ASSERT_TRUE(created) << created.error().message();
        analyzer_ = new Analyzer(std::move(created).value());
    }
    static void TearDownTestSuite() {
        delete analyzer_;
        analyzer_ = nullptr;
    }

    static bool OffTopic(std::string_view text, Channel channel = Channel::kSocial) {
        AnalysisInput input;
        input.text = text;
        input.channel = channel;
        const Analysis analysis = analyzer_->Analyze(input);
        const bool off_topic = std::find(analysis.noise.reasons.begin(), analysis.noise.reasons.end(),
                                         kNoiseOffTopic) != analysis.noise.reasons.end();
        EXPECT_EQ(off_topic, off_topic && analysis.noise.is_noise);
        return off_topic;
    }

    static inline Analyzer* analyzer_ = nullptr;
};

TEST_F(WatchTermsTest, CementCompanyMentionWithoutCareContextIsOffTopic) {
    EXPECT_TRUE(OffTopic("St Elsewhere cement prices are up again this quarter, builders are furious"));
    EXPECT_TRUE(OffTopic("Just poured 20 tonnes of St. Elsewhere concrete for the new driveway #diy"));
    EXPECT_TRUE(OffTopic("#StElsewhere cement: new quarry opens in the valley"));
    EXPECT_TRUE(OffTopic("ST ELSEWHERE CEMENT trucks blocking the road again"));
}

TEST_F(WatchTermsTest, PatientMessagesNamingTheHospitalAreNeverOffTopic) {
    const std::vector<std::string> patient_messages = {
        "St Elsewhere A&E kept my dad waiting 6 hours",
        "Thank you to the nurses at St Elsewhere, amazing care",
        "St Elsewhere cancelled my appointment again",
        "Avoid St Elsewhere, the doctor never listened",
        "My mum had her operation at St Elsewhere last week, the ward was filthy",
        "St Elsewhere lost my scan results #nhs",
        "Been in pain for days and St Elsewhere won't call back",
        "St Elsewhere maternity unit was brilliant with our baby",
        // No care word, but no sign of the other sense either: kept.
        "St Elsewhere is a disgrace, never going back",
        // Even with an exclusion word, a care context keeps it: the ward's concrete floor is a patient's complaint.
        "The ward at St Elsewhere is bare concrete and freezing, patients deserve better",
        // A red flag keeps it whatever else it says.
        "St Elsewhere cement fumes, I can't breathe",
    };
    for (const std::string& message : patient_messages) {
        EXPECT_FALSE(OffTopic(message)) << message;
    }
}

TEST_F(WatchTermsTest, DirectChannelsAreNeverOffTopic) {
    for (const Channel channel : {Channel::kSurvey, Channel::kSms, Channel::kEmail, Channel::kReview}) {
        EXPECT_FALSE(OffTopic("St Elsewhere cement prices are up again", channel)) << ToString(channel);
    }
}

TEST_F(WatchTermsTest, NoMentionOrNoExclusionIsNotOffTopic) {
    EXPECT_FALSE(OffTopic("Cement prices are up again this quarter"));                // no watch term at all
    EXPECT_FALSE(OffTopic("Anyone been to St Elsewhere lately? Thinking of going"));  // no exclusion, no context rule
}

TEST_F(WatchTermsTest, VersionNamesTheConfiguredTerms) {
    auto plain = Analyzer::Create();
    ASSERT_TRUE(plain);
    EXPECT_NE(analyzer_->Version(), plain.value().Version());
    EXPECT_TRUE(std::string(analyzer_->Version()).starts_with(std::string(plain.value().Version()) + "+watch."));
    auto same = Analyzer::Create(AnalyzerOptions{StElsewhere()});
    ASSERT_TRUE(same);
    EXPECT_EQ(analyzer_->Version(), same.value().Version());
}

TEST(WatchTermsRules, RequiredContextMakesBareMentionsOffTopic) {
    WatchTermsConfig config;
    config.terms = {"St Elsewhere"};
    config.context_terms = {"outpatients"};
    const WatchTerms terms = WatchTerms::Compile(config);
    EXPECT_TRUE(terms.IsOffTopic(Normalize("St Elsewhere won the league again"), Channel::kSocial, false));
    EXPECT_FALSE(terms.IsOffTopic(Normalize("St Elsewhere outpatients is chaos"), Channel::kSocial, false));
    EXPECT_FALSE(terms.IsOffTopic(Normalize("St Elsewhere nurses are the best"), Channel::kSocial, false));
    EXPECT_FALSE(terms.IsOffTopic(Normalize("St Elsewhere won the league again"), Channel::kSocial, true));
}

TEST(WatchTermsRules, EmptyConfigurationNeverCallsAnythingOffTopic) {
    const WatchTerms terms = WatchTerms::Compile({});
    EXPECT_TRUE(terms.Empty());
    EXPECT_EQ(terms.Fingerprint(), "");
    EXPECT_FALSE(terms.IsOffTopic(Normalize("St Elsewhere cement"), Channel::kSocial, false));
}

TEST(WatchTermsRules, PrefixTermsAndWordBoundaries) {
    WatchTermsConfig config;
    config.terms = {"elsewhere build*"};
    config.exclude_terms = {"cement"};
    const WatchTerms terms = WatchTerms::Compile(config);
    EXPECT_TRUE(terms.IsOffTopic(Normalize("Elsewhere Builders cement deal"), Channel::kSocial, false));
    // "elsewhere" alone is not the term.
    EXPECT_FALSE(terms.IsOffTopic(Normalize("cement from elsewhere"), Channel::kSocial, false));
}

}  // namespace
}  // namespace carelisten::nlp
