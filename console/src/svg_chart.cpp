#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <console/html.hpp>
#include <console/svg_chart.hpp>
#include <string_view>

namespace carelisten::console {
namespace {

/// Okabe & Ito's colour-blind-safe palette, darkest-contrast colours first (yellow on white is the weakest).
/// Series past the eighth reuse the colours, dashed (lines) or outlined (bars), so they stay distinct.
constexpr std::array<std::string_view, 8> kPalette = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                                      "#56B4E9", "#D55E00", "#000000", "#F0E442"};
constexpr std::string_view kTextColour = "#333333";
constexpr std::string_view kGridColour = "#DDDDDD";
constexpr std::string_view kAxisColour = "#888888";
constexpr std::string_view kMarkColour = "#000000";

constexpr int kMinWidth = 160;
constexpr int kMinHeight = 120;
constexpr int kMaxSize = 4000;
constexpr double kLeftMargin = 56;
constexpr double kRightMargin = 16;
constexpr double kBottomMargin = 36;
constexpr double kLegendRowHeight = 16;
constexpr double kCharWidth = 7;  // a rough average at font-size 12, for laying out legend entries
constexpr std::size_t kMaxLabelCodePoints = 14;
/// Values beyond this only squash the axis; they are drawn at its edge (the table has the exact number).
constexpr double kValueLimit = 1e15;

enum class Kind { kLine, kBar };

bool IsContinuationByte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

std::size_t CodePoints(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

/// Fixed-point, locale-independent (std::to_chars, never printf, so a German locale cannot turn "1.5" into
/// "1,5" inside a coordinate), and never "-0".
std::string Fixed(double value, int decimals) {
    std::array<char, 400> buffer{};
    const auto [end, ec] =
        std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed, decimals);
    if (ec != std::errc{}) {
        return "0";
    }
    std::string text(buffer.data(), end);
    if (text.starts_with('-') && text.find_first_not_of("-0.") == std::string::npos) {
        text.erase(0, 1);
    }
    return text;
}

std::string Coordinate(double value) {
    return Fixed(value, 1);
}

/// Whole numbers without decimals (counts), anything else with two.
std::string FormatValue(double value) {
    if (std::abs(value) < kValueLimit && std::abs(value - std::round(value)) < 1e-9) {
        return Fixed(std::round(value), 0);
    }
    return Fixed(value, 2);
}

std::string WithUnit(const std::string& number, const std::string& unit) {
    return unit.empty() ? number : number + " " + unit;
}

std::string SanitizedPrefix(const std::string& prefix) {
    if (prefix.empty()) {
        return "chart";
    }
    std::string out = prefix;
    for (char& c : out) {
        const bool allowed =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!allowed) {
            c = '_';
        }
    }
    return out;
}

/// A y axis from a "nice" step (1, 2 or 5 x 10^n) giving at most five intervals, always including zero.
struct Axis {
    double min = 0;
    double max = 1;
    double step = 0.5;
    long long first_tick = 0;
    long long last_tick = 2;
    int decimals = 1;
};

Axis NiceAxis(double low, double high) {
    low = std::min(low, 0.0);
    high = std::max(high, 0.0);
    if (!(high > low)) {
        high = low + 1;  // all zeros: a 0..1 axis rather than a division by zero
    }
    const double rough = (high - low) / 5;
    const double exponent = std::floor(std::log10(rough));
    const double base = std::pow(10.0, exponent);
    const double fraction = rough / base;
    constexpr double kSlack = 1e-9;
    double nice = 10;
    for (const double candidate : {1.0, 2.0, 5.0}) {
        if (fraction <= candidate + kSlack) {
            nice = candidate;
            break;
        }
    }
    Axis axis;
    axis.step = nice * base;
    axis.decimals = std::max(0, -static_cast<int>(exponent) - (nice == 10 ? 1 : 0));
    axis.first_tick = static_cast<long long>(std::floor(low / axis.step + kSlack));
    axis.last_tick = static_cast<long long>(std::ceil(high / axis.step - kSlack));
    axis.min = static_cast<double>(axis.first_tick) * axis.step;
    axis.max = static_cast<double>(axis.last_tick) * axis.step;
    return axis;
}

struct Layout {
    double width = 0;
    double height = 0;
    double left = kLeftMargin;
    double top = 0;
    double right = 0;
    double bottom = 0;
    std::size_t points = 0;

    double PlotWidth() const { return right - left; }
    double PlotHeight() const { return bottom - top; }
    double Band() const { return PlotWidth() / static_cast<double>(std::max<std::size_t>(points, 1)); }
    double CentreX(std::size_t index) const { return left + (static_cast<double>(index) + 0.5) * Band(); }
};

class ChartWriter {
public:
    ChartWriter(const ChartSpec& spec, Kind kind) : spec_(spec), kind_(kind), prefix_(SanitizedPrefix(spec.id_prefix)) {
        layout_.width = std::clamp(spec.width, kMinWidth, kMaxSize);
        layout_.height = std::clamp(spec.height, kMinHeight, kMaxSize);
        layout_.points = spec.x_labels.size();
        for (const ChartSeries& series : spec.series) {
            layout_.points = std::max(layout_.points, series.values.size());
        }
        double low = 0;
        double high = 0;
        for (const ChartSeries& series : spec.series) {
            for (const double value : series.values) {
                if (std::isfinite(value)) {
                    const double bounded = std::clamp(value, -kValueLimit, kValueLimit);
                    low = has_data_ ? std::min(low, bounded) : bounded;
                    high = has_data_ ? std::max(high, bounded) : bounded;
                    has_data_ = true;
                }
            }
        }
        if (spec.target_line && std::isfinite(*spec.target_line)) {
            target_ = std::clamp(*spec.target_line, -kValueLimit, kValueLimit);
            low = std::min(low, *target_);
            high = std::max(high, *target_);
        }
        axis_ = NiceAxis(low, high);
        for (const std::size_t index : spec.highlighted_points) {
            if (index < layout_.points) {
                highlighted_.push_back(index);
            }
        }
        std::sort(highlighted_.begin(), highlighted_.end());
        highlighted_.erase(std::unique(highlighted_.begin(), highlighted_.end()), highlighted_.end());
        LayOutLegend();
        layout_.right = layout_.width - kRightMargin;
        layout_.bottom = layout_.height - kBottomMargin;
        layout_.top = std::min(layout_.top, layout_.bottom - 1);
    }

    std::string Render() {
        const std::string title = spec_.title.empty() ? std::string("Chart") : spec_.title;
        out_ += "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"";
        out_ += prefix_ + "-title\" aria-describedby=\"" + prefix_ + "-desc\" viewBox=\"0 0 ";
        out_ += Fixed(layout_.width, 0) + " " + Fixed(layout_.height, 0) + "\">";
        out_ += "<title id=\"" + prefix_ + "-title\">";
        AppendEscaped(out_, title);
        out_ += "</title><desc id=\"" + prefix_ + "-desc\">";
        AppendEscaped(out_, Description());
        out_ += "</desc>";
        WriteGridAndAxes();
        WriteXLabels();
        if (kind_ == Kind::kLine) {
            WriteLines();
        } else {
            WriteBars();
        }
        WriteTarget();
        WriteLegend();
        if (!has_data_) {
            out_ += "<text x=\"" + Coordinate((layout_.left + layout_.right) / 2) + "\" y=\"" +
                    Coordinate((layout_.top + layout_.bottom) / 2) +
                    "\" text-anchor=\"middle\" font-size=\"13\" fill=\"" + std::string(kTextColour) +
                    "\">No data</text>";
        }
        out_ += "</svg><figcaption>";
        AppendEscaped(out_, title);
        out_ += "</figcaption></figure>";
        WriteTable(title);
        return std::move(out_);
    }

private:
    double Y(double value) const {
        const double bounded = std::clamp(value, axis_.min, axis_.max);
        return layout_.bottom - (bounded - axis_.min) / (axis_.max - axis_.min) * layout_.PlotHeight();
    }

    std::string Colour(std::size_t series) const { return std::string(kPalette[series % kPalette.size()]); }

    std::string Label(std::size_t index) const {
        if (index < spec_.x_labels.size()) {
            return spec_.x_labels[index];
        }
        return std::to_string(index + 1);
    }

    /// Legend entries flow left to right and wrap; the plot starts below the last row.
    void LayOutLegend() {
        double x = layout_.left;
        double row = 0;
        for (const ChartSeries& series : spec_.series) {
            const double entry_width = 14 + kCharWidth * static_cast<double>(CodePoints(series.name)) + 16;
            if (x > layout_.left && x + entry_width > layout_.width - kRightMargin) {
                x = layout_.left;
                row += 1;
            }
            legend_.push_back({x, 16 + row * kLegendRowHeight});
            x += entry_width;
        }
        layout_.top = spec_.series.empty() ? 16 : 16 + (row + 1) * kLegendRowHeight + 8;
    }

    std::string Description() const {
        std::string text = kind_ == Kind::kLine ? "Line chart" : "Bar chart";
        text += " of " + std::to_string(spec_.series.size()) + " series";
        if (!spec_.series.empty()) {
            text += " (";
            for (std::size_t s = 0; s < spec_.series.size(); ++s) {
                text += (s == 0 ? "" : ", ") + spec_.series[s].name;
            }
            text += ")";
        }
        text += " over " + std::to_string(layout_.points) + (layout_.points == 1 ? " point." : " points.");
        if (!has_data_) {
            text += " No data.";
        } else {
            double low = 0;
            double high = 0;
            bool first = true;
            for (const ChartSeries& series : spec_.series) {
                for (const double value : series.values) {
                    if (std::isfinite(value)) {
                        low = first ? value : std::min(low, value);
                        high = first ? value : std::max(high, value);
                        first = false;
                    }
                }
            }
            text += " Values from " + WithUnit(FormatValue(low), spec_.y_unit) + " to " +
                    WithUnit(FormatValue(high), spec_.y_unit) + ".";
        }
        if (target_) {
            text += " Target line at " + WithUnit(FormatValue(*target_), spec_.y_unit) + ".";
        }
        if (!highlighted_.empty()) {
            text += " Marked: ";
            for (std::size_t i = 0; i < highlighted_.size(); ++i) {
                text += (i == 0 ? "" : ", ") + Label(highlighted_[i]);
            }
            text += ".";
        }
        return text;
    }

    void WriteGridAndAxes() {
        out_ += "<g font-size=\"11\" fill=\"" + std::string(kTextColour) + "\" text-anchor=\"end\">";
        for (long long tick = axis_.first_tick; tick <= axis_.last_tick; ++tick) {
            const double value = static_cast<double>(tick) * axis_.step;
            const std::string y = Coordinate(Y(value));
            out_ += "<line x1=\"" + Coordinate(layout_.left) + "\" y1=\"" + y + "\" x2=\"" + Coordinate(layout_.right) +
                    "\" y2=\"" + y + "\" stroke=\"" + std::string(tick == 0 ? kAxisColour : kGridColour) +
                    "\" stroke-width=\"1\"/>";
            out_ += "<text x=\"" + Coordinate(layout_.left - 6) + "\" y=\"" + Coordinate(Y(value) + 4) + "\">" +
                    Fixed(value, axis_.decimals) + "</text>";
        }
        out_ += "</g><line x1=\"" + Coordinate(layout_.left) + "\" y1=\"" + Coordinate(layout_.top) + "\" x2=\"" +
                Coordinate(layout_.left) + "\" y2=\"" + Coordinate(layout_.bottom) + "\" stroke=\"" +
                std::string(kAxisColour) + "\" stroke-width=\"1\"/>";
    }

    /// Every label when they fit, else every k-th one; long ones shortened (the table has them whole).
    void WriteXLabels() {
        if (layout_.points == 0) {
            return;
        }
        const auto fitting = std::max<std::size_t>(1, static_cast<std::size_t>(layout_.PlotWidth() / 56));
        const std::size_t stride = (layout_.points + fitting - 1) / fitting;
        out_ += "<g font-size=\"11\" fill=\"" + std::string(kTextColour) + "\" text-anchor=\"middle\">";
        for (std::size_t i = 0; i < layout_.points; i += stride) {
            std::string label = Label(i);
            if (CodePoints(label) > kMaxLabelCodePoints) {
                std::size_t cut = 0;
                for (std::size_t seen = 0; cut < label.size(); ++cut) {
                    if (!IsContinuationByte(label[cut]) && seen++ == kMaxLabelCodePoints - 1) {
                        break;
                    }
                }
                label = label.substr(0, cut) + "\xE2\x80\xA6";  // an ellipsis
            }
            out_ += "<text x=\"" + Coordinate(layout_.CentreX(i)) + "\" y=\"" + Coordinate(layout_.bottom + 16) + "\">";
            AppendEscaped(out_, label);
            out_ += "</text>";
        }
        out_ += "</g>";
    }

    void WriteLines() {
        for (std::size_t s = 0; s < spec_.series.size(); ++s) {
            const std::vector<double>& values = spec_.series[s].values;
            std::string path;
            std::string dots;
            bool previous_finite = false;
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (!std::isfinite(values[i])) {
                    previous_finite = false;  // a gap: the next point starts a new segment
                    continue;
                }
                const std::string x = Coordinate(layout_.CentreX(i));
                const std::string y = Coordinate(Y(values[i]));
                path += std::string(path.empty() ? "" : " ") + (previous_finite ? "L" : "M") + x + " " + y;
                dots += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"3\"/>";
                previous_finite = true;
            }
            if (path.empty()) {
                continue;
            }
            out_ += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + Colour(s) +
                    "\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"" +
                    (s >= kPalette.size() ? " stroke-dasharray=\"5 3\"" : "") + "/>";
            out_ += "<g fill=\"" + Colour(s) + "\">" + dots + "</g>";
        }
        for (const std::size_t index : highlighted_) {
            for (const ChartSeries& series : spec_.series) {
                if (index < series.values.size() && std::isfinite(series.values[index])) {
                    out_ += "<circle cx=\"" + Coordinate(layout_.CentreX(index)) + "\" cy=\"" +
                            Coordinate(Y(series.values[index])) + "\" r=\"7\" fill=\"none\" stroke=\"" +
                            std::string(kMarkColour) + "\" stroke-width=\"1.5\"/>";
                }
            }
        }
    }

    void WriteBars() {
        if (spec_.series.empty()) {
            return;
        }
        const double band = layout_.Band();
        const double bar_width = band * 0.8 / static_cast<double>(spec_.series.size());
        const double zero = Y(0);
        for (std::size_t s = 0; s < spec_.series.size(); ++s) {
            out_ += "<g fill=\"" + Colour(s) + "\"" +
                    (s >= kPalette.size() ? " stroke=\"" + std::string(kMarkColour) + "\" stroke-width=\"1\"" : "") +
                    ">";
            const std::vector<double>& values = spec_.series[s].values;
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (!std::isfinite(values[i])) {
                    continue;
                }
                const double x =
                    layout_.left + static_cast<double>(i) * band + band * 0.1 + static_cast<double>(s) * bar_width;
                const double y = Y(values[i]);
                out_ += "<rect x=\"" + Coordinate(x) + "\" y=\"" + Coordinate(std::min(y, zero)) + "\" width=\"" +
                        Coordinate(bar_width) + "\" height=\"" + Coordinate(std::abs(zero - y)) + "\"/>";
            }
            out_ += "</g>";
        }
        for (const std::size_t index : highlighted_) {
            double top = zero;
            for (const ChartSeries& series : spec_.series) {
                if (index < series.values.size() && std::isfinite(series.values[index])) {
                    top = std::min(top, Y(series.values[index]));
                }
            }
            const double x = layout_.CentreX(index);
            const double tip = std::max(top - 3, layout_.top);
            out_ += "<path d=\"M" + Coordinate(x - 5) + " " + Coordinate(tip - 8) + " L" + Coordinate(x + 5) + " " +
                    Coordinate(tip - 8) + " L" + Coordinate(x) + " " + Coordinate(tip) + " Z\" fill=\"" +
                    std::string(kMarkColour) + "\"/>";
        }
    }

    void WriteTarget() {
        if (!target_) {
            return;
        }
        const std::string y = Coordinate(Y(*target_));
        out_ += "<line x1=\"" + Coordinate(layout_.left) + "\" y1=\"" + y + "\" x2=\"" + Coordinate(layout_.right) +
                "\" y2=\"" + y + "\" stroke=\"" + std::string(kMarkColour) +
                "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>";
        out_ += "<text x=\"" + Coordinate(layout_.right) + "\" y=\"" + Coordinate(Y(*target_) - 4) +
                "\" text-anchor=\"end\" font-size=\"11\" fill=\"" + std::string(kMarkColour) + "\">";
        AppendEscaped(out_, "Target " + WithUnit(FormatValue(*target_), spec_.y_unit));
        out_ += "</text>";
    }

    void WriteLegend() {
        if (spec_.series.empty()) {
            return;
        }
        out_ += "<g font-size=\"12\" fill=\"" + std::string(kTextColour) + "\">";
        for (std::size_t s = 0; s < spec_.series.size(); ++s) {
            const auto [x, baseline] = legend_[s];
            out_ += "<rect x=\"" + Coordinate(x) + "\" y=\"" + Coordinate(baseline - 10) +
                    "\" width=\"10\" height=\"10\" fill=\"" + Colour(s) + "\"/>";
            out_ += "<text x=\"" + Coordinate(x + 14) + "\" y=\"" + Coordinate(baseline) + "\">";
            AppendEscaped(out_, spec_.series[s].name);
            out_ += "</text>";
        }
        out_ += "</g>";
    }

    void WriteTable(const std::string& title) {
        out_ += "<table class=\"chart-data\" id=\"" + prefix_ + "-data\"><caption>";
        AppendEscaped(out_, title);
        out_ += "</caption><thead><tr><th scope=\"col\">Point</th>";
        for (const ChartSeries& series : spec_.series) {
            out_ += "<th scope=\"col\">";
            AppendEscaped(out_, spec_.y_unit.empty() ? series.name : series.name + " (" + spec_.y_unit + ")");
            out_ += "</th>";
        }
        if (!highlighted_.empty()) {
            out_ += "<th scope=\"col\">Marked</th>";
        }
        out_ += "</tr></thead><tbody>";
        for (std::size_t i = 0; i < layout_.points; ++i) {
            out_ += "<tr><th scope=\"row\">";
            AppendEscaped(out_, Label(i));
            out_ += "</th>";
            for (const ChartSeries& series : spec_.series) {
                const bool present = i < series.values.size() && std::isfinite(series.values[i]);
                out_ += "<td>" + (present ? FormatValue(series.values[i]) : std::string("no data")) + "</td>";
            }
            if (!highlighted_.empty()) {
                const bool marked = std::binary_search(highlighted_.begin(), highlighted_.end(), i);
                out_ += std::string("<td>") + (marked ? "yes" : "") + "</td>";
            }
            out_ += "</tr>";
        }
        out_ += "</tbody></table>";
    }

    struct LegendEntry {
        double x;
        double baseline;
    };

    const ChartSpec& spec_;
    Kind kind_;
    std::string prefix_;
    Layout layout_;
    Axis axis_;
    bool has_data_ = false;
    std::optional<double> target_;
    std::vector<std::size_t> highlighted_;
    std::vector<LegendEntry> legend_;
    std::string out_;
};

}  // namespace

std::string RenderLineChart(const ChartSpec& spec) {
    return ChartWriter(spec, Kind::kLine).Render();
}

std::string RenderBarChart(const ChartSpec& spec) {
    return ChartWriter(spec, Kind::kBar).Render();
}

}  // namespace carelisten::console
