/// @file
/// @brief Spike detection on daily counts ("a day far above its usual level"), for marking charts and for the
/// overview's alerts. Pure function, safe to call from any thread.
#pragma once

#include <cstddef>
#include <vector>

namespace carelisten::console {

struct Spike {
    std::size_t index;  ///< position in daily_counts
    double value;       ///< that day's count
    double baseline;    ///< median of the preceding window
    double threshold;   ///< the count the day had to exceed
};

/// The rule, for day i:
/// - history = the finite counts of the `window` days before i (fewer at the start); a day with fewer than 7
///   such days is never flagged, and a `window` below 7 counts as 7;
/// - baseline = median(history); spread = max(MAD(history), sqrt(baseline), 1), where MAD is the median
///   absolute deviation from the baseline;
/// - day i is a spike when count >= `min_count` and count > baseline + 3 x 1.4826 x spread.
/// Median and MAD (1.4826 x MAD estimates the standard deviation of normal data) ignore earlier spikes in the
/// window, so one bad day does not hide the next. The floor on the spread is a Poisson-like scale: counts of
/// rare events vary by about sqrt(mean), so a flat series of zeros followed by a 6 is a spike while one
/// hovering between 0 and 2 followed by a 3 is not, and `min_count` keeps tiny absolute numbers quiet.
/// NaN or infinite days are skipped in the history and never flagged. Cost O(n x window log window).
std::vector<Spike> DetectSpikes(const std::vector<double>& daily_counts, std::size_t window = 28, double min_count = 5);

}  // namespace carelisten::console
