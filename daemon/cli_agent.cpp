#include "daemon/cli_agent.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "config/agents_config_parser.hpp"
#include "config/agents_passwords.hpp"
#include "config/daemon_config_parser.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/mfa.hpp"
#include "daemon/state_file.hpp"

namespace ccd::daemon {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 3;
constexpr std::size_t kMinPassword = 8;
constexpr std::size_t kMaxPassword = 1024;  // as POST /v1/auth/login accepts

void wipe(std::string& s) {
    std::fill(s.begin(), s.end(), '\0');
    s.clear();
}

// One line from `fd` without its line end; false on end of input before any byte.
bool readLine(int fd, std::string& out) {
    out.clear();
    char c = 0;
    bool any = false;
    for (;;) {
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return any;
        any = true;
        if (c == '\n') break;
        out.push_back(c);
    }
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
}

// Asks on the terminal with echo off.
bool promptHidden(int fd, const char* prompt, std::string& out) {
    std::cerr << prompt << std::flush;
    termios old{};
    bool restore = ::tcgetattr(fd, &old) == 0;
    if (restore) {
        termios quiet = old;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    bool ok = readLine(fd, out);
    if (restore) ::tcsetattr(fd, TCSAFLUSH, &old);
    return ok;
}

std::optional<std::string> readPassword(const std::string& name) {
    std::string first, second;
    if (::isatty(STDIN_FILENO)) {
        std::string prompt = "New password for " + name + ": ";
        if (!promptHidden(STDIN_FILENO, prompt.c_str(), first) ||
            !promptHidden(STDIN_FILENO, "Repeat it: ", second)) {
            std::cerr << "ccd: no password entered\n";
            return std::nullopt;
        }
        bool same = first == second;
        wipe(second);
        if (!same) {
            wipe(first);
            std::cerr << "ccd: the passwords differ; nothing changed\n";
            return std::nullopt;
        }
    } else if (!readLine(STDIN_FILENO, first)) {
        std::cerr << "ccd: no password on standard input\n";
        return std::nullopt;
    }
    if (first.size() < kMinPassword || first.size() > kMaxPassword) {
        wipe(first);
        std::cerr << "ccd: a password has " << kMinPassword << " to " << kMaxPassword
                  << " bytes; nothing changed\n";
        return std::nullopt;
    }
    return first;
}

}  // namespace

AgentCommand::AgentCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), name_(std::make_shared<std::string>()) {
    agent_ = app.add_subcommand("agent", "Manage agent accounts (config/agents.yaml; passwords in the data directory)");
    agent_->require_subcommand(1);
    passwd_ = agent_->add_subcommand(
        "passwd",
        "Set an account's password: asks twice on a terminal, else reads one line from stdin");
    passwd_->add_option("name", *name_, "Account name in agents.yaml")->required();
    passwd_->add_option("-c,--config", config_path, "Configuration file (names agents.yaml)")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    auto* mfa = agent_->add_subcommand("mfa", "Multi-factor authentication of an account");
    mfa->require_subcommand(1);
    mfa_reset_ = mfa->add_subcommand(
        "reset", "Remove an account's MFA (lost device): the password alone logs in until it "
                 "enrols again");
    mfa_reset_->add_option("name", *name_, "Account name in agents.yaml")->required();
    mfa_reset_->add_option("-c,--config", config_path, "Configuration file (names agents.yaml)")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
}

bool AgentCommand::selected() const { return agent_ && agent_->parsed(); }

int AgentCommand::run() const {
    if (passwd_->parsed()) return setAgentPassword(*config_path_, *name_);
    if (mfa_reset_->parsed()) return resetAgentMfa(*config_path_, *name_);
    return kExitUsage;
}

int setAgentPassword(const std::string& config_path, const std::string& name) {
    std::string passwords_path;
    try {
        auto cfg = config::loadDaemonConfig(config_path);
        if (cfg->agents_path.empty()) {
            std::cerr << "ccd: " << config_path
                      << " names no agents file (agents:) and there is no agents.yaml beside it\n";
            return kExitConfig;
        }
        passwords_path = cfg->passwords_path;
        // Both files are checked: the passwords file is rewritten whole from what it holds.
        auto agents = config::loadAgentsWithPasswords(cfg->agents_path, passwords_path);
        if (!agents->find(name)) {
            std::cerr << "ccd: " << cfg->agents_path << " has no account named \"" << name
                      << "\"\n";
            return kExitUsage;
        }
    } catch (const config::ConfigError& e) {
        std::cerr << e.what();
        return kExitConfig;
    }

    auto password = readPassword(name);
    if (!password) return kExitUsage;
    std::string hash = console::AuthService::hashPassword(*password);
    wipe(*password);

    int rc = kExitOk;
    try {
        StateFolderLock lock(passwords_path);  // one editor at a time
        auto hashes = config::loadPasswords(passwords_path);  // again, under the lock
        hashes[name] = hash;
        writeStateFile(passwords_path, config::formatPasswords(hashes));
        std::cerr << "ccd: password of \"" << name << "\" set in " << passwords_path
                  << "; a running daemon applies it within seconds (or on SIGHUP)\n";
    } catch (const config::ConfigError& e) {
        std::cerr << e.what();
        rc = kExitConfig;
    } catch (const std::exception& e) {
        std::cerr << "ccd: " << e.what() << '\n';
        rc = kExitFailure;
    }
    return rc;
}

int resetAgentMfa(const std::string& config_path, const std::string& name) {
    std::string file;
    try {
        auto cfg = config::loadDaemonConfig(config_path);
        file = cfg->mfa.file;
        auto agents = cfg->agents_path.empty()
                          ? std::make_shared<config::AgentsConfig>()
                          : config::loadAgentsWithPasswords(cfg->agents_path, cfg->passwords_path);
        bool had = console::MfaService::reset(file, name);
        if (had) {
            std::cerr << "ccd: MFA of \"" << name << "\" removed from " << file
                      << "; the password alone logs in until the account enrols again\n";
            return kExitOk;
        }
        if (!agents->find(name)) {
            std::cerr << "ccd: there is no account named \"" << name << "\"\n";
            return kExitUsage;
        }
        std::cerr << "ccd: \"" << name << "\" has no MFA (" << file << "); nothing changed\n";
        return kExitOk;
    } catch (const config::ConfigError& e) {
        std::cerr << e.what();
        return kExitConfig;
    } catch (const std::exception& e) {
        std::cerr << "ccd: " << e.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace ccd::daemon
