#pragma once
// The audit log in PostgreSQL (table audit_log, migration 7), as sqlite_audit.hpp is SQLite's:
// appended inside the writer's transaction, read newest first with filters and a cursor,
// purged only by its retention (the table's triggers refuse any other UPDATE, DELETE or
// TRUNCATE). Part of PgStore. Used by one thread at a
// time, like the Connection; every function throws PgError on failure.

#include <cstdint>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Appends one entry (in the caller's transaction, if any); returns its id.
std::int64_t insertAudit(Connection& db, const AuditRecord& entry);

/// A page of entries matching `query`, newest (highest id) first. One statement.
AuditPage readAudit(Connection& db, const AuditQuery& query);

/// Deletes up to `limit` entries older than `before_ms`, oldest first (the audit log's
/// retention): opens the trigger's cut-off, deletes, closes it again, in one round trip, in the
/// caller's transaction or, without one, in a transaction of its own. Returns how many.
std::size_t purgeAudit(Connection& db, std::int64_t before_ms, std::size_t limit);

/// How many entries are older than `before_ms`.
std::size_t countAuditBefore(Connection& db, std::int64_t before_ms);

}  // namespace ccd::store::postgres
