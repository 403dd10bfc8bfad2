/// @file
/// @brief Interval estimates for the physicians' summaries, from the aggregates the database returns
/// (count, sum, sum of squares per group). Pure functions.
#pragma once

#include <cstdint>
#include <optional>

namespace carelisten::surveys {

/// Groups with fewer answers are suppressed in comparisons (too few to compare, and re-identifying).
inline constexpr std::int64_t kMinGroupSize = 5;

/// 95% t-interval: Student's t for n - 1 degrees of freedom from a table (the next lower tabulated df when
/// between entries, so never too narrow), 1.96 beyond 120. For n == 1 the interval is the mean itself.
struct MeanEstimate {
    std::int64_t n = 0;
    double mean = 0;
    double ci_low = 0;
    double ci_high = 0;
};

/// nullopt for n <= 0. A tiny negative variance from rounding is taken as 0.
std::optional<MeanEstimate> EstimateMean(std::int64_t n, double sum, double sum_of_squares);

/// 95% Wilson score interval (z = 1.96).
struct ProportionEstimate {
    std::int64_t n = 0;
    std::int64_t k = 0;
    double p = 0;
    double ci_low = 0;
    double ci_high = 0;
};

/// nullopt for n <= 0 or k outside 0..n.
std::optional<ProportionEstimate> EstimateProportion(std::int64_t k, std::int64_t n);

/// The two-sided 95% Student t value used for `degrees_of_freedom` (>= 1).
double TValue95(std::int64_t degrees_of_freedom);

}  // namespace carelisten::surveys
