#include "config/config_error.hpp"

namespace ccd::config {
namespace {

std::string formatAll(const std::vector<ConfigIssue>& issues) {
    std::string out;
    for (const auto& i : issues) {
        out += i.format();
        out += '\n';
    }
    return out;
}

}  // namespace

std::string ConfigIssue::format() const {
    std::string out = file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) out += ':' + std::to_string(column);
    }
    out += ": ";
    if (!path.empty()) out += path + ": ";
    out += message;
    return out;
}

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(formatAll(issues)), issues_(std::move(issues)) {}

}  // namespace ccd::config
