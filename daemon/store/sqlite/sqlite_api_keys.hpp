#pragma once
// API keys in the SQLite store: read by the daemon (reader thread), written by
// `ccd api-key` on its own connection (the daemon may be running: WAL lets both write).

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Every key, revoked ones included, oldest first.
std::vector<ApiKeyRecord> readApiKeys(Connection& db);
/// Stores a new key's record. Throws SqliteError.
void insertApiKey(Connection& db, const ApiKeyRecord& key);
/// Marks a key revoked; false when there is no such key or it was revoked already.
bool revokeApiKey(Connection& db, const std::string& key_id, std::int64_t now_ms);

}  // namespace ccd::store::sqlite
