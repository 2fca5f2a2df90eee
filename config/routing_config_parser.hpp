#pragma once
// Reads config/routing.yaml into a RoutingConfig: every problem with file, line, column and
// YAML path; unknown keys, dangling references (a queue overflowing to a queue that does not
// exist, a policy naming a missing calendar), bad time zones and impossible SLA values.

#include <string>

#include "config/config_error.hpp"
#include "config/env.hpp"
#include "routing/routing_config.hpp"

namespace ccd::config {

/// Loads and validates a file. Throws ConfigError listing every problem.
routing::RoutingConfigPtr loadRoutingConfig(const std::string& path);

/// Parses YAML text that came from `file`. Throws ConfigError.
routing::RoutingConfigPtr parseRoutingConfig(const std::string& text, const std::string& file);

}  // namespace ccd::config
