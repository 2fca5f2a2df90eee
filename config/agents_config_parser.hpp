#pragma once
// Reads config/agents.yaml into an AgentsConfig. Passwords set with `ccd agent passwd` are not
// written here but in the data directory (config/agents_passwords.hpp), laid over it.
//
//   accounts:
//     - name: alice
//       role: agent                  # agent | supervisor | admin
//       skills: [general, technical]
//       languages: [en, zh-Hans]     # en, zh-Hans, zh-Hant; empty or absent = any
//       capacity: {voice: 1, chat: 3, messaging: 5, email: 5}
//       teams: [support]
//       password_hash: ""            # optional; ccd agent passwd alice keeps its own elsewhere

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

}  // namespace ccd::config
