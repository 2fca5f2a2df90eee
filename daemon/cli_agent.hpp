#pragma once
// `ccd agent passwd NAME`: sets an account's password in the data directory's passwords file.
// On a terminal it asks twice without echo; otherwise it reads one line from standard input.
// Written atomically (temp file + rename).
// `ccd agent mfa reset NAME`: removes an account's MFA (a lost phone and no recovery code left):
// they log in with the password alone, and enrol again (at once when the policy requires MFA).

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
    CLI::App* mfa_reset_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<std::string> name_;
};

/// Sets the password of account `name` (of the agents file that the ccd.yaml at `config_path`
/// names) in the passwords file of the data directory (config/agents_passwords.hpp); the
/// agents file itself is not changed.
/// Reads the password as described above. Messages go to stderr; returns the exit code.
int setAgentPassword(const std::string& config_path, const std::string& name);

/// Removes the MFA of account `name` from the MFA file that the ccd.yaml at `config_path` names
/// (`mfa.file`, by default mfa.yaml in the data directory); a running daemon applies it at the
/// account's next login. Messages go to stderr; returns the exit code (0 also when the account
/// had no MFA).
int resetAgentMfa(const std::string& config_path, const std::string& name);

}  // namespace ccd::daemon
