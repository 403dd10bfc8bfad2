#include <gtest/gtest.h>

#include <surveys/eligibility.hpp>

namespace carelisten::surveys {
namespace {

EligibilityFacts Reachable() {
    EligibilityFacts facts;
    facts.has_sms = true;
    facts.has_email = true;
    return facts;
}

using Channels = std::vector<std::string>;

TEST(CheckEligibility, SendsOnUsableChannelsInPreferredOrder) {
    auto result = CheckEligibility(Reachable());
    EXPECT_EQ(result.verdict, Verdict::kSend);
    EXPECT_EQ(result.reason, "");
    EXPECT_EQ(result.channels, (Channels{"sms", "email"}));
    EligibilityFacts facts = Reachable();
    facts.preferred_channel = "email";
    EXPECT_EQ(CheckEligibility(facts).channels, (Channels{"email", "sms"}));
    facts.preferred_channel = "sms";
    EXPECT_EQ(CheckEligibility(facts).channels, (Channels{"sms", "email"}));
    facts.preferred_channel = "pigeon";  // unknown preference: the default order
    EXPECT_EQ(CheckEligibility(facts).channels, (Channels{"sms", "email"}));
}

TEST(CheckEligibility, ConsentAndContactDecideChannels) {
    EligibilityFacts facts = Reachable();
    facts.sms_consented = false;
    EXPECT_EQ(CheckEligibility(facts).channels, Channels{"email"});
    facts = Reachable();
    facts.email_consented = false;
    facts.preferred_channel = "email";
    EXPECT_EQ(CheckEligibility(facts).channels, Channels{"sms"});
    facts = Reachable();
    facts.has_sms = false;
    EXPECT_EQ(CheckEligibility(facts).channels, Channels{"email"});
    facts = Reachable();
    facts.has_email = false;
    EXPECT_EQ(CheckEligibility(facts).channels, Channels{"sms"});
}

TEST(CheckEligibility, NoUsableChannelGoesToThePhoneList) {
    EligibilityFacts facts;
    auto result = CheckEligibility(facts);
    EXPECT_EQ(result.verdict, Verdict::kPhoneList);
    EXPECT_EQ(result.reason, "no_channel");
    EXPECT_TRUE(result.channels.empty());
    facts = Reachable();
    facts.sms_consented = false;
    facts.email_consented = false;
    EXPECT_EQ(CheckEligibility(facts).verdict, Verdict::kPhoneList);
}

TEST(CheckEligibility, EachSkipFact) {
    const std::pair<bool EligibilityFacts::*, const char*> kFacts[] = {
        {&EligibilityFacts::deceased, "deceased"},
        {&EligibilityFacts::readmitted, "readmitted"},
        {&EligibilityFacts::opted_out_surveys, "opted_out"},
        {&EligibilityFacts::already_surveyed_for_encounter, "already_surveyed"},
    };
    for (const auto& [fact, reason] : kFacts) {
        EligibilityFacts facts = Reachable();
        facts.*fact = true;
        const auto result = CheckEligibility(facts);
        EXPECT_EQ(result.verdict, Verdict::kSkip) << reason;
        EXPECT_EQ(result.reason, reason);
        EXPECT_TRUE(result.channels.empty()) << reason;
    }
}

TEST(CheckEligibility, OpenComplaintNotifiesStaffWithChannels) {
    EligibilityFacts facts = Reachable();
    facts.open_serious_complaint = true;
    const auto result = CheckEligibility(facts);
    EXPECT_EQ(result.verdict, Verdict::kNotifyStaff);
    EXPECT_EQ(result.reason, "open_complaint");
    EXPECT_EQ(result.channels, (Channels{"sms", "email"}));
}

TEST(CheckEligibility, FirstFactInOrderDecides) {
    EligibilityFacts facts = Reachable();
    facts.deceased = true;
    facts.readmitted = true;
    facts.open_serious_complaint = true;
    EXPECT_EQ(CheckEligibility(facts).reason, "deceased");
    facts.deceased = false;
    EXPECT_EQ(CheckEligibility(facts).reason, "readmitted");
    facts.readmitted = false;
    facts.opted_out_surveys = true;
    EXPECT_EQ(CheckEligibility(facts).reason, "opted_out");
    facts.opted_out_surveys = false;
    facts.already_surveyed_for_encounter = true;
    EXPECT_EQ(CheckEligibility(facts).reason, "already_surveyed");
    // An open complaint beats "no channel": staff decide, and may phone.
    EligibilityFacts unreachable;
    unreachable.open_serious_complaint = true;
    EXPECT_EQ(CheckEligibility(unreachable).verdict, Verdict::kNotifyStaff);
}

}  // namespace
}  // namespace carelisten::surveys
