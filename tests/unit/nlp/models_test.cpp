#include <gtest/gtest.h>

#include <nlp/errc.hpp>
#include <nlp/models.hpp>
#include <regex>
#include <string>

namespace carelisten::nlp {
namespace {

TEST(Models, EmbeddedLexiconLoads) {
    const auto models = LoadEmbeddedModels();
    ASSERT_TRUE(models) << models.error().message();
    const Lexicon& lexicon = models.value()->lexicon;
    EXPECT_GT(lexicon.Size(), 7000U);
    EXPECT_DOUBLE_EQ(lexicon.Find("good").value_or(0.0), 1.9);
    EXPECT_DOUBLE_EQ(lexicon.Find(":)").value_or(0.0), 2.0);
    EXPECT_TRUE(lexicon.Contains("fed up"));
    EXPECT_FALSE(lexicon.Contains("appointment"));
}

TEST(Models, PatientSupplementAddsOnlyWordsVaderLacks) {
    const auto models = LoadEmbeddedModels().value();
    const Lexicon& lexicon = models->lexicon;
    EXPECT_DOUBLE_EQ(lexicon.Find("filthy").value_or(0.0), -2.4);
    EXPECT_DOUBLE_EQ(lexicon.Find("disgraceful").value_or(0.0), -2.6);
    EXPECT_DOUBLE_EQ(lexicon.Find("polite").value_or(0.0), 1.9);
    // No supplement line shadows a VADER entry: every supplement key is absent from VADER's lines alone.
    const Lexicon vader =
        Lexicon::Parse(std::string(EmbeddedLexiconTsv()).substr(0, EmbeddedLexiconTsv().find("abysmal\t"))).value();
    EXPECT_FALSE(vader.Contains("filthy"));
    EXPECT_GT(lexicon.Size(), vader.Size() + 30);
    EXPECT_EQ(lexicon.Size(), vader.Size() + 33);
}

TEST(Models, VersionNamesCodeDataAndIcu) {
    const auto models = LoadEmbeddedModels().value();
    EXPECT_TRUE(std::regex_match(models->version,
                                 std::regex(R"(nlp-\d+\.\d+\.\d+\+lex\.[0-9a-f]{8}\.lm\.[0-9a-f]{8}\.icu\d+)")))
        << models->version;
    EXPECT_EQ(models->version.rfind("nlp-" + std::string(kCodeVersion) + "+lex.", 0), 0U);
    EXPECT_EQ(models->version, MakeVersion(EmbeddedLexiconTsv()));
    EXPECT_NE(MakeVersion("good\t1.9\n"), MakeVersion("good\t2.0\n"));  // any data change shows
}

TEST(Models, Fnv1aKnownValues) {
    EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
    EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(Models, LexiconFoldsKeysAndLaterLinesWin) {
    const auto lexicon = Lexicon::Parse("Good\t1.0\n:D\t2.0\ngood\t1.5\r\n\n");
    ASSERT_TRUE(lexicon);
    EXPECT_DOUBLE_EQ(lexicon.value().Find("good").value_or(0.0), 1.5);
    EXPECT_DOUBLE_EQ(lexicon.value().Find(":d").value_or(0.0), 2.0);
    EXPECT_EQ(lexicon.value().Size(), 2U);
}

TEST(Models, CorruptLexiconIsRejected) {
    for (const std::string_view tsv :
         {"", "good", "good\t", "good\tvery", "good\t1.5x", "good\t9.0", "\t1.0", "good\tnan"}) {
        const auto models = LoadModels(tsv);
        ASSERT_FALSE(models) << tsv;
        EXPECT_EQ(models.error(), NlpErrc::kCorruptModel) << tsv;
        EXPECT_EQ(models.error().category().name(), std::string("nlp"));
    }
}

}  // namespace
}  // namespace carelisten::nlp
