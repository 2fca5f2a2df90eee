#pragma once
// One ICU MessageFormat pattern, checked against the documented context when it is compiled and
// formatted with named arguments for a locale and a time zone.
//
// Date and time arguments ({first_response_due, time, short}, at any depth) are formatted by
// their own DateFormat in the caller's time zone: at compile time each one is replaced by a
// plain argument whose value is the formatted instant. Everything else is ICU's MessageFormat.

#include <optional>
#include <string>
#include <vector>

#include <unicode/locid.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include "templates/value.hpp"

namespace ccd::templates {

/// A problem found while compiling a pattern.
struct PatternIssue {
    std::string message;
    /// Code points from the start of the pattern to the problem, when known.
    std::optional<std::size_t> offset;
};

/// A compiled, validated pattern. Immutable; format() may be called from any thread at once.
class Pattern {
public:
    /// The empty pattern: formats to "".
    Pattern() = default;

    /// Compiles `source` (UTF-8). Checks the MessageFormat syntax, that every argument is a
    /// named variable of the context (templates/variables.hpp) and that it is used in a way its
    /// type allows (select needs text, plural a number, date/time an instant). Returns nullopt
    /// and appends every problem to `issues` when invalid.
    static std::optional<Pattern> compile(const std::string& source,
                                          std::vector<PatternIssue>& issues);

    /// The pattern as written.
    const std::string& source() const { return source_; }
    /// The variables it uses, sorted, each once.
    const std::vector<std::string>& variables() const { return variables_; }

    /// Formats with `vars` for `locale` in `zone`. With `escape_html`, text values are
    /// HTML-escaped (the pattern itself is trusted markup). Returns false and sets `error` when a
    /// variable is missing or has a value of the wrong type. Never throws.
    bool format(const icu::Locale& locale, const icu::TimeZone& zone, const Vars& vars,
                bool escape_html, std::string& out, std::string& error) const;

private:
    enum class TimeKind { Date, Time, DateTime };
    struct TimeArg {
        icu::UnicodeString arg;  ///< the plain argument that replaced it: "ccd_time_0"
        std::string variable;
        TimeKind kind;
        icu::UnicodeString style;  ///< "", "short", ..., a pattern or a "::" skeleton
    };

    static bool checkTimeStyle(const TimeArg& arg, std::string& error);
    static std::string formatTime(const TimeArg& arg, const icu::Locale& locale,
                                  const icu::TimeZone& zone, double millis, bool& ok);

    std::string source_;
    icu::UnicodeString rewritten_;
    std::vector<TimeArg> time_args_;
    std::vector<std::string> variables_;
};

/// Escapes & < > " ' for HTML text and attribute values.
std::string escapeHtml(const std::string& text);

}  // namespace ccd::templates
