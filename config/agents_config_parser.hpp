#pragma once
// Reads config/agents.yaml into an AgentsConfig, and rewrites one account's password hash in the
// file's text without touching anything else (comments, order, quoting).
//
//   accounts:
//     - name: alice
//       role: agent                  # agent | supervisor | admin
//       skills: [general, technical]
//       languages: [en, zh-Hans]     # en, zh-Hans, zh-Hant; empty or absent = any
//       capacity: {voice: 1, chat: 3, messaging: 5, email: 5}
//       teams: [support]
//       password_hash: ""            # set with: ccd agent passwd alice

#include <string>
#include <string_view>

#include "config/agents_config.hpp"
#include "config/config_error.hpp"

namespace ccd::config {

/// Loads and validates an agents file. Throws ConfigError listing every problem, each with
/// file:line:column and YAML path.
AgentsConfigPtr loadAgentsConfig(const std::string& path);

/// Parses agents YAML text that came from `file` (used in positions). Throws ConfigError.
AgentsConfigPtr parseAgentsConfig(const std::string& text, const std::string& file);

/// Whether `hash` looks like a libsodium argon2id string:
/// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>" (unpadded base64).
bool isArgon2idHash(std::string_view hash);

/// Returns `text` with the `password_hash` of account `name` set to `hash` (written as a
/// double-quoted scalar); the key is added to the account when it has none. Nothing else in the
/// text changes. The result is re-parsed and compared with the original to prove it. Throws
/// ConfigError when the file is invalid, has no such account, or cannot be edited safely.
/// Preconditions: isArgon2idHash(hash).
std::string withPasswordHash(const std::string& text, const std::string& file,
                             const std::string& name, const std::string& hash);

}  // namespace ccd::config
