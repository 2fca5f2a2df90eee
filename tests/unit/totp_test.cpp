#include "daemon/console/totp.hpp"

#define BOOST_TEST_MODULE totp_test
#include <boost/test/unit_test.hpp>

#include "daemon/console/qr_svg.hpp"

using namespace ccd::daemon::console;

namespace {

totp::Bytes bytes(const std::string& s) { return totp::Bytes(s.begin(), s.end()); }

const totp::Bytes kRfcSeed = bytes("12345678901234567890");  // RFC 6238 Appendix B, SHA1

}  // namespace

BOOST_AUTO_TEST_CASE(rfc6238_appendix_b_sha1_vectors) {
    const std::pair<std::int64_t, const char*> vectors[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (const auto& [time, expected] : vectors) {
        BOOST_TEST_CONTEXT("T = " << time) {
            BOOST_TEST(totp::code(kRfcSeed, time, 8) == expected);
            // The 6-digit code is the same value's last six digits.
            BOOST_TEST(totp::code(kRfcSeed, time) == std::string(expected).substr(2));
        }
    }
}

BOOST_AUTO_TEST_CASE(rfc4226_appendix_d_hotp_vectors) {
    const std::uint32_t expected[] = {755224, 287082, 359152, 969429, 338314,
                                      254676, 287922, 162583, 399871, 520489};
    for (std::uint64_t counter = 0; counter < 10; ++counter)
        BOOST_TEST(totp::hotp(kRfcSeed, counter, 6) == expected[counter]);
}

BOOST_AUTO_TEST_CASE(rfc4648_base32_vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},           {"f", "MY======"},         {"fo", "MZXQ===="},
        {"foo", "MZXW6==="}, {"foob", "MZXW6YQ="},     {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI======"},
    };
    for (const auto& [plain, encoded] : vectors) {
        BOOST_TEST_CONTEXT("\"" << plain << "\"") {
            BOOST_TEST(totp::base32Encode(bytes(plain)) == encoded);
            auto decoded = totp::base32Decode(encoded);
            BOOST_REQUIRE(decoded);
            BOOST_TEST(std::string(decoded->begin(), decoded->end()) == plain);
            // Without padding, in lower case, as authenticator apps may show it.
            std::string bare(encoded);
            bare.erase(bare.find_first_of('=') == std::string::npos ? bare.size()
                                                                    : bare.find_first_of('='));
            BOOST_TEST(totp::base32Encode(bytes(plain), false) == bare);
            for (auto& c : bare) c = static_cast<char>(std::tolower(c));
            auto again = totp::base32Decode(bare);
            BOOST_REQUIRE(again);
            BOOST_TEST(std::string(again->begin(), again->end()) == plain);
        }
    }
}

BOOST_AUTO_TEST_CASE(base32_refuses_what_no_encoder_makes) {
    BOOST_TEST(!totp::base32Decode("MZXW1===").has_value());   // '1' is not in the alphabet
    BOOST_TEST(!totp::base32Decode("M").has_value());          // a lone symbol holds no byte
    BOOST_TEST(!totp::base32Decode("MZX").has_value());        // 3 symbols: no encoder ends so
    BOOST_TEST(!totp::base32Decode("MY=====A").has_value());   // data after padding
    BOOST_TEST(!totp::base32Decode("MZ======").has_value());   // leftover bits not zero
    BOOST_TEST(!totp::base32Decode("MY=====").has_value());    // padding to no multiple of 8
    BOOST_TEST(totp::base32Decode("MZXW 6YTB").has_value());   // spaces as apps group it
}

BOOST_AUTO_TEST_CASE(a_code_matches_one_step_either_side_and_once) {
    const std::int64_t now = 1'700'000'015;  // step 56666667
    const auto step = totp::stepAt(now);
    BOOST_TEST(step == 56666667);
    auto current = totp::code(kRfcSeed, now);
    BOOST_TEST(*totp::match(kRfcSeed, current, now, -1) == step);
    // The previous and next steps' codes are accepted (clock drift), two away are not.
    BOOST_TEST(*totp::match(kRfcSeed, totp::code(kRfcSeed, now - 30), now, -1) == step - 1);
    BOOST_TEST(*totp::match(kRfcSeed, totp::code(kRfcSeed, now + 30), now, -1) == step + 1);
    BOOST_TEST(!totp::match(kRfcSeed, totp::code(kRfcSeed, now - 60), now, -1).has_value());
    BOOST_TEST(!totp::match(kRfcSeed, totp::code(kRfcSeed, now + 60), now, -1).has_value());
    // Replay: the step was used.
    BOOST_TEST(!totp::match(kRfcSeed, current, now, step).has_value());
    // A later step's code still works after an earlier one was used.
    BOOST_TEST(*totp::match(kRfcSeed, totp::code(kRfcSeed, now + 30), now, step) == step + 1);
    // Shapes other than six digits never match.
    BOOST_TEST(!totp::match(kRfcSeed, current.substr(1), now, -1).has_value());
    BOOST_TEST(!totp::match(kRfcSeed, current + "0", now, -1).has_value());
    BOOST_TEST(!totp::match(kRfcSeed, "12345a", now, -1).has_value());
    BOOST_TEST(!totp::match(kRfcSeed, "", now, -1).has_value());
}

BOOST_AUTO_TEST_CASE(otpauth_uri_has_the_unpadded_secret_and_parameters) {
    auto uri = totp::otpauthUri("ccd", "sam", bytes("12345678901234567890"));
    BOOST_TEST(uri == "otpauth://totp/ccd:sam?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ccd"
                      "&algorithm=SHA1&digits=6&period=30");
    auto odd = totp::otpauthUri("Acme CC", "a.b", bytes("x"));
    BOOST_TEST(odd.rfind("otpauth://totp/Acme%20CC:a.b?secret=PA&issuer=Acme%20CC&", 0) == 0);
}

BOOST_AUTO_TEST_CASE(qr_svg_draws_the_symbol) {
    auto svg = qrSvg("otpauth://totp/ccd:sam?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ccd");
    BOOST_REQUIRE(svg);
    BOOST_TEST(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 0) == 0);
    BOOST_TEST(svg->find("<path fill=\"#000\" d=\"M4 4h7v1h-7z") != std::string::npos);  // finder
    BOOST_TEST(svg->size() > 1000);
    BOOST_TEST(!qrSvg(std::string(8000, 'x')).has_value());  // beyond a QR code's capacity
}
