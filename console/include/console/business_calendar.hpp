/// @file
/// @brief Deadlines counted in a hospital's business hours ("answer within 8 business hours"): opening hours
/// per weekday in the hospital's IANA time zone (ICU, DST-correct), minus local holidays. Pure functions, no
/// mutable state: safe to call from any thread.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace carelisten::console {

using TimePoint = std::chrono::system_clock::time_point;

/// When the hospital counts as open. Intervals are local wall-clock times, so "08:00-18:00" is ten hours on an
/// ordinary day and follows the clock change on a DST day; an interval end inside a spring-forward gap is the
/// first valid moment after it, a time inside a repeated fall-back hour its first occurrence.
struct BusinessCalendar {
    /// IANA zone; an unknown one is treated as UTC (ParseBusinessCalendar refuses it).
    std::string time_zone = "UTC";
    /// Per weekday, index 0 = Monday: [start, end) in minutes after local midnight, 0 <= start < end <= 1440,
    /// sorted and not overlapping. A calendar with no interval on any day is treated as open around the clock
    /// (holidays still closed), so that deadlines always exist.
    std::array<std::vector<std::pair<int, int>>, 7> open_minutes;
    /// Local dates "YYYY-MM-DD" on which it is closed all day; malformed entries are ignored.
    std::vector<std::string> holidays;
};

/// Parses opening hours such as "mon-fri 08:00-18:00; sat 09:00-13:00". Clauses are separated by `;`, each is
/// a day (mon tue wed thu fri sat sun, case-insensitive) or a day range ("sat-sun"; "fri-mon" wraps over the
/// weekend) followed by one or more comma-separated HH:MM-HH:MM intervals; "24:00" is allowed as an end. An
/// interval cannot cross midnight: write "mon 22:00-24:00; tue 00:00-06:00". An empty (or blank) `hours` means
/// open 24/7, i.e. 00:00-24:00 every day. `holidays` are "YYYY-MM-DD" dates, `time_zone` an IANA zone.
/// On failure returns nullopt and, when `error` is not null, sets it to a message naming the offending part,
/// e.g. "unknown day 'thur' in 'thur 08:00-18:00'"; reversed, empty or overlapping intervals, an invalid zone or
/// date and a non-empty spec that opens on no day are all refused.
std::optional<BusinessCalendar> ParseBusinessCalendar(std::string_view hours, const std::vector<std::string>& holidays,
                                                      std::string_view time_zone, std::string* error);

/// The moment at which `duration` of open time has elapsed, counting from `start` (from the next opening when
/// `start` is outside hours). A deadline that falls exactly on a closing time is that closing time, not the next
/// opening. A zero or negative duration returns `start`. Cost is proportional to the days spanned; a deadline
/// beyond what TimePoint can represent saturates to TimePoint::max().
TimePoint AddBusinessTime(TimePoint start, std::chrono::minutes duration, const BusinessCalendar& calendar);

/// Open time in [from, to), truncated to whole minutes; zero when to <= from. The inverse of AddBusinessTime:
/// BusinessTimeBetween(t, AddBusinessTime(t, d, c), c) == d for every d >= 0.
std::chrono::minutes BusinessTimeBetween(TimePoint from, TimePoint to, const BusinessCalendar& calendar);

}  // namespace carelisten::console
