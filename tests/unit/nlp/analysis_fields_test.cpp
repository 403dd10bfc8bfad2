#include <gtest/gtest.h>

#include <nlp/analyzer.hpp>
#include <nlp/simhash.hpp>
#include <string>
#include <vector>

#include "shared_analyzer_test_base.hpp"

namespace carelisten::nlp {
namespace {

// The analyzer fields filled by the language, personal-data, red-flag evidence, SimHash, mail-header
// and HTML stages.
class AnalysisFieldsTest : public SharedAnalyzerTest {
protected:
    static Analysis Run(std::string_view text, std::vector<MailHeader> headers = {}) {
        AnalysisInput input;
        input.text = text;
        input.channel = headers.empty() ? Channel::kReview : Channel::kEmail;
        input.mail_headers = std::move(headers);
        return analyzer_->Analyze(input);
    }
};

TEST_F(AnalysisFieldsTest, LanguageConfidence) {
    const Analysis english = Run("The nurse was very kind and the food was good");
    EXPECT_EQ(english.language, "en");
    EXPECT_GT(english.language_confidence, 0.5);
    const Analysis french = Run("Le personnel de l'hôpital était très gentil et le médecin a tout expliqué");
    EXPECT_EQ(french.language, "fr");
    EXPECT_FALSE(french.sentiment.scored);
}

TEST_F(AnalysisFieldsTest, HinglishIsScored) {
    const Analysis good = Run("doctor bahut accha tha");
    EXPECT_EQ(good.language, "hi");
    EXPECT_TRUE(good.sentiment.scored);
    EXPECT_EQ(good.sentiment.label, SentimentLabel::kPositive);
    const Analysis bad = Run("bahut bekar service");
    EXPECT_TRUE(bad.sentiment.scored);
    EXPECT_EQ(bad.sentiment.label, SentimentLabel::kNegative);
    EXPECT_EQ(bad.urgency, Urgency::kLow);
    const Analysis ignored = Run("staff ne dhyan nahi diya");
    EXPECT_EQ(ignored.sentiment.label, SentimentLabel::kNegative);
    const Analysis negated = Run("khana accha nahi tha");
    EXPECT_EQ(negated.sentiment.label, SentimentLabel::kNegative);
}

TEST_F(AnalysisFieldsTest, DevanagariHindiIsNotScored) {
    const Analysis hindi = Run("डॉक्टर बहुत अच्छे थे");
    EXPECT_EQ(hindi.language, "hi");
    EXPECT_FALSE(hindi.sentiment.scored);
}

TEST_F(AnalysisFieldsTest, RedFlagEvidence) {
    const std::string_view text = "My mother still has a fever and nobody came.";
    const Analysis analysis = Run(text);
    ASSERT_EQ(analysis.red_flag_details.size(), 1U);
    const RedFlag& flag = analysis.red_flag_details[0];
    EXPECT_EQ(flag.name, "clinical");
    EXPECT_EQ(flag.urgency, Urgency::kCritical);
    EXPECT_EQ(text.substr(flag.evidence.begin, flag.evidence.end - flag.evidence.begin), "fever");
    EXPECT_EQ(analysis.red_flags, std::vector<std::string>{"clinical"});
    EXPECT_EQ(analysis.urgency, Urgency::kCritical);
}

TEST_F(AnalysisFieldsTest, NegatedFeverIsNotFlagged) {
    const Analysis analysis = Run("Good news: no fever since the operation.");
    EXPECT_TRUE(analysis.red_flag_details.empty());
    EXPECT_TRUE(analysis.red_flags.empty());
    EXPECT_NE(analysis.urgency, Urgency::kCritical);
}

TEST_F(AnalysisFieldsTest, HinglishRedFlagWithEvidence) {
    const std::string_view text = "papa ko kal raat se bukhar hai";
    const Analysis analysis = Run(text);
    ASSERT_EQ(analysis.red_flag_details.size(), 1U);
    const Span& span = analysis.red_flag_details[0].evidence;
    EXPECT_EQ(text.substr(span.begin, span.end - span.begin), "bukhar");
    EXPECT_TRUE(Run("papa ko ab bukhar nahi hai").red_flags.empty());
}

TEST_F(AnalysisFieldsTest, PersonalData) {
    const std::string_view text = "Call me on 07700 900123 about MRN 1234567, seen 2 Nov 2026";
    const Analysis analysis = Run(text);
    std::vector<std::string> found;
    for (const PersonalDataSpan& span : analysis.personal_data) {
        found.push_back(span.kind + "=" + std::string(text.substr(span.span.begin, span.span.end - span.span.begin)));
    }
    EXPECT_EQ(found, (std::vector<std::string>{"phone=07700 900123", "record_number=1234567", "date=2 Nov 2026"}));
}

TEST_F(AnalysisFieldsTest, SimilarityHash) {
    const Analysis a = Run("The waiting time in the clinic was far too long and nobody apologised to us");
    const Analysis b = Run("The waiting time in the clinic was far too long and nobody apologised to us!!");
    const Analysis c = Run("Lovely staff on ward nine, thank you for looking after my dad so well");
    EXPECT_NE(a.similarity_hash, 0U);
    EXPECT_EQ(a.similarity_hash, b.similarity_hash);  // punctuation is not a token
    EXPECT_GT(HammingDistance(a.similarity_hash, c.similarity_hash), 10);
}

TEST_F(AnalysisFieldsTest, AutomatedMailIsNoise) {
    const Analysis reply = Run("I am out of the office until Monday.", {{"Auto-Submitted", "auto-replied"}});
    EXPECT_TRUE(reply.noise.is_noise);
    EXPECT_EQ(reply.noise.reasons, std::vector<std::string>{"auto_reply"});
    const Analysis person = Run("Thank you for the care.", {{"From", "jane@example.org"}});
    EXPECT_FALSE(person.noise.is_noise);
}

TEST_F(AnalysisFieldsTest, HtmlIsReadAsText) {
    const Analysis analysis =
        Run("<html><head><style>.x{}</style><script>var fever = 1;</script></head>"
            "<body><p>The nurse was kind &amp; helpful.</p></body></html>");
    EXPECT_EQ(analysis.language, "en");
    EXPECT_EQ(analysis.sentiment.label, SentimentLabel::kPositive);
    EXPECT_TRUE(analysis.red_flags.empty());  // "fever" was in a script
}

}  // namespace
}  // namespace carelisten::nlp
