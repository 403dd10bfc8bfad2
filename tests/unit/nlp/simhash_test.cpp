#include <gtest/gtest.h>

#include <nlp/simhash.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace carelisten::nlp {
namespace {

std::uint64_t Hash(std::string_view text) {
    return SimHash(Normalize(text));
}

TEST(SimHash, HammingDistance) {
    EXPECT_EQ(HammingDistance(0, 0), 0);
    EXPECT_EQ(HammingDistance(0, ~std::uint64_t{0}), 64);
    EXPECT_EQ(HammingDistance(0b1011, 0b0001), 2);
}

TEST(SimHash, EmptyTextIsZero) {
    EXPECT_EQ(Hash(""), 0U);
    EXPECT_EQ(Hash("   "), 0U);
}

TEST(SimHash, IdenticalNormalizedTextGivesIdenticalHash) {
    EXPECT_NE(Hash("The nurse was kind"), 0U);
    EXPECT_EQ(Hash("The nurse was kind"), Hash("the   NURSE was kind"));
    EXPECT_EQ(Hash("The nurse was kind"), Hash("The nurse was kind"));
}

TEST(SimHash, NearDuplicatesDifferInFewBitsUnrelatedTextsInMany) {
    const std::uint64_t a = Hash(
        "I waited four hours in the emergency department and nobody told me what was happening with my "
        "father, the staff were kind but clearly overwhelmed and the toilets were dirty");
    const std::uint64_t b = Hash(
        "I waited five hours in the emergency department and nobody told me what was happening with my "
        "father, the staff were kind but clearly overwhelmed and the toilets were dirty!");
    const std::uint64_t c = Hash(
        "Parking at the north entrance costs far too much and the machines only take coins, please fix the "
        "signs to the maternity unit as well");
    EXPECT_LE(HammingDistance(a, b), 12);
    EXPECT_GE(HammingDistance(a, c), 18);
}

TEST(SimHash, RetweetPrefixHandlesAndLinksDoNotChangeTheHash) {
    const std::string complaint =
        "Waited six hours in A&E with my father and nobody told us anything, the toilets were filthy";
    const std::uint64_t original = Hash(complaint);
    EXPECT_EQ(Hash("RT @angry_son: " + complaint), original);
    EXPECT_EQ(Hash("@StElsewhereNHS " + complaint + " https://t.co/abc123"), original);
    EXPECT_EQ(Hash("rt @x " + complaint), original);
    // "rt" in the middle of a text is a word like any other.
    EXPECT_NE(Hash("the rt team " + complaint), original);
}

TEST(SimHash, WordsExcludeHandlesLinksAndLeadingRetweetMarker) {
    // The words are views into the normalized text: it must outlive them.
    const auto normalized = Normalize("RT @bob: ward 7 was great https://x.org");
    const std::vector<std::string_view> words = SimHashWords(normalized);
    EXPECT_EQ(words, (std::vector<std::string_view>{"ward", "7", "was", "great"}));
}

TEST(SimHash, ManyShinglesCountEveryVote) {
    // Hundreds of identical shingles (the counters are flushed every 255 on the way) vote exactly like two.
    std::string text;
    for (int i = 0; i < 600; ++i) {
        text += "alpha ";
    }
    EXPECT_EQ(Hash(text), Hash("alpha alpha alpha"));
    EXPECT_NE(Hash(text), 0U);
}

}  // namespace
}  // namespace carelisten::nlp
