#pragma once
// Agents' sign-in sessions in the SQLite store (session_store.hpp): written in the writer's
// group commit, read on the reader thread.

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/store/session_store.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::store::sqlite {

/// Inserts or replaces `rows` and deletes the sessions expired at `now_ms`; returns how many
/// expired ones went. Throws SqliteError.
std::size_t putSessions(Connection& db, const std::vector<SessionRow>& rows, std::int64_t now_ms);
/// Deletes the sessions of these token hashes; returns how many there were.
std::size_t deleteSessions(Connection& db, const std::vector<std::string>& token_hashes);
/// The sessions not expired at `now_ms`, oldest first.
std::vector<SessionRow> readSessions(Connection& db, std::int64_t now_ms);

}  // namespace ccd::store::sqlite
