#pragma once
// What the SQLite and PostgreSQL stores share of agents' sessions (session_store.hpp) that is
// not their SQL dialect: the columns, in the order their queries select and insert them, and a
// row read from a query's current result. Pure: any thread.

#include "daemon/store/session_store.hpp"

namespace ccd::store {

/// The columns of console_sessions, in the order of SessionRow.
inline constexpr const char* kSessionColumns =
    "token_hash, name, role, token_id, credential, expires_at, enrolment_only, created_at";

/// The session at the current row of `q`, which selected kSessionColumns: an SQLite Statement
/// or a PostgreSQL Result (both read columns with columnText and columnInt).
template <class Cursor>
SessionRow sessionRowOf(const Cursor& q) {
    SessionRow r;
    r.token_hash = q.columnText(0);
    r.name = q.columnText(1);
    r.role = q.columnText(2);
    r.token_id = q.columnText(3);
    r.credential = q.columnText(4);
    r.expires_at_ms = q.columnInt(5);
    r.enrolment_only = q.columnInt(6) != 0;
    r.created_at_ms = q.columnInt(7);
    return r;
}

}  // namespace ccd::store
