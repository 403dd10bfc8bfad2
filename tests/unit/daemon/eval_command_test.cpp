#include <gtest/gtest.h>

#include <daemon/eval_command.hpp>
#include <daemon/train_command.hpp>
#include <sstream>

namespace carelisten::daemon {
namespace {

// Two v6 rows (one "what could we do better" complaint, one praise) and three phase1 rows.
constexpr std::string_view kFixture =
    R"({"id":"1","trust":"NHFT","question":"What could we do better?","text":"Cut the waiting time","sentiment_1to5":4,"themes":["Timeliness of care"]})"
    "\n"
    R"({"id":"2","trust":"NHFT","question":"What was good?","text":"Lovely caring staff","sentiment_1to5":1,"themes":["Staff manner & personal attributes","Gratitude/ good experience"]})"
    "\n"
    R"({"id":"3","question":"Trust C - Q1","text":"Rude receptionist","category":"Staff","criticality":-3})"
    "\n"
    R"({"id":"4","question":"Trust B - Q1","text":"Fine","category":"Other","criticality":0})"
    "\n"
    "not json\n"
    R"({"id":"5","question":"Trust A - Q2","text":"Excellent care, thank you","category":"Care","criticality":3})"
    "\n";

std::vector<LabelledRow> FixtureRows(std::size_t* skipped = nullptr) {
    std::istringstream in{std::string(kFixture)};
    return ParseLabelledRows(in, skipped);
}

TEST(EvalCommand, ParsesBothShapes) {
    std::size_t skipped = 0;
    const auto rows = FixtureRows(&skipped);
    EXPECT_EQ(skipped, 1U);
    ASSERT_EQ(rows.size(), 5U);
    EXPECT_EQ(rows[0].sentiment, nlp::SentimentLabel::kNegative);
    ASSERT_TRUE(rows[0].hcat);
    EXPECT_EQ(*rows[0].hcat, std::vector<std::string>{"institutional_processes"});
    EXPECT_EQ(*rows[1].hcat, std::vector<std::string>{"respect"});  // gratitude maps to no category
    EXPECT_TRUE(rows[2].phase1);
    EXPECT_EQ(rows[2].trust, "C");
    EXPECT_EQ(rows[2].sentiment, nlp::SentimentLabel::kNegative);
    EXPECT_FALSE(rows[2].hcat);
    EXPECT_FALSE(rows[3].sentiment);  // Trust B's 0 is "not scored"
    EXPECT_EQ(rows[4].sentiment, nlp::SentimentLabel::kPositive);
}

TEST(EvalCommand, PlainSentimentLabelsAndChannelsAreRead) {
    std::istringstream in{std::string(R"({"text":"LMAO, AMAZING!","sentiment":"positive","channel":"social"})"
                                      "\n"
                                      R"({"text":"Stupid rain.","sentiment":"negative"})"
                                      "\n"
                                      R"({"text":"x","sentiment":"angry"})"
                                      "\n"
                                      R"({"text":"y","sentiment":"neutral","channel":"pigeon"})"
                                      "\n")};
    std::size_t skipped = 0;
    const auto rows = ParseLabelledRows(in, &skipped);
    EXPECT_EQ(skipped, 2U);  // an unknown label or channel is a bad row, not a guess
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].sentiment, nlp::SentimentLabel::kPositive);
    EXPECT_EQ(rows[0].channel, nlp::Channel::kSocial);
    EXPECT_EQ(rows[1].sentiment, nlp::SentimentLabel::kNegative);
    EXPECT_EQ(rows[1].channel, nlp::Channel::kSurvey);  // the default: the NHS files are survey answers
    EXPECT_FALSE(rows[0].hcat);
    EXPECT_FALSE(rows[0].spam);
}

TEST(EvalCommand, HeldOutRuleIsTrustCAndATextHashSplit) {
    const auto rows = FixtureRows();
    EXPECT_TRUE(IsHeldOut(rows[2]));
    EXPECT_FALSE(IsHeldOut(rows[3]));
    EXPECT_FALSE(IsHeldOut(rows[4]));
    // The v6 rule depends on the distinct text only: case and spacing do not move a row.
    LabelledRow a = rows[0];
    LabelledRow b = rows[0];
    b.text = "  cut THE waiting   time ";
    EXPECT_EQ(IsHeldOut(a), IsHeldOut(b));
    EXPECT_EQ(DistinctTextKey(a.text), DistinctTextKey(b.text));
    std::size_t held_out = 0;
    for (int i = 0; i < 1000; ++i) {
        LabelledRow row;
        row.text = "comment number " + std::to_string(i);
        held_out += IsHeldOut(row) ? 1 : 0;
    }
    EXPECT_GT(held_out, 150U);
    EXPECT_LT(held_out, 250U);
}

TEST(EvalCommand, PrintsSentimentAndCategoryFigures) {
    static const auto analyzer = nlp::Analyzer::Create();
    ASSERT_TRUE(analyzer);
    std::ostringstream out;
    EXPECT_EQ(RunEval(FixtureRows(), out, analyzer.value(), {}), 0);
    const std::string report = out.str();
    // Four rows carry a sentiment label and the shipped model gets these clear ones right.
    EXPECT_NE(report.find("sentiment: rows 4 accuracy 1.0000"), std::string::npos) << report;
    EXPECT_NE(report.find("  negative: precision 1.0000 recall 1.0000 f1 1.0000 support 2"), std::string::npos)
        << report;
    EXPECT_NE(report.find("  positive: precision 1.0000 recall 1.0000 f1 1.0000 support 2"), std::string::npos)
        << report;
    EXPECT_NE(report.find("  neutral: precision 0.0000 recall 0.0000 f1 0.0000 support 0"), std::string::npos)
        << report;
    EXPECT_NE(report.find("macro-f1"), std::string::npos);
    EXPECT_NE(report.find("categories: rows 2 "), std::string::npos) << report;
    EXPECT_NE(report.find("micro-f1 "), std::string::npos) << report;
    EXPECT_NE(report.find("  safety: precision 0.0000 recall 0.0000 f1 0.0000 support 0"), std::string::npos) << report;
}

TEST(EvalCommand, HeldOutSplitAndKindFilterRows) {
    static const auto analyzer = nlp::Analyzer::Create();
    std::ostringstream out;
    EvalOptions options;
    options.kind = EvalKind::kSentiment;
    options.held_out_only = true;
    RunEval(FixtureRows(), out, analyzer.value(), options);
    const std::string report = out.str();
    EXPECT_NE(report.find("(held-out split)"), std::string::npos);
    EXPECT_EQ(report.find("categories:"), std::string::npos) << report;
    const auto rows = FixtureRows();
    std::size_t expected = 0;
    for (const auto& row : rows) {
        expected += (IsHeldOut(row) && row.sentiment) ? 1 : 0;
    }
    EXPECT_NE(report.find("sentiment: rows " + std::to_string(expected) + " "), std::string::npos) << report;
}

// sms_spam and spamassassin shapes: a promo SMS (spam), a patient SMS and a patient e-mail (ham).
constexpr std::string_view kSpamFixture =
    R"({"id":1,"text":"WINNER!! Claim your free prize now, call 09061701461","label":"spam"})"
    "\n"
    R"({"id":2,"text":"Thank you doctor","label":"ham"})"
    "\n"
    R"({"id":"easy-ham-1/x","mime":"From: Ann <ann@example.org>\nTo: ward@example.org\nSubject: Appointment\n\nThe nurse was late with my medication.\n","label":"ham"})"
    "\n";

TEST(EvalCommand, PrintsSpamCaughtHamDroppedAndPrecision) {
    std::istringstream in{std::string(kSpamFixture)};
    std::size_t skipped = 0;
    const auto rows = ParseLabelledRows(in, &skipped);
    EXPECT_EQ(skipped, 0U);
    ASSERT_EQ(rows.size(), 3U);
    EXPECT_EQ(rows[0].spam, true);
    EXPECT_EQ(rows[1].spam, false);
    EXPECT_FALSE(rows[1].sentiment);
    EXPECT_TRUE(rows[2].email);
    EXPECT_EQ(rows[2].text,
              "Appointment\n\nThe nurse was late with my medication.");  // the body is the new text, trimmed

    static const auto analyzer = nlp::Analyzer::Create();
    ASSERT_TRUE(analyzer);
    std::ostringstream out;
    EvalOptions options;
    options.kind = EvalKind::kSpam;
    EXPECT_EQ(RunEval(rows, out, analyzer.value(), options), 0);
    const std::string report = out.str();
    EXPECT_NE(report.find("spam: rows 3 spam 1 ham 2"), std::string::npos) << report;
    EXPECT_NE(report.find("  spam caught (recall) 1.0000 (1/1)"), std::string::npos) << report;
    EXPECT_NE(report.find("  ham dropped 0.0000 (0/2)"), std::string::npos) << report;
    EXPECT_NE(report.find("  precision 1.0000"), std::string::npos) << report;
    EXPECT_EQ(report.find("sentiment:"), std::string::npos) << report;
}

TEST(EvalCommand, EmptyInputIsAFailure) {
    static const auto analyzer = nlp::Analyzer::Create();
    std::ostringstream out;
    EXPECT_EQ(RunEval({}, out, analyzer.value(), {}), 1);
}

TEST(TrainCommand, NeverTrainsOnAHeldOutTextAndIsDeterministic) {
    auto rows = FixtureRows();
    std::ostringstream log;
    const TrainedModels first = TrainModels(rows, log);
    const TrainedModels second = TrainModels(rows, log);
    EXPECT_EQ(first.sentiment.Serialize(), second.sentiment.Serialize());
    EXPECT_EQ(first.categories.Serialize(), second.categories.Serialize());
    EXPECT_EQ(first.sentiment.Labels().size(), 3U);
    EXPECT_EQ(first.categories.Labels().size(), 7U);
    EXPECT_NE(log.str().find("held out"), std::string::npos);
}

}  // namespace
}  // namespace carelisten::daemon
