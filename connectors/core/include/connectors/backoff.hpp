/// @file
/// @brief Exponential back-off with jitter, with the random source injected so tests are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace carelisten::connectors {

/// Delay after the n-th consecutive failure: min(max, base * 2^(n-1)), scaled by a random factor in
/// [0.5, 1.0] ("equal jitter") so many sources failing together do not retry in lock-step.
/// Thread-safety: none; one per source.
class Backoff {
public:
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max, std::uint64_t seed)
        : base_(base), max_(max), random_(seed) {}

    /// Records a failure and returns how long to wait before the next attempt.
    std::chrono::milliseconds NextDelay();
    void Reset() { failures_ = 0; }
    std::uint32_t Failures() const { return failures_; }
    void SetMax(std::chrono::milliseconds max) { max_ = max; }

private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds max_;
    std::mt19937_64 random_;
    std::uint32_t failures_ = 0;
};

}  // namespace carelisten::connectors
