#pragma once
// Versioned schema migrations of the PostgreSQL store: the SQLite store's schema
// (daemon/store/sqlite/schema.cpp), migration for migration, in PostgreSQL's types, tracked in
// a schema_version table.

#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// The database's schema is newer than this build knows.
class SchemaError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The schema version this build writes (the SQLite store's too: the same migrations).
int latestSchemaVersion();

/// The SQL of migration `version` (1..latestSchemaVersion()). Throws std::out_of_range.
const char* migrationSql(int version);

/// The database's schema version: 0 for a database no ccd has migrated.
int schemaVersion(Connection& db);

/// A migration not yet applied to the database.
struct PendingMigration {
    int version;
    std::string sql;
};

/// The migrations `migrate` would apply now, in order, applying nothing (for
/// `ccd migrate --dry-run`). Throws SchemaError for a database newer than this build.
std::vector<PendingMigration> pendingMigrations(Connection& db);

/// Applies every migration up to `target` (the latest by default) that the database lacks,
/// each in its own transaction under a transaction-level advisory lock: when several nodes
/// start at once, one applies each migration and the others wait, then see the new version.
/// Returns how many migrations this call applied. Throws SchemaError for a database newer than
/// this build (whatever `target`), PgError when a migration fails (nothing of it is kept).
int migrate(Connection& db, int target = latestSchemaVersion());

}  // namespace ccd::store::postgres
