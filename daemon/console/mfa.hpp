#pragma once
// Multi-factor authentication of console accounts (docs/security.md, "Multi-factor
// authentication"): TOTP enrolment (a secret shown as an otpauth:// URI and a QR code, on only
// once a current code confirms it), the check of a code at login (each time step's code works
// once), one-time recovery codes (argon2id hashes), disabling with a current code, and the
// admin's reset from the command line. The state lives in the data directory (mfa_file.hpp) and
// is read from the file at each use, so that `ccd agent mfa reset` applies to a running daemon
// at once; every change is a read-change-write under the folder lock the CLI takes too.
// Secrets and codes never appear in logs.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ccd::daemon::console {

/// What a call to MfaService came to.
enum class MfaOutcome {
    Ok,
    RecoveryCodeUsed,  ///< verify(): a recovery code was right (and is now spent)
    WrongCode,
    Replayed,        ///< the code of a time step already used
    NotEnabled,      ///< the account has no MFA
    AlreadyEnabled,  ///< begin()/confirm(): MFA is on already
    NoEnrolment,     ///< confirm(): no enrolment begun, or it expired
    Unavailable,     ///< the MFA file cannot be read or written (logged)
};

/// The secret of an enrolment begun, to show once.
struct MfaEnrolment {
    std::string secret;       ///< base32 without padding
    std::string otpauth_uri;  ///< for authenticator apps
    std::string qr_svg;       ///< the URI as a QR code (SVG)
    std::chrono::system_clock::time_point expires_at;
};

/// Thread safety: every method may be called from any thread (internally locked). Calls read
/// and write a small file (and verify() may check argon2id hashes): not on an I/O thread.
class MfaService {
public:
    static constexpr std::size_t kRecoveryCodes = 10;
    static constexpr std::chrono::minutes kEnrolmentTtl{10};

    /// `path`: the MFA file (absolute); `issuer`: the name authenticator apps show.
    MfaService(std::string path, std::string issuer);

    const std::string& path() const { return path_; }
    void setIssuer(std::string issuer);

    /// Whether `name` has MFA on, and how many recovery codes are left; nullopt when the file
    /// cannot be read (logged): callers fail closed.
    struct State {
        bool enabled = false;
        std::size_t recovery_codes_left = 0;
    };
    std::optional<State> state(const std::string& name) const;

    /// Begins an enrolment: a new 160-bit secret, held in memory (not in the file) until
    /// confirm() or kEnrolmentTtl. A second begin() replaces the first. AlreadyEnabled,
    /// Unavailable or Ok with `out` set.
    MfaOutcome begin(const std::string& name, std::chrono::system_clock::time_point now,
                     MfaEnrolment& out);
    /// Confirms the enrolment with a current code: MFA is on, and `recovery_codes` (shown once)
    /// are set. NoEnrolment, WrongCode, AlreadyEnabled, Unavailable or Ok.
    MfaOutcome confirm(const std::string& name, const std::string& code,
                       std::chrono::system_clock::time_point now,
                       std::vector<std::string>& recovery_codes);
    /// Checks a login's second factor: a TOTP code (within one step of now, never a step used
    /// before) or a recovery code (spent by this use). Ok, RecoveryCodeUsed, WrongCode,
    /// Replayed, NotEnabled or Unavailable.
    MfaOutcome verify(const std::string& name, const std::string& code,
                      std::chrono::system_clock::time_point now);
    /// Turns MFA off with a current TOTP code (recovery codes do not disable). Ok, WrongCode,
    /// Replayed, NotEnabled or Unavailable.
    MfaOutcome disable(const std::string& name, const std::string& code,
                       std::chrono::system_clock::time_point now);

    /// Removes `name`'s MFA from the file at `path` (`ccd agent mfa reset`): true when it had
    /// some. Throws config::ConfigError (unreadable file) or std::runtime_error (cannot write).
    static bool reset(const std::string& path, const std::string& name);

    /// `code` as typed: spaces and '-' dropped, letters in lower case.
    static std::string normalizeCode(const std::string& code);

private:
    struct Pending {
        std::string secret;
        std::chrono::system_clock::time_point expires_at;
    };

    std::string path_;
    mutable std::mutex mutex_;  // one change at a time in this process (the folder lock: across)
    std::string issuer_;
    std::map<std::string, Pending> pending_;
};

}  // namespace ccd::daemon::console
