#include <gtest/gtest.h>

#include <cmath>
#include <console/spikes.hpp>
#include <limits>

namespace carelisten::console {
namespace {

std::vector<std::size_t> Indices(const std::vector<Spike>& spikes) {
    std::vector<std::size_t> indices;
    for (const Spike& spike : spikes) {
        indices.push_back(spike.index);
    }
    return indices;
}

TEST(DetectSpikes, FlatZerosThenSixIsASpike) {
    std::vector<double> counts(10, 0.0);
    counts.push_back(6);
    const auto spikes = DetectSpikes(counts);
    ASSERT_EQ(spikes.size(), 1U);
    EXPECT_EQ(spikes[0].index, 10U);
    EXPECT_EQ(spikes[0].value, 6);
    EXPECT_EQ(spikes[0].baseline, 0);
    EXPECT_NEAR(spikes[0].threshold, 3 * 1.4826, 1e-9);  // the spread floored at 1
}

TEST(DetectSpikes, HoveringLowCountsAreNotSpikes) {
    std::vector<double> counts;
    for (int i = 0; i < 28; ++i) {
        counts.push_back(i % 3);  // 0, 1, 2, ...
    }
    counts.push_back(3);
    EXPECT_TRUE(DetectSpikes(counts).empty());
    // Nor a 5 (threshold 1 + 4.4478), but a 6 is.
    counts.back() = 5;
    EXPECT_TRUE(DetectSpikes(counts).empty());
    counts.back() = 6;
    EXPECT_EQ(Indices(DetectSpikes(counts)), std::vector<std::size_t>{28});
}

TEST(DetectSpikes, NeedsSevenPrecedingDays) {
    EXPECT_TRUE(DetectSpikes({}).empty());
    EXPECT_TRUE(DetectSpikes({0, 0, 0, 0, 0, 0, 50}).empty());  // day 6 has only 6 before it
    EXPECT_EQ(Indices(DetectSpikes({0, 0, 0, 0, 0, 0, 0, 50})), std::vector<std::size_t>{7});
    // A window below 7 counts as 7.
    EXPECT_TRUE(DetectSpikes({0, 0, 0, 0, 0, 0, 50}, 3).empty());
    EXPECT_EQ(Indices(DetectSpikes({0, 0, 0, 0, 0, 0, 0, 50}, 3)), std::vector<std::size_t>{7});
}

TEST(DetectSpikes, MinCountKeepsSmallNumbersQuiet) {
    std::vector<double> counts(10, 0.0);
    counts.push_back(6);
    EXPECT_TRUE(DetectSpikes(counts, 28, 10).empty());
    EXPECT_EQ(DetectSpikes(counts, 28, 6).size(), 1U);
}

TEST(DetectSpikes, RobustToEarlierSpikes) {
    std::vector<double> counts;
    for (int i = 0; i < 40; ++i) {
        counts.push_back(10 + (i % 5) - 2);  // 8..12
    }
    counts[15] = 40;
    counts[30] = 40;
    counts[31] = 38;
    EXPECT_EQ(Indices(DetectSpikes(counts)), (std::vector<std::size_t>{15, 30, 31}));
}

TEST(DetectSpikes, BaselineComesFromTheWindowOnly) {
    std::vector<double> counts(30, 100.0);
    counts.insert(counts.end(), 10, 10.0);
    counts.push_back(30);
    // With a week's window the baseline is 10: sqrt(10) floor, threshold 10 + 4.4478 x 3.162 = 24.07.
    const auto short_window = DetectSpikes(counts, 7);
    ASSERT_EQ(Indices(short_window), std::vector<std::size_t>{40});
    EXPECT_EQ(short_window[0].baseline, 10);
    EXPECT_NEAR(short_window[0].threshold, 10 + 3 * 1.4826 * std::sqrt(10.0), 1e-9);
    // With four weeks, 18 of the 28 days are 100: no spike.
    EXPECT_TRUE(DetectSpikes(counts, 28).empty());
}

TEST(DetectSpikes, PoissonFloorForLargeFlatCounts) {
    std::vector<double> counts(28, 100.0);
    counts.push_back(140);  // threshold 100 + 4.4478 x 10 = 144.5
    EXPECT_TRUE(DetectSpikes(counts).empty());
    counts.back() = 150;
    EXPECT_EQ(DetectSpikes(counts).size(), 1U);
}

TEST(DetectSpikes, NonFiniteDaysAreSkipped) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    // NaNs are not history: day 8 has only 6 finite days before it, day 9 has 7.
    EXPECT_TRUE(DetectSpikes({0, 0, nan, 0, 0, nan, 0, 0, 50}).empty());
    EXPECT_EQ(Indices(DetectSpikes({0, 0, nan, 0, 0, nan, 0, 0, 0, 50})), std::vector<std::size_t>{9});
    EXPECT_TRUE(DetectSpikes({0, 0, 0, 0, 0, 0, 0, 0, nan, inf}).empty());
}

}  // namespace
}  // namespace carelisten::console
