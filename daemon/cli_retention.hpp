#pragma once
// `ccd retention run [--dry-run] [--now TIME] [--config FILE]`: runs the retention job now
// (docs/security.md, "Retention") on the database of the configuration, in batches of
// `retention.batch` rows per transaction, so that a running daemon's writes go between them.
// `--now` pretends the run happens at another time (tests, and to see what a date would remove).

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `retention` command group of the command line.
class RetentionCommand {
public:
    /// Adds `retention run` to `app`; `config_path` must outlive the command.
    RetentionCommand(CLI::App& app, std::string& config_path);

    bool selected() const;
    /// Runs it; returns the process exit code.
    int run() const;

private:
    struct Options;
    CLI::App* group_ = nullptr;
    CLI::App* run_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<Options> options_;
};

/// Runs the retention of the ccd.yaml at `config_path` at `now` (RFC 3339; empty: now) and
/// prints what it removed (or, `dry_run`, would remove). Exit codes: 0 done, 1 the store failed
/// (the batches committed before stay), 2 a malformed --now, 3 an invalid configuration, 4 the
/// store cannot be opened.
int runRetention(const std::string& config_path, bool dry_run, const std::string& now,
                 std::ostream& out, std::ostream& err);

}  // namespace ccd::daemon
