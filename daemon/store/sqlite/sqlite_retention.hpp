#pragma once
// The retention job's work in SQLite, in batches (docs/security.md, "Retention"): texts,
// attachments and recordings of closed conversations past their period are anonymized as
// erasure does it (marker "[expired]"), contacts without activity past theirs are erased, audit
// entries past theirs are deleted. Each step looks at a bounded number of rows (a range of ids),
// so that one commit stays short and intake waits at most one batch.
// Used only on the store's threads; every function throws SqliteError on failure.

#include <cstdint>

#include "daemon/store/retention_rows.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Where a retention run stands between two batches (daemon/store/retention_rows.hpp, shared
/// with the PostgreSQL store).
using store::RetentionCursor;

/// Runs one batch of `request` from `cursor` inside the caller's transaction: adds what it
/// removed to `report` and moves `cursor` on (to Phase::Done at the end). With
/// `request.dry_run` it writes nothing and counts what it would remove.
void retentionStep(Connection& db, const RetentionRequest& request, RetentionCursor& cursor,
                   RetentionReport& report);

}  // namespace ccd::store::sqlite
