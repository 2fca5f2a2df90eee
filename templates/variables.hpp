#pragma once
// The documented context of the reply templates: every variable a template may use, with its
// type. A template naming anything else is rejected when the catalog is loaded. The list and its
// types are documented in docs/templates.md; keep both in step.

#include <string_view>
#include <vector>

namespace ccd::templates {

/// What a variable holds, which decides the MessageFormat arguments it may appear in.
enum class VarType {
    String,   ///< text: {name} or {name, select, ...}
    Number,   ///< a number: {name}, {name, number}, {name, plural, ...}
    Minutes,  ///< a whole number of minutes; a duration value is converted (rounded up)
    Time,     ///< an instant: {name, time, short}, {name, date, long}, {name} (date and time)
};

/// "string", "number", "minutes", "time".
std::string_view toString(VarType type);

/// One variable of the context.
struct VariableSpec {
    std::string_view name;         ///< the ICU argument name, e.g. "first_response_due"
    VarType type;
    std::string_view description;  ///< one line for docs and the console
};

/// Every variable of the documented context, in documentation order.
const std::vector<VariableSpec>& contextVariables();

/// The variable named `name`, or null when the context has none.
const VariableSpec* findVariable(std::string_view name);

}  // namespace ccd::templates
