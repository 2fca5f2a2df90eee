#pragma once
// The customer archive from the PostgreSQL store (daemon/store/contact_history.hpp), as
// sqlite_contact_history.hpp is SQLite's: a contact's newest conversations on every channel
// with what an agent needs at a glance, its products, cases and counts — the same
// ContactHistory. Part of PgStore. Used by one thread at
// a time, like the Connection; throws PgError on failure.

#include <optional>

#include "daemon/store/contact_history.hpp"
#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// The archive of the contact `query` names; nullopt when there is no such contact. One round
/// trip from one snapshot: in the caller's transaction when one is open (the writer, reading an
/// offer back), else in a read-only one of its own.
///
/// What SQLite reads from JSON columns in SQL (a conversation's resolved_at and complaint tag
/// in its routing state, the disposition of its resolve or wrap-up events) is read here from
/// the rows in C++, with the same answers: PostgreSQL 15 cannot skip a document that does not
/// parse (SQLite's json_valid), and one malformed row must not fail the archive.
std::optional<ContactHistory> readContactHistory(Connection& db, const ContactHistoryQuery& query);

}  // namespace ccd::store::postgres
