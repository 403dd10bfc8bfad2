#include <gtest/gtest.h>

#include <nlp/simhash.hpp>

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

}  // namespace
}  // namespace carelisten::nlp
