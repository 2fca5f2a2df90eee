#pragma once
// Versioned schema migrations of the SQLite store, tracked in PRAGMA user_version.

#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::store::sqlite {

/// The schema version this build writes.
int latestSchemaVersion();

/// The SQL of migration `version` (1..latestSchemaVersion()). Throws std::out_of_range.
const char* migrationSql(int version);

/// The file's schema version (PRAGMA user_version): 0 for a file no ccd has migrated.
int schemaVersion(Connection& db);

/// Applies every migration newer than the file's version, each in its own transaction.
/// Throws SqliteError, or std::runtime_error when the file is newer than this build.
void migrate(Connection& db);

}  // namespace ccd::store::sqlite
