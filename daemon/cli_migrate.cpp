#include "daemon/cli_migrate.hpp"

#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "daemon/cli_database.hpp"
#include "daemon/pg_connect_options.hpp"
#include "daemon/store/postgres/pg_schema.hpp"
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

// The configured database's schema: where it is (for the operator), its version, what this ccd
// would apply, and how to apply it.
struct Schema {
    std::string where;
    bool exists = true;
    int current = 0;
    int latest = 0;
    std::vector<std::pair<int, std::string>> pending;  // version, SQL
    std::function<int()> apply;                        // returns the exit code
};

// SQLite: the file is read without being created; the store's own opening migrates it.
std::optional<Schema> sqliteSchema(const config::DaemonConfig& cfg, std::ostream& err) {
    Schema s;
    s.where = cfg.storage.sqlite.path;
    s.latest = store::sqlite::latestSchemaVersion();
    s.exists = std::filesystem::exists(s.where);
    if (s.exists) {
        try {
            store::sqlite::Connection db(s.where, /*create=*/false);
            s.current = store::sqlite::schemaVersion(db);
        } catch (const std::exception& e) {
            err << "ccd: cannot open " << s.where << ": " << e.what() << "\n";
            return std::nullopt;
        }
    }
    for (int v = s.current + 1; v <= s.latest; ++v)
        s.pending.emplace_back(v, store::sqlite::migrationSql(v));
    s.apply = [&cfg, &err] {
        try {
            // The store's own opening: it creates, locks, checks and migrates the file.
            store::sqlite::SqliteStore store(
                store::sqlite::SqliteStoreOptions{cfg.storage.sqlite.path,
                                                  cfg.storage.sqlite.max_batch,
                                                  cfg.storage.sqlite.busy_timeout},
                nullptr);
            store.close();
        } catch (const store::sqlite::StoreOpenError& e) {
            err << "ccd: " << e.what() << "\n";
            return kExitStore;
        }
        return kExitOk;
    };
    return s;
}

// PostgreSQL: pg_schema's migrations, each in its own transaction under its advisory lock, so
// that this may run beside daemons starting on the same database.
Schema pgSchema(store::postgres::Connection& db, std::ostream& err) {
    Schema s;
    s.where = std::string("PostgreSQL database ") + PQdb(db.handle());
    s.latest = store::postgres::latestSchemaVersion();
    s.current = store::postgres::schemaVersion(db);
    if (s.current > s.latest) return s;  // refused below, as SQLite's
    for (auto& m : store::postgres::pendingMigrations(db)) s.pending.emplace_back(m.version, m.sql);
    s.apply = [&db, &err] {
        try {
            store::postgres::migrate(db);
        } catch (const std::exception& e) {
            err << "ccd: a migration failed, nothing of it was kept: " << e.what() << "\n";
            return kExitFailure;
        }
        return kExitOk;
    };
    return s;
}

int migrateSchema(const Schema& s, bool dry_run, std::ostream& out, std::ostream& err) {
    if (s.current > s.latest) {
        err << "ccd: " << s.where << " has schema version " << s.current
            << ", newer than this ccd knows (" << s.latest << "): upgrade ccd\n";
        return kExitFailure;
    }
    if (s.pending.empty()) {
        out << s.where << ": schema version " << s.current << ", up to date\n";
        return kExitOk;
    }
    if (dry_run) {
        out << s.where << ": schema version " << s.current
            << (s.exists ? "" : " (no database yet)") << "; " << s.pending.size()
            << " migration(s) to apply, up to version " << s.latest << "\n";
        for (const auto& [version, sql] : s.pending)
            out << "-- migration " << version << "\n" << sql << "\n";
        return kExitOk;
    }
    if (int code = s.apply(); code != kExitOk) return code;
    out << s.where << ": applied " << s.pending.size() << " migration(s), schema version "
        << s.current << " -> " << s.latest << "\n";
    return kExitOk;
}

}  // namespace

int runMigrate(const std::string& config_path, bool dry_run, std::ostream& out,
               std::ostream& err) {
    auto cfg = loadDatabaseConfig(config_path, err);
    if (!cfg) return kExitInvalid;
    if (cfg->storage.driver == config::StorageDriver::Postgres) {
        std::unique_ptr<store::postgres::Connection> db;
        try {
            db = std::make_unique<store::postgres::Connection>(pgConnectOptions(cfg->storage));
            return migrateSchema(pgSchema(*db, err), dry_run, out, err);
        } catch (const std::exception& e) {
            err << "ccd: " << e.what() << "\n";
            return kExitStore;
        }
    }
    auto schema = sqliteSchema(*cfg, err);
    return schema ? migrateSchema(*schema, dry_run, out, err) : kExitStore;
}

}  // namespace ccd::daemon
