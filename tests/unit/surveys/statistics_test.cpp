#include <gtest/gtest.h>

#include <surveys/statistics.hpp>

namespace carelisten::surveys {
namespace {

TEST(EstimateMean, TenValuesWithTextbookT) {
    // 1..10: mean 5.5, s = 3.02765, t(9) = 2.262 -> 5.5 +- 2.262 * 3.02765 / sqrt(10) = 5.5 +- 2.16570.
    const auto estimate = EstimateMean(10, 55.0, 385.0);
    ASSERT_TRUE(estimate);
    EXPECT_EQ(estimate->n, 10);
    EXPECT_DOUBLE_EQ(estimate->mean, 5.5);
    EXPECT_NEAR(estimate->ci_low, 3.33430, 1e-4);
    EXPECT_NEAR(estimate->ci_high, 7.66570, 1e-4);
}

TEST(EstimateMean, SmallLargeAndDegenerate) {
    EXPECT_FALSE(EstimateMean(0, 0, 0));
    EXPECT_FALSE(EstimateMean(-3, 1, 1));
    const auto one = EstimateMean(1, 7, 49);
    ASSERT_TRUE(one);
    EXPECT_DOUBLE_EQ(one->ci_low, 7);
    EXPECT_DOUBLE_EQ(one->ci_high, 7);
    // Two answers 2 and 4: mean 3, s = sqrt(2), t(1) = 12.706 -> 3 +- 12.706.
    const auto two = EstimateMean(2, 6, 20);
    EXPECT_NEAR(two->ci_high - two->mean, 12.706, 1e-9);
    // All equal: no spread, and a rounding error below zero does not give NaN.
    const auto flat = EstimateMean(3, 6, 12);
    EXPECT_DOUBLE_EQ(flat->ci_low, 2);
    EXPECT_DOUBLE_EQ(flat->ci_high, 2);
    const auto rounded = EstimateMean(3, 0.3, 0.03 - 1e-17);  // sum of squares a hair below n * mean^2
    EXPECT_DOUBLE_EQ(rounded->ci_low, rounded->mean);
    EXPECT_DOUBLE_EQ(rounded->ci_high, rounded->mean);
    // n = 400 of mean 5 sd 2: z = 1.96 -> 5 +- 0.196.
    const double n = 400;
    const auto large = EstimateMean(400, 5 * n, (4.0 * (n - 1) + n * 25));
    EXPECT_NEAR(large->ci_high, 5.196, 1e-9);
}

TEST(TValue95, TableAndBeyond) {
    EXPECT_DOUBLE_EQ(TValue95(1), 12.706);
    EXPECT_DOUBLE_EQ(TValue95(9), 2.262);
    EXPECT_DOUBLE_EQ(TValue95(30), 2.042);
    EXPECT_DOUBLE_EQ(TValue95(35), 2.042);  // the next lower tabulated df: never too narrow
    EXPECT_DOUBLE_EQ(TValue95(45), 2.021);
    EXPECT_DOUBLE_EQ(TValue95(100), 2.000);
    EXPECT_DOUBLE_EQ(TValue95(120), 1.980);
    EXPECT_DOUBLE_EQ(TValue95(121), 1.96);
}

TEST(EstimateProportion, WilsonKnownValues) {
    // 8 of 10: Wilson 95% (0.4902, 0.9433).
    const auto eight = EstimateProportion(8, 10);
    ASSERT_TRUE(eight);
    EXPECT_EQ(eight->k, 8);
    EXPECT_EQ(eight->n, 10);
    EXPECT_DOUBLE_EQ(eight->p, 0.8);
    EXPECT_NEAR(eight->ci_low, 0.4902, 1e-4);
    EXPECT_NEAR(eight->ci_high, 0.9433, 1e-4);
    // 0 of 10: (0, 0.2775); 10 of 10: (0.7225, 1).
    const auto none = EstimateProportion(0, 10);
    EXPECT_DOUBLE_EQ(none->ci_low, 0);
    EXPECT_NEAR(none->ci_high, 0.2775, 1e-4);
    const auto all = EstimateProportion(10, 10);
    EXPECT_NEAR(all->ci_low, 0.7225, 1e-4);
    EXPECT_DOUBLE_EQ(all->ci_high, 1);
}

TEST(EstimateProportion, RefusesImpossibleCounts) {
    EXPECT_FALSE(EstimateProportion(0, 0));
    EXPECT_FALSE(EstimateProportion(3, 2));
    EXPECT_FALSE(EstimateProportion(-1, 5));
    EXPECT_EQ(kMinGroupSize, 5);
}

}  // namespace
}  // namespace carelisten::surveys
