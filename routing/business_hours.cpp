#include "routing/business_hours.hpp"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>

#include <algorithm>
#include <stdexcept>

namespace ccd::routing {
namespace {

constexpr int kSearchDays = 2 * 366;  // a calendar that opens less than once in two years never opens
constexpr std::size_t kMemoDays = 1024;  // dates whose intervals are remembered (> kSearchDays)

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
long long daysFromCivil(const LocalDate& date) {
    int y = date.year - (date.month <= 2);
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

LocalDate civilFromDays(long long z) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    int year = static_cast<int>(yoe + era * 400 + (month <= 2));
    return LocalDate{year, month, day};
}

UDate toUDate(TimePoint t) {
    return static_cast<UDate>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

TimePoint fromUDate(UDate d) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::milliseconds(static_cast<long long>(d))));
}

}  // namespace

BusinessHours::BusinessHours(BusinessCalendar calendar) : calendar_(std::move(calendar)) {
    icu::UnicodeString id = icu::UnicodeString::fromUTF8(calendar_.time_zone);
    std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(id));
    icu::UnicodeString canonical;
    UErrorCode status = U_ZERO_ERROR;
    zone->getID(canonical);
    if (*zone == icu::TimeZone::getUnknown() || canonical == UNICODE_STRING_SIMPLE("Etc/Unknown")) {
        throw std::invalid_argument("unknown time zone \"" + calendar_.time_zone + "\"");
    }
    cal_ = std::make_unique<icu::GregorianCalendar>(zone.release(), status);
    if (U_FAILURE(status)) throw std::invalid_argument("cannot create a calendar: " +
                                                       std::string(u_errorName(status)));
    // A window edge in a skipped hour (spring forward) moves to the first valid time; in a
    // repeated hour (fall back) an opening takes the first occurrence and a closing the last,
    // so a window always covers all the real time its wall-clock hours cover.
    cal_->setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
    for (std::size_t d = 0; d < calendar_.week.size(); ++d) {
        auto& windows = calendar_.week[d];
        for (const auto& w : windows) {
            if (w.start_minute < 0 || w.end_minute > 24 * 60 || w.start_minute >= w.end_minute) {
                throw std::invalid_argument("an opening window must have 0 <= start < end <= 24:00");
            }
        }
        std::sort(windows.begin(), windows.end(),
                  [](const DailyWindow& a, const DailyWindow& b) { return a.start_minute < b.start_minute; });
        for (std::size_t i = 1; i < windows.size(); ++i) {
            if (windows[i].start_minute < windows[i - 1].end_minute)
                throw std::invalid_argument("opening windows of one day overlap");
        }
        if (!windows.empty()) never_open_ = false;
    }
}

BusinessHours::~BusinessHours() = default;
BusinessHours::BusinessHours(BusinessHours&&) noexcept = default;
BusinessHours& BusinessHours::operator=(BusinessHours&&) noexcept = default;

LocalDate BusinessHours::localDate(TimePoint t) const {
    if (t >= day_from_ && t < day_to_) return day_;
    UErrorCode status = U_ZERO_ERROR;
    cal_->setTime(toUDate(t), status);
    LocalDate date{cal_->get(UCAL_YEAR, status), cal_->get(UCAL_MONTH, status) + 1,
                   cal_->get(UCAL_DATE, status)};
    TimePoint from = localToInstant(date, 0, false);
    TimePoint to = localToInstant(addDays(date, 1), 0, false);
    if (U_SUCCESS(status) && t >= from && t < to) {
        day_from_ = from;
        day_to_ = to;
        day_ = date;
    }
    return date;
}

LocalDate BusinessHours::addDays(const LocalDate& date, int days) const {
    return civilFromDays(daysFromCivil(date) + days);
}

TimePoint BusinessHours::localToInstant(const LocalDate& date, int minute, bool closing) const {
    UErrorCode status = U_ZERO_ERROR;
    cal_->setRepeatedWallTimeOption(closing ? UCAL_WALLTIME_LAST : UCAL_WALLTIME_FIRST);
    cal_->clear();
    if (minute >= 24 * 60) {
        // 24:00 is midnight at the start of the next day.
        auto next = addDays(date, 1);
        cal_->clear();
        cal_->set(next.year, next.month - 1, next.day, 0, 0, 0);
    } else {
        cal_->set(date.year, date.month - 1, date.day, minute / 60, minute % 60, 0);
    }
    return fromUDate(cal_->getTime(status));
}

const std::vector<BusinessHours::Interval>& BusinessHours::intervalsOn(
    const LocalDate& date) const {
    const int key = date.year * 10000 + date.month * 100 + date.day;
    if (auto it = days_.find(key); it != days_.end()) return it->second;
    if (days_.size() >= kMemoDays) days_.clear();
    std::vector<Interval>& out = days_[key];
    if (std::find(calendar_.holidays.begin(), calendar_.holidays.end(), date) !=
        calendar_.holidays.end())
        return out;
    // 1970-01-01 was a Thursday: Monday-based weekday 3.
    auto monday_based = static_cast<std::size_t>(((daysFromCivil(date) + 3) % 7 + 7) % 7);
    for (const auto& w : calendar_.week[monday_based]) {
        Interval i{localToInstant(date, w.start_minute, false),
                   localToInstant(date, w.end_minute, true)};
        if (i.close > i.open) out.push_back(i);
    }
    return out;
}

bool BusinessHours::isOpen(TimePoint t) const {
    auto date = localDate(t);
    for (const auto& i : intervalsOn(date)) {
        if (t >= i.open && t < i.close) return true;
    }
    return false;
}

std::optional<TimePoint> BusinessHours::nextOpening(TimePoint t) const {
    if (never_open_) return std::nullopt;
    auto date = localDate(t);
    for (int d = 0; d < kSearchDays; ++d, date = addDays(date, 1)) {
        for (const auto& i : intervalsOn(date)) {
            if (t < i.close) return std::max(t, i.open);
        }
    }
    return std::nullopt;
}

std::optional<TimePoint> BusinessHours::addBusinessTime(TimePoint start,
                                                        std::chrono::milliseconds open_time) const {
    if (open_time <= std::chrono::milliseconds::zero()) return start;
    if (never_open_) return std::nullopt;
    auto remaining = std::chrono::duration_cast<TimePoint::duration>(open_time);
    auto date = localDate(start);
    for (int d = 0; d < kSearchDays; ++d, date = addDays(date, 1)) {
        for (const auto& i : intervalsOn(date)) {
            if (i.close <= start) continue;
            TimePoint from = std::max(start, i.open);
            auto available = i.close - from;
            if (remaining <= available) return from + remaining;
            remaining -= available;
        }
    }
    return std::nullopt;
}

std::chrono::milliseconds BusinessHours::businessTimeBetween(TimePoint from, TimePoint to) const {
    TimePoint::duration total{};
    if (to <= from || never_open_) return std::chrono::milliseconds::zero();
    auto date = localDate(from);
    auto last = localDate(to);
    for (int d = 0; d < kSearchDays; ++d, date = addDays(date, 1)) {
        for (const auto& i : intervalsOn(date)) {
            TimePoint a = std::max(from, i.open), b = std::min(to, i.close);
            if (b > a) total += b - a;
        }
        if (date == last) break;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(total);
}

}  // namespace ccd::routing
