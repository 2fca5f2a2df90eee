#pragma once
// What the commands that write to the database beside a running daemon share (`api-key`,
// `contacts erase`, `contacts export`, `retention run`): the configured store's database opened
// for short transactions (the SQLite file, whose WAL lets them run between the daemon's
// commits, or the PostgreSQL server), and who acts, for the audit log.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <variant>

#include "config/daemon_config.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::daemon {

/// Exit codes of the commands that work on the database (documented with each command).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   ///< the store failed
constexpr int kExitUsage = 2;     ///< a malformed argument
constexpr int kExitInvalid = 3;   ///< an invalid configuration or input file
constexpr int kExitStore = 4;     ///< the store cannot be opened
constexpr int kExitNotFound = 5;  ///< no such object

/// Loads ccd.yaml; null, with the reason on `err`, when it is invalid.
config::DaemonConfigPtr loadDatabaseConfig(const std::string& path, std::ostream& err);

/// Loads ccd.yaml for `command` (named in errors); null, with the reason on `err`, when it is
/// invalid or names another store than SQLite.
config::DaemonConfigPtr loadSqliteConfig(const std::string& path, const std::string& command,
                                         std::ostream& err);

/// The configured store's connection: SQLite's or PostgreSQL's. The stores' functions by subject
/// (store/sqlite/sqlite_audit.hpp and store/postgres/pg_audit.hpp, ...) have the same names and
/// signatures, each on its own connection type: a command written once as a generic lambda
/// calls them unqualified and argument-dependent lookup picks the store's.
class CliDatabase {
public:
    explicit CliDatabase(std::unique_ptr<store::sqlite::Connection> db) : db_(std::move(db)) {}
    explicit CliDatabase(std::unique_ptr<store::postgres::Connection> db) : db_(std::move(db)) {}

    /// `fn(connection)` on the store's connection type; both calls must return the same type.
    template <class F>
    decltype(auto) visit(F&& fn) {
        return std::visit([&](auto& db) -> decltype(auto) { return fn(*db); }, db_);
    }

private:
    std::variant<std::unique_ptr<store::sqlite::Connection>,
                 std::unique_ptr<store::postgres::Connection>>
        db_;
};

/// Opens the configured store's database for short writes: migrated first (SQLite: when no
/// daemon holds the file, a fresh checkout; PostgreSQL: always, which waits for a daemon
/// migrating it), else as the running daemon keeps it. Null, with the reason on `err`, when
/// it cannot or its schema is not this ccd's.
std::unique_ptr<CliDatabase> openDatabase(const config::DaemonConfig& cfg, std::ostream& err);

/// Runs `work` in one write transaction (BEGIN IMMEDIATE ... COMMIT; rolled back on a throw,
/// which is rethrown).
void inWriteTransaction(store::sqlite::Connection& db, const std::function<void()>& work);
/// The same on PostgreSQL (BEGIN ... COMMIT).
void inWriteTransaction(store::postgres::Connection& db, const std::function<void()>& work);

/// The person at the command line: the login name ($USER, else the uid), kind "cli".
AuditActor cliActor();

}  // namespace ccd::daemon
