#pragma once
// Business-hours calendars: weekly opening windows in an IANA time zone, with holidays, and the
// arithmetic SLA clocks need (is it open, next opening, add N hours of open time). Correct across
// midnight, daylight-saving changes and holidays. Pure: time is always a parameter.

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "routing/model.hpp"

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class Calendar;
U_NAMESPACE_END

namespace ccd::routing {

/// A calendar date in the calendar's own time zone.
struct LocalDate {
    int year = 0;
    int month = 0;  ///< 1-12
    int day = 0;    ///< 1-31
    bool operator==(const LocalDate& o) const {
        return year == o.year && month == o.month && day == o.day;
    }
};

/// One opening window of a day, in minutes after local midnight: [start, end). end may be 1440
/// (midnight at the end of the day). A window over midnight is written as two windows.
struct DailyWindow {
    int start_minute = 0;
    int end_minute = 0;
};

/// The definition of a business-hours calendar (parsed from routing.yaml).
struct BusinessCalendar {
    std::string name;
    std::string time_zone = "UTC";                  ///< IANA name: "Asia/Shanghai"
    std::array<std::vector<DailyWindow>, 7> week;   ///< [0] Monday ... [6] Sunday
    std::vector<LocalDate> holidays;                ///< closed all day
};

/// Answers business-time questions for one calendar.
/// Thread safety: not thread-safe (it reuses one ICU calendar); use one instance per thread,
/// as the routing engine does on its strand.
class BusinessHours {
public:
    /// Throws std::invalid_argument for an unknown time zone or a malformed window.
    explicit BusinessHours(BusinessCalendar calendar);
    ~BusinessHours();
    BusinessHours(BusinessHours&&) noexcept;
    BusinessHours& operator=(BusinessHours&&) noexcept;

    const BusinessCalendar& calendar() const { return calendar_; }

    /// Whether `t` falls inside an opening window on a working day.
    bool isOpen(TimePoint t) const;

    /// `t` itself when open, else the next opening; nullopt when the calendar never opens
    /// (no windows, or none within two years).
    std::optional<TimePoint> nextOpening(TimePoint t) const;

    /// The instant at which `open_time` of business time has elapsed since `start`.
    /// Zero returns `start` unchanged. nullopt when the calendar never opens.
    std::optional<TimePoint> addBusinessTime(TimePoint start,
                                             std::chrono::milliseconds open_time) const;

    /// Business time between `from` and `to` (zero when `to` <= `from`).
    std::chrono::milliseconds businessTimeBetween(TimePoint from, TimePoint to) const;

    /// The local date of an instant in this calendar's time zone.
    LocalDate localDate(TimePoint t) const;

private:
    struct Interval {
        TimePoint open;
        TimePoint close;
    };
    /// Opening intervals (real instants) of one local date; empty on holidays.
    const std::vector<Interval>& intervalsOn(const LocalDate& date) const;
    TimePoint localToInstant(const LocalDate& date, int minute, bool closing) const;
    LocalDate addDays(const LocalDate& date, int days) const;

    BusinessCalendar calendar_;
    bool never_open_ = true;
    std::unique_ptr<icu::Calendar> cal_;
    // Memos: every new conversation starts four SLA clocks on the same few days, and ICU's
    // calendar arithmetic is most of their cost. Opening intervals by date (yyyymmdd), cleared
    // when full; the last local day looked up, as the instants [day_from_, day_to_).
    mutable std::unordered_map<int, std::vector<Interval>> days_;
    mutable TimePoint day_from_{}, day_to_{};
    mutable LocalDate day_{};
};

}  // namespace ccd::routing
