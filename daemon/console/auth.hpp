#pragma once
// Agent accounts and sessions: who may log in (config/agents.yaml, argon2id hashes), bearer
// tokens (random 256-bit, revocable, expiring), throttling of failed logins per account and per
// address, and the role checks every endpoint that reveals conversations makes.
// Tokens and passwords never appear in logs.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/agents_config.hpp"

namespace ccd::daemon::console {

/// Roles, in increasing power: an admin can do what a supervisor can, a supervisor what an
/// agent can.
enum class Role { Agent, Supervisor, Admin };

std::string_view toString(Role role);

/// An authenticated caller.
struct Principal {
    std::string name;  ///< the account name (agent id in routing)
    Role role = Role::Agent;
    std::string token_id;  ///< a short, non-secret id of the token, for logs
};

/// The outcome of a login attempt.
struct LoginResult {
    std::optional<std::string> token;  ///< set on success
    std::chrono::system_clock::time_point expires_at{};
    std::optional<Principal> principal;
    /// On failure: "invalid_credentials" (401), "throttled" (429, see retry_after),
    /// "no_password" (401: the account has no usable password yet).
    std::string error;
    std::chrono::seconds retry_after{0};
};

/// Whether `role` may do what `needed` may (Admin >= Supervisor >= Agent).
bool atLeast(Role role, Role needed);
/// "agent", "supervisor", "admin" (as in agents.yaml); nullopt otherwise.
std::optional<Role> roleFromString(std::string_view name);

/// Limits on failed logins, per account name and per client address. A key that failed
/// `*_failures` times with no more than `window` between failures is refused for `base_lockout`,
/// doubled with each further failure up to `max_lockout`. A success clears the account's count;
/// an address's count expires after `window` without failures (one office behind NAT shares it,
/// hence its higher limit).
struct ThrottlePolicy {
    int account_failures = 5;
    int address_failures = 20;
    std::chrono::seconds window = std::chrono::minutes(15);
    std::chrono::seconds base_lockout = std::chrono::minutes(1);
    std::chrono::seconds max_lockout = std::chrono::minutes(15);
};

/// Thread safety: every method may be called from any thread (internally locked). login()
/// takes about 0.1 s of CPU and 64 MiB (argon2id): call it off the I/O threads.
class AuthService {
public:
    /// `accounts` may be swapped later by reload(). Throws std::runtime_error when libsodium
    /// cannot initialise (start-up path).
    explicit AuthService(config::AgentsConfigPtr accounts,
                         std::chrono::seconds token_ttl = std::chrono::hours(12),
                         ThrottlePolicy throttle = {});
    ~AuthService();

    /// An argon2id string for `password` (libsodium crypto_pwhash_str, INTERACTIVE limits).
    /// Throws std::runtime_error when out of memory (CLI and start-up path only).
    static std::string hashPassword(std::string_view password);
    /// Whether `password` matches an argon2id string (constant time); false for a bad string.
    static bool verifyPassword(const std::string& hash, std::string_view password);
    /// A short, non-secret id of a token for logs: the first 8 hex digits of its SHA-256.
    static std::string tokenId(std::string_view token);

    /// Verifies the password (argon2id, constant time) and issues a token. `address` is the
    /// client's IP, for throttling.
    LoginResult login(std::string_view name, std::string_view password, std::string_view address,
                      std::chrono::system_clock::time_point now);
    /// Revokes a token; false when it was not valid.
    bool logout(std::string_view token);
    /// The principal of a valid, unexpired token.
    std::optional<Principal> validate(std::string_view token,
                                      std::chrono::system_clock::time_point now) const;
    /// Reads "Authorization: Bearer <token>" (case-insensitive scheme); nullopt when absent or
    /// malformed.
    static std::optional<std::string> bearerToken(std::string_view authorization_header);

    /// New accounts (reload): tokens of removed accounts are revoked; roles follow the file.
    void reload(config::AgentsConfigPtr accounts);
    config::AgentsConfigPtr accounts() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::console
