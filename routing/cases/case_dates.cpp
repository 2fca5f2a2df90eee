#include "routing/cases/case_dates.hpp"

#include <cstdio>
#include <ctime>

namespace ccd::routing {
namespace {

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
long long daysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate civilFromDays(long long z) {
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const int y = static_cast<int>(yoe + era * 400 + (m <= 2));
    return CivilDate{y, m, d};
}

}  // namespace

std::optional<CivilDate> parseCivilDate(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const int y = std::stoi(text.substr(0, 4));
    const int m = std::stoi(text.substr(5, 2));
    const int d = std::stoi(text.substr(8, 2));
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return std::nullopt;
    return CivilDate{y, m, d};
}

std::string formatCivilDate(const CivilDate& date) {
    char buf[40];  // room for any int, so that the compiler sees nothing cut
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
    return buf;
}

CivilDate utcCivilDate(TimePoint t) {
    using Days = std::chrono::duration<long long, std::ratio<86400>>;
    return civilFromDays(std::chrono::floor<Days>(t.time_since_epoch()).count());
}

CivilDate addCalendarMonths(const CivilDate& date, int months) {
    const int index = date.year * 12 + (date.month - 1) + months;
    const int y = index >= 0 ? index / 12 : (index - 11) / 12;
    const int m = index - y * 12 + 1;
    const int d = date.day < daysInMonth(y, m) ? date.day : daysInMonth(y, m);
    return CivilDate{y, m, d};
}

CivilDate addDays(const CivilDate& date, int days) {
    return civilFromDays(daysFromCivil(date.year, date.month, date.day) + days);
}

std::string isoUtc(TimePoint t) {
    std::time_t secs = Clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

}  // namespace ccd::routing
