#include <gtest/gtest.h>

#include <chrono>
#include <surveys/schedule.hpp>

namespace carelisten::surveys {
namespace {

using namespace std::chrono;

TimePoint Utc(int year, unsigned month, unsigned day, int hour, int minute = 0) {
    return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} + hours(hour) +
           minutes(minute);
}

SurveyDefinition InZone(std::string zone) {
    SurveyDefinition definition;
    definition.time_zone = std::move(zone);
    return definition;
}

TEST(ParseQuietHours, ValidAndMalformed) {
    const auto quiet = ParseQuietHours("21:00", "08:00");
    ASSERT_TRUE(quiet);
    EXPECT_EQ(quiet->start_minute, 21 * 60);
    EXPECT_EQ(quiet->end_minute, 8 * 60);
    EXPECT_EQ(ParseQuietHours("00:00", "23:59")->end_minute, 23 * 60 + 59);
    for (const auto& [start, end] : std::initializer_list<std::pair<const char*, const char*>>{{"24:00", "08:00"},
                                                                                               {"8:00", "09:00"},
                                                                                               {"21:60", "08:00"},
                                                                                               {"21:00", ""},
                                                                                               {"9pm", "08:00"},
                                                                                               {"21:00", "08:00 "},
                                                                                               {"2100", "0800"}}) {
        EXPECT_FALSE(ParseQuietHours(start, end)) << start << " " << end;
    }
}

TEST(FromLocalTime, OffsetsAndDstGapsAndRepeats) {
    EXPECT_EQ(FromLocalTime(2026, 5, 1, 21, 30, 0, "Asia/Kolkata"), Utc(2026, 5, 1, 16, 0));   // +05:30
    EXPECT_EQ(FromLocalTime(2026, 1, 10, 9, 0, 0, "America/New_York"), Utc(2026, 1, 10, 14));  // EST
    EXPECT_EQ(FromLocalTime(2026, 7, 10, 9, 0, 0, "America/New_York"), Utc(2026, 7, 10, 13));  // EDT
    // 2026-03-08 02:30 does not exist in New York: forward by the gap, 03:30 EDT.
    EXPECT_EQ(FromLocalTime(2026, 3, 8, 2, 30, 0, "America/New_York"), Utc(2026, 3, 8, 7, 30));
    // 2026-11-01 01:30 happens twice: the first (EDT) occurrence.
    EXPECT_EQ(FromLocalTime(2026, 11, 1, 1, 30, 0, "America/New_York"), Utc(2026, 11, 1, 5, 30));
    EXPECT_EQ(FromLocalTime(2026, 7, 1, 12, 0, 0, "Europe/London"), Utc(2026, 7, 1, 11));  // BST
    EXPECT_EQ(FromLocalTime(2026, 12, 1, 12, 0, 0, "Europe/London"), Utc(2026, 12, 1, 12));
    EXPECT_EQ(FromLocalTime(2026, 1, 32, 0, 0, 0, "UTC"), Utc(2026, 2, 1, 0));  // lenient roll-over
    EXPECT_EQ(FromLocalTime(2026, 1, 1, 0, 0, 5, "UTC"), Utc(2026, 1, 1, 0) + seconds(5));
}

TEST(IsValidTimeZone, IanaOnly) {
    for (const char* zone : {"UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Asia/Calcutta"}) {
        EXPECT_TRUE(IsValidTimeZone(zone)) << zone;
    }
    for (const char* zone : {"", "Mars/Olympus", "+05:30", "GMT+05:30", "europe/london ", "Europe/London\n"}) {
        EXPECT_FALSE(IsValidTimeZone(zone)) << zone;
    }
}

TEST(NextAllowedTime, QuietHoursSpanningMidnight) {
    const QuietHours quiet = *ParseQuietHours("21:00", "08:00");
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 12), quiet, "UTC"), Utc(2026, 5, 1, 12));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 20, 59), quiet, "UTC"), Utc(2026, 5, 1, 20, 59));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 21), quiet, "UTC"), Utc(2026, 5, 2, 8));  // start inclusive
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 23, 30), quiet, "UTC"), Utc(2026, 5, 2, 8));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 2, 3), quiet, "UTC"), Utc(2026, 5, 2, 8));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 2, 8), quiet, "UTC"), Utc(2026, 5, 2, 8));  // end exclusive
    // Sub-second precision survives when nothing moves.
    const TimePoint precise = Utc(2026, 5, 1, 12) + nanoseconds(123456789);
    EXPECT_EQ(NextAllowedTime(precise, quiet, "UTC"), precise);
}

TEST(NextAllowedTime, QuietHoursWithinADay) {
    const QuietHours lunch = *ParseQuietHours("12:00", "14:00");
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 11, 59), lunch, "UTC"), Utc(2026, 5, 1, 11, 59));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 12, 30), lunch, "UTC"), Utc(2026, 5, 1, 14));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 14), lunch, "UTC"), Utc(2026, 5, 1, 14));
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 23), lunch, "UTC"), Utc(2026, 5, 1, 23));
    const QuietHours none{.start_minute = 600, .end_minute = 600};
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 10), none, "UTC"), Utc(2026, 5, 1, 10));
}

TEST(NextAllowedTime, KolkataHalfHourOffset) {
    const QuietHours quiet = *ParseQuietHours("21:00", "08:00");
    // 16:00Z is 21:30 IST: quiet until 08:00 IST next day, 02:30Z.
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 16), quiet, "Asia/Kolkata"), Utc(2026, 5, 2, 2, 30));
    // 02:00Z is 07:30 IST: quiet until 08:00 IST the same day.
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 2), quiet, "Asia/Kolkata"), Utc(2026, 5, 1, 2, 30));
    // 15:29Z is 20:59 IST: allowed.
    EXPECT_EQ(NextAllowedTime(Utc(2026, 5, 1, 15, 29), quiet, "Asia/Kolkata"), Utc(2026, 5, 1, 15, 29));
}

TEST(NextAllowedTime, AcrossNewYorkDstChanges) {
    const QuietHours quiet = *ParseQuietHours("21:00", "08:00");
    // 2026-03-07 23:30 EST (04:30Z on the 8th): the night springs forward; 08:00 EDT is 12:00Z, not 13:00Z.
    EXPECT_EQ(NextAllowedTime(Utc(2026, 3, 8, 4, 30), quiet, "America/New_York"), Utc(2026, 3, 8, 12));
    // 2026-10-31 22:00 EDT (02:00Z on Nov 1): falls back; 08:00 EST is 13:00Z.
    EXPECT_EQ(NextAllowedTime(Utc(2026, 11, 1, 2), quiet, "America/New_York"), Utc(2026, 11, 1, 13));
    // Quiet hours ending inside the repeated hour: 01:10 EST (second occurrence, 06:10Z) ends at 01:30 EST.
    const QuietHours early = *ParseQuietHours("00:00", "01:30");
    EXPECT_EQ(NextAllowedTime(Utc(2026, 11, 1, 6, 10), early, "America/New_York"), Utc(2026, 11, 1, 6, 30));
    // ...and 01:10 EDT (first occurrence, 05:10Z) ends at 01:30 EDT.
    EXPECT_EQ(NextAllowedTime(Utc(2026, 11, 1, 5, 10), early, "America/New_York"), Utc(2026, 11, 1, 5, 30));
    // A quiet end inside the spring gap (02:30 does not exist): 03:30 EDT.
    const QuietHours gap = *ParseQuietHours("00:00", "02:30");
    EXPECT_EQ(NextAllowedTime(Utc(2026, 3, 8, 5, 30), gap, "America/New_York"), Utc(2026, 3, 8, 7, 30));
}

TEST(FirstInvitationTime, CalendarDaysAcrossDst) {
    SurveyDefinition ny = InZone("America/New_York");
    // 10:00 EST on Feb 22 -> 10:00 EDT on Mar 8: 13 days 23 hours later, the same clock time.
    EXPECT_EQ(FirstInvitationTime(Utc(2026, 2, 22, 15), ny), Utc(2026, 3, 8, 14));
    // 10:00 EDT on Oct 18 -> 10:00 EST on Nov 1: 14 days 1 hour.
    EXPECT_EQ(FirstInvitationTime(Utc(2026, 10, 18, 14), ny), Utc(2026, 11, 1, 15));
    SurveyDefinition london = InZone("Europe/London");
    // 09:00 GMT on Mar 15 -> 09:00 BST on Mar 29 (08:00Z).
    EXPECT_EQ(FirstInvitationTime(Utc(2026, 3, 15, 9), london), Utc(2026, 3, 29, 8));
    // 09:00 BST on Oct 11 (08:00Z) -> 09:00 GMT on Oct 25.
    EXPECT_EQ(FirstInvitationTime(Utc(2026, 10, 11, 8), london), Utc(2026, 10, 25, 9));
    // Discharged at 22:30 London time: 14 days later is quiet, so 08:00 the morning after.
    EXPECT_EQ(FirstInvitationTime(Utc(2026, 6, 1, 21, 30), london), Utc(2026, 6, 16, 7));
    SurveyDefinition kolkata = InZone("Asia/Kolkata");
    kolkata.days_after_discharge = 10;
    EXPECT_EQ(FirstInvitationTime(Utc(2026, 5, 1, 6), kolkata), Utc(2026, 5, 11, 6));
}

TEST(ExpiryTime, CalendarDays) {
    const SurveyDefinition ny = InZone("America/New_York");
    EXPECT_EQ(ExpiryTime(Utc(2026, 3, 5, 15), ny), Utc(2026, 3, 12, 14));  // 7 local days across spring forward
    EXPECT_EQ(ExpiryTime(Utc(2026, 5, 1, 10), InZone("UTC")), Utc(2026, 5, 8, 10));
}

TEST(NextReminderTime, GapMaxAndExpiry) {
    const SurveyDefinition definition = InZone("UTC");  // 2 reminders, 48 h apart, 7 days, quiet 21:00-08:00
    const TimePoint invited = Utc(2026, 5, 1, 10);
    EXPECT_EQ(NextReminderTime(invited, invited, 0, definition), Utc(2026, 5, 3, 10));
    EXPECT_EQ(NextReminderTime(invited, Utc(2026, 5, 3, 10), 1, definition), Utc(2026, 5, 5, 10));
    EXPECT_EQ(NextReminderTime(invited, Utc(2026, 5, 5, 10), 2, definition), std::nullopt);  // reminder_max
    SurveyDefinition many = definition;
    many.reminder_max = 5;
    EXPECT_EQ(NextReminderTime(invited, Utc(2026, 5, 5, 10), 2, many), Utc(2026, 5, 7, 10));
    // 48 h after May 7 10:00 is after the May 8 10:00 expiry: none.
    EXPECT_EQ(NextReminderTime(invited, Utc(2026, 5, 7, 10), 3, many), std::nullopt);
    // Exactly at expiry is too late as well.
    EXPECT_EQ(NextReminderTime(invited, Utc(2026, 5, 6, 10), 3, many), std::nullopt);
}

TEST(NextReminderTime, MovedOutOfQuietHoursButNotPastExpiry) {
    SurveyDefinition definition = InZone("UTC");
    definition.reminder_min_gap_hours = 49;
    const TimePoint invited = Utc(2026, 5, 1, 20);
    // 49 h after 20:00 is 21:00: quiet, so 08:00 next morning.
    EXPECT_EQ(NextReminderTime(invited, invited, 0, definition), Utc(2026, 5, 4, 8));
    // A last_sent_at before the invitation (clock skew) counts from the invitation.
    EXPECT_EQ(NextReminderTime(invited, invited - hours(100), 0, definition), Utc(2026, 5, 4, 8));
    // Quiet hours pushing the reminder to after expiry: none.
    definition.expire_after_days = 2;
    definition.reminder_min_gap_hours = 47;
    // +47 h is 21:00 May 3, before the 22:00 expiry, but quiet until 08:00 May 4: after it.
    const TimePoint late = Utc(2026, 5, 1, 22);
    EXPECT_EQ(NextReminderTime(late, late, 0, definition), std::nullopt);
}

}  // namespace
}  // namespace carelisten::surveys
