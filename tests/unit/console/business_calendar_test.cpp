#include <gtest/gtest.h>

#include <array>
#include <console/business_calendar.hpp>
#include <cstdint>
#include <random>

namespace carelisten::console {
namespace {

using namespace std::chrono;

using Intervals = std::vector<std::pair<int, int>>;

TimePoint Utc(int y, unsigned m, unsigned d, int hour, int minute = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours(hour) + minutes(minute);
}

BusinessCalendar Parse(std::string_view hours, std::vector<std::string> holidays = {},
                       std::string_view zone = "Europe/London") {
    std::string error;
    auto calendar = ParseBusinessCalendar(hours, holidays, zone, &error);
    EXPECT_TRUE(calendar) << hours << ": " << error;
    return calendar.value_or(BusinessCalendar{});
}

std::string ParseError(std::string_view hours, std::vector<std::string> holidays = {},
                       std::string_view zone = "Europe/London") {
    std::string error;
    EXPECT_FALSE(ParseBusinessCalendar(hours, holidays, zone, &error)) << hours;
    return error;
}

TEST(ParseBusinessCalendar, DaysRangesAndSeveralIntervals) {
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00; sat 09:00-13:00");
    EXPECT_EQ(calendar.time_zone, "Europe/London");
    for (int day = 0; day < 5; ++day) {
        EXPECT_EQ(calendar.open_minutes[day], (Intervals{{480, 1080}})) << day;
    }
    EXPECT_EQ(calendar.open_minutes[5], (Intervals{{540, 780}}));
    EXPECT_TRUE(calendar.open_minutes[6].empty());

    const BusinessCalendar split = Parse("mon-fri 08:00-12:00,13:00-17:00");
    EXPECT_EQ(split.open_minutes[2], (Intervals{{480, 720}, {780, 1020}}));
    EXPECT_TRUE(split.open_minutes[5].empty());
    // Whitespace after commas, upper case, a trailing separator, 24:00, adjacent intervals.
    const BusinessCalendar loose = Parse(" Sun 00:00-24:00 ;  MON 08:00-12:00, 12:00-13:00 ; ");
    EXPECT_EQ(loose.open_minutes[6], (Intervals{{0, 1440}}));
    EXPECT_EQ(loose.open_minutes[0], (Intervals{{480, 720}, {720, 780}}));
}

TEST(ParseBusinessCalendar, RangeWrapsOverTheWeekend) {
    const BusinessCalendar calendar = Parse("fri-mon 10:00-11:00");
    for (const int day : {4, 5, 6, 0}) {
        EXPECT_EQ(calendar.open_minutes[day], (Intervals{{600, 660}})) << day;
    }
    for (const int day : {1, 2, 3}) {
        EXPECT_TRUE(calendar.open_minutes[day].empty()) << day;
    }
}

TEST(ParseBusinessCalendar, EmptyMeansAlwaysOpen) {
    for (const std::string_view hours : {"", "   "}) {
        const BusinessCalendar calendar = Parse(hours, {"2026-12-25"}, "UTC");
        for (const auto& day : calendar.open_minutes) {
            EXPECT_EQ(day, (Intervals{{0, 1440}}));
        }
        EXPECT_EQ(calendar.holidays, std::vector<std::string>{"2026-12-25"});
    }
}

TEST(ParseBusinessCalendar, ErrorsNameTheOffendingPart) {
    EXPECT_EQ(ParseError("thur 08:00-18:00"), "unknown day 'thur' in 'thur 08:00-18:00'");
    EXPECT_EQ(ParseError("mon-fri 08:00-18:00; mon-fry 08:00-12:00"), "unknown day 'fry' in 'mon-fry 08:00-12:00'");
    EXPECT_EQ(ParseError("mon 8:00-18:00"),
              "invalid time range '8:00-18:00' in 'mon 8:00-18:00' (expected HH:MM-HH:MM, 24-hour clock)");
    for (const std::string_view bad : {"mon 08:00", "mon 08:00-", "mon 24:00-24:00", "mon 08:00-24:30",
                                       "mon 08:60-09:00", "mon 08:00-18:00,", "mon 8h-18h"}) {
        EXPECT_NE(ParseError(bad).find("invalid time range"), std::string::npos) << bad;
    }
    const std::string reversed = ParseError("mon 18:00-08:00");
    EXPECT_NE(reversed.find("reversed interval '18:00-08:00' in 'mon 18:00-08:00'"), std::string::npos) << reversed;
    EXPECT_NE(reversed.find("24:00"), std::string::npos) << reversed;  // says how to write a night shift
    EXPECT_EQ(ParseError("mon 08:00-08:00"), "empty interval '08:00-08:00' in 'mon 08:00-08:00'");
    EXPECT_EQ(ParseError("mon 08:00-12:00,11:00-13:00"), "overlapping intervals 08:00-12:00 and 11:00-13:00 on mon");
    EXPECT_EQ(ParseError("mon-fri 08:00-18:00; wed 17:00-19:00"),
              "overlapping intervals 08:00-18:00 and 17:00-19:00 on wed");
    EXPECT_EQ(ParseError("mon"), "no opening hours in 'mon' (expected e.g. 'mon-fri 08:00-18:00')");
    EXPECT_EQ(ParseError(" ; ;"), "no opening hours in ' ; ;' (leave it empty for 24/7)");
}

TEST(ParseBusinessCalendar, ZoneAndHolidaysAreValidated) {
    EXPECT_NE(ParseError("", {}, "Mars/Olympus_Mons").find("unknown time zone 'Mars/Olympus_Mons'"), std::string::npos);
    EXPECT_NE(ParseError("", {}, "").find("unknown time zone ''"), std::string::npos);
    for (const std::string bad : {"2026-02-30", "26-12-25", "2026-13-01", "2026-1-05", "2026-12-25 ", "christmas"}) {
        EXPECT_EQ(ParseError("mon 08:00-18:00", {"2026-12-24", bad}),
                  "invalid holiday date '" + bad + "' (expected YYYY-MM-DD)");
    }
    EXPECT_TRUE(ParseBusinessCalendar("mon 08:00-18:00", {"2028-02-29"}, "Asia/Kolkata", nullptr));
    // A null error pointer is allowed on failure too.
    EXPECT_FALSE(ParseBusinessCalendar("thur 08:00-18:00", {}, "UTC", nullptr));
}

// 2026-01-15 is a Thursday; London is on GMT (= UTC) in January.
TEST(AddBusinessTime, WithinAcrossNightsAndWeekends) {
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00");
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 15, 10), minutes(90), calendar), Utc(2026, 1, 15, 11, 30));
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 15, 17), hours(2), calendar), Utc(2026, 1, 16, 9));
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 16, 17), hours(2), calendar), Utc(2026, 1, 19, 9));    // Fri -> Mon
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 17, 12), hours(1), calendar), Utc(2026, 1, 19, 9));    // from Saturday
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 15, 7), hours(1), calendar), Utc(2026, 1, 15, 9));     // before opening
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 15, 16), hours(2), calendar), Utc(2026, 1, 15, 18));   // ends at closing
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 15, 10), hours(50), calendar), Utc(2026, 1, 22, 10));  // 5 working days
}

TEST(AddBusinessTime, ZeroNegativeAndSubMinuteStarts) {
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00");
    const TimePoint saturday = Utc(2026, 1, 17, 12);
    EXPECT_EQ(AddBusinessTime(saturday, minutes(0), calendar), saturday);
    EXPECT_EQ(AddBusinessTime(saturday, minutes(-30), calendar), saturday);
    const TimePoint odd = Utc(2026, 1, 15, 10) + seconds(30) + microseconds(250);
    EXPECT_EQ(AddBusinessTime(odd, minutes(1), calendar), odd + minutes(1));
}

TEST(AddBusinessTime, HolidaysAreSkipped) {
    // Christmas 2026: Friday 25th, and the bank holiday on Monday 28th.
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00", {"2026-12-25", "2026-12-28"});
    EXPECT_EQ(AddBusinessTime(Utc(2026, 12, 24, 17), hours(2), calendar), Utc(2026, 12, 29, 9));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 12, 24, 0), Utc(2026, 12, 30, 0), calendar), hours(20));
    // Every day a holiday for a while: still terminates, after them.
    BusinessCalendar always = Parse("", {}, "UTC");
    for (int d = 1; d <= 31; ++d) {
        always.holidays.push_back(std::string("2026-01-") + (d < 10 ? "0" : "") + std::to_string(d));
    }
    always.holidays.push_back("not a date");  // ignored when built by hand
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 10, 12), minutes(1), always), Utc(2026, 2, 1, 0, 1));
}

TEST(AddBusinessTime, FollowsTheLocalClockAcrossDst) {
    // London springs forward on Sunday 2026-03-29 (01:00 GMT -> 02:00 BST): Monday 08:00 is 07:00 UTC.
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00");
    EXPECT_EQ(AddBusinessTime(Utc(2026, 3, 27, 17), hours(2), calendar), Utc(2026, 3, 30, 8));
    // ...and falls back on Sunday 2026-10-25: Monday 08:00 is 08:00 UTC again.
    EXPECT_EQ(AddBusinessTime(Utc(2026, 10, 23, 16), hours(2), calendar), Utc(2026, 10, 26, 9));
}

TEST(BusinessTimeBetween, DaysOf23And25Hours) {
    const BusinessCalendar sundays = Parse("sun 00:00-24:00");
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 3, 28, 12), Utc(2026, 3, 30, 12), sundays), hours(23));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 10, 24, 12), Utc(2026, 10, 26, 12), sundays), hours(25));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 10, 12), Utc(2026, 1, 12, 12), sundays), hours(24));
    // The short Sunday ends at local midnight, 23:00 UTC.
    EXPECT_EQ(AddBusinessTime(Utc(2026, 3, 28, 12), hours(23), sundays), Utc(2026, 3, 29, 23));
    EXPECT_EQ(AddBusinessTime(Utc(2026, 10, 24, 12), hours(25), sundays), Utc(2026, 10, 26, 0));
}

TEST(BusinessTimeBetween, IntervalsInTheGapAndTheRepeatedHour) {
    // 00:30-01:30 on the spring-forward Sunday: 01:30 never shows, the interval ends at 02:00 BST = 01:00 UTC.
    const BusinessCalendar gap = Parse("sun 00:30-01:30");
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 3, 28, 0), Utc(2026, 3, 30, 0), gap), minutes(30));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 3, 21, 0), Utc(2026, 3, 23, 0), gap), minutes(60));
    // 01:30-02:30 on the fall-back Sunday: from the first 01:30 (BST) to 02:30 GMT, two hours.
    const BusinessCalendar repeated = Parse("sun 01:30-02:30");
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 10, 24, 0), Utc(2026, 10, 26, 0), repeated), minutes(120));
    EXPECT_EQ(AddBusinessTime(Utc(2026, 10, 24, 0), minutes(1), repeated), Utc(2026, 10, 25, 0, 31));
}

TEST(BusinessTimeBetween, BasicsAndTruncation) {
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00");
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 15, 7), Utc(2026, 1, 15, 12), calendar), hours(4));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 16, 17), Utc(2026, 1, 19, 9), calendar), hours(2));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 17, 0), Utc(2026, 1, 18, 23), calendar), minutes(0));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 15, 12), Utc(2026, 1, 15, 10), calendar), minutes(0));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 15, 12), Utc(2026, 1, 15, 12), calendar), minutes(0));
    const TimePoint noon = Utc(2026, 1, 15, 12);
    EXPECT_EQ(BusinessTimeBetween(noon, noon + seconds(59), calendar), minutes(0));
    EXPECT_EQ(BusinessTimeBetween(noon - seconds(30), noon + seconds(40), calendar), minutes(1));
    // Two weeks: 10 working days of 10 hours.
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 12, 0), Utc(2026, 1, 26, 0), calendar), hours(100));
}

TEST(BusinessCalendar, NightShiftAcrossMidnightIsContinuous) {
    const BusinessCalendar calendar = Parse("mon 22:00-24:00; tue 00:00-06:00", {}, "UTC");
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 12, 23), hours(2), calendar), Utc(2026, 1, 13, 1));
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 12, 0), Utc(2026, 1, 14, 0), calendar), hours(8));
}

TEST(BusinessCalendar, OtherZonesAndFallbacks) {
    // Kolkata is UTC+05:30, no DST: Monday 2026-01-05 09:00 IST is 03:30 UTC.
    const BusinessCalendar kolkata = Parse("mon-fri 09:00-17:00", {}, "Asia/Kolkata");
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 5, 0), minutes(60), kolkata), Utc(2026, 1, 5, 4, 30));
    // New York: 2026-03-08 springs forward; Monday 09:00 EDT is 13:00 UTC.
    const BusinessCalendar new_york = Parse("mon-fri 09:00-17:00", {}, "America/New_York");
    EXPECT_EQ(AddBusinessTime(Utc(2026, 3, 6, 21, 30), minutes(45), new_york), Utc(2026, 3, 9, 13, 15));
    // Built by hand with an unknown zone: UTC.
    BusinessCalendar unknown = Parse("mon-fri 09:00-17:00", {}, "UTC");
    unknown.time_zone = "Nowhere/Special";
    EXPECT_EQ(AddBusinessTime(Utc(2026, 1, 5, 0), minutes(60), unknown), Utc(2026, 1, 5, 10));
}

TEST(BusinessCalendar, NoOpenHoursAnywhereCountsAsAroundTheClock) {
    const BusinessCalendar nothing;  // all weekdays empty, UTC
    const TimePoint t = Utc(2026, 1, 17, 12, 34);
    EXPECT_EQ(AddBusinessTime(t, minutes(90), nothing), t + minutes(90));
    EXPECT_EQ(BusinessTimeBetween(t, t + hours(72), nothing), hours(72));
    // Out-of-range or overlapping intervals in a hand-built calendar are clamped and merged, not double-counted.
    BusinessCalendar messy;
    messy.open_minutes[0] = {{-60, 120}, {60, 180}, {2000, 3000}, {500, 400}};
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 12, 0), Utc(2026, 1, 13, 0), messy), hours(3));
}

TEST(BusinessCalendar, HugeDurationsAndRangesStayFinite) {
    const BusinessCalendar calendar = Parse("mon-fri 08:00-18:00");
    const TimePoint t = Utc(2026, 1, 15, 10);
    EXPECT_EQ(AddBusinessTime(t, minutes::max(), calendar), TimePoint::max());
    EXPECT_EQ(AddBusinessTime(t, hours(24 * 365 * 300), calendar), TimePoint::max());  // past year 2262
    // 24/7 in London over a whole year: DST changes cancel out.
    const BusinessCalendar always = Parse("");
    EXPECT_EQ(BusinessTimeBetween(Utc(2026, 1, 1, 0), Utc(2027, 1, 1, 0), always), hours(24 * 365));
    // A century at O(days): 36525 days of 24 h in UTC.
    EXPECT_EQ(BusinessTimeBetween(Utc(2000, 1, 1, 0), Utc(2100, 1, 1, 0), Parse("", {}, "UTC")), hours(24) * 36525);
}

// Random junk never crashes the parser, and whatever it accepts satisfies the struct's invariants.
TEST(ParseBusinessCalendar, PropertyJunkIsRefusedOrWellFormed) {
    const std::string alphabet = "monturewdfisah-:0123456789,; \t";
    std::mt19937 random(1440);
    int accepted = 0;
    for (int round = 0; round < 5000; ++round) {
        std::string hours;
        if (round % 2 == 0) {
            // Plausible clauses: random days and times, some invalid, reversed or overlapping.
            const auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
            const auto clock = [&] {
                const int hour = pick(0, 25);
                const int minute = pick(0, 2) * 30;
                return (hour < 10 ? "0" : "") + std::to_string(hour) + ":" + (minute < 10 ? "0" : "") +
                       std::to_string(minute);
            };
            constexpr std::array<const char*, 8> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "xyz"};
            for (int clause = pick(1, 3); clause > 0; --clause) {
                hours += std::string(kDays[pick(0, 7)]) + (pick(0, 1) == 1 ? std::string("-") + kDays[pick(0, 6)] : "");
                const int ranges = pick(1, 2);
                for (int range = 0; range < ranges; ++range) {
                    hours += (range == 0 ? " " : ",") + clock() + "-" + clock();
                }
                hours += "; ";
            }
        } else {
            const int length = std::uniform_int_distribution<int>(0, 30)(random);
            for (int i = 0; i < length; ++i) {
                hours += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
            }
        }
        std::string error;
        const auto calendar = ParseBusinessCalendar(hours, {}, "UTC", &error);
        if (!calendar) {
            ASSERT_FALSE(error.empty()) << hours;
            continue;
        }
        ++accepted;
        EXPECT_TRUE(error.empty()) << hours;
        bool any = false;
        for (const auto& day : calendar->open_minutes) {
            for (std::size_t i = 0; i < day.size(); ++i) {
                ASSERT_LE(0, day[i].first) << hours;
                ASSERT_LT(day[i].first, day[i].second) << hours;
                ASSERT_LE(day[i].second, 1440) << hours;
                if (i > 0) {
                    ASSERT_LE(day[i - 1].second, day[i].first) << hours;
                }
            }
            any = any || !day.empty();
        }
        ASSERT_TRUE(any) << hours;
    }
    EXPECT_GT(accepted, 100);
}

// AddBusinessTime and BusinessTimeBetween are inverses, over random starts and durations up to several weeks of
// open time, across both London DST changes of 2026 and several holidays.
TEST(BusinessCalendar, PropertyAddAndBetweenAreInverse) {
    const BusinessCalendar calendar = Parse("mon-fri 08:00-12:00,13:00-18:00; sat 09:00-13:00; sun 00:30-01:30",
                                            {"2026-03-30", "2026-04-03", "2026-04-06", "2026-10-26", "2026-12-25"});
    const BusinessCalendar always = Parse("");
    std::mt19937_64 random(20260329);
    const auto first = Utc(2026, 3, 1, 0).time_since_epoch();
    const auto last = Utc(2026, 11, 30, 0).time_since_epoch();
    std::uniform_int_distribution<std::int64_t> start_ms(duration_cast<milliseconds>(first).count(),
                                                         duration_cast<milliseconds>(last).count());
    std::uniform_int_distribution<int> duration_minutes(0, 6 * 7 * 24 * 60);
    for (int i = 0; i < 300; ++i) {
        const TimePoint start{milliseconds(start_ms(random))};
        const minutes duration(duration_minutes(random));
        const TimePoint deadline = AddBusinessTime(start, duration, calendar);
        ASSERT_GE(deadline, start);
        ASSERT_EQ(BusinessTimeBetween(start, deadline, calendar), duration)
            << "start " << start.time_since_epoch().count() << " duration " << duration.count();
        // The deadline is the earliest such moment: a minute earlier, a minute less has elapsed.
        if (duration > minutes(0)) {
            ASSERT_EQ(BusinessTimeBetween(start, deadline - minutes(1), calendar), duration - minutes(1));
        }
        // From any end point back: Add(start, Between(start, t)) <= t, with no open time left in between.
        const TimePoint t = start + minutes(duration_minutes(random));
        const TimePoint back = AddBusinessTime(start, BusinessTimeBetween(start, t, calendar), calendar);
        ASSERT_LE(back, t);
        ASSERT_EQ(BusinessTimeBetween(back, t, calendar), minutes(0));
        // Around the clock, business time is elapsed time, DST or not.
        ASSERT_EQ(AddBusinessTime(start, duration, always), start + duration);
    }
}

}  // namespace
}  // namespace carelisten::console
