#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <cmath>
#include <memory>
#include <surveys/schedule.hpp>

namespace carelisten::surveys {
namespace {

using Milliseconds = std::chrono::milliseconds;

std::unique_ptr<icu::TimeZone> Zone(std::string_view id) {
    if (!IsValidTimeZone(id)) {
        return std::unique_ptr<icu::TimeZone>(icu::TimeZone::getGMT()->clone());
    }
    return std::unique_ptr<icu::TimeZone>(icu::TimeZone::createTimeZone(
        icu::UnicodeString::fromUTF8(icu::StringPiece(id.data(), static_cast<std::int32_t>(id.size())))));
}

// A calendar per call: ICU calendars are not thread-safe, creating one is cheap next to an SMS.
std::unique_ptr<icu::GregorianCalendar> CalendarIn(std::string_view zone) {
    UErrorCode status = U_ZERO_ERROR;
    auto calendar = std::make_unique<icu::GregorianCalendar>(Zone(zone).release(), status);
    if (U_FAILURE(status)) {
        return nullptr;
    }
    // A wall time in a DST gap moves forward by the gap; a repeated one is its first occurrence.
    calendar->setSkippedWallTimeOption(UCAL_WALLTIME_LAST);
    calendar->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
    return calendar;
}

UDate ToUDate(TimePoint t) {
    return static_cast<UDate>(std::chrono::duration_cast<Milliseconds>(t.time_since_epoch()).count());
}

TimePoint FromUDate(UDate date) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(Milliseconds(static_cast<std::int64_t>(date))));
}

// What ICU's millisecond resolution drops, added back so that t + 0 days is t.
TimePoint::duration SubMillisecond(TimePoint t) {
    return t.time_since_epoch() - std::chrono::duration_cast<Milliseconds>(t.time_since_epoch());
}

TimePoint AddLocalDays(TimePoint t, int days, std::string_view zone) {
    auto calendar = CalendarIn(zone);
    if (calendar == nullptr) {
        return t + std::chrono::hours(24) * days;
    }
    UErrorCode status = U_ZERO_ERROR;
    calendar->setTime(ToUDate(t), status);
    calendar->add(UCAL_DATE, days, status);
    const UDate result = calendar->getTime(status);
    if (U_FAILURE(status)) {
        return t + std::chrono::hours(24) * days;
    }
    return FromUDate(result) + SubMillisecond(t);
}

std::optional<int> ParseClock(std::string_view text) {
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
    if (hours > 23 || minutes > 59) {
        return std::nullopt;
    }
    return hours * 60 + minutes;
}

QuietHours QuietOf(const SurveyDefinition& definition) {
    // A definition that passed validation always parses; a broken one gets no quiet hours rather than none sent.
    return ParseQuietHours(definition.quiet_start, definition.quiet_end).value_or(QuietHours{});
}

}  // namespace

std::optional<QuietHours> ParseQuietHours(std::string_view start, std::string_view end) {
    const auto start_minute = ParseClock(start);
    const auto end_minute = ParseClock(end);
    if (!start_minute || !end_minute) {
        return std::nullopt;
    }
    return QuietHours{.start_minute = *start_minute, .end_minute = *end_minute};
}

TimePoint NextAllowedTime(TimePoint t, const QuietHours& quiet, std::string_view time_zone) {
    if (quiet.start_minute == quiet.end_minute) {
        return t;
    }
    auto calendar = CalendarIn(time_zone);
    if (calendar == nullptr) {
        return t;
    }
    UErrorCode status = U_ZERO_ERROR;
    calendar->setTime(ToUDate(t), status);
    const int minute = calendar->get(UCAL_HOUR_OF_DAY, status) * 60 + calendar->get(UCAL_MINUTE, status);
    if (U_FAILURE(status)) {
        return t;
    }
    const bool spans_midnight = quiet.start_minute > quiet.end_minute;
    const bool quiet_now = spans_midnight ? (minute >= quiet.start_minute || minute < quiet.end_minute)
                                          : (minute >= quiet.start_minute && minute < quiet.end_minute);
    if (!quiet_now) {
        return t;
    }
    if (spans_midnight && minute >= quiet.start_minute) {
        calendar->add(UCAL_DATE, 1, status);  // the quiet period ends tomorrow morning
    }
    calendar->set(UCAL_HOUR_OF_DAY, quiet.end_minute / 60);
    calendar->set(UCAL_MINUTE, quiet.end_minute % 60);
    calendar->set(UCAL_SECOND, 0);
    calendar->set(UCAL_MILLISECOND, 0);
    TimePoint end = FromUDate(calendar->getTime(status));
    if (end <= t) {
        // On a fall-back night the end's first occurrence can precede t (t in the repeated hour): the second.
        calendar->setRepeatedWallTimeOption(UCAL_WALLTIME_LAST);
        calendar->set(UCAL_MINUTE, quiet.end_minute % 60);
        end = FromUDate(calendar->getTime(status));
    }
    if (U_FAILURE(status) || end <= t) {
        return t;
    }
    return end;
}

TimePoint FirstInvitationTime(TimePoint discharge, const SurveyDefinition& definition) {
    const TimePoint due = AddLocalDays(discharge, definition.days_after_discharge, definition.time_zone);
    return NextAllowedTime(due, QuietOf(definition), definition.time_zone);
}

TimePoint ExpiryTime(TimePoint invited_at, const SurveyDefinition& definition) {
    return AddLocalDays(invited_at, definition.expire_after_days, definition.time_zone);
}

std::optional<TimePoint> NextReminderTime(TimePoint invited_at, TimePoint last_sent_at, int reminders_sent,
                                          const SurveyDefinition& definition) {
    if (reminders_sent >= definition.reminder_max) {
        return std::nullopt;
    }
    const TimePoint after = std::max(invited_at, last_sent_at);
    const TimePoint due = NextAllowedTime(after + std::chrono::hours(definition.reminder_min_gap_hours),
                                          QuietOf(definition), definition.time_zone);
    if (due >= ExpiryTime(invited_at, definition)) {
        return std::nullopt;
    }
    return due;
}

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

TimePoint FromLocalTime(int year, int month, int day, int hour, int minute, int second, std::string_view time_zone) {
    auto calendar = CalendarIn(time_zone);
    if (calendar == nullptr) {
        return TimePoint{};
    }
    calendar->clear();
    calendar->set(year, month - 1, day, hour, minute, second);
    UErrorCode status = U_ZERO_ERROR;
    const UDate result = calendar->getTime(status);
    return U_SUCCESS(status) ? FromUDate(result) : TimePoint{};
}

}  // namespace carelisten::surveys
