#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <console/business_calendar.hpp>
#include <cstdint>
#include <memory>

namespace carelisten::console {
namespace {

using Milliseconds = std::chrono::milliseconds;
using Days = std::chrono::sys_days;
using Interval = std::pair<int, int>;
using WeekTable = std::array<std::vector<Interval>, 7>;

constexpr int kMinutesPerDay = 24 * 60;
constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool IsValidTimeZone(std::string_view iana) {
    if (iana.empty() || iana.size() > 64) {
        return false;
    }
    const icu::UnicodeString id =
        icu::UnicodeString::fromUTF8(icu::StringPiece(iana.data(), static_cast<std::int32_t>(iana.size())));
    icu::UnicodeString canonical;
    UBool is_system = false;
    UErrorCode status = U_ZERO_ERROR;
    icu::TimeZone::getCanonicalID(id, canonical, is_system, status);
    return U_SUCCESS(status) && is_system != 0;
}

UDate ToUDate(TimePoint t) {
    return static_cast<UDate>(std::chrono::floor<Milliseconds>(t.time_since_epoch()).count());
}

// Saturating: ICU dates reach far beyond the ±292 years a nanosecond TimePoint can hold.
TimePoint FromUDate(UDate date) {
    constexpr auto kLimit = static_cast<double>(std::chrono::floor<Milliseconds>(TimePoint::duration::max()).count());
    if (date >= kLimit) {
        return TimePoint::max();
    }
    if (date <= -kLimit) {
        return TimePoint::min();
    }
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Milliseconds(static_cast<std::int64_t>(date))));
}

/// Local wall time <-> UTC in one zone. Owns its ICU calendar (ICU calendars are not thread-safe), so each
/// call of the public functions makes its own; falls back to UTC when ICU cannot build one.
class LocalClock {
public:
    explicit LocalClock(std::string_view zone) {
        std::unique_ptr<icu::TimeZone> time_zone(
            IsValidTimeZone(zone) ? icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(
                                        icu::StringPiece(zone.data(), static_cast<std::int32_t>(zone.size()))))
                                  : icu::TimeZone::getGMT()->clone());
        UErrorCode status = U_ZERO_ERROR;
        calendar_ = std::make_unique<icu::GregorianCalendar>(time_zone.release(), status);
        if (U_FAILURE(status)) {
            calendar_.reset();
            return;
        }
        // An end inside a spring-forward gap is the first valid moment after it (the clock never showed it);
        // a time in a repeated fall-back hour is its first occurrence. Both keep the mapping monotonic.
        calendar_->setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
        calendar_->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
    }

    /// The instant at which the local clock shows `minute` (0..1440) on `day`.
    TimePoint At(Days day, int minute) {
        if (minute >= kMinutesPerDay) {
            day += std::chrono::days(1);
            minute -= kMinutesPerDay;
        }
        if (calendar_ != nullptr) {
            const std::chrono::year_month_day date(day);
            calendar_->clear();
            calendar_->set(static_cast<std::int32_t>(static_cast<int>(date.year())),
                           static_cast<std::int32_t>(static_cast<unsigned>(date.month())) - 1,
                           static_cast<std::int32_t>(static_cast<unsigned>(date.day())), minute / 60, minute % 60, 0);
            UErrorCode status = U_ZERO_ERROR;
            const UDate result = calendar_->getTime(status);
            if (U_SUCCESS(status)) {
                return FromUDate(result);
            }
        }
        return FromUDate(static_cast<UDate>(day.time_since_epoch().count()) * 86'400'000.0 + minute * 60'000.0);
    }

    /// The local date at instant `t`.
    Days LocalDate(TimePoint t) {
        if (calendar_ != nullptr) {
            UErrorCode status = U_ZERO_ERROR;
            calendar_->setTime(ToUDate(t), status);
            const std::int32_t year = calendar_->get(UCAL_EXTENDED_YEAR, status);
            const std::int32_t month = calendar_->get(UCAL_MONTH, status);
            const std::int32_t day = calendar_->get(UCAL_DATE, status);
            if (U_SUCCESS(status)) {
                return Days(std::chrono::year(year) / std::chrono::month(static_cast<unsigned>(month + 1)) /
                            std::chrono::day(static_cast<unsigned>(day)));
            }
        }
        return std::chrono::floor<std::chrono::days>(t);
    }

private:
    std::unique_ptr<icu::GregorianCalendar> calendar_;
};

std::optional<Days> ParseDate(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    std::array<int, 3> fields = {0, 0, 0};
    constexpr std::array<std::size_t, 3> kStarts = {0, 5, 8};
    constexpr std::array<std::size_t, 3> kLengths = {4, 2, 2};
    for (std::size_t f = 0; f < 3; ++f) {
        for (std::size_t i = kStarts[f]; i < kStarts[f] + kLengths[f]; ++i) {
            if (text[i] < '0' || text[i] > '9') {
                return std::nullopt;
            }
            fields[f] = fields[f] * 10 + (text[i] - '0');
        }
    }
    const std::chrono::year_month_day date{std::chrono::year{fields[0]},
                                           std::chrono::month{static_cast<unsigned>(fields[1])},
                                           std::chrono::day{static_cast<unsigned>(fields[2])}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return Days(date);
}

/// What the iteration needs, cleaned from a calendar that may have been built by hand: intervals clamped to a
/// day, sorted, overlaps merged (so nothing counts twice), the all-closed week opened; holidays sorted.
struct Prepared {
    WeekTable week;
    std::vector<Days> holidays;

    bool IsHoliday(Days day) const { return std::binary_search(holidays.begin(), holidays.end(), day); }
};

Prepared Prepare(const BusinessCalendar& calendar) {
    Prepared prepared;
    bool any_open = false;
    for (std::size_t weekday = 0; weekday < 7; ++weekday) {
        std::vector<Interval> intervals;
        for (auto [start, end] : calendar.open_minutes[weekday]) {
            start = std::clamp(start, 0, kMinutesPerDay);
            end = std::clamp(end, 0, kMinutesPerDay);
            if (start < end) {
                intervals.emplace_back(start, end);
            }
        }
        std::sort(intervals.begin(), intervals.end());
        for (const Interval& interval : intervals) {
            auto& merged = prepared.week[weekday];
            if (!merged.empty() && interval.first <= merged.back().second) {
                merged.back().second = std::max(merged.back().second, interval.second);
            } else {
                merged.push_back(interval);
            }
        }
        any_open = any_open || !prepared.week[weekday].empty();
    }
    if (!any_open) {
        // Nothing open on any day would make every deadline infinite: treat it as open around the clock.
        for (auto& day : prepared.week) {
            day = {{0, kMinutesPerDay}};
        }
    }
    for (const std::string& holiday : calendar.holidays) {
        if (const auto day = ParseDate(holiday)) {
            prepared.holidays.push_back(*day);
        }
    }
    std::sort(prepared.holidays.begin(), prepared.holidays.end());
    return prepared;
}

std::size_t WeekdayIndex(Days day) {
    return std::chrono::weekday(day).iso_encoding() - 1;
}

/// Calls `visit(open, close)` for each open interval in time order, day by day from `first_day`, until `visit`
/// returns false, a day starts at or after `stop_at`, or the days leave TimePoint's range. Returns false in the
/// last case only. One day costs one ICU conversion plus two per interval.
template <typename Visit>
bool ForEachOpenInterval(const Prepared& prepared, LocalClock& clock, Days first_day, TimePoint stop_at,
                         Visit&& visit) {
    for (Days day = first_day;; day += std::chrono::days(1)) {
        const TimePoint midnight = clock.At(day, 0);
        if (midnight == TimePoint::max()) {
            return false;
        }
        if (midnight >= stop_at) {
            return true;
        }
        if (prepared.IsHoliday(day)) {
            continue;
        }
        for (const auto& [start, end] : prepared.week[WeekdayIndex(day)]) {
            const TimePoint open = clock.At(day, start);
            const TimePoint close = clock.At(day, end);
            if (close == TimePoint::max()) {
                return false;
            }
            if (open == TimePoint::min()) {
                continue;  // before TimePoint's range: nothing to count, and subtracting would overflow
            }
            if (open < close && !visit(open, close)) {
                return true;
            }
        }
    }
}

std::string_view Trim(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    const std::size_t begin = text.find_first_not_of(kSpace);
    if (begin == std::string_view::npos) {
        return {};
    }
    return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t begin = 0;
    while (true) {
        const std::size_t end = text.find(separator, begin);
        parts.push_back(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
        if (end == std::string_view::npos) {
            return parts;
        }
        begin = end + 1;
    }
}

std::optional<std::size_t> ParseDay(std::string_view text) {
    if (text.size() != 3) {
        return std::nullopt;
    }
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    const auto found = std::find(kDayNames.begin(), kDayNames.end(), lower);
    if (found == kDayNames.end()) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(found - kDayNames.begin());
}

/// "HH:MM" with 00:00..23:59, and 24:00 when `allow_end_of_day`.
std::optional<int> ParseClock(std::string_view text, bool allow_end_of_day) {
    if (text.size() != 5 || text[2] != ':') {
        return std::nullopt;
    }
    for (const std::size_t i : {0U, 1U, 3U, 4U}) {
        if (text[i] < '0' || text[i] > '9') {
            return std::nullopt;
        }
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (minutes > 59 || hours > 24 || (hours == 24 && (minutes != 0 || !allow_end_of_day))) {
        return std::nullopt;
    }
    return hours * 60 + minutes;
}

std::string FormatClock(int minute) {
    std::string text = "00:00";
    text[0] = static_cast<char>('0' + minute / 600);
    text[1] = static_cast<char>('0' + minute / 60 % 10);
    text[3] = static_cast<char>('0' + minute % 60 / 10);
    text[4] = static_cast<char>('0' + minute % 10);
    return text;
}

std::string Quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

}  // namespace

std::optional<BusinessCalendar> ParseBusinessCalendar(std::string_view hours, const std::vector<std::string>& holidays,
                                                      std::string_view time_zone, std::string* error) {
    const auto fail = [error](std::string message) -> std::optional<BusinessCalendar> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    if (!IsValidTimeZone(time_zone)) {
        return fail("unknown time zone " + Quoted(time_zone) + " (expected an IANA name such as 'Europe/London')");
    }
    BusinessCalendar calendar;
    calendar.time_zone = std::string(time_zone);
    for (const std::string& holiday : holidays) {
        if (!ParseDate(holiday)) {
            return fail("invalid holiday date " + Quoted(holiday) + " (expected YYYY-MM-DD)");
        }
    }
    calendar.holidays = holidays;

    if (Trim(hours).empty()) {
        for (auto& day : calendar.open_minutes) {
            day = {{0, kMinutesPerDay}};
        }
        return calendar;
    }
    for (const std::string_view raw_clause : Split(hours, ';')) {
        const std::string_view clause = Trim(raw_clause);
        if (clause.empty()) {
            continue;  // "mon 08:00-12:00;" with a trailing separator
        }
        const std::size_t space = clause.find_first_of(" \t");
        const std::string_view days_text = clause.substr(0, space);
        const std::string_view ranges_text =
            space == std::string_view::npos ? std::string_view{} : Trim(clause.substr(space));
        std::vector<std::size_t> days;
        const std::size_t dash = days_text.find('-');
        const std::string_view first_name = days_text.substr(0, dash);
        const std::string_view last_name = dash == std::string_view::npos ? first_name : days_text.substr(dash + 1);
        const auto first_day = ParseDay(first_name);
        if (!first_day) {
            return fail("unknown day " + Quoted(first_name) + " in " + Quoted(clause));
        }
        const auto last_day = ParseDay(last_name);
        if (!last_day) {
            return fail("unknown day " + Quoted(last_name) + " in " + Quoted(clause));
        }
        for (std::size_t day = *first_day;; day = (day + 1) % 7) {
            days.push_back(day);
            if (day == *last_day) {
                break;
            }
        }
        if (ranges_text.empty()) {
            return fail("no opening hours in " + Quoted(clause) + " (expected e.g. 'mon-fri 08:00-18:00')");
        }
        for (const std::string_view raw_range : Split(ranges_text, ',')) {
            const std::string_view range = Trim(raw_range);
            const std::size_t separator = range.find('-');
            const auto start = ParseClock(range.substr(0, separator), false);
            const auto end =
                separator == std::string_view::npos ? std::nullopt : ParseClock(range.substr(separator + 1), true);
            if (!start || !end) {
                return fail("invalid time range " + Quoted(range) + " in " + Quoted(clause) +
                            " (expected HH:MM-HH:MM, 24-hour clock)");
            }
            if (*start == *end) {
                return fail("empty interval " + Quoted(range) + " in " + Quoted(clause));
            }
            if (*start > *end) {
                return fail("reversed interval " + Quoted(range) + " in " + Quoted(clause) +
                            " (an interval cannot cross midnight: split it at 24:00)");
            }
            for (const std::size_t day : days) {
                calendar.open_minutes[day].emplace_back(*start, *end);
            }
        }
    }
    bool any_open = false;
    for (std::size_t day = 0; day < 7; ++day) {
        auto& intervals = calendar.open_minutes[day];
        std::sort(intervals.begin(), intervals.end());
        for (std::size_t i = 1; i < intervals.size(); ++i) {
            if (intervals[i].first < intervals[i - 1].second) {
                return fail("overlapping intervals " + FormatClock(intervals[i - 1].first) + "-" +
                            FormatClock(intervals[i - 1].second) + " and " + FormatClock(intervals[i].first) + "-" +
                            FormatClock(intervals[i].second) + " on " + std::string(kDayNames[day]));
            }
        }
        any_open = any_open || !intervals.empty();
    }
    if (!any_open) {
        return fail("no opening hours in " + Quoted(hours) + " (leave it empty for 24/7)");
    }
    return calendar;
}

TimePoint AddBusinessTime(TimePoint start, std::chrono::minutes duration, const BusinessCalendar& calendar) {
    if (duration <= std::chrono::minutes::zero()) {
        return start;
    }
    if (duration >= std::chrono::floor<std::chrono::minutes>(TimePoint::duration::max())) {
        return TimePoint::max();  // not representable in nanoseconds, let alone as a deadline
    }
    const Prepared prepared = Prepare(calendar);
    LocalClock clock(calendar.time_zone);
    auto remaining = std::chrono::duration_cast<TimePoint::duration>(duration);
    TimePoint deadline = TimePoint::max();
    // From the day before: one day costs little and keeps a start just after local midnight safe whatever the
    // zone's transition rules.
    ForEachOpenInterval(prepared, clock, clock.LocalDate(start) - std::chrono::days(1), TimePoint::max(),
                        [&](TimePoint open, TimePoint close) {
                            if (close <= start) {
                                return true;
                            }
                            open = std::max(open, start);
                            if (remaining <= close - open) {
                                deadline = open + remaining;
                                return false;
                            }
                            remaining -= close - open;
                            return true;
                        });
    return deadline;
}

std::chrono::minutes BusinessTimeBetween(TimePoint from, TimePoint to, const BusinessCalendar& calendar) {
    if (to <= from) {
        return std::chrono::minutes::zero();
    }
    const Prepared prepared = Prepare(calendar);
    LocalClock clock(calendar.time_zone);
    // Whole minutes and the remainder apart: the sum over centuries would overflow nanoseconds.
    std::chrono::minutes whole{0};
    TimePoint::duration part{0};
    ForEachOpenInterval(prepared, clock, clock.LocalDate(from) - std::chrono::days(1), to,
                        [&](TimePoint open, TimePoint close) {
                            if (open >= to) {
                                return false;
                            }
                            if (close > from) {
                                part += std::min(close, to) - std::max(open, from);
                                const auto minutes = std::chrono::floor<std::chrono::minutes>(part);
                                whole += minutes;
                                part -= minutes;
                            }
                            return true;
                        });
    return whole;
}

}  // namespace carelisten::console
