/// @file
/// @brief Small server-rendered charts (line and grouped bar) as inline SVG for the console's pages. The pages
/// run under a strict Content-Security-Policy, so the markup uses presentation attributes only: no `style=`,
/// no <style>, no script. Each chart is followed by a data table with the same numbers, hidden visually by the
/// console's stylesheet (class "chart-data"), for screen readers and for people who prefer numbers.
/// Pure functions: the same spec always gives the same bytes; safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace carelisten::console {

struct ChartSeries {
    std::string name;
    /// One value per x position; NaN and infinities are gaps (skipped, not drawn as zero).
    std::vector<double> values;
};

struct ChartSpec {
    std::string title;
    /// The x positions; when a series is longer, the missing labels are the 1-based position.
    std::vector<std::string> x_labels;
    std::vector<ChartSeries> series;
    /// viewBox size in user units, clamped to [160, 4000] x [120, 4000]; CSS scales the element itself.
    int width = 640;
    int height = 240;
    /// Shown after the y values in the description and the table header, e.g. "h" or "%".
    std::string y_unit;
    /// x indices to mark, e.g. spikes from DetectSpikes; indices past the end are ignored.
    std::vector<std::size_t> highlighted_points;
    /// A horizontal reference line, e.g. a response-time target; ignored when not finite.
    std::optional<double> target_line;
    /// Prefix of the element ids (`<prefix>-title`, `<prefix>-desc`) so that several charts on one page do not
    /// clash. Characters other than ASCII letters, digits, '-' and '_' become '_'; empty means "chart".
    std::string id_prefix;
};

/// A line per series, a dot per finite value (so a lone point between gaps stays visible), a ring around
/// highlighted points. The y axis always includes 0 and is ticked at 1, 2 or 5 x 10^n.
std::string RenderLineChart(const ChartSpec& spec);

/// Bars from zero (downwards for negative values), grouped side by side when there are several series, a marker
/// above highlighted groups. Axes as in RenderLineChart.
std::string RenderBarChart(const ChartSpec& spec);

}  // namespace carelisten::console
