#include <gtest/gtest.h>

#include <daemon/mapping.hpp>

namespace carelisten::daemon {
namespace {

nlp::Analysis Analysis(double score, nlp::Urgency urgency = nlp::Urgency::kNone, bool noise = false) {
    nlp::Analysis analysis;
    analysis.sentiment.score = score;
    analysis.sentiment.label = score < 0 ? nlp::SentimentLabel::kNegative : nlp::SentimentLabel::kPositive;
    analysis.urgency = urgency;
    analysis.noise.is_noise = noise;
    analysis.analyzer_version = "v-test";
    return analysis;
}

TEST(Mapping, FlagsNegativeBeyondTheThresholdOrUrgent) {
    const FlagPolicy policy{.negative_below = -0.5, .min_urgency = nlp::Urgency::kHigh};
    EXPECT_TRUE(IsFlagged(Analysis(-0.6), policy));
    EXPECT_TRUE(IsFlagged(Analysis(-0.5), policy));
    EXPECT_FALSE(IsFlagged(Analysis(-0.4), policy));
    EXPECT_TRUE(IsFlagged(Analysis(0.3, nlp::Urgency::kHigh), policy));
    EXPECT_TRUE(IsFlagged(Analysis(0.3, nlp::Urgency::kCritical), policy));
    EXPECT_FALSE(IsFlagged(Analysis(0.3, nlp::Urgency::kLow), policy));
    EXPECT_FALSE(IsFlagged(Analysis(-0.9, nlp::Urgency::kCritical, true), policy)) << "noise never opens a case";
    auto unscored = Analysis(-0.9);
    unscored.sentiment.scored = false;
    EXPECT_FALSE(IsFlagged(unscored, policy));
}

TEST(Mapping, CopiesItemAndAnalysis) {
    connectors::RawItem item{.source = "s", .external_id = "e", .channel = "sms", .text = "t", .author = "a"};
    const auto record = ToNewItem(item, Analysis(-0.8, nlp::Urgency::kLow), FlagPolicy{});
    EXPECT_EQ(record.source, "s");
    EXPECT_EQ(record.external_id, "e");
    EXPECT_EQ(record.channel, "sms");
    EXPECT_EQ(record.sentiment_label, "negative");
    EXPECT_EQ(record.urgency, "low");
    EXPECT_EQ(record.analyzer_version, "v-test");
    EXPECT_TRUE(record.flagged);
}

TEST(Mapping, ACommunityPostIsRoutedToItsCareUnit) {
    connectors::RawItem item{.source = "forum", .external_id = "1", .channel = "forum", .text = "t", .author = "a"};
    item.community = "heart";
    FlagPolicy policy;
    policy.community_units = {{"heart", "cardiology"}};
    EXPECT_EQ(ToNewItem(item, Analysis(0.5), policy).care_unit, "cardiology");
    item.community = "diabetes";  // no unit configured for it
    EXPECT_EQ(ToNewItem(item, Analysis(0.5), policy).care_unit, "");
}

TEST(Mapping, AnSmsStopIsAnOptOutEventWithoutSentimentOrCase) {
    connectors::RawItem item{.source = "s", .external_id = "SM1", .channel = "sms", .text = " Stop. ", .author = "+1"};
    auto analysis = Analysis(-0.9, nlp::Urgency::kHigh);
    const auto record = ToNewItem(item, analysis, FlagPolicy{});
    EXPECT_TRUE(record.is_noise);
    EXPECT_EQ(record.noise_reasons, std::vector<std::string>{"opt_out"});
    EXPECT_FALSE(record.sentiment_scored);
    EXPECT_EQ(record.sentiment_label, "neutral");
    EXPECT_EQ(record.urgency, "none");
    EXPECT_FALSE(record.flagged);
    item.text = "UNSTOP";
    EXPECT_EQ(ToNewItem(item, analysis, FlagPolicy{}).noise_reasons, std::vector<std::string>{"opt_in"});
}

TEST(Mapping, StopInsideASentenceOrOnAnotherChannelIsFeedback) {
    connectors::RawItem item{.source = "s",
                             .external_id = "SM2",
                             .channel = "sms",
                             .text = "Please stop the night calls, my father cannot sleep",
                             .author = "+1"};
    const auto sentence = ToNewItem(item, Analysis(-0.8), FlagPolicy{});
    EXPECT_FALSE(sentence.is_noise);
    EXPECT_TRUE(sentence.flagged);
    item.channel = "social";
    item.text = "STOP";
    EXPECT_FALSE(ToNewItem(item, Analysis(-0.8), FlagPolicy{}).is_noise);
}

TEST(Mapping, CapsQuarantinedBytes) {
    connectors::BadRecord record{
        .locator = "f@1:0", .reason = "r", .raw = std::string(crm::kMaxQuarantineRawBytes + 10, 'x')};
    const auto quarantined = ToNewQuarantine("s", record);
    EXPECT_EQ(quarantined.raw.size(), crm::kMaxQuarantineRawBytes);
    EXPECT_TRUE(quarantined.raw_truncated);
}

}  // namespace
}  // namespace carelisten::daemon
