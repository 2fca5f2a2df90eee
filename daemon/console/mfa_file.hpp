#pragma once
// The MFA state of console accounts, kept in the data directory (by default `mfa.yaml` beside
// the database; `mfa.file` in ccd.yaml), never in a tracked file. Written by ccd only (the
// daemon at enrolment and at each code used, `ccd agent mfa reset`), mode 0600:
//
//   # MFA (TOTP) of console accounts ...
//   accounts:
//     "sam":
//       secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"   # base32, 160 bits
//       last_step: 58972321                          # the last time step whose code was used
//       recovery: ["$argon2id$v=19$...", ...]         # hashes of the unused recovery codes
//
// An account listed here has MFA on.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ccd::daemon::console {

/// One account's second factor.
struct MfaRecord {
    std::string secret;                       ///< base32 (RFC 4648) without padding
    std::int64_t last_step = -1;              ///< codes of this step and earlier are refused
    std::vector<std::string> recovery_hashes;  ///< argon2id of each unused recovery code
};

/// Account name -> record.
using MfaRecords = std::map<std::string, MfaRecord>;

/// Parses the file's text. Throws config::ConfigError (file:line:col) for anything else; secrets
/// and hashes are never quoted in an error.
MfaRecords parseMfaFile(const std::string& text, const std::string& file);
/// Reads `path`; an absent file is no records. Throws config::ConfigError.
MfaRecords loadMfaFile(const std::string& path);
/// The text of the file holding `records`, as ccd writes it.
std::string formatMfaFile(const MfaRecords& records);

}  // namespace ccd::daemon::console
