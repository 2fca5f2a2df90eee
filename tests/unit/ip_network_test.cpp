// server.trusted_proxies: address ranges and the client address read through X-Forwarded-For.
#define BOOST_TEST_MODULE ip_network
#include <boost/test/unit_test.hpp>

#include "config/ip_network.hpp"

using ccd::config::clientAddress;
using ccd::config::IpNetwork;

namespace {

std::vector<IpNetwork> nets(std::initializer_list<const char*> texts) {
    std::vector<IpNetwork> out;
    for (const char* t : texts) out.push_back(*IpNetwork::parse(t));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(networks_parse_and_contain) {
    auto ten = IpNetwork::parse("10.0.0.0/8");
    BOOST_REQUIRE(ten);
    BOOST_TEST(ten->contains("10.1.2.3"));
    BOOST_TEST(!ten->contains("11.0.0.1"));
    BOOST_TEST(ten->contains("::ffff:10.9.9.9"));  // IPv4-mapped, as a dual-stack socket says
    auto odd = IpNetwork::parse("192.168.1.128/25");
    BOOST_TEST(odd->contains("192.168.1.200"));
    BOOST_TEST(!odd->contains("192.168.1.127"));
    auto one = IpNetwork::parse("127.0.0.2");
    BOOST_TEST(one->contains("127.0.0.2"));
    BOOST_TEST(!one->contains("127.0.0.1"));
    auto v6 = IpNetwork::parse("fd00::/8");
    BOOST_TEST(v6->contains("fd12::1"));
    BOOST_TEST(!v6->contains("fe80::1"));
    BOOST_TEST(!v6->contains("10.0.0.1"));
    BOOST_TEST(IpNetwork::parse("::1")->contains("[::1]"));
    BOOST_TEST(IpNetwork::parse("0.0.0.0/0")->contains("203.0.113.9"));
    for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "/8", "10.0.0.0/8x", "fd00::/129",
                            "example.com", "10.0.0", "10.0.0.0/-1"})
        BOOST_TEST(!IpNetwork::parse(bad), bad);
}

BOOST_AUTO_TEST_CASE(client_is_the_right_most_untrusted_forwarded_address) {
    const auto trusted = nets({"10.0.0.0/8", "127.0.0.2"});
    // An untrusted peer: its header is the client's own words.
    BOOST_TEST(clientAddress("203.0.113.5", {"198.51.100.1"}, trusted) == "203.0.113.5");
    // A trusted peer with no header: the peer.
    BOOST_TEST(clientAddress("10.0.0.7", {}, trusted) == "10.0.0.7");
    // Load balancer 10.0.0.7 -> follower 127.0.0.2 -> here: the client before them.
    BOOST_TEST(clientAddress("127.0.0.2", {"198.51.100.1, 10.0.0.7"}, trusted) ==
               "198.51.100.1");
    // A forged entry left of the real client is not believed.
    BOOST_TEST(clientAddress("10.0.0.7", {"1.2.3.4, 198.51.100.1"}, trusted) == "198.51.100.1");
    // Several headers read as one list, in order.
    BOOST_TEST(clientAddress("10.0.0.7", {"198.51.100.1", "10.0.0.8"}, trusted) ==
               "198.51.100.1");
    // Garbage stops the walk at the last proxy that is known.
    BOOST_TEST(clientAddress("10.0.0.7", {"nonsense, 10.0.0.8"}, trusted) == "10.0.0.8");
    BOOST_TEST(clientAddress("10.0.0.7", {"  198.51.100.1 ,"}, trusted) == "198.51.100.1");
    // No trusted proxies configured: always the peer.
    BOOST_TEST(clientAddress("10.0.0.7", {"198.51.100.1"}, {}) == "10.0.0.7");
}
