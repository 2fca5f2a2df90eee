#pragma once
// Agent accounts and sessions: who may log in (config/agents.yaml, argon2id hashes), bearer
// tokens (random 256-bit, revocable, expiring), throttling of failed logins (by address first;
// docs/security.md, "Login throttling"), and the role checks every endpoint that reveals
// conversations makes. Tokens and passwords never appear in logs, nor names that are not
// accounts (a password typed into the name field): those are logged as a hash prefix.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/agents_config.hpp"

namespace ccd::store {
class SessionStore;
}  // namespace ccd::store

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
    /// A session that may only enrol in MFA (the policy requires MFA of the role and the account
    /// has none yet): validate() does not accept its token, validateForEnrolment() does.
    bool enrolment_only = false;
};

/// The outcome of a login attempt.
struct LoginResult {
    std::optional<std::string> token;  ///< set on success
    std::chrono::system_clock::time_point expires_at{};
    std::optional<Principal> principal;
    /// On failure: "invalid_credentials" (401), "throttled" (429, see retry_after),
    /// "no_password" (401: the account has no usable password yet), "mfa_required" (the password
    /// was right; a code completes the login: see challenge), "invalid_code", "code_used" (401),
    /// "invalid_challenge" (401: unknown, expired or spent), "mfa_unavailable" (503),
    /// "session_unavailable" (503: the session could not be stored; no token is given).
    std::string error;
    std::chrono::seconds retry_after{0};
    /// With "mfa_required": the challenge to send back with a code, and until when it works.
    std::optional<std::string> challenge;
    std::chrono::system_clock::time_point challenge_expires_at{};
    /// A recovery code completed the login: how many are left.
    std::optional<std::size_t> recovery_codes_left;
};

class MfaService;

/// Who must use MFA (`mfa.required_for` in ccd.yaml): accounts of these roles without MFA get,
/// from a right password, a session that may only enrol.
struct MfaPolicy {
    std::vector<Role> required_for;
    bool requires(Role role) const;
};

/// Whether `role` may do what `needed` may (Admin >= Supervisor >= Agent).
bool atLeast(Role role, Role needed);
/// "agent", "supervisor", "admin" (as in agents.yaml); nullopt otherwise.
std::optional<Role> roleFromString(std::string_view name);

/// Limits on failed logins (docs/security.md, "Login throttling"). Throttling goes by client
/// address first, so that nobody can lock someone else out from afar:
/// - one name from one address: `pair_failures` failures with no more than `window` between
///   them lock that name for that address for `base_lockout`, doubled with each further failure
///   up to `max_lockout`; a success clears the count;
/// - one address, any names: the same with `address_failures` (higher: an office behind NAT
///   shares an address);
/// - one name from many addresses: failures from `name_addresses` different addresses within
///   `window` lock the name for `name_lockout` only, and not for addresses that logged in as
///   that name before (within `known_for`).
struct ThrottlePolicy {
    int pair_failures = 5;
    int address_failures = 20;
    int name_addresses = 10;
    std::chrono::seconds window = std::chrono::minutes(15);
    std::chrono::seconds base_lockout = std::chrono::minutes(1);
    std::chrono::seconds max_lockout = std::chrono::minutes(15);
    std::chrono::seconds name_lockout = std::chrono::seconds(30);
    std::chrono::seconds known_for = std::chrono::hours(24 * 30);
};

/// A session ended before its time: logout, a password change, the account removed or left
/// without a password.
struct RevokedSession {
    std::string name;
    std::string token_id;  ///< Principal::token_id of the token
};

/// Told of sessions that ended; see AuthService::setRevocationListener.
using RevocationListener = std::function<void(const std::vector<RevokedSession>&)>;

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
    /// A short, non-secret id of a token for logs: the first 8 hex digits of its SHA-256, the
    /// first of them made a letter (a-f) so that the logs' masking never takes it for a number.
    static std::string tokenId(std::string_view token);

    /// Verifies the password (argon2id, constant time) and issues a token. `address` is the
    /// client's IP, for throttling. When the account has MFA on, a right password gives no
    /// token: "mfa_required" and a challenge for completeLogin(), unless `code` (a TOTP or
    /// recovery code) is given too and is right. Wrong codes count as failed logins.
    LoginResult login(std::string_view name, std::string_view password, std::string_view address,
                      std::chrono::system_clock::time_point now, std::string_view code = {});
    /// Completes a login that answered "mfa_required": the challenge it gave (valid for
    /// kChallengeTtl, from the same address, for kChallengeAttempts wrong codes) and a code.
    LoginResult completeLogin(std::string_view name, std::string_view challenge,
                              std::string_view code, std::string_view address,
                              std::chrono::system_clock::time_point now);
    static constexpr std::chrono::minutes kChallengeTtl{5};
    static constexpr int kChallengeAttempts = 5;
    /// How long a session that may only enrol in MFA lasts.
    static constexpr std::chrono::minutes kEnrolmentSessionTtl{15};
    /// Counts a wrong second factor given elsewhere (disabling MFA) as a failed login of `name`
    /// from `address`.
    void recordFailedCode(std::string_view name, std::string_view address,
                          std::chrono::system_clock::time_point now);
    /// The throttle's answer for a login of `name` from `address` now, without checking any
    /// password (logged like a throttled login()); nullopt when it may be tried. Lets callers
    /// refuse it before it waits for a hashing worker.
    std::optional<LoginResult> throttled(std::string_view name, std::string_view address,
                                         std::chrono::system_clock::time_point now);
    /// Whether `address` logged in successfully (as anyone) within ThrottlePolicy::known_for:
    /// its logins go ahead of the others'.
    bool isKnownAddress(std::string_view address,
                        std::chrono::system_clock::time_point now) const;
    /// Revokes a token; false when it was not valid. `stored`, when set, is called once: after
    /// the store deleted the session (with whether it could), at once without a store or when
    /// the token was not valid (true).
    bool logout(std::string_view token, std::function<void(bool stored)> stored = nullptr);
    /// The principal of a valid, unexpired token; nullopt for a session that may only enrol in
    /// MFA.
    std::optional<Principal> validate(std::string_view token,
                                      std::chrono::system_clock::time_point now) const;
    /// As validate(), and sessions that may only enrol in MFA too (Principal::enrolment_only).
    std::optional<Principal> validateForEnrolment(std::string_view token,
                                                  std::chrono::system_clock::time_point now) const;
    /// The session of `token` may do everything its role may (its account enrolled in MFA), for
    /// the usual token lifetime from `now`.
    void endEnrolmentOnly(std::string_view token, std::chrono::system_clock::time_point now);
    /// Reads "Authorization: Bearer <token>" (case-insensitive scheme); nullopt when absent or
    /// malformed.
    static std::optional<std::string> bearerToken(std::string_view authorization_header);

    /// Keeps the sessions in `sessions` from now on, so that they outlive this process (null:
    /// in memory only). Sweeps the sessions expired at `now` and loads every other one whose
    /// account is still there with the same password (a token issued by an earlier process, or
    /// by the node this one takes over from, validates at once; the others are deleted).
    /// Afterwards login() and completeLogin() store each session before returning its token,
    /// and logout, reload's revocations and endEnrolmentOnly() update the store too. Blocks
    /// until loaded: call it at start-up, before logins. Returns how many were loaded; a store
    /// that cannot be read is logged, and nothing is loaded. `sessions` must outlive this.
    std::size_t useSessionStore(store::SessionStore* sessions,
                                std::chrono::system_clock::time_point now);
    /// How long login() waits for the store to write a session before answering
    /// "session_unavailable".
    static constexpr std::chrono::seconds kSessionWriteTimeout{10};

    /// New accounts (reload): tokens of removed accounts, of changed passwords and of accounts
    /// left without a password are revoked; roles follow the file.
    void reload(config::AgentsConfigPtr accounts);
    /// The one listener told of the sessions logout() and reload() end, called on the thread
    /// that ended them, with no lock held; null removes it.
    void setRevocationListener(RevocationListener listener);
    config::AgentsConfigPtr accounts() const;

    /// MFA (null: none: a password alone logs in) and who must use it; the policy may change
    /// with a reload.
    void setMfa(std::shared_ptr<MfaService> mfa, MfaPolicy policy);
    void setMfaPolicy(MfaPolicy policy);
    std::shared_ptr<MfaService> mfa() const;
    MfaPolicy mfaPolicy() const;

private:
    // After a right password: the second factor's part of a login (auth_mfa.cpp).
    LoginResult passwordAccepted(const config::AgentAccount& account, std::string_view code,
                                 const std::string& address,
                                 std::chrono::system_clock::time_point now);
    // A login's token once its session is in the store (auth_sessions.cpp); else no token and
    // "session_unavailable".
    LoginResult persisted(LoginResult result, std::chrono::system_clock::time_point now);
    // Checks a login's code and issues the token when it is right.
    LoginResult checkCode(const config::AgentAccount& account, std::string_view code,
                          const std::string& address, std::chrono::system_clock::time_point now);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::console
