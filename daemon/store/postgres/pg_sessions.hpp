#pragma once
// Agents' sign-in sessions in the PostgreSQL store, as sqlite_sessions.hpp is SQLite's. Part of
// PgStore. Used by one thread at a time, like the Connection.

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/session_store.hpp"

namespace ccd::store::postgres {

/// Inserts or replaces `rows` and deletes the sessions expired at `now_ms`; returns how many
/// expired ones went. Throws PgError.
std::size_t putSessions(Connection& db, const std::vector<SessionRow>& rows, std::int64_t now_ms);
/// Deletes the sessions of these token hashes; returns how many there were.
std::size_t deleteSessions(Connection& db, const std::vector<std::string>& token_hashes);
/// The sessions not expired at `now_ms`, oldest first.
std::vector<SessionRow> readSessions(Connection& db, std::int64_t now_ms);

}  // namespace ccd::store::postgres
