#pragma once
// `ccd migrate`: the store's schema migrations, shown (--dry-run) or applied now rather than at
// the daemon's next start.

#include <iosfwd>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

class MigrateCommand {
public:
    /// Adds `migrate` to `app`; `config_path` must outlive the command.
    MigrateCommand(CLI::App& app, std::string& config_path);

    bool selected() const;
    /// Runs it; returns the process exit code.
    int run() const;

private:
    CLI::App* command_ = nullptr;
    std::string* config_path_ = nullptr;
    std::shared_ptr<bool> dry_run_;
};

/// Shows (`dry_run`: the version, then each pending migration's SQL) or applies the migrations
/// the configured database lacks: the SQLite file's (store/sqlite/schema) or the PostgreSQL
/// database's (store/postgres/pg_schema). Exit codes: 0 done (or nothing to do), 1 a migration
/// failed (nothing of it is kept) or the database is newer than this ccd, 3 an invalid
/// configuration, 4 the database cannot be opened (SQLite: a running daemon holds it, and it
/// migrated at its start; PostgreSQL: the server cannot be reached or refuses).
int runMigrate(const std::string& config_path, bool dry_run, std::ostream& out,
               std::ostream& err);

}  // namespace ccd::daemon
