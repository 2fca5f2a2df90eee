#pragma once
// Environment lookup for `${NAME}` references, injectable so tests need no real environment.

#include <functional>
#include <optional>
#include <string>

namespace ccd::config {

/// Returns the variable's value, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Looks variables up in the process environment (getenv).
EnvLookup processEnv();

}  // namespace ccd::config
