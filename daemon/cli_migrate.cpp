#include "daemon/cli_migrate.hpp"

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "daemon/cli_database.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {

MigrateCommand::MigrateCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), dry_run_(std::make_shared<bool>(false)) {
    command_ = app.add_subcommand(
        "migrate",
        "Apply the database schema migrations this ccd has and the database lacks (the daemon "
        "also applies them at its start); --dry-run shows them instead");
    command_->add_option("-c,--config", config_path, "Configuration file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    command_->add_flag("--dry-run", *dry_run_,
                       "Show the schema version and each pending migration's SQL; change nothing");
}

bool MigrateCommand::selected() const { return command_ && command_->parsed(); }

int MigrateCommand::run() const { return runMigrate(*config_path_, *dry_run_, std::cout, std::cerr); }

namespace {

void showPending(int from, std::ostream& out) {
    for (int v = from + 1; v <= store::sqlite::latestSchemaVersion(); ++v)
        out << "-- migration " << v << "\n" << store::sqlite::migrationSql(v) << "\n";
}

}  // namespace

int runMigrate(const std::string& config_path, bool dry_run, std::ostream& out,
               std::ostream& err) {
    auto cfg = loadSqliteConfig(config_path, "migrate", err);
    if (!cfg) return kExitInvalid;
    const auto& path = cfg->storage.sqlite.path;
    const int latest = store::sqlite::latestSchemaVersion();
    int current = 0;
    if (std::filesystem::exists(path)) {
        try {
            store::sqlite::Connection db(path, /*create=*/false);
            current = store::sqlite::schemaVersion(db);
        } catch (const std::exception& e) {
            err << "ccd: cannot open " << path << ": " << e.what() << "\n";
            return kExitStore;
        }
    }
    if (current > latest) {
        err << "ccd: " << path << " has schema version " << current
            << ", newer than this ccd knows (" << latest << "): upgrade ccd\n";
        return kExitFailure;
    }
    if (current == latest) {
        out << path << ": schema version " << current << ", up to date\n";
        return kExitOk;
    }
    if (dry_run) {
        out << path << ": schema version " << current
            << (current == 0 && !std::filesystem::exists(path) ? " (no database yet)" : "")
            << "; " << latest - current << " migration(s) to apply, up to version " << latest
            << "\n";
        showPending(current, out);
        return kExitOk;
    }
    try {
        // The store's own opening: it creates, locks, checks and migrates the file.
        store::sqlite::SqliteStore store(
            store::sqlite::SqliteStoreOptions{path, cfg->storage.sqlite.max_batch,
                                              cfg->storage.sqlite.busy_timeout},
            nullptr);
        store.close();
    } catch (const store::sqlite::StoreOpenError& e) {
        err << "ccd: " << e.what() << "\n";
        return kExitStore;
    }
    out << path << ": applied " << latest - current << " migration(s), schema version "
        << current << " -> " << latest << "\n";
    return kExitOk;
}

}  // namespace ccd::daemon
