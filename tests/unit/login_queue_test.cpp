#include "daemon/console/login_queue.hpp"

#define BOOST_TEST_MODULE login_queue_test
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using ccd::daemon::console::LoginQueue;
using Admission = LoginQueue::Admission;

namespace {

/// Pops everything; the order in which the jobs ran, by the tag each one records.
std::vector<std::string> drain(LoginQueue& q, std::vector<std::string>& ran) {
    while (auto job = q.pop()) {
        job->run();
        q.finished(job->address);
    }
    return ran;
}

}  // namespace

BOOST_AUTO_TEST_CASE(known_addresses_go_first_and_have_room_of_their_own) {
    LoginQueue q({/*capacity=*/4, /*known_capacity=*/2, /*per_address=*/4});
    std::vector<std::string> ran;
    auto job = [&ran](std::string tag) { return [&ran, tag] { ran.push_back(tag); }; };
    for (int i = 0; i < 4; ++i) {
        auto address = "198.51.100." + std::to_string(i);
        BOOST_TEST((q.push(address, false, job("bogus" + std::to_string(i))) == Admission::Queued));
    }
    // The flood fills its lane...
    BOOST_TEST((q.push("198.51.100.9", false, job("late")) == Admission::Busy));
    // ... and a known address still gets in, ahead of it.
    BOOST_TEST((q.push("10.0.0.1", true, job("alice")) == Admission::Queued));
    BOOST_TEST(q.waiting() == 5u);
    auto order = drain(q, ran);
    BOOST_REQUIRE(order.size() == 5u);
    BOOST_TEST(order[0] == "alice");
    BOOST_TEST(order[1] == "bogus0");
    BOOST_TEST(order[4] == "bogus3");
    BOOST_TEST(q.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(one_address_holds_a_few_places_at_most_until_they_finish) {
    LoginQueue q({/*capacity=*/64, /*known_capacity=*/16, /*per_address=*/2});
    auto noop = [] {};
    BOOST_TEST((q.push("203.0.113.5", false, noop) == Admission::Queued));
    BOOST_TEST((q.push("203.0.113.5", false, noop) == Admission::Queued));
    BOOST_TEST((q.push("203.0.113.5", false, noop) == Admission::TooManyFromAddress));
    BOOST_TEST((q.push("203.0.113.6", false, noop) == Admission::Queued));
    // Running still holds the place; finishing frees it.
    auto first = q.pop();
    BOOST_REQUIRE(first);
    BOOST_TEST((q.push("203.0.113.5", false, noop) == Admission::TooManyFromAddress));
    q.finished(first->address);
    BOOST_TEST((q.push("203.0.113.5", false, noop) == Admission::Queued));
}
