#include "daemon/cli_database.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "daemon/pg_connect_options.hpp"
#include "daemon/store/postgres/pg_schema.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::daemon {

config::DaemonConfigPtr loadDatabaseConfig(const std::string& path, std::ostream& err) {
    try {
        return config::loadDaemonConfig(path);
    } catch (const config::ConfigError& e) {
        err << e.what();
        return nullptr;
    }
}

config::DaemonConfigPtr loadSqliteConfig(const std::string& path, const std::string& command,
                                         std::ostream& err) {
    auto cfg = loadDatabaseConfig(path, err);
    if (cfg && cfg->storage.driver != config::StorageDriver::Sqlite) {
        err << "ccd: " << command << " works on the SQLite store only\n";
        return nullptr;
    }
    return cfg;
}

namespace {

std::unique_ptr<CliDatabase> openPostgres(const config::DaemonConfig& cfg, std::ostream& err) {
    try {
        auto db = std::make_unique<store::postgres::Connection>(pgConnectOptions(cfg.storage));
        store::postgres::migrate(*db);
        return std::make_unique<CliDatabase>(std::move(db));
    } catch (const std::exception& e) {
        err << "ccd: cannot open the PostgreSQL database: " << e.what() << "\n";
        return nullptr;
    }
}

}  // namespace

std::unique_ptr<CliDatabase> openDatabase(const config::DaemonConfig& cfg, std::ostream& err) {
    if (cfg.storage.driver == config::StorageDriver::Postgres) return openPostgres(cfg, err);
    const auto& path = cfg.storage.sqlite.path;
    try {
        store::sqlite::SqliteStore migrate(
            store::sqlite::SqliteStoreOptions{path, cfg.storage.sqlite.max_batch,
                                              cfg.storage.sqlite.busy_timeout},
            nullptr);
        migrate.close();
    } catch (const store::sqlite::StoreOpenError& e) {
        if (std::string(e.what()).find("locked by another") == std::string::npos) {
            err << "ccd: " << e.what() << "\n";
            return nullptr;
        }
    }
    try {
        auto db = std::make_unique<store::sqlite::Connection>(path, /*create=*/false);
        sqlite3_busy_timeout(db->handle(), static_cast<int>(cfg.storage.sqlite.busy_timeout.count()));
        auto version = std::stoi(db->queryText("PRAGMA user_version").value_or("0"));
        if (version != store::sqlite::latestSchemaVersion()) {
            err << "ccd: " << path << " has schema version " << version << "; this ccd needs "
                << store::sqlite::latestSchemaVersion() << " (restart the daemon to migrate it)\n";
            return nullptr;
        }
        return std::make_unique<CliDatabase>(std::move(db));
    } catch (const std::exception& e) {
        err << "ccd: cannot open " << path << ": " << e.what() << "\n";
        return nullptr;
    }
}

void inWriteTransaction(store::sqlite::Connection& db, const std::function<void()>& work) {
    db.exec("BEGIN IMMEDIATE");
    try {
        work();
        db.exec("COMMIT");
    } catch (...) {
        try {
            db.exec("ROLLBACK");
        } catch (...) {
        }
        throw;
    }
}

void inWriteTransaction(store::postgres::Connection& db, const std::function<void()>& work) {
    db.transaction([&](store::postgres::Connection&) { work(); });
}

AuditActor cliActor() {
    std::string name;
    if (const char* user = std::getenv("USER"); user && *user) name = user;
    if (name.empty()) {
        if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) name = pw->pw_name;
    }
    if (name.empty()) name = "uid " + std::to_string(::getuid());
    return {"cli", name, {}};
}

}  // namespace ccd::daemon
