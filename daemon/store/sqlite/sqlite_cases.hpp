#pragma once
// The case side of the SQLite store (daemon/store/case_store.hpp): the `cases` and
// `case_conversations` tables. Used only on the store's own threads; every function throws
// SqliteError on failure.

#include <cstdint>
#include <optional>
#include <vector>

#include "daemon/store/case_store.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::store::sqlite {

/// Inserts the case and its conversation links; returns its id. In the caller's transaction.
std::int64_t insertCase(Connection& db, const CaseRow& row);
/// Replaces the case if its version is still row.version; false (nothing written) otherwise.
bool updateCase(Connection& db, const CaseRow& row);
std::optional<CaseRow> readCase(Connection& db, std::int64_t id);
std::vector<CaseRow> listCases(Connection& db, const CaseListQuery& query);
std::vector<CaseRow> dueCases(Connection& db, std::int64_t now_ms, std::size_t limit);
std::optional<std::int64_t> nextCaseWakeup(Connection& db);
std::optional<CaseContact> readCaseContact(Connection& db, std::int64_t contact_id);
/// The contact's open conversation on the request's channel kind, or a new one.
std::int64_t followUpConversation(Connection& db, const FollowUpConversationRequest& request,
                                  std::int64_t now_ms);
}  // namespace ccd::store::sqlite
