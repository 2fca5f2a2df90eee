#pragma once
// Configuration problems with their position: file, line, column and YAML path.

#include <stdexcept>
#include <string>
#include <vector>

namespace ccd::config {

/// One problem found in a configuration file.
struct ConfigIssue {
    std::string file;
    int line = 0;    ///< 1-based; 0 when unknown
    int column = 0;  ///< 1-based; 0 when unknown
    std::string path;  ///< YAML path: "storage.sqlite.path", "rules[3].when"
    std::string message;

    /// "config/ccd.yaml:12:7: storage.sqlite.path: expected a string"
    std::string format() const;
};

/// Thrown by the loaders when a file has problems. what() lists them all, one per line.
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(std::vector<ConfigIssue> issues);
    const std::vector<ConfigIssue>& issues() const { return issues_; }

private:
    std::vector<ConfigIssue> issues_;
};

/// The whole text of a configuration file; throws ConfigError naming the file when it cannot
/// be read.
std::string readConfigFile(const std::string& path);

}  // namespace ccd::config
