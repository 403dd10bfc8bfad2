#include <algorithm>
#include <array>
#include <cmath>
#include <surveys/statistics.hpp>

namespace carelisten::surveys {
namespace {

// Two-sided 95% critical values of Student's t (any statistics textbook table), df 1..30.
constexpr std::array<double, 30> kT95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                         2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                         2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
constexpr double kZ95 = 1.96;

}  // namespace

double TValue95(std::int64_t degrees_of_freedom) {
    if (degrees_of_freedom < 1) {
        return kT95[0];
    }
    if (degrees_of_freedom <= 30) {
        return kT95[static_cast<std::size_t>(degrees_of_freedom - 1)];
    }
    if (degrees_of_freedom < 40) {
        return kT95[29];
    }
    if (degrees_of_freedom < 60) {
        return 2.021;
    }
    if (degrees_of_freedom < 120) {
        return 2.000;
    }
    if (degrees_of_freedom == 120) {
        return 1.980;
    }
    return kZ95;
}

std::optional<MeanEstimate> EstimateMean(std::int64_t n, double sum, double sum_of_squares) {
    if (n <= 0 || !std::isfinite(sum) || !std::isfinite(sum_of_squares)) {
        return std::nullopt;
    }
    const auto count = static_cast<double>(n);
    const double mean = sum / count;
    if (n == 1) {
        return MeanEstimate{.n = n, .mean = mean, .ci_low = mean, .ci_high = mean};
    }
    const double variance = std::max(0.0, (sum_of_squares - count * mean * mean) / (count - 1.0));
    const double half = TValue95(n - 1) * std::sqrt(variance / count);
    return MeanEstimate{.n = n, .mean = mean, .ci_low = mean - half, .ci_high = mean + half};
}

std::optional<ProportionEstimate> EstimateProportion(std::int64_t k, std::int64_t n) {
    if (n <= 0 || k < 0 || k > n) {
        return std::nullopt;
    }
    const auto count = static_cast<double>(n);
    const double p = static_cast<double>(k) / count;
    const double z2 = kZ95 * kZ95;
    const double denominator = 1.0 + z2 / count;
    const double centre = (p + z2 / (2.0 * count)) / denominator;
    const double half = kZ95 * std::sqrt(p * (1.0 - p) / count + z2 / (4.0 * count * count)) / denominator;
    return ProportionEstimate{
        .n = n, .k = k, .p = p, .ci_low = std::max(0.0, centre - half), .ci_high = std::min(1.0, centre + half)};
}

}  // namespace carelisten::surveys
