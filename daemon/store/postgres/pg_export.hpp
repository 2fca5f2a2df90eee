#pragma once
// A contact's export from the PostgreSQL store (GET /v1/contacts/{key}/export), as
// sqlite_privacy's readContactExport reads it from SQLite: the record, every conversation with
// its messages (read as pg_conversations reads one), the events of those conversations and of
// the contact's addresses, and the outbox entries. In ccd_store_postgres_store beside
// pg_conversations, whose reads it uses. Used by one thread at a time, like the Connection.

#include <optional>
#include <string>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Everything held about the contact with `key`, from one snapshot (in the caller's
/// transaction when one is open, else in a REPEATABLE READ, READ ONLY one of its own: five
/// round trips); nullopt when no contact has the key. Throws PgError.
///
/// An event without a conversation is the contact's when its JSON's "address" is one of the
/// contact's addresses (SQLite's json_extract in SQL): read in C++ here, a document that does
/// not parse belonging to nobody (pg_privacy.hpp says why). Such events are first narrowed in
/// SQL to those whose text contains an address as it is: one written with JSON escapes inside
/// the address (\u00e9 for é) is missed.
std::optional<ContactExport> readContactExport(Connection& db, const std::string& key);

}  // namespace ccd::store::postgres
