#pragma once
// What the commands that write to the database beside a running daemon share (`api-key`,
// `contacts erase`, `retention run`): the configuration's SQLite file opened for short
// transactions (WAL lets them run between the daemon's commits), and who acts, for the audit
// log.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "config/daemon_config.hpp"
#include "daemon/audit_log.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::daemon {

/// Exit codes of the commands that work on the database (documented with each command).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   ///< the store failed
constexpr int kExitUsage = 2;     ///< a malformed argument
constexpr int kExitInvalid = 3;   ///< an invalid configuration or input file
constexpr int kExitStore = 4;     ///< the store cannot be opened
constexpr int kExitNotFound = 5;  ///< no such object

/// Loads ccd.yaml for `command` (named in errors); null, with the reason on `err`, when it is
/// invalid or names another store than SQLite.
config::DaemonConfigPtr loadSqliteConfig(const std::string& path, const std::string& command,
                                         std::ostream& err);

/// Opens the database for short writes: migrated first when no daemon holds it (a fresh
/// checkout), else as the running daemon keeps it (it migrated at its start). Null, with the
/// reason on `err`, when it cannot.
std::unique_ptr<store::sqlite::Connection> openDatabase(const config::DaemonConfig& cfg,
                                                        std::ostream& err);

/// Runs `work` in one write transaction (BEGIN IMMEDIATE ... COMMIT; rolled back on a throw,
/// which is rethrown).
void inWriteTransaction(store::sqlite::Connection& db, const std::function<void()>& work);

/// The person at the command line: the login name ($USER, else the uid), kind "cli".
AuditActor cliActor();

}  // namespace ccd::daemon
