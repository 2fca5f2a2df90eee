#pragma once
// The few cryptographic primitives the adapters need to check a provider's signature, with
// OpenSSL: HMAC-SHA256, SHA-1, SHA-256, and a comparison in constant time.

#include <string>
#include <string_view>

namespace ccd::channels {

/// HMAC-SHA256 of `data` with `key`, as lower-case hex.
std::string hmacSha256Hex(std::string_view key, std::string_view data);
/// HMAC-SHA1 of `data` with `key`, base64-encoded (Twilio's X-Twilio-Signature).
std::string hmacSha1Base64(std::string_view key, std::string_view data);
/// SHA-1 of `data`, as lower-case hex (WeChat's signature).
std::string sha1Hex(std::string_view data);
/// SHA-256 of `data`, as lower-case hex.
std::string sha256Hex(std::string_view data);
/// Whether two strings are equal, in time that depends only on their lengths.
bool constantTimeEquals(std::string_view a, std::string_view b);
/// `data` in standard base64 with padding (HTTP basic authentication).
std::string base64(std::string_view data);
/// `bytes` random bytes from the operating system's generator, as hex.
std::string randomHex(std::size_t bytes);

}  // namespace ccd::channels
