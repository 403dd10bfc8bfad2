#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <console/svg_chart.hpp>
#include <limits>
#include <regex>
#include <set>

namespace carelisten::console {
namespace {

std::vector<std::string> AllMatches(const std::string& text, const std::string& pattern) {
    const std::regex re(pattern);
    std::vector<std::string> found;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
        found.push_back((*it).size() > 1 ? (*it)[1].str() : (*it)[0].str());
    }
    return found;
}

std::size_t Count(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
        ++count;
    }
    return count;
}

/// The y tick labels: the texts of the first group, which is the grid.
std::vector<std::string> YTicks(const std::string& svg) {
    const std::size_t begin = svg.find("text-anchor=\"end\">");
    const std::size_t end = svg.find("</g>", begin);
    return AllMatches(svg.substr(begin, end - begin), ">([^<]*)</text>");
}

ChartSpec Week() {
    ChartSpec spec;
    spec.title = "Complaints per day";
    spec.x_labels = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    spec.series = {{"Ward A", {1, 2, 3, 4, 5, 6, 0}}, {"Ward B", {0, 1, 0, 2, 0, 1, 0}}};
    spec.id_prefix = "complaints";
    return spec;
}

void ExpectStrictCspSafe(const std::string& html) {
    EXPECT_EQ(html.find("style"), std::string::npos) << html;
    EXPECT_EQ(html.find("<script"), std::string::npos) << html;
    EXPECT_EQ(html.find("javascript:"), std::string::npos) << html;
    // No event handler attributes in any tag (text is escaped, so every '<' starts a real tag).
    for (const std::string& tag : AllMatches(html, "(<[^>]*>)")) {
        EXPECT_FALSE(std::regex_search(tag, std::regex("\\son[a-z]+="))) << tag;
    }
}

TEST(RenderLineChart, StructureForScreenReadersAndStrictCsp) {
    const std::string html = RenderLineChart(Week());
    ExpectStrictCspSafe(html);
    EXPECT_TRUE(html.starts_with("<figure class=\"chart\"><svg ")) << html;
    EXPECT_NE(html.find("role=\"img\" aria-labelledby=\"complaints-title\" aria-describedby=\"complaints-desc\" "
                        "viewBox=\"0 0 640 240\">"),
              std::string::npos);
    EXPECT_NE(html.find("<title id=\"complaints-title\">Complaints per day</title><desc id=\"complaints-desc\">"
                        "Line chart of 2 series (Ward A, Ward B) over 7 points. Values from 0 to 6.</desc>"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("</svg><figcaption>Complaints per day</figcaption></figure><table class=\"chart-data\""),
              std::string::npos);
    EXPECT_TRUE(html.ends_with("</tbody></table>"));
    // The table has the same numbers: a header per series and a row per point.
    EXPECT_NE(html.find("<thead><tr><th scope=\"col\">Point</th><th scope=\"col\">Ward A</th><th scope=\"col\">"
                        "Ward B</th></tr></thead>"),
              std::string::npos);
    EXPECT_NE(html.find("<tr><th scope=\"row\">Thu</th><td>4</td><td>2</td></tr>"), std::string::npos);
    EXPECT_EQ(Count(html, "<th scope=\"row\">"), 7U);
}

TEST(RenderLineChart, OkabeItoColoursPerSeriesAndALegend) {
    const std::string html = RenderLineChart(Week());
    EXPECT_EQ(Count(html, "stroke=\"#0072B2\""), 1U);
    EXPECT_EQ(Count(html, "stroke=\"#E69F00\""), 1U);
    EXPECT_NE(html.find("fill=\"#0072B2\"/><text x=\"70.0\" y=\"16.0\">Ward A</text>"), std::string::npos) << html;
    EXPECT_NE(html.find(">Ward B</text>"), std::string::npos);
    // Nine series: all eight colours, then the first again but dashed.
    ChartSpec many;
    for (int i = 0; i < 9; ++i) {
        many.series.push_back({"S" + std::to_string(i), {1, 2}});
    }
    const std::string nine = RenderLineChart(many);
    for (const char* colour :
         {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"}) {
        EXPECT_NE(nine.find(std::string("<path d=\"M")), std::string::npos);
        EXPECT_GE(Count(nine, std::string("stroke=\"") + colour + "\" stroke-width=\"2\""), 1U) << colour;
    }
    EXPECT_EQ(Count(nine, "stroke-dasharray=\"5 3\""), 1U);
}

TEST(RenderLineChart, NiceTicks) {
    EXPECT_EQ(YTicks(RenderLineChart(Week())), (std::vector<std::string>{"0", "2", "4", "6"}));
    ChartSpec sentiment;
    sentiment.series = {{"Sentiment", {-1, -0.25, 0.3, 1}}};
    EXPECT_EQ(YTicks(RenderLineChart(sentiment)), (std::vector<std::string>{"-1.0", "-0.5", "0.0", "0.5", "1.0"}));
    ChartSpec hundreds;
    hundreds.series = {{"Count", {3, 97}}};
    EXPECT_EQ(YTicks(RenderLineChart(hundreds)), (std::vector<std::string>{"0", "20", "40", "60", "80", "100"}));
    ChartSpec thousands;
    thousands.series = {{"Count", {1234}}};
    EXPECT_EQ(YTicks(RenderLineChart(thousands)), (std::vector<std::string>{"0", "500", "1000", "1500"}));
    ChartSpec small;
    small.series = {{"Rate", {0.012, 0.034}}};
    EXPECT_EQ(YTicks(RenderLineChart(small)), (std::vector<std::string>{"0.00", "0.01", "0.02", "0.03", "0.04"}));
    // Negative only: the axis still reaches zero.
    ChartSpec negative;
    negative.series = {{"Delta", {-3, -7}}};
    EXPECT_EQ(YTicks(RenderLineChart(negative)), (std::vector<std::string>{"-8", "-6", "-4", "-2", "0"}));
}

TEST(RenderLineChart, AllZerosSinglePointAndEmpty) {
    ChartSpec zeros;
    zeros.series = {{"Count", {0, 0, 0}}};
    const std::string flat = RenderLineChart(zeros);
    EXPECT_EQ(YTicks(flat), (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
    EXPECT_EQ(flat.find("nan"), std::string::npos);
    EXPECT_EQ(flat.find("inf"), std::string::npos);

    ChartSpec single;
    single.x_labels = {"Today"};
    single.series = {{"Count", {4}}};
    const std::string one = RenderLineChart(single);
    EXPECT_EQ(AllMatches(one, "<path d=\"([^\"]*)\""), std::vector<std::string>{"M340.0 40.0"});
    EXPECT_EQ(Count(one, "<circle "), 1U);
    EXPECT_NE(one.find("<tr><th scope=\"row\">Today</th><td>4</td></tr>"), std::string::npos);

    for (const ChartSpec& nothing : {ChartSpec{}, ChartSpec{.series = {{"Empty", {}}}}}) {
        const std::string html = RenderLineChart(nothing);
        ExpectStrictCspSafe(html);
        EXPECT_NE(html.find(">No data</text>"), std::string::npos) << html;
        EXPECT_NE(html.find("No data.</desc>"), std::string::npos) << html;
        EXPECT_EQ(html.find("<path"), std::string::npos);
        EXPECT_NE(html.find("<title id=\"chart-title\">Chart</title>"), std::string::npos);
        EXPECT_NE(html.find("<tbody></tbody>"), std::string::npos);
    }
}

TEST(RenderLineChart, NonFiniteValuesAreGaps) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    ChartSpec spec;
    spec.series = {{"Count", {1, nan, 3, 4, inf, 2, -inf}}};
    const std::string html = RenderLineChart(spec);
    const auto paths = AllMatches(html, "<path d=\"([^\"]*)\"");
    ASSERT_EQ(paths.size(), 1U);
    EXPECT_EQ(Count(paths[0], "M"), 3U) << paths[0];  // segments [1], [3, 4], [2]
    EXPECT_EQ(Count(paths[0], "L"), 1U) << paths[0];
    EXPECT_EQ(Count(html, "<circle "), 4U);
    EXPECT_EQ(Count(html, "<td>no data</td>"), 3U);
    EXPECT_EQ(html.find("nan"), std::string::npos);
    EXPECT_EQ(html.find("inf"), std::string::npos);
    EXPECT_NE(html.find("Values from 1 to 4."), std::string::npos);
}

TEST(RenderLineChart, HostileLabelsAreEscaped) {
    ChartSpec spec;
    spec.title = "<script>alert(1)</script>";
    spec.x_labels = {"<script>x</script>", "\"quoted\" & 'single'"};
    spec.series = {{"<img src=x onerror=alert(1)>", {1, 2}}};
    spec.y_unit = "<b>h</b>";
    spec.highlighted_points = {0};
    spec.target_line = 1.5;
    spec.id_prefix = "x\" onload=\"alert(1)";
    for (const std::string& html : {RenderLineChart(spec), RenderBarChart(spec)}) {
        ExpectStrictCspSafe(html);
        EXPECT_EQ(html.find("<img"), std::string::npos);
        EXPECT_EQ(html.find("<b>"), std::string::npos);
        EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
        EXPECT_NE(html.find("&quot;quoted&quot; &amp; &#39;single&#39;"), std::string::npos);
        EXPECT_NE(html.find("id=\"x__onload__alert_1_-title\""), std::string::npos);
    }
}

TEST(RenderLineChart, IdsAreUniqueAcrossChartsOnAPage) {
    ChartSpec first = Week();
    first.id_prefix = "daily";
    ChartSpec second = Week();
    second.id_prefix = "weekly";
    const std::string page = RenderLineChart(first) + RenderBarChart(second);
    const auto ids = AllMatches(page, " id=\"([^\"]*)\"");
    EXPECT_EQ(ids.size(), 6U);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
    // Every aria reference points at an id on the page.
    for (const std::string& reference : AllMatches(page, "aria-(?:labelledby|describedby)=\"([^\"]*)\"")) {
        EXPECT_NE(std::find(ids.begin(), ids.end(), reference), ids.end()) << reference;
    }
}

TEST(RenderLineChart, HighlightsAndTargetLine) {
    ChartSpec spec = Week();
    spec.highlighted_points = {5, 5, 99};  // a duplicate and one past the end
    spec.target_line = 10;
    spec.y_unit = "cases";
    const std::string html = RenderLineChart(spec);
    EXPECT_EQ(Count(html, "r=\"7\""), 2U);  // one ring per series at Sat
    EXPECT_NE(html.find("Target line at 10 cases. Marked: Sat.</desc>"), std::string::npos) << html;
    EXPECT_NE(html.find("stroke-dasharray=\"6 4\""), std::string::npos);
    EXPECT_NE(html.find(">Target 10 cases</text>"), std::string::npos);
    EXPECT_EQ(YTicks(html).back(), "10");  // the axis reaches the target
    EXPECT_NE(html.find("<th scope=\"col\">Ward A (cases)</th>"), std::string::npos);
    EXPECT_NE(html.find("<th scope=\"col\">Marked</th>"), std::string::npos);
    EXPECT_EQ(Count(html, "<td>yes</td>"), 1U);
    // A non-finite target is ignored.
    spec.target_line = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(RenderLineChart(spec).find("Target"), std::string::npos);
}

TEST(RenderBarChart, GroupedBarsFromZeroIncludingNegative) {
    ChartSpec spec;
    spec.x_labels = {"Jan", "Feb", "Mar"};
    spec.series = {{"Positive", {0.5, 1, 0}}, {"Negative", {-0.5, -1, 0.25}}};
    spec.highlighted_points = {1};
    const std::string html = RenderBarChart(spec);
    ExpectStrictCspSafe(html);
    EXPECT_NE(html.find("Bar chart of 2 series"), std::string::npos);
    // Bars carry no fill of their own (their series group has it); legend swatches do.
    const std::string bar = "<rect x=\"[^\"]*\" y=\"([^\"]*)\" width=\"([^\"]*)\" height=\"([^\"]*)\"/>";
    std::vector<std::string> ys;
    std::vector<std::string> widths;
    std::vector<std::string> heights;
    const std::regex bar_re(bar);
    for (auto it = std::sregex_iterator(html.begin(), html.end(), bar_re); it != std::sregex_iterator(); ++it) {
        ys.push_back((*it)[1].str());
        widths.push_back((*it)[2].str());
        heights.push_back((*it)[3].str());
    }
    ASSERT_EQ(ys.size(), 6U);  // 3 groups x 2 series
    EXPECT_EQ(std::set<std::string>(widths.begin(), widths.end()).size(), 1U);
    // +0.5 and -0.5: same height, the negative bar starts at the zero line where the positive one ends.
    EXPECT_EQ(heights[0], heights[3]);
    EXPECT_NE(ys[0], ys[3]);
    EXPECT_EQ(std::stod(ys[0]) + std::stod(heights[0]), std::stod(ys[3]));
    EXPECT_EQ(heights[2], "0.0");  // a zero bar
    // One marker above the highlighted group, and the table says which.
    EXPECT_EQ(Count(html, "Z\" fill=\"#000000\""), 1U);
    EXPECT_NE(html.find("<tr><th scope=\"row\">Feb</th><td>1</td><td>-1</td><td>yes</td></tr>"), std::string::npos);
    EXPECT_NE(html.find("<td>0.25</td>"), std::string::npos);
    EXPECT_NE(html.find("<td>-0.50</td>"), std::string::npos);
}

TEST(RenderBarChart, EmptyAndMissingLabels) {
    ChartSpec spec;
    spec.x_labels = {"only"};
    spec.series = {{"A", {1, 2, 3}}, {"B", {}}};
    const std::string html = RenderBarChart(spec);
    EXPECT_NE(html.find("<th scope=\"row\">2</th><td>2</td><td>no data</td>"), std::string::npos) << html;
    EXPECT_NE(html.find("<th scope=\"row\">3</th>"), std::string::npos);
    const std::string empty = RenderBarChart(ChartSpec{});
    EXPECT_NE(empty.find(">No data</text>"), std::string::npos);
    EXPECT_EQ(empty.find("<rect"), std::string::npos);
}

TEST(RenderCharts, DeterministicAndSizeClamped) {
    ChartSpec spec = Week();
    spec.series[0].values[2] = 1.0 / 3.0;
    EXPECT_EQ(RenderLineChart(spec), RenderLineChart(spec));
    EXPECT_EQ(RenderBarChart(spec), RenderBarChart(spec));
    EXPECT_NE(RenderLineChart(spec).find("<td>0.33</td>"), std::string::npos);
    spec.width = 10;
    spec.height = 100000;
    EXPECT_NE(RenderLineChart(spec).find("viewBox=\"0 0 160 4000\""), std::string::npos);
    // Coordinates have one decimal, always.
    for (const std::string& number : AllMatches(RenderLineChart(Week()), " c[xy]=\"([^\"]*)\"")) {
        EXPECT_TRUE(std::regex_match(number, std::regex("-?[0-9]+\\.[0-9]"))) << number;
    }
}

TEST(RenderCharts, HugeValuesStayOnTheChart) {
    ChartSpec spec;
    spec.series = {{"Huge", {1e300, -1e300, 5}}};
    const std::string html = RenderLineChart(spec);
    for (const std::string& y : AllMatches(html, " cy=\"([^\"]*)\"")) {
        EXPECT_GE(std::stod(y), 0);
        EXPECT_LE(std::stod(y), 240);
    }
    EXPECT_EQ(html.find("nan"), std::string::npos);
    EXPECT_EQ(html.find("inf"), std::string::npos);
}

}  // namespace
}  // namespace carelisten::console
