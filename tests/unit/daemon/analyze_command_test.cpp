#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <daemon/analyze_command.hpp>
#include <sstream>

namespace carelisten::daemon {
namespace {

std::vector<rapidjson::Document> AnalyzeLines(const std::string& input, AnalyzeStats* stats_out = nullptr) {
    static const auto analyzer = nlp::Analyzer::Create();
    EXPECT_TRUE(analyzer);
    std::istringstream in(input);
    std::ostringstream out;
    const auto stats = RunAnalyze(in, out, analyzer.value());
    if (stats_out != nullptr) {
        *stats_out = stats;
    }
    std::vector<rapidjson::Document> lines;
    std::istringstream produced(out.str());
    std::string line;
    while (std::getline(produced, line)) {
        rapidjson::Document document;
        document.Parse(line.c_str());
        EXPECT_FALSE(document.HasParseError()) << line;
        lines.push_back(std::move(document));
    }
    return lines;
}

TEST(AnalyzeCommand, WritesTheContractShape) {
    const auto lines = AnalyzeLines(R"({"id":"a","text":"The staff were rude and I waited six hours."})"
                                    "\n");
    ASSERT_EQ(lines.size(), 1u);
    const auto& out = lines[0];
    EXPECT_STREQ(out["id"].GetString(), "a");
    EXPECT_TRUE(out["language"].IsString());
    EXPECT_STREQ(out["sentiment"]["label"].GetString(), "negative");
    EXPECT_LT(out["sentiment"]["score"].GetDouble(), 0.0);
    EXPECT_GE(out["sentiment"]["score"].GetDouble(), -1.0);
    EXPECT_FALSE(out["noise"]["is_noise"].GetBool());
    EXPECT_TRUE(out["noise"]["reasons"].IsArray());
    EXPECT_TRUE(out["categories"].IsArray());
    EXPECT_TRUE(out["urgency"].IsString());
    EXPECT_TRUE(out["analyzer_version"].IsString());
    EXPECT_GT(out["analyzer_version"].GetStringLength(), 0u);
}

TEST(AnalyzeCommand, MalformedLinesGetAnErrorAndProcessingContinues) {
    AnalyzeStats stats;
    const auto lines = AnalyzeLines(
        "not json\n"
        R"({"text":"no id"})"
        "\n"
        R"({"id":"x","text":"a","mime":"b"})"
        "\n"
        R"({"id":"y","text":"ok","channel":"pigeon"})"
        "\n"
        R"({"id":7,"text":"Thank you, wonderful care"})"
        "\n",
        &stats);
    ASSERT_EQ(lines.size(), 5u);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(lines[i]["line"].GetInt(), i + 1);
        EXPECT_TRUE(lines[i]["error"].IsString());
    }
    EXPECT_STREQ(lines[4]["id"].GetString(), "7");
    EXPECT_STREQ(lines[4]["sentiment"]["label"].GetString(), "positive");
    EXPECT_EQ(stats.malformed, 4u);
    EXPECT_EQ(stats.analyzed, 1u);
}

TEST(AnalyzeCommand, AnalyzesAWholeMimeMessage) {
    const auto lines = AnalyzeLines(
        R"({"id":"m","mime":"Subject: Complaint\r\nContent-Type: text/plain\r\n\r\nThe ward was filthy and the nurse was rude.\r\n"})"
        "\n");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_STREQ(lines[0]["sentiment"]["label"].GetString(), "negative");
}

TEST(AnalyzeCommand, UsesTheSurveyQuestion) {
    const auto lines =
        AnalyzeLines(R"({"id":"q","text":"Nothing.","channel":"survey","question":"What could we do better?"})"
                     "\n");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_STREQ(lines[0]["sentiment"]["label"].GetString(), "positive");
}

}  // namespace
}  // namespace carelisten::daemon
