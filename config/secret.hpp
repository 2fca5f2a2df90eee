#pragma once
// A configuration value that must never be logged (passwords, tokens, DSNs).

#include <ostream>
#include <string>

namespace ccd::config {

/// Holds a secret resolved from the YAML (usually a `${ENV_VAR}` reference).
/// Printing it shows only where it came from, never the value.
class Secret {
public:
    Secret() = default;
    Secret(std::string value, std::string origin)
        : value_(std::move(value)), origin_(std::move(origin)) {}

    /// The secret itself: pass it to the library that needs it, never to a logger.
    const std::string& reveal() const { return value_; }
    /// "${CCD_PG_DSN}" or "inline": safe to log.
    const std::string& origin() const { return origin_; }
    bool empty() const { return value_.empty(); }

    friend std::ostream& operator<<(std::ostream& os, const Secret& s) {
        return os << "<secret from " << s.origin_ << ">";
    }

private:
    std::string value_;
    std::string origin_;
};

}  // namespace ccd::config
