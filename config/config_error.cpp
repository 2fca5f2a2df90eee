#include "config/config_error.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

std::string readConfigFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError({ConfigIssue{path, 0, 0, "",
                                       std::string("cannot read the file: ") + std::strerror(errno)}});
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace ccd::config
