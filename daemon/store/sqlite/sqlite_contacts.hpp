#pragma once
// The contact side of the SQLite store: customer records kept by PUT /v1/contacts/{key} and the
// CSV import (contacts.external_id is the key), their channel addresses and products.
// Used only on the store's own threads; every function throws SqliteError on failure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Creates or updates the contact with `update.key`. Runs inside the caller's open transaction
/// (the writer's batch); on a throw the caller rolls it back.
/// - No contact has the key: when the first given address already names a contact without a
///   key (one that wrote in before the CRM knew it), that contact takes the key, so its
///   conversations stay with it; otherwise a new contact is inserted. Either way `created`.
/// - Fields not given are kept; `attributes` and `products`, when given, replace.
/// - Every address, and `email` / `phone` as ("email", ...) / ("voice", ...), is pointed at this
///   contact, moving it from any other contact. Emails are stored lower-cased.
/// The update is expected to be validated already (channels/api/contact_fields.hpp).
ContactPutResult writeContact(Connection& db, const ContactUpdate& update, std::int64_t now_ms);

/// Writes every update with writeContact inside the caller's transaction: all or nothing once
/// the caller commits or rolls back. Returns how many were written.
std::size_t writeContacts(Connection& db, const std::vector<ContactUpdate>& updates,
                          std::int64_t now_ms);

/// Reads the contact with this key, its addresses (by channel, address) and products (in the
/// order given); nullopt when no contact has the key. Reads one snapshot: opens its own read
/// transaction when the connection has none.
std::optional<ContactDetails> readContact(Connection& db, const std::string& key);

/// The contact's products in the order given. Runs in the caller's transaction, if any.
std::vector<routing::Product> readProducts(Connection& db, std::int64_t contact_id);

}  // namespace ccd::store::sqlite
