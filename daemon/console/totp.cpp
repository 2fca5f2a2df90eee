#include "daemon/console/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "channels/common/url.hpp"

namespace ccd::daemon::console::totp {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

}  // namespace

std::string base32Encode(const Bytes& data, bool pad) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::uint8_t byte : data) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
    if (pad)
        while (out.size() % 8 != 0) out.push_back('=');
    return out;
}

std::optional<Bytes> base32Decode(std::string_view text) {
    Bytes out;
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t symbols = 0, padding = 0;
    for (char c : text) {
        if (c == ' ' || c == '-') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return std::nullopt;  // data after padding
        int v = base32Value(c);
        if (v < 0) return std::nullopt;
        ++symbols;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    // A last group of 1, 3 or 6 symbols is never produced by an encoder; leftover bits are zero.
    auto tail = symbols % 8;
    if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
    if (padding > 0 && (symbols + padding) % 8 != 0) return std::nullopt;
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::uint32_t hotp(const Bytes& key, std::uint64_t counter, int digits) {
    std::array<unsigned char, 8> message{};
    for (int i = 7; i >= 0; --i) {
        message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(),
              message.size(), mac, &mac_size) ||
        mac_size < 20)
        return 0;
    // Dynamic truncation (RFC 4226 §5.3).
    unsigned offset = mac[mac_size - 1] & 0x0f;
    std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                           (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                           (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                           static_cast<std::uint32_t>(mac[offset + 3]);
    OPENSSL_cleanse(mac, sizeof mac);
    if (digits < 1) digits = 1;
    if (digits > 9) digits = 9;
    std::uint32_t modulus = 1;
    for (int i = 0; i < digits; ++i) modulus *= 10;
    return binary % modulus;
}

std::int64_t stepAt(std::int64_t unix_seconds, std::int64_t step) {
    if (step <= 0) step = kStep;
    auto q = unix_seconds / step;
    if (unix_seconds % step != 0 && unix_seconds < 0) --q;  // floor for times before 1970
    return q;
}

std::string code(const Bytes& key, std::int64_t unix_seconds, int digits, std::int64_t step) {
    auto counter = stepAt(unix_seconds, step);
    auto value = hotp(key, static_cast<std::uint64_t>(counter), digits);
    std::string out = std::to_string(value);
    if (out.size() < static_cast<std::size_t>(digits))
        out.insert(0, static_cast<std::size_t>(digits) - out.size(), '0');
    return out;
}

std::optional<std::int64_t> match(const Bytes& key, std::string_view given,
                                  std::int64_t unix_seconds, std::int64_t last_used_step) {
    if (given.size() != static_cast<std::size_t>(kDigits)) return std::nullopt;
    for (char c : given)
        if (c < '0' || c > '9') return std::nullopt;
    auto now = stepAt(unix_seconds);
    std::optional<std::int64_t> found;
    // Every candidate is computed and compared, so the time taken says nothing of which matched.
    for (std::int64_t s = now - kTolerance; s <= now + kTolerance; ++s) {
        if (s < 0) continue;
        auto expected = code(key, s * kStep);
        bool same = CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
        if (same && s > last_used_step && !found) found = s;
    }
    return found;
}

std::string otpauthUri(std::string_view issuer, std::string_view account, const Bytes& key) {
    using channels::percentEncode;
    auto label = percentEncode(issuer) + ":" + percentEncode(account);
    return "otpauth://totp/" + label + "?secret=" + base32Encode(key, false) +
           "&issuer=" + percentEncode(issuer) + "&algorithm=SHA1&digits=" +
           std::to_string(kDigits) + "&period=" + std::to_string(kStep);
}

}  // namespace ccd::daemon::console::totp
