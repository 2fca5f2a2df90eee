#pragma once
// The contact side of the PostgreSQL store, as sqlite_contacts.hpp is SQLite's: customer
// records kept by PUT /v1/contacts/{key} and the CSV import (contacts.external_id is the key),
// their channel addresses and products — the same rows and results. Part of PgStore. Used by one thread at a time, like the Connection; every function
// throws PgError on failure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Creates or updates the contact with `update.key`, as sqlite::writeContact does (the rules
/// are written there). Runs inside the caller's open transaction (std::logic_error without
/// one); on a throw the caller rolls it back. Two round trips: the lookup of the key and the
/// addresses, then every write in one pipeline. Another node writing the same new key at the
/// same time makes one of them fail with a unique violation (PgError::uniqueViolation): the
/// caller runs its transaction again, and its lookup then finds the other's contact.
ContactPutResult writeContact(Connection& db, const ContactUpdate& update, std::int64_t now_ms);

/// Writes every update with writeContact inside the caller's transaction: all or nothing once
/// the caller commits or rolls back. Returns how many were written.
std::size_t writeContacts(Connection& db, const std::vector<ContactUpdate>& updates,
                          std::int64_t now_ms);

/// Reads the contact with this key, its addresses (by channel, address) and products (in the
/// order given); nullopt when no contact has the key. One round trip, one snapshot (its own
/// read-only transaction when the connection has none open).
std::optional<ContactDetails> readContact(Connection& db, const std::string& key);

/// The contact's products in the order given. Runs in the caller's transaction, if any.
std::vector<routing::Product> readProducts(Connection& db, std::int64_t contact_id);

}  // namespace ccd::store::postgres
