#pragma once
// Passwords set at run time (`ccd agent passwd`) live in a file of their own in the data
// directory (by default `passwords.yaml` beside the SQLite database; `passwords:` in ccd.yaml),
// never in agents.yaml: following the README must not change a checkout's tracked files. The
// file is written by ccd only:
//
//   # Password hashes set with `ccd agent passwd` ...
//   passwords:
//     "alice": "$argon2id$v=19$m=65536,t=2,p=1$...$..."
//
// A hash there overrides the account's password_hash in agents.yaml; names that are not
// accounts in agents.yaml are ignored (an account removed there cannot log in).

#include <map>
#include <string>

#include "config/agents_config.hpp"

namespace ccd::config {

/// Account name -> argon2id hash.
using PasswordHashes = std::map<std::string, std::string>;

/// Parses a passwords file's text. Throws ConfigError (file:line:col) for anything but a map of
/// account names to argon2id hashes.
PasswordHashes parsePasswords(const std::string& text, const std::string& file);

/// Reads `path`; an absent file is no passwords. Throws ConfigError.
PasswordHashes loadPasswords(const std::string& path);

/// The text of a passwords file holding `hashes` (names in order), as ccd writes it.
std::string formatPasswords(const PasswordHashes& hashes);

/// agents.yaml with the hashes of the passwords file (empty path: none) laid over it.
/// Throws ConfigError naming the file with the problem.
AgentsConfigPtr loadAgentsWithPasswords(const std::string& agents_path,
                                        const std::string& passwords_path);

}  // namespace ccd::config
