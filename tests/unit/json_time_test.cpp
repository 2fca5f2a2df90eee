// Timestamps in JSON (daemon/json_time.hpp): the hand-written RFC 3339 writer gives what
// gmtime_r gives, for every day of four centuries and around the edges, and reads back.
#include "daemon/json_time.hpp"

#define BOOST_TEST_MODULE json_text
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <random>

#include <fmt/format.h>

using ccd::daemon::formatRfc3339Millis;
using ccd::daemon::parseRfc3339;

namespace {

// The reference: the C library's calendar.
std::string viaGmtime(std::int64_t unix_ms) {
    std::int64_t secs = unix_ms / 1000, ms = unix_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace

BOOST_AUTO_TEST_CASE(known_instants) {
    BOOST_TEST(formatRfc3339Millis(0) == "1970-01-01T00:00:00.000Z");
    BOOST_TEST(formatRfc3339Millis(-1) == "1969-12-31T23:59:59.999Z");
    BOOST_TEST(formatRfc3339Millis(951782400000) == "2000-02-29T00:00:00.000Z");
    BOOST_TEST(formatRfc3339Millis(1795866225123) == "2026-11-28T11:43:45.123Z");
    BOOST_TEST(formatRfc3339Millis(253402300799999) == "9999-12-31T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(every_day_from_1900_to_2300_as_gmtime_gives_it) {
    const std::int64_t day = 86400000;
    std::mt19937_64 rng(16);
    std::uniform_int_distribution<std::int64_t> in_day(0, day - 1);
    std::size_t wrong = 0;
    for (std::int64_t d = -25567; d < 120000; ++d) {  // 1900-01-01 .. 2298
        for (std::int64_t ms : {d * day, d * day + day - 1, d * day + in_day(rng)}) {
            if (formatRfc3339Millis(ms) != viaGmtime(ms) && ++wrong < 5)
                BOOST_TEST(formatRfc3339Millis(ms) == viaGmtime(ms));
        }
    }
    BOOST_TEST(wrong == 0u);
}

BOOST_AUTO_TEST_CASE(what_is_written_reads_back) {
    std::mt19937_64 rng(3339);
    std::uniform_int_distribution<std::int64_t> any(-2208988800000, 7258118400000);
    for (int i = 0; i < 10000; ++i) {
        std::int64_t ms = any(rng);
        auto back = parseRfc3339(formatRfc3339Millis(ms));
        BOOST_REQUIRE(back);
        BOOST_TEST(ccd::routing::unixMillis(*back) == ms);
    }
}
