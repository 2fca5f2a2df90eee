#pragma once
// The case side of the PostgreSQL store (daemon/store/case_store.hpp), as sqlite_cases.hpp is
// SQLite's: the `cases` and `case_conversations` tables, the same rows and results. Part of
// PgStore. Used by one thread at a time, like the
// Connection; every function throws PgError on failure.

#include <cstdint>
#include <optional>
#include <vector>

#include "daemon/store/case_store.hpp"
#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// Inserts the case and its conversation links (one statement); returns its id. In the
/// caller's transaction, if any.
std::int64_t insertCase(Connection& db, const CaseRow& row);
/// Replaces the case if its version is still row.version, and adds its new conversation links
/// (one statement); false (nothing written) otherwise.
bool updateCase(Connection& db, const CaseRow& row);
/// The reads below are one statement each (one snapshot), with each case's conversations.
std::optional<CaseRow> readCase(Connection& db, std::int64_t id);
/// Newest first. `pending_follow_ups` is decided on the case's document here, not in SQL:
/// PostgreSQL 15 has no way to skip a document that does not parse (SQLite's json_valid).
std::vector<CaseRow> listCases(Connection& db, const CaseListQuery& query);
std::vector<CaseRow> dueCases(Connection& db, std::int64_t now_ms, std::size_t limit);
std::optional<std::int64_t> nextCaseWakeup(Connection& db);
/// One round trip (the contact, its profile, its last channel) from one snapshot.
std::optional<CaseContact> readCaseContact(Connection& db, std::int64_t contact_id);
/// The contact's open conversation on the request's channel instance, or a new one (one
/// statement). Another node opening the same conversation at the same time makes it fail with a
/// unique violation (PgError::uniqueViolation): the caller runs its transaction again.
std::int64_t followUpConversation(Connection& db, const FollowUpConversationRequest& request,
                                  std::int64_t now_ms);

}  // namespace ccd::store::postgres
