#include "daemon/reports/local_calendar.hpp"

#include <cstdio>
#include <stdexcept>

#include <unicode/calendar.h>
#include <unicode/gregocal.h>
#include <unicode/timezone.h>

namespace ccd::daemon::reports {

LocalCalendar::LocalCalendar(const std::string& time_zone) : time_zone_(time_zone) {
    std::unique_ptr<icu::TimeZone> tz(
        icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
    icu::UnicodeString id;
    tz->getID(id);
    if (*tz == icu::TimeZone::getUnknown() && time_zone != "Etc/Unknown")
        throw std::invalid_argument("unknown time zone \"" + time_zone + "\"");
    UErrorCode status = U_ZERO_ERROR;
    cal_.reset(new icu::GregorianCalendar(tz.release(), status));
    if (U_FAILURE(status)) throw std::invalid_argument("cannot make a calendar for " + time_zone);
    // A wall time in a gap (spring forward) resolves to the instant after the gap.
    cal_->setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
    cal_->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
}

LocalCalendar::~LocalCalendar() = default;

routing::LocalDate LocalCalendar::dateOf(std::int64_t unix_ms) const {
    UErrorCode status = U_ZERO_ERROR;
    cal_->setTime(static_cast<UDate>(unix_ms), status);
    routing::LocalDate d;
    d.year = cal_->get(UCAL_YEAR, status);
    d.month = cal_->get(UCAL_MONTH, status) + 1;
    d.day = cal_->get(UCAL_DATE, status);
    return d;
}

std::int64_t LocalCalendar::midnight(const routing::LocalDate& date) const {
    UErrorCode status = U_ZERO_ERROR;
    cal_->clear();
    cal_->set(date.year, date.month - 1, date.day, 0, 0, 0);
    return static_cast<std::int64_t>(cal_->getTime(status));
}

routing::LocalDate LocalCalendar::addDays(const routing::LocalDate& date, int days) const {
    UErrorCode status = U_ZERO_ERROR;
    cal_->clear();
    cal_->set(date.year, date.month - 1, date.day, 12, 0, 0);
    cal_->add(UCAL_DATE, days, status);
    return {cal_->get(UCAL_YEAR, status), cal_->get(UCAL_MONTH, status) + 1,
            cal_->get(UCAL_DATE, status)};
}

int LocalCalendar::weekday(const routing::LocalDate& date) const {
    UErrorCode status = U_ZERO_ERROR;
    cal_->clear();
    cal_->set(date.year, date.month - 1, date.day, 12, 0, 0);
    int icu_day = cal_->get(UCAL_DAY_OF_WEEK, status);  // 1 Sunday ... 7 Saturday
    return (icu_day + 5) % 7;
}

std::string formatDate(const routing::LocalDate& date) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
    return buf;
}

bool parseDate(const std::string& text, routing::LocalDate& out) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (text[i] < '0' || text[i] > '9') return false;
    int y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(5, 2)),
        d = std::stoi(text.substr(8, 2));
    static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return false;
    out = {y, m, d};
    return true;
}

}  // namespace ccd::daemon::reports
