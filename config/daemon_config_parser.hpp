#pragma once
// Reads config/ccd.yaml into a DaemonConfig. Every problem is reported with file, line, column
// and YAML path; unknown keys are errors.

#include <string>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "config/env.hpp"

namespace ccd::config {

/// Loads and validates a file. Throws ConfigError listing every problem.
DaemonConfigPtr loadDaemonConfig(const std::string& path, const EnvLookup& env = processEnv());

/// Parses YAML text that came from `file` (used for positions and for resolving relative
/// paths against the file's folder). Throws ConfigError.
DaemonConfigPtr parseDaemonConfig(const std::string& text, const std::string& file,
                                  const EnvLookup& env = processEnv());

}  // namespace ccd::config
