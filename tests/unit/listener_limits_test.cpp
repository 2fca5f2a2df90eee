#include "daemon/http/accept_backoff.hpp"

#define BOOST_TEST_MODULE listener_limits_test
#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "daemon/fd_limit.hpp"

using ccd::daemon::planDescriptorLimit;
using ccd::daemon::http::AcceptBackoff;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(accept_failures_out_of_descriptors_pause_longer_and_log_once_an_interval) {
    AcceptBackoff b(50ms, 500ms, 10s);
    auto t = AcceptBackoff::Clock::time_point{} + 1h;
    auto first = b.failed(t, true);
    BOOST_TEST(first.pause.count() == 50);
    BOOST_TEST(first.log);
    BOOST_TEST(first.quiet == 0u);
    std::vector<long> pauses;
    for (int i = 0; i < 6; ++i) {
        auto d = b.failed(t + 1s, true);
        BOOST_TEST(!d.log);
        pauses.push_back(static_cast<long>(d.pause.count()));
    }
    BOOST_TEST((pauses == std::vector<long>{100, 200, 400, 500, 500, 500}));
    auto later = b.failed(t + 11s, true);
    BOOST_TEST(later.log);
    BOOST_TEST(later.quiet == 6u);
    b.succeeded();
    BOOST_TEST(b.failed(t + 12s, true).pause.count() == 50);
    // Other errors (a client gone before the accept) are retried at once.
    BOOST_TEST(b.failed(t + 13s, false).pause.count() == 0);
    BOOST_TEST(AcceptBackoff::outOfResources(EMFILE));
    BOOST_TEST(AcceptBackoff::outOfResources(ENFILE));
    BOOST_TEST(!AcceptBackoff::outOfResources(ECONNABORTED));
}

BOOST_AUTO_TEST_CASE(the_open_file_limit_is_raised_up_to_the_hard_limit_when_connections_need_it) {
    // Enough already: nothing to do.
    auto fine = planDescriptorLimit(65536, 65536, 20000);
    BOOST_TEST(fine.enough);
    BOOST_TEST(fine.raise_to == 0u);
    // The usual 1024 soft limit under a higher hard one: raised as far as needed.
    auto raised = planDescriptorLimit(1024, 524288, 20000);
    BOOST_TEST(raised.enough);
    BOOST_TEST(raised.raise_to == 20000u + ccd::daemon::kDescriptorReserve);
    // The hard limit is too low: raised to it, and not enough.
    auto short_of = planDescriptorLimit(1024, 4096, 20000);
    BOOST_TEST(!short_of.enough);
    BOOST_TEST(short_of.raise_to == 4096u);
    // ulimit -n 100, hard 100: nothing to raise.
    auto stuck = planDescriptorLimit(100, 100, 20000);
    BOOST_TEST(!stuck.enough);
    BOOST_TEST(stuck.raise_to == 0u);
}
