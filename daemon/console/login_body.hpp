#pragma once
// The body of POST /v1/auth/login: {"name": "...", "password": "..."}, read strictly (JSON with
// nothing after it, no NUL byte, no other member, bounded lengths). Pure: no I/O, never throws;
// fuzzed by tests/fuzz/login_body_fuzz.cpp.

#include <cstddef>
#include <optional>
#include <string>

#include "channels/web_types.hpp"

namespace ccd::daemon::console {

constexpr std::size_t kMaxLoginNameBytes = 64;
constexpr std::size_t kMaxLoginPasswordBytes = 1024;

/// A login's name and password, as sent.
struct Credentials {
    std::string name;
    std::string password;
};

/// Reads the credentials of a login request; nullopt with `error` set to the answer to give
/// (415, 400 invalid_json, 422 with the field) when the request is not that.
std::optional<Credentials> parseLoginBody(const channels::WebRequest& req,
                                          std::optional<channels::WebResponse>& error);

}  // namespace ccd::daemon::console
