#pragma once
// One-time passwords for the second factor at login (docs/security.md, "Multi-factor
// authentication"): HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1, and base32 (RFC 4648)
// for the secrets authenticator apps read from an otpauth:// URI. Pure: no I/O, no clock (the
// time is a parameter), never throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::daemon::console::totp {

using Bytes = std::vector<std::uint8_t>;

constexpr int kDigits = 6;             ///< digits of a code
constexpr std::int64_t kStep = 30;     ///< seconds per time step
constexpr std::int64_t kTolerance = 1; ///< steps either side of now that are accepted
constexpr std::size_t kSecretBytes = 20;  ///< 160 bits, as RFC 4226 recommends

/// Base32 of `data` (RFC 4648 alphabet A-Z2-7), with '=' padding when `pad`.
std::string base32Encode(const Bytes& data, bool pad = true);
/// The bytes of a base32 text: letters of either case, padding optional, spaces and '-' ignored;
/// nullopt for any other character or a length no encoder makes.
std::optional<Bytes> base32Decode(std::string_view text);

/// HOTP value of `key` at `counter`: the last `digits` (1-9) decimal digits.
std::uint32_t hotp(const Bytes& key, std::uint64_t counter, int digits);
/// The time step of a Unix time: floor(unix_seconds / step).
std::int64_t stepAt(std::int64_t unix_seconds, std::int64_t step = kStep);
/// The TOTP code of `key` at a Unix time, zero-padded to `digits`.
std::string code(const Bytes& key, std::int64_t unix_seconds, int digits = kDigits,
                 std::int64_t step = kStep);

/// The time step whose code `code` is, among now and kTolerance steps either side, skipping
/// steps at or before `last_used_step` (a code works once: RFC 6238 §5.2); nullopt otherwise.
/// `code` must be exactly kDigits digits. Compares in constant time.
std::optional<std::int64_t> match(const Bytes& key, std::string_view code,
                                  std::int64_t unix_seconds, std::int64_t last_used_step);

/// otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
/// (Key Uri Format): the secret in base32 without padding, labels percent-encoded.
std::string otpauthUri(std::string_view issuer, std::string_view account, const Bytes& key);

}  // namespace ccd::daemon::console::totp
