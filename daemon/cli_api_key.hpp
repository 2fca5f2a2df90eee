#pragma once
// `ccd api-key create CLIENT | list | revoke KEY_ID [--config FILE]`: the keys API clients
// send as `Authorization: Bearer`. A new key is printed once; the store keeps only its hash, in
// the database beside the other runtime state (never in a tracked file). Works while a daemon
// runs on the database: the daemon picks a new key up at its first use.

#include <iosfwd>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `api-key` command group of the command line.
class ApiKeyCommand {
public:
    /// Adds the commands to `app`; `config_path` must outlive the command.
    ApiKeyCommand(CLI::App& app, std::string& config_path);
    bool selected() const;
    /// Runs it; returns the process exit code (0, 1 store failure, 2 usage, 3 invalid
    /// configuration, 4 store cannot be opened).
    int run() const;

private:
    struct Options;
    CLI::App* group_ = nullptr;
    CLI::App* create_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* revoke_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<Options> options_;
};

/// Creates a key for `client` in the store of the ccd.yaml at `config_path`; prints the key to
/// `out`. Exit code as ApiKeyCommand::run.
int createApiKey(const std::string& client, const std::string& config_path, std::ostream& out,
                 std::ostream& err);

}  // namespace ccd::daemon
