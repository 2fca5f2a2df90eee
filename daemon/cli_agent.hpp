#pragma once
// `ccd agent passwd NAME`: sets an account's password in agents.yaml. On a terminal it asks twice
// without echo; otherwise it reads one line from standard input. Only that account's
// password_hash changes in the file (comments and layout stay), written atomically
// (temp file + rename).

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `agent` command group of the command line.
class AgentCommand {
public:
    /// Adds `agent passwd NAME [--config FILE]` to `app`; `config_path` holds the default.
    AgentCommand(CLI::App& app, std::string& config_path);

    /// Whether the command line chose this command (after parsing).
    bool selected() const;
    /// Runs it; returns the process exit code (0 ok, 1 failure, 2 usage, 3 invalid config).
    int run() const;

private:
    CLI::App* agent_ = nullptr;
    CLI::App* passwd_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<std::string> name_;
};

/// Sets the password of account `name` (of the agents file that the ccd.yaml at `config_path`
/// names) in the passwords file of the data directory (config/agents_passwords.hpp); the
/// agents file itself is not changed.
/// Reads the password as described above. Messages go to stderr; returns the exit code.
int setAgentPassword(const std::string& config_path, const std::string& name);

}  // namespace ccd::daemon
