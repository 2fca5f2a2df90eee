#pragma once
// The retention job's work in PostgreSQL, in batches, as sqlite_retention.hpp does it in
// SQLite (docs/security.md, "Retention"): texts, attachments and recordings of closed
// conversations past their period anonymized as erasure does it (marker "[expired]"), contacts
// without activity past theirs erased, audit entries past theirs deleted; each step looks at a
// bounded range of ids so that one transaction stays short. Part of PgStore. Used by one thread at a time, like the Connection; every function
// throws PgError on failure.

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/retention_rows.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Runs one batch of `request` from `cursor` inside the caller's open transaction, as
/// sqlite::retentionStep does: adds what it removed to `report` and moves `cursor` on (to
/// Phase::Done at the end). With `request.dry_run` it writes nothing and counts what it would
/// remove. A call step's JSON (recording link, voicemail text) is read and edited in C++
/// (pg_privacy.hpp says why); a document that does not parse is left as it is.
void retentionStep(Connection& db, const RetentionRequest& request, RetentionCursor& cursor,
                   RetentionReport& report);

}  // namespace ccd::store::postgres
