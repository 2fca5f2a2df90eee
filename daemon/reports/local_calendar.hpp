#pragma once
// Local dates and the instants of their midnights in one IANA time zone (the business
// calendar's), for reports: a range given as dates and rows grouped by local day, week or month.
// Correct across daylight-saving changes (a day may last 23 or 25 hours).

#include <cstdint>
#include <memory>
#include <string>

#include "routing/business_hours.hpp"

namespace ccd::daemon::reports {

/// Thread safety: not thread-safe (one ICU calendar reused); one instance per report run.
class LocalCalendar {
public:
    /// Throws std::invalid_argument for an unknown time zone.
    explicit LocalCalendar(const std::string& time_zone);
    ~LocalCalendar();

    const std::string& timeZone() const { return time_zone_; }
    /// The local date of an instant (Unix milliseconds).
    routing::LocalDate dateOf(std::int64_t unix_ms) const;
    /// The instant of local midnight starting `date` (the first valid instant of that date when
    /// midnight falls in a daylight-saving gap).
    std::int64_t midnight(const routing::LocalDate& date) const;
    /// `date` plus `days` (negative allowed).
    routing::LocalDate addDays(const routing::LocalDate& date, int days) const;
    /// 0 Monday ... 6 Sunday.
    int weekday(const routing::LocalDate& date) const;

private:
    std::string time_zone_;
    std::unique_ptr<icu::Calendar> cal_;
};

/// "2026-03-08".
std::string formatDate(const routing::LocalDate& date);
/// Parses "YYYY-MM-DD" (a real date); false otherwise.
bool parseDate(const std::string& text, routing::LocalDate& out);

}  // namespace ccd::daemon::reports
