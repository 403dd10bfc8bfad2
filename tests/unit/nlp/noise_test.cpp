#include <gtest/gtest.h>

#include <nlp/models.hpp>
#include <nlp/noise.hpp>
#include <string>
#include <vector>

namespace carelisten::nlp {
namespace {

using Reasons = std::vector<std::string>;

Reasons ReasonsOf(std::vector<MailHeader> headers) {
    return AutomatedMailReasons(headers);
}

TEST(AutomatedMail, PersonalMailIsNotAutomated) {
    EXPECT_EQ(ReasonsOf({{"From", "Jane <jane@example.org>"}, {"Subject", "thanks"}, {"Auto-Submitted", "no"}}),
              Reasons{});
    EXPECT_EQ(ReasonsOf({}), Reasons{});
}

TEST(AutomatedMail, AutoReplies) {
    EXPECT_EQ(ReasonsOf({{"Auto-Submitted", "auto-replied"}}), Reasons{"auto_reply"});
    EXPECT_EQ(ReasonsOf({{"auto-submitted", " Auto-Generated; owner-email=x@y.org"}}), Reasons{"auto_reply"});
    EXPECT_EQ(ReasonsOf({{"AUTO-SUBMITTED", "No"}}), Reasons{});
    EXPECT_EQ(ReasonsOf({{"X-Autoreply", "yes"}}), Reasons{"auto_reply"});
    EXPECT_EQ(ReasonsOf({{"X-Autorespond", "vacation"}}), Reasons{"auto_reply"});
    EXPECT_EQ(ReasonsOf({{"Precedence", "auto_reply"}}), Reasons{"auto_reply"});
}

TEST(AutomatedMail, Bounces) {
    EXPECT_EQ(ReasonsOf({{"Content-Type", "multipart/report; report-type=delivery-status; boundary=x"}}),
              Reasons{"bounce"});
    EXPECT_EQ(ReasonsOf({{"From", "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>"}}), Reasons{"bounce"});
    EXPECT_EQ(ReasonsOf({{"From", "postmaster@example.org"}}), Reasons{"bounce"});
    EXPECT_EQ(ReasonsOf({{"From", "postmaster.jane@example.org"}}), Reasons{});
}

TEST(AutomatedMail, BulkAndLists) {
    EXPECT_EQ(ReasonsOf({{"Precedence", "bulk"}}), Reasons{"bulk"});
    EXPECT_EQ(ReasonsOf({{"Precedence", "junk"}}), Reasons{"bulk"});
    EXPECT_EQ(ReasonsOf({{"Precedence", "list"}}), Reasons{"bulk"});
    EXPECT_EQ(ReasonsOf({{"List-Id", "<news.example.org>"}}), Reasons{"bulk"});
    EXPECT_EQ(ReasonsOf({{"List-Unsubscribe", "<mailto:unsub@example.org>"}}), Reasons{"bulk"});
}

TEST(AutomatedMail, ReasonsComeInAFixedOrderOnceEach) {
    EXPECT_EQ(ReasonsOf({{"List-Id", "<x>"},
                         {"From", "MAILER-DAEMON@x.org"},
                         {"Auto-Submitted", "auto-generated"},
                         {"Precedence", "bulk"},
                         {"X-Autoreply", "yes"}}),
              (Reasons{"auto_reply", "bounce", "bulk"}));
}

TEST(DetectNoise, HeadersMakeAMessageNoise) {
    auto models = LoadEmbeddedModels();
    ASSERT_TRUE(models);
    const std::vector<MailHeader> headers = {{"Auto-Submitted", "auto-replied"}};
    const NoiseVerdict verdict = DetectNoise(models.value()->lexicon, Normalize("I am out of the office until Monday"),
                                             Channel::kEmail, headers);
    EXPECT_TRUE(verdict.is_noise);
    EXPECT_EQ(verdict.reasons, Reasons{"auto_reply"});
    const NoiseVerdict empty = DetectNoise(models.value()->lexicon, Normalize("..."), Channel::kEmail, headers);
    EXPECT_EQ(empty.reasons, (Reasons{"empty", "auto_reply"}));
    EXPECT_FALSE(DetectNoise(models.value()->lexicon, Normalize("thank you"), Channel::kEmail, {}).is_noise);
}

}  // namespace
}  // namespace carelisten::nlp
