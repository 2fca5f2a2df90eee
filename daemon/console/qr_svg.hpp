#pragma once
// A QR code as an SVG image, for the otpauth:// URI an authenticator app scans at MFA
// enrolment. The symbol is made by libqrencode; this only draws its modules. Thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace ccd::daemon::console {

/// An SVG document (black modules on white, a 4-module quiet zone, scalable: a viewBox in
/// modules) of the QR code of `text` at error correction level M; nullopt when libqrencode
/// cannot encode it (too long, out of memory).
std::optional<std::string> qrSvg(std::string_view text);

}  // namespace ccd::daemon::console
