#pragma once
// API keys in the PostgreSQL store, as sqlite_api_keys.hpp is SQLite's: read by the daemon,
// written by `ccd api-key` on its own connection. Part of PgStore. Used by one thread at a time, like the Connection.

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Every key, revoked ones included, oldest first.
std::vector<ApiKeyRecord> readApiKeys(Connection& db);
/// Stores a new key's record. Throws PgError (a unique violation for a key id that exists).
void insertApiKey(Connection& db, const ApiKeyRecord& key);
/// Marks a key revoked; false when there is no such key or it was revoked already.
bool revokeApiKey(Connection& db, const std::string& key_id, std::int64_t now_ms);

}  // namespace ccd::store::postgres
