// What the adapters share: provider answers read generically, Retry-After, query strings.
#include <boost/test/unit_test.hpp>

#include "channels/common/crypto.hpp"
#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"
#include "channels/common/text_limits.hpp"
#include "channels/common/url.hpp"

using namespace ccd;
using channels::SendOutcome;

BOOST_AUTO_TEST_SUITE(common)

BOOST_AUTO_TEST_CASE(retry_after_is_seconds_or_an_http_date) {
    auto now = routing::Clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
    BOOST_TEST(channels::parseRetryAfter("120", now)->count() == 120000);
    BOOST_TEST(channels::parseRetryAfter(" 3 ", now)->count() == 3000);
    BOOST_TEST(channels::parseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", now)->count() == 60000);
    BOOST_TEST(channels::parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now)->count() == 0);
    BOOST_TEST(channels::parseRetryAfter("99999999", now)->count() == 3600000);  // capped
    BOOST_TEST(!channels::parseRetryAfter("soon", now));
    BOOST_TEST(!channels::parseRetryAfter("", now));
}

BOOST_AUTO_TEST_CASE(generic_answers) {
    auto now = routing::Clock::now();
    auto with = [](int status, std::string header = {}) {
        channels::HttpAnswer a;
        a.status = status;
        if (!header.empty()) a.headers.emplace_back("retry-after", header);
        return a;
    };
    BOOST_TEST((channels::classifyHttp(with(204), now).kind == SendOutcome::Kind::Sent));
    auto throttled = channels::classifyHttp(with(429, "5"), now);
    BOOST_TEST((throttled.kind == SendOutcome::Kind::Retry));
    BOOST_TEST(throttled.pause_instance);
    BOOST_TEST(throttled.retry_after->count() == 5000);
    for (int s : {0, 408, 500, 502, 503, 504})
        BOOST_TEST((channels::classifyHttp(with(s), now).kind == SendOutcome::Kind::Retry));
    for (int s : {400, 401, 403, 404, 410, 422})
        BOOST_TEST((channels::classifyHttp(with(s), now).kind == SendOutcome::Kind::Failed));
}

BOOST_AUTO_TEST_CASE(queries_decode_and_encode) {
    auto q = channels::parseQuery("a=1&b=%E4%BD%A0+%3D&c&d=");
    BOOST_REQUIRE(q);
    BOOST_TEST(*channels::queryValue(*q, "b") == "你 =");
    BOOST_TEST(*channels::queryValue(*q, "c") == "");
    BOOST_TEST(!channels::queryValue(*q, "z"));
    BOOST_TEST(!channels::parseQuery("a=%G1"));
    BOOST_TEST(!channels::parseQuery("a=%4"));
    BOOST_TEST(channels::percentEncode("a b/你~") == "a%20b%2F%E4%BD%A0~");
}

BOOST_AUTO_TEST_CASE(hashes_match_published_vectors) {
    // FIPS 180 "abc" vectors and RFC 4231 test case 2.
    BOOST_TEST(channels::sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    BOOST_TEST(channels::sha256Hex("abc") ==
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(channels::hmacSha256Hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(channels::constantTimeEquals("abc", "abc"));
    BOOST_TEST(!channels::constantTimeEquals("abc", "abd"));
    BOOST_TEST(!channels::constantTimeEquals("abc", "abcd"));
    BOOST_TEST(channels::randomHex(16).size() == 32u);
    BOOST_TEST(channels::randomHex(16) != channels::randomHex(16));
}

BOOST_AUTO_TEST_CASE(text_is_measured_as_providers_count) {
    BOOST_TEST(channels::utf16Length("abc") == 3u);
    BOOST_TEST(channels::utf16Length("你好") == 2u);
    BOOST_TEST(channels::utf16Length("👍") == 2u);  // a surrogate pair
}

BOOST_AUTO_TEST_CASE(json_bodies_are_parsed_strictly) {
    BOOST_TEST(!channels::parseJsonBody(R"({"a":1})").error);
    BOOST_TEST(channels::parseJsonBody(R"({"a":1} x)").error->code == "invalid_json");
    BOOST_TEST(channels::parseJsonBody(std::string_view("{}\0", 3)).error->code == "invalid_json");
    BOOST_TEST(channels::jsonId(nlohmann::json::parse(R"({"id":-100123})"), "id").value() == "-100123");
    BOOST_TEST(channels::jsonInt(nlohmann::json::parse(R"({"t":"1700000000"})"), "t").value() ==
               1700000000);
    BOOST_TEST(!channels::jsonInt(nlohmann::json::parse(R"({"t":"17x"})"), "t"));
    // Past 64 bits, or not only digits: absent, never an exception (found by the fuzzer).
    for (const char* t : {"9999999999999999999", "-9999999999999999999", "-", "+1", " 1", ""}) {
        BOOST_TEST(!channels::jsonInt(nlohmann::json{{"t", t}}, "t"), t);
    }
    BOOST_TEST(channels::jsonInt(nlohmann::json{{"t", "-9223372036854775808"}}, "t").value() ==
               INT64_MIN);
}

BOOST_AUTO_TEST_SUITE_END()
