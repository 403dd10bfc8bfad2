/// @file
/// @brief The time rules of a follow-up: first invitation, quiet hours, reminders, expiry. The clock is
/// always passed in; local time is the survey's IANA zone through ICU (DST-correct). Pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <surveys/definition.hpp>

namespace carelisten::surveys {

using TimePoint = std::chrono::system_clock::time_point;

/// Minutes after local midnight; start > end spans midnight; start == end means no quiet hours.
/// Start is inclusive, end exclusive.
struct QuietHours {
    int start_minute = 0;
    int end_minute = 0;
};

/// "21:00", "08:00" (HH:MM, 24 h); nullopt when either is malformed.
std::optional<QuietHours> ParseQuietHours(std::string_view start, std::string_view end);

/// Discharge + days_after_discharge calendar days in the zone (same local clock time, DST-correct), then
/// moved out of quiet hours.
TimePoint FirstInvitationTime(TimePoint discharge, const SurveyDefinition& definition);

/// `t` itself when outside quiet hours in `time_zone`, else the end of that quiet period. An unknown zone
/// is treated as UTC (definitions with one are refused at parse time).
TimePoint NextAllowedTime(TimePoint t, const QuietHours& quiet, std::string_view time_zone);

/// When the next reminder is due: at least reminder_min_gap_hours after `last_sent_at` (and after
/// `invited_at`), moved out of quiet hours; nullopt when reminder_max reminders were sent or it would fall
/// at or after expiry.
std::optional<TimePoint> NextReminderTime(TimePoint invited_at, TimePoint last_sent_at, int reminders_sent,
                                          const SurveyDefinition& definition);

/// `invited_at` + expire_after_days calendar days in the zone.
TimePoint ExpiryTime(TimePoint invited_at, const SurveyDefinition& definition);

/// A zone ICU knows by its IANA id ("Europe/London", "UTC"); false for "", "Mars/Olympus", "+05:30".
bool IsValidTimeZone(std::string_view iana);

/// UTC time of a local civil time in the zone (HL7 times without offset). A time in a DST gap moves forward
/// by the gap (02:30 on a spring-forward day -> 03:30 DST); a repeated time is its first occurrence.
/// Out-of-range fields roll over (ICU lenient calendar: day 32 of January is 1 February).
TimePoint FromLocalTime(int year, int month, int day, int hour, int minute, int second, std::string_view time_zone);

}  // namespace carelisten::surveys
