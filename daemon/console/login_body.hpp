#pragma once
// The bodies of the login endpoints, read strictly (JSON with nothing after it, no NUL byte, no
// other member, bounded lengths). Pure: no I/O, never throws; fuzzed by
// tests/fuzz/login_body_fuzz.cpp.
//   POST /v1/auth/login        {"name", "password"[, "code"]} or {"name", "challenge", "code"}
//   POST /v1/auth/mfa/confirm  {"code"}   (and /v1/auth/mfa/disable)

#include <cstddef>
#include <optional>
#include <string>

#include "channels/web_types.hpp"

namespace ccd::daemon::console {

constexpr std::size_t kMaxLoginNameBytes = 64;
constexpr std::size_t kMaxLoginPasswordBytes = 1024;
constexpr std::size_t kMaxLoginCodeBytes = 32;        ///< a TOTP or recovery code, as typed
constexpr std::size_t kMaxLoginChallengeBytes = 128;  ///< the challenge a login answered

/// A login's name and password (or the challenge a first step answered), and a second factor's
/// code, as sent. `password` is empty when `challenge` is set.
struct Credentials {
    std::string name;
    std::string password;
    std::string code;       ///< empty: none given
    std::string challenge;  ///< set: the second step of a login with MFA
};

/// Reads the credentials of a login request; nullopt with `error` set to the answer to give
/// (415, 400 invalid_json, 422 with the field) when the request is not that: a name, and either
/// a password (a code optional) or a challenge and a code.
std::optional<Credentials> parseLoginBody(const channels::WebRequest& req,
                                          std::optional<channels::WebResponse>& error);

/// Reads {"code": "..."} (a non-empty code of at most kMaxLoginCodeBytes); nullopt with `error`
/// set as parseLoginBody() does.
std::optional<std::string> parseCodeBody(const channels::WebRequest& req,
                                         std::optional<channels::WebResponse>& error);

}  // namespace ccd::daemon::console
