#include <gtest/gtest.h>

#include <nlp/urgency.hpp>
#include <string>
#include <vector>

namespace carelisten::nlp {
namespace {

using Flags = std::vector<std::string>;

class UrgencyTest : public ::testing::Test {
protected:
    Flags FlagsOf(std::string_view text) const { return rules_.Find(Normalize(text)); }

    RedFlagRules rules_ = RedFlagRules::Default();
};

TEST_F(UrgencyTest, SelfHarm) {
    EXPECT_EQ(FlagsOf("I have been feeling suicidal"), Flags{"self_harm"});
    EXPECT_EQ(FlagsOf("Some days I want to kill myself"), Flags{"self_harm"});
    EXPECT_EQ(FlagsOf("I thought about ending my life"), Flags{"self_harm"});
    EXPECT_EQ(FlagsOf("history of self-harm"), Flags{"self_harm"});
    EXPECT_EQ(FlagsOf("I don\xE2\x80\x99t want to live any more"), Flags{"self_harm"});
}

TEST_F(UrgencyTest, Abuse) {
    EXPECT_EQ(FlagsOf("My mother was abused on the ward"), Flags{"abuse"});
    EXPECT_EQ(FlagsOf("a carer hit me"), Flags{"abuse"});
    EXPECT_EQ(FlagsOf("I was assaulted by another patient"), Flags{"abuse"});
}

TEST_F(UrgencyTest, Clinical) {
    EXPECT_EQ(FlagsOf("She has a fever since the operation"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("The wound is red and there is discharge"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("redness around my wound"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("He has chest pains"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("I can't breathe properly"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("I was in severe pain all night"), Flags{"clinical"});
}

TEST_F(UrgencyTest, ThreatsAndIncidents) {
    EXPECT_EQ(FlagsOf("I have spoken to my solicitor"), Flags{"legal_threat"});
    EXPECT_EQ(FlagsOf("I will sue the trust"), Flags{"legal_threat"});
    EXPECT_EQ(FlagsOf("I am going to the press with this"), Flags{"media_threat"});
    EXPECT_EQ(FlagsOf("a journalist friend"), Flags{"media_threat"});
    EXPECT_EQ(FlagsOf("She was given the wrong medication"), Flags{"safety_incident"});
    EXPECT_EQ(FlagsOf("Dad fell twice on the ward"), Flags{"safety_incident"});
    EXPECT_EQ(FlagsOf("This is neglect"), Flags{"safety_incident"});
}

TEST_F(UrgencyTest, NegatedMentionsAreNotFlags) {
    EXPECT_EQ(FlagsOf("no fever"), Flags{});
    EXPECT_EQ(FlagsOf("No fever and no chest pain today"), Flags{});
    EXPECT_EQ(FlagsOf("I am not suicidal"), Flags{});
    EXPECT_EQ(FlagsOf("The wound is not red"), Flags{});
    EXPECT_EQ(FlagsOf("I haven't had a fever"), Flags{});
    EXPECT_EQ(FlagsOf("without any bleeding"), Flags{});
}

TEST_F(UrgencyTest, SofteningCuesDoNotDenyAFact) {
    EXPECT_EQ(FlagsOf("Despite the fever they sent me home"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("Nobody noticed the bleeding"), Flags{"clinical"});
}

TEST_F(UrgencyTest, NegationStopsAtClauseBoundaries) {
    EXPECT_EQ(FlagsOf("No fever, but chest pain"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("Not sure why. I want to kill myself"), Flags{"self_harm"});
}

TEST_F(UrgencyTest, CommonFalseFriendsAreNotFlags) {
    EXPECT_EQ(FlagsOf("Nurse Sue was lovely"), Flags{});
    EXPECT_EQ(FlagsOf("I fell asleep in the waiting room"), Flags{});
    EXPECT_EQ(FlagsOf("Discharge was quick and well organised"), Flags{});
    EXPECT_EQ(FlagsOf("The staff were lovely"), Flags{});
}

TEST_F(UrgencyTest, FlagsAreSortedAndUnique) {
    EXPECT_EQ(FlagsOf("I will see my lawyer and the newspaper about the fever, fever and more fever"),
              (Flags{"clinical", "legal_threat", "media_threat"}));
}

TEST(UrgencyLevels, FollowTheWorstFlag) {
    const Sentiment neutral;
    Sentiment negative;
    negative.label = SentimentLabel::kNegative;
    EXPECT_EQ(UrgencyFor({}, neutral), Urgency::kNone);
    EXPECT_EQ(UrgencyFor({}, negative), Urgency::kLow);
    EXPECT_EQ(UrgencyFor({"legal_threat"}, neutral), Urgency::kHigh);
    EXPECT_EQ(UrgencyFor({"media_threat"}, negative), Urgency::kHigh);
    EXPECT_EQ(UrgencyFor({"safety_incident"}, neutral), Urgency::kHigh);
    EXPECT_EQ(UrgencyFor({"legal_threat", "self_harm"}, neutral), Urgency::kCritical);
    EXPECT_EQ(UrgencyFor({"abuse"}, neutral), Urgency::kCritical);
    EXPECT_EQ(UrgencyFor({"clinical"}, neutral), Urgency::kCritical);
}

std::string_view Evidence(std::string_view text, const RedFlag& flag) {
    return text.substr(flag.evidence.begin, flag.evidence.end - flag.evidence.begin);
}

TEST_F(UrgencyTest, DetailsPointAtTheMatchedWords) {
    const std::string_view text = "Since Tuesday she has had Chest Pains and a FEVER.";
    const std::vector<RedFlag> details = rules_.FindDetails(Normalize(text));
    ASSERT_EQ(details.size(), 2U);
    EXPECT_EQ(details[0].name, "clinical");
    EXPECT_EQ(details[0].urgency, Urgency::kCritical);
    EXPECT_EQ(Evidence(text, details[0]), "Chest Pains");
    EXPECT_EQ(Evidence(text, details[1]), "FEVER");
}

TEST_F(UrgencyTest, DetailsOfAProximityRuleSpanBothWords) {
    const std::string_view text = "The wound looks red today";
    const std::vector<RedFlag> details = rules_.FindDetails(Normalize(text));
    ASSERT_EQ(details.size(), 1U);
    EXPECT_EQ(Evidence(text, details[0]), "wound looks red");
}

TEST_F(UrgencyTest, DetailsUseOffsetsOfTheRepairedInputAfterNfkcChanges) {
    // "ﬁ" (3 bytes) becomes "fi" and an invalid byte becomes U+FFFD (3 bytes in the repaired input).
    const std::string text = "\xFF \xEF\xAC\x81ne but I want to kill myself";
    bool repaired = false;
    const std::string fixed = RepairUtf8(text, &repaired);
    const std::vector<RedFlag> details = rules_.FindDetails(Normalize(text));
    ASSERT_EQ(details.size(), 1U);
    EXPECT_EQ(Evidence(fixed, details[0]), "kill myself");
    EXPECT_EQ(details[0].urgency, Urgency::kCritical);
}

TEST_F(UrgencyTest, NegatedFeverHasNoDetails) {
    EXPECT_TRUE(rules_.FindDetails(Normalize("no fever since yesterday")).empty());
}

TEST_F(UrgencyTest, HinglishRedFlags) {
    EXPECT_EQ(FlagsOf("mujhe kal se bukhar hai"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("khoon aa raha hai"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("saans nahi aa rahi"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("dard bahut hai"), Flags{"clinical"});
    EXPECT_EQ(FlagsOf("main marna chahta hoon"), Flags{"self_harm"});
}

TEST_F(UrgencyTest, HinglishNegationAfterTheWordIsRespected) {
    EXPECT_EQ(FlagsOf("bukhar nahi hai"), Flags{});
    EXPECT_EQ(FlagsOf("ab khoon nahin aaya"), Flags{});
    EXPECT_EQ(FlagsOf("no bukhar today"), Flags{});
    // A negator further away, or in the next clause, does not deny it.
    EXPECT_EQ(FlagsOf("bukhar hai, dawai nahi mili"), Flags{"clinical"});
}

TEST_F(UrgencyTest, HinglishEvidence) {
    const std::string_view text = "Doctor ne kaha dard bahut hai";
    const std::vector<RedFlag> details = rules_.FindDetails(Normalize(text));
    ASSERT_EQ(details.size(), 1U);
    EXPECT_EQ(Evidence(text, details[0]), "dard bahut");
}

}  // namespace
}  // namespace carelisten::nlp
