#pragma once
// `ccd report <report> --from DATE --to DATE [--group-by day,queue] [--queue Q ...] [--csv]`:
// a KPI report (docs/kpis.md) read from the store that ccd.yaml names (the SQLite file or the
// PostgreSQL server), in the time zone of routing.yaml's default calendar. It reads only, without
// the daemon's lock, so it works while the daemon runs (SQLite's WAL lets a reader in beside the
// writer; PostgreSQL takes any number of clients).

#include <iosfwd>
#include <map>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `report` command of the command line.
class ReportCommand {
public:
    /// Adds `report` to `app`; `config_path` must outlive the command.
    ReportCommand(CLI::App& app, std::string& config_path);
    bool selected() const;
    /// Runs it; returns the process exit code (0, 2 bad parameters, 3 bad configuration,
    /// 4 the store cannot be read).
    int run() const;

private:
    struct Options;
    CLI::App* report_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<Options> options_;
};

/// The report `name` with `params` (as GET /v1/reports/<name> takes them) from the store of the
/// ccd.yaml at `config_path`, as a table (or CSV) on `out`; problems on `err`.
int printReport(const std::string& config_path, const std::string& name,
                const std::map<std::string, std::string>& params, bool csv, std::ostream& out,
                std::ostream& err);

}  // namespace ccd::daemon
