#pragma once
// The audit log in SQLite (table audit_log, migration "privacy"): appended inside the writer's
// group commit, read newest first with filters and a cursor. Used only on the store's threads;
// every function throws SqliteError on failure.

#include <cstdint>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Appends one entry inside the caller's open transaction; returns its id.
std::int64_t insertAudit(Connection& db, const AuditRecord& entry);

/// A page of entries matching `query`, newest (highest id) first.
AuditPage readAudit(Connection& db, const AuditQuery& query);

/// Deletes up to `limit` entries older than `before_ms` (the audit log's retention; the
/// table's trigger refuses any other DELETE). Returns how many.
std::size_t purgeAudit(Connection& db, std::int64_t before_ms, std::size_t limit);

/// How many entries are older than `before_ms`.
std::size_t countAuditBefore(Connection& db, std::int64_t before_ms);

}  // namespace ccd::store::sqlite
