#pragma once
// The calendar arithmetic of service cases: UTC dates as "YYYY-MM-DD", calendar months added to
// a date (the day clamped to the month's end), and instants written as ISO-8601 UTC for the
// texts and template parameters a case produces. Pure.

#include <optional>
#include <string>

#include "routing/model.hpp"

namespace ccd::routing {

/// A proleptic Gregorian date.
struct CivilDate {
    int year = 0;
    int month = 0;  ///< 1-12
    int day = 0;    ///< 1-31
};

/// "YYYY-MM-DD" → a valid date; nullopt when malformed or impossible ("2026-02-30").
std::optional<CivilDate> parseCivilDate(const std::string& text);
/// "YYYY-MM-DD".
std::string formatCivilDate(const CivilDate& date);
/// The UTC date of an instant.
CivilDate utcCivilDate(TimePoint t);
/// `date` plus `months` calendar months, the day clamped to the last day of the target month
/// (2024-01-31 + 1 month = 2024-02-29).
CivilDate addCalendarMonths(const CivilDate& date, int months);
/// `date` plus `days` days (negative: earlier).
CivilDate addDays(const CivilDate& date, int days);
/// "2026-12-03T09:00:00Z" (whole seconds, UTC).
std::string isoUtc(TimePoint t);

}  // namespace ccd::routing
