#include <algorithm>
#include <cmath>
#include <console/spikes.hpp>
#include <cstddef>

namespace carelisten::console {
namespace {

constexpr std::size_t kMinHistory = 7;
constexpr double kMadToSigma = 1.4826;
constexpr double kSigmas = 3;

/// Median of `values` (non-empty), reordering them.
double Median(std::vector<double>& values) {
    const std::size_t middle = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
    const double upper = values[middle];
    if (values.size() % 2 == 1) {
        return upper;
    }
    const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
    return (lower + upper) / 2;
}

}  // namespace

std::vector<Spike> DetectSpikes(const std::vector<double>& daily_counts, std::size_t window, double min_count) {
    window = std::max(window, kMinHistory);
    std::vector<Spike> spikes;
    std::vector<double> history;
    for (std::size_t i = kMinHistory; i < daily_counts.size(); ++i) {
        const double value = daily_counts[i];
        if (!std::isfinite(value) || value < min_count) {
            continue;
        }
        history.clear();
        for (std::size_t j = i - std::min(i, window); j < i; ++j) {
            if (std::isfinite(daily_counts[j])) {
                history.push_back(daily_counts[j]);
            }
        }
        if (history.size() < kMinHistory) {
            continue;
        }
        const double baseline = Median(history);
        for (double& x : history) {
            x = std::abs(x - baseline);
        }
        const double mad = Median(history);
        const double spread = std::max({mad, std::sqrt(std::max(baseline, 0.0)), 1.0});
        const double threshold = baseline + kSigmas * kMadToSigma * spread;
        if (value > threshold) {
            spikes.push_back(Spike{.index = i, .value = value, .baseline = baseline, .threshold = threshold});
        }
    }
    return spikes;
}

}  // namespace carelisten::console
