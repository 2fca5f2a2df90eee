#include "routing/business_hours.hpp"

#define BOOST_TEST_MODULE business_hours_test
#include <boost/test/unit_test.hpp>

#include <ctime>

#include "routing/sla_clock.hpp"

using namespace ccd::routing;
using namespace std::chrono_literals;

namespace {

TimePoint utc(int y, int mo, int d, int h, int mi) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return Clock::from_time_t(timegm(&tm));
}

double hoursOf(std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 3600000.0; }

DailyWindow hours(int from_h, int to_h) { return DailyWindow{from_h * 60, to_h * 60}; }

// Mon-Fri 09:00-18:00, Sat 10:00-16:00, Sunday closed, in Shanghai (UTC+8, no DST).
BusinessCalendar shanghaiOffice() {
    BusinessCalendar c;
    c.name = "cn-office";
    c.time_zone = "Asia/Shanghai";
    for (int d = 0; d < 5; ++d) c.week[static_cast<std::size_t>(d)] = {hours(9, 18)};
    c.week[5] = {hours(10, 16)};
    return c;
}

BusinessCalendar allDay(const std::string& zone) {
    BusinessCalendar c;
    c.time_zone = zone;
    for (auto& day : c.week) day = {hours(0, 24)};
    return c;
}

std::string show(TimePoint t) {
    auto s = Clock::to_time_t(t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%MZ", std::gmtime(&s));
    return buf;
}

}  // namespace

BOOST_AUTO_TEST_CASE(open_and_closed) {
    BusinessHours bh(shanghaiOffice());
    // 2026-11-23 is a Monday. 10:00 in Shanghai is 02:00Z.
    BOOST_TEST(bh.isOpen(utc(2026, 11, 23, 2, 0)));
    BOOST_TEST(!bh.isOpen(utc(2026, 11, 23, 0, 59)));  // 08:59 local
    BOOST_TEST(bh.isOpen(utc(2026, 11, 23, 1, 0)));    // 09:00 local: opening is inclusive
    BOOST_TEST(!bh.isOpen(utc(2026, 11, 23, 10, 0)));  // 18:00 local: closing is exclusive
    BOOST_TEST(!bh.isOpen(utc(2026, 11, 22, 4, 0)));   // Sunday noon
    BOOST_TEST(bh.isOpen(utc(2026, 11, 28, 4, 0)));    // Saturday noon
}

BOOST_AUTO_TEST_CASE(next_opening_skips_nights_weekends_and_holidays) {
    auto cal = shanghaiOffice();
    BusinessHours bh(cal);
    // Friday 2026-11-27 20:00 local -> Saturday 10:00 local (02:00Z).
    BOOST_TEST(show(*bh.nextOpening(utc(2026, 11, 27, 12, 0))) == "2026-11-28T02:00Z");
    // Saturday 17:00 local -> Monday 09:00 local.
    BOOST_TEST(show(*bh.nextOpening(utc(2026, 11, 28, 9, 0))) == "2026-11-30T01:00Z");
    // While open, the answer is now.
    BOOST_TEST(show(*bh.nextOpening(utc(2026, 11, 30, 3, 17))) == "2026-11-30T03:17Z");

    cal.holidays = {{2026, 11, 28}, {2026, 11, 30}};
    BusinessHours with_holidays(cal);
    BOOST_TEST(show(*with_holidays.nextOpening(utc(2026, 11, 27, 12, 0))) == "2026-12-01T01:00Z");
}

BOOST_AUTO_TEST_CASE(adding_business_time_crosses_nights_and_weekends) {
    BusinessHours bh(shanghaiOffice());
    // Friday 17:30 local + 30 min = Friday 18:00 local exactly.
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 11, 27, 9, 30), 30min)) == "2026-11-27T10:00Z");
    // Friday 17:30 local + 2 h = 30 min on Friday + 90 min on Saturday = Saturday 11:30 local.
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 11, 27, 9, 30), 2h)) == "2026-11-28T03:30Z");
    // Started at night: the clock starts at the next opening. Saturday 20:00 + 1 h = Monday 10:00.
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 11, 28, 12, 0), 1h)) == "2026-11-30T02:00Z");
    // Zero adds nothing, even when closed.
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 11, 22, 4, 0), 0ms)) == "2026-11-22T04:00Z");
    // 24 business hours from Monday 09:00 = 9+9 h Mon/Tue, 6 h Wed -> Wednesday 15:00 local.
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 11, 23, 1, 0), 24h)) == "2026-11-25T07:00Z");
    BOOST_TEST(hoursOf(bh.businessTimeBetween(utc(2026, 11, 23, 1, 0), utc(2026, 11, 25, 7, 0))) == 24);
    BOOST_TEST(hoursOf(bh.businessTimeBetween(utc(2026, 11, 27, 9, 30), utc(2026, 11, 28, 3, 30))) == 2);
    BOOST_TEST(hoursOf(bh.businessTimeBetween(utc(2026, 11, 28, 3, 30), utc(2026, 11, 27, 9, 30))) == 0);
}

BOOST_AUTO_TEST_CASE(a_window_over_midnight_written_as_two) {
    BusinessCalendar c;
    c.time_zone = "UTC";
    c.week[0] = {hours(22, 24)};  // Monday 22:00-24:00
    c.week[1] = {hours(0, 6)};    // Tuesday 00:00-06:00
    BusinessHours bh(c);
    // Monday 2026-11-23 23:00 + 2 h = Tuesday 01:00.
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 11, 23, 23, 0), 2h)) == "2026-11-24T01:00Z");
    BOOST_TEST(bh.isOpen(utc(2026, 11, 24, 0, 0)));
    BOOST_TEST(hoursOf(bh.businessTimeBetween(utc(2026, 11, 23, 0, 0), utc(2026, 11, 25, 0, 0))) == 8);
}

BOOST_AUTO_TEST_CASE(daylight_saving_days_have_23_and_25_hours) {
    BusinessHours ny(allDay("America/New_York"));
    // 2026-03-08: clocks go 02:00 -> 03:00. Local midnight is 05:00Z; the next one is 04:00Z.
    BOOST_TEST(hoursOf(ny.businessTimeBetween(utc(2026, 3, 8, 5, 0), utc(2026, 3, 9, 4, 0))) == 23);
    // 2026-11-01: clocks go 02:00 -> 01:00. Local midnight 04:00Z, the next one 05:00Z.
    BOOST_TEST(hoursOf(ny.businessTimeBetween(utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 5, 0))) == 25);

    BusinessCalendar sunday_night;
    sunday_night.time_zone = "America/New_York";
    sunday_night.week[6] = {hours(1, 4)};  // Sunday 01:00-04:00 local
    BusinessHours bh(sunday_night);
    // Spring forward: 01:00 EST (06:00Z) to 04:00 EDT (08:00Z) is two real hours.
    BOOST_TEST(hoursOf(bh.businessTimeBetween(utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 0, 0))) == 2);
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 3, 8, 6, 0), 2h)) == "2026-03-08T08:00Z");
    // Fall back: 01:00 EDT (05:00Z) to 04:00 EST (09:00Z) is four real hours.
    BOOST_TEST(hoursOf(bh.businessTimeBetween(utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0))) == 4);
}

BOOST_AUTO_TEST_CASE(office_hours_across_a_dst_weekend) {
    BusinessCalendar c;
    c.time_zone = "America/New_York";
    for (int d = 0; d < 5; ++d) c.week[static_cast<std::size_t>(d)] = {hours(9, 17)};
    BusinessHours bh(c);
    // Friday 2026-03-06 16:00 EST (21:00Z) + 2 h = Monday 10:00 EDT (14:00Z).
    BOOST_TEST(show(*bh.addBusinessTime(utc(2026, 3, 6, 21, 0), 2h)) == "2026-03-09T14:00Z");
}

BOOST_AUTO_TEST_CASE(bad_calendars_are_refused) {
    BusinessCalendar c;
    c.time_zone = "Mars/Olympus_Mons";
    BOOST_CHECK_THROW(BusinessHours{c}, std::invalid_argument);
    c.time_zone = "UTC";
    c.week[0] = {hours(9, 12), hours(11, 14)};
    BOOST_CHECK_THROW(BusinessHours{c}, std::invalid_argument);
    c.week[0] = {hours(12, 9)};
    BOOST_CHECK_THROW(BusinessHours{c}, std::invalid_argument);
    BusinessHours never(BusinessCalendar{});
    BOOST_TEST(!never.nextOpening(utc(2026, 1, 1, 0, 0)).has_value());
    BOOST_TEST(!never.addBusinessTime(utc(2026, 1, 1, 0, 0), 1h).has_value());
}

BOOST_AUTO_TEST_CASE(wall_clock_sla_states) {
    SlaPolicy p1{"P1", {{Milestone::FirstResponse, 5min}, {Milestone::Plan, 2h}}, false, 0.8};
    auto opened = utc(2026, 11, 22, 3, 0);
    auto clocks = startClocks(p1, opened, nullptr);
    BOOST_REQUIRE(clocks.has_value());
    BOOST_REQUIRE_EQUAL(clocks->size(), 2u);
    auto& first = (*clocks)[0];
    BOOST_TEST(toString(first.milestone) == "first_response");
    BOOST_TEST(show(first.due_at) == "2026-11-22T03:05Z");
    BOOST_TEST((first.warn_at == opened + 4min));
    BOOST_TEST((stateAt(first, opened + 1min) == SlaState::Running));
    BOOST_TEST((stateAt(first, opened + 4min) == SlaState::Warning));
    BOOST_TEST((stateAt(first, opened + 5min) == SlaState::Breached));
    markMet(first, opened + 3min);
    markMet(first, opened + 9min);  // only the first time counts: the clock stopped
    BOOST_TEST((stateAt(first, opened + 1h) == SlaState::Met));
    auto& plan = (*clocks)[1];
    markMet(plan, opened + 3h);
    BOOST_TEST((stateAt(plan, opened + 3h) == SlaState::MetLate));
}

BOOST_AUTO_TEST_CASE(business_time_sla_counts_only_open_hours) {
    BusinessHours bh(shanghaiOffice());
    SlaPolicy p3{"P3", {{Milestone::FirstResponse, 30min}}, true, 0.8};
    // Opened Friday 17:50 local: 10 min on Friday, 20 min on Saturday from 10:00 -> 10:20.
    auto clocks = startClocks(p3, utc(2026, 11, 27, 9, 50), &bh);
    BOOST_REQUIRE(clocks.has_value());
    BOOST_TEST(show((*clocks)[0].due_at) == "2026-11-28T02:20Z");
    // 80% = 24 min: 10 on Friday, 14 on Saturday -> 10:14 local.
    BOOST_TEST(show((*clocks)[0].warn_at) == "2026-11-28T02:14Z");
    BOOST_TEST(!startClocks(p3, utc(2026, 11, 27, 9, 50), nullptr).has_value());
    BOOST_TEST(milestoneFromString("customer_update").has_value());
    BOOST_TEST(!milestoneFromString("lunch").has_value());
}

// One instance answers many questions (it remembers days and the last local date): its answers
// must be those of a fresh instance, in any order, across DST changes, holidays and years.
BOOST_AUTO_TEST_CASE(a_reused_calendar_answers_as_a_fresh_one) {
    BusinessCalendar c;
    c.time_zone = "America/New_York";
    for (int d = 0; d < 5; ++d) c.week[static_cast<std::size_t>(d)] = {hours(9, 12), hours(13, 17)};
    c.week[6] = {hours(1, 4)};
    c.holidays = {LocalDate{2026, 11, 26}, LocalDate{2027, 1, 1}};
    BusinessHours reused(c);
    std::uint64_t x = 88172645463325252ull;  // xorshift: a fixed, varied walk over two years
    auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
    const TimePoint base = utc(2026, 1, 1, 0, 0);
    for (int i = 0; i < 300; ++i) {
        TimePoint t = base + std::chrono::minutes(next() % (2 * 366 * 24 * 60));
        auto open_time = std::chrono::minutes(next() % (40 * 60));
        BusinessHours fresh(c);
        BOOST_TEST(reused.isOpen(t) == fresh.isOpen(t), show(t));
        BOOST_TEST((reused.localDate(t) == BusinessHours(c).localDate(t)), show(t));
        BOOST_TEST(show(*reused.addBusinessTime(t, open_time)) ==
                   show(*BusinessHours(c).addBusinessTime(t, open_time)));
        BOOST_TEST(show(*reused.nextOpening(t)) == show(*BusinessHours(c).nextOpening(t)));
        TimePoint later = t + std::chrono::minutes(next() % (9 * 24 * 60));
        BOOST_TEST(reused.businessTimeBetween(t, later).count() ==
                   BusinessHours(c).businessTimeBetween(t, later).count());
    }
    // Every local date of a fall-back day and the hours around it.
    for (int m = 0; m < 30 * 60; m += 7) {
        TimePoint t = utc(2026, 11, 1, 0, 0) + std::chrono::minutes(m);
        BOOST_TEST((reused.localDate(t) == BusinessHours(c).localDate(t)), show(t));
    }
}
