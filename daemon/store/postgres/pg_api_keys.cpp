#include "daemon/store/postgres/pg_api_keys.hpp"

namespace ccd::store::postgres {

std::vector<ApiKeyRecord> readApiKeys(Connection& db) {
    auto q = db.query(
        "SELECT key_id, client, key_hash, created_at, revoked_at FROM api_keys ORDER BY id");
    std::vector<ApiKeyRecord> out;
    while (q.next()) {
        ApiKeyRecord k;
        k.key_id = q.columnText(0);
        k.client = q.columnText(1);
        k.key_hash = q.columnText(2);
        k.created_at_ms = q.columnInt(3);
        if (!q.isNull(4)) k.revoked_at_ms = q.columnInt(4);
        out.push_back(std::move(k));
    }
    return out;
}

void insertApiKey(Connection& db, const ApiKeyRecord& key) {
    db.execute(
        "INSERT INTO api_keys (key_id, client, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        {key.key_id, key.client, key.key_hash, key.created_at_ms});
}

bool revokeApiKey(Connection& db, const std::string& key_id, std::int64_t now_ms) {
    return db.execute(
               "UPDATE api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL",
               {key_id, now_ms}) > 0;
}

}  // namespace ccd::store::postgres
