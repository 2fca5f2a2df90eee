#pragma once
// The real `ccd` binary in integration tests: a temp copy of the shipped configuration for the
// test to edit, the daemon started on free ports (read back from its `listening on` log lines)
// and stopped with SIGTERM; a child process fed on standard input (`ccd agent passwd`); one
// HTTP request with a timeout. Failures throw std::runtime_error with what went wrong, the
// daemon's log included, so that any test framework reports them.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ccd::testing {

/// The whole file ("" when it cannot be read).
std::string readFile(const std::filesystem::path& path);
/// Replaces the file's content; throws when it cannot be written.
void writeFile(const std::filesystem::path& path, const std::string& text);
/// Replaces the first line that starts with `prefix` by `line`; throws when there is none, so
/// that a change to a shipped file breaks the test that edits it, loudly.
std::string replaceLine(const std::string& text, const std::string& prefix,
                        const std::string& line);

/// Copies `root`/config/*.yaml and *.jsonl (the classifier's corpus) to `dir`/config and `root`/templates/default to
/// `dir`/templates/default (ccd.yaml names the templates relative to its own folder).
void copyShippedConfig(const std::filesystem::path& root, const std::filesystem::path& dir);

/// copyShippedConfig, then the text of `dir`/config/ccd.yaml for a test (not yet written back):
/// both listeners on free ports, the database in `dir`, the console page from `root`.
std::string shippedConfigForTest(const std::filesystem::path& root, const std::filesystem::path& dir);

/// Runs `args` (args[0] is the program's path) with `input` on standard input and its output
/// appended to `log`; returns the exit status (128 + signal when killed).
int runWithInput(const std::vector<std::string>& args, const std::string& input,
                 const std::string& log);

/// Writes `config_dir`/agents.yaml with `accounts` (name, role; skills [general], language en)
/// and sets each one's password with `ccd agent passwd` (output to `log`); throws on failure.
void writeAccounts(const std::string& binary, const std::filesystem::path& ccd_yaml,
                   const std::vector<std::pair<std::string, std::string>>& accounts,
                   const std::string& password, const std::string& log);

/// `ccd agent passwd NAME --config CCD_YAML` with `password`, output appended to `log`: the
/// quoted argon2id hash it wrote to `data_dir`/passwords.yaml, for accounts' password_hash.
/// Throws with the output when it fails.
std::string passwordHash(const std::string& binary, const std::filesystem::path& ccd_yaml,
                         const std::filesystem::path& data_dir, const std::string& name,
                         const std::string& password, const std::string& log);

/// The answer to one HTTP request; status 0 when there was none (`text` says why).
struct HttpResult {
    int status = 0;
    nlohmann::json body;  ///< discarded when the body is not JSON
    std::string text;
    std::string content_type;
};

/// One request to 127.0.0.1:`port` on a fresh connection; gives up after `timeout`. A body is
/// sent as application/json; a token as `Authorization: Bearer`.
HttpResult httpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {}, const std::string& token = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

/// `ccd run --config FILE`, output to a log file. Not thread-safe.
class CcdProcess {
  public:
    CcdProcess(std::string binary, std::string config_path, std::string log_path);
    /// Stops the daemon if it still runs (SIGTERM, then SIGKILL).
    ~CcdProcess();
    CcdProcess(const CcdProcess&) = delete;
    CcdProcess& operator=(const CcdProcess&) = delete;

    /// Starts the daemon and waits until it logged its HTTP and console listeners (the
    /// configuration should listen on port 0). Throws, with the log, when it exits or does not
    /// get there in time. The child gets SIGKILL if the test process dies.
    void start(std::chrono::milliseconds timeout = std::chrono::seconds(120));
    /// SIGTERM, then waits up to `timeout` for it to exit. Empty when it exited with status 0;
    /// otherwise what went wrong (it exited during the test, with an error, or had to be
    /// killed).
    std::string stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));

    /// Sends `signo` (SIGHUP: reload) to the running daemon; throws when it is not running.
    void signal(int signo);

    std::uint16_t httpPort() const { return http_port_; }
    std::uint16_t consolePort() const { return console_port_; }
    const std::string& logPath() const { return log_path_; }
    std::string log() const { return readFile(log_path_); }

  private:
    std::string binary_;
    std::string config_path_;
    std::string log_path_;
    pid_t pid_ = -1;
    std::uint16_t http_port_ = 0;
    std::uint16_t console_port_ = 0;
};

}  // namespace ccd::testing
