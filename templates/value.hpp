#pragma once
// The values a template is rendered with. Values are always passed to ICU as MessageFormat
// arguments, never spliced into a pattern: customer text such as "{ticket}" or "'" renders as
// written.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "routing/model.hpp"

namespace ccd::templates {

/// One variable's value: text, an integer, a number, an instant or a duration.
using Value = std::variant<std::string, std::int64_t, double, routing::TimePoint,
                           std::chrono::milliseconds>;

/// Variables by name (see templates/variables.hpp for the names and their types).
using Vars = std::map<std::string, Value>;

}  // namespace ccd::templates
