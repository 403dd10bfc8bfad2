#include <gtest/gtest.h>

#include <connectors/backoff.hpp>

namespace carelisten::connectors {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsExponentiallyWithinJitterAndCaps) {
    Backoff backoff(milliseconds(100), milliseconds(1000), 42);
    const milliseconds expected_caps[] = {milliseconds(100), milliseconds(200),  milliseconds(400),
                                          milliseconds(800), milliseconds(1000), milliseconds(1000)};
    for (const auto cap : expected_caps) {
        const auto delay = backoff.NextDelay();
        EXPECT_GE(delay, cap / 2);
        EXPECT_LE(delay, cap);
    }
    EXPECT_EQ(backoff.Failures(), 6u);
    backoff.Reset();
    EXPECT_LE(backoff.NextDelay(), milliseconds(100));
}

TEST(Backoff, IsDeterministicForASeedAndJittersAcrossSeeds) {
    Backoff a(milliseconds(1000), milliseconds(60000), 7);
    Backoff b(milliseconds(1000), milliseconds(60000), 7);
    Backoff c(milliseconds(1000), milliseconds(60000), 8);
    bool any_difference = false;
    for (int i = 0; i < 5; ++i) {
        const auto da = a.NextDelay();
        EXPECT_EQ(da, b.NextDelay());
        any_difference = any_difference || da != c.NextDelay();
    }
    EXPECT_TRUE(any_difference);
}

}  // namespace
}  // namespace carelisten::connectors
