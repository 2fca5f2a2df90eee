#include "daemon/store/sqlite/sqlite_api_keys.hpp"

namespace ccd::store::sqlite {

std::vector<ApiKeyRecord> readApiKeys(Connection& db) {
    std::vector<ApiKeyRecord> out;
    Statement q(db,
                "SELECT key_id, client, key_hash, created_at, revoked_at FROM api_keys ORDER BY id");
    while (q.step()) {
        ApiKeyRecord k;
        k.key_id = q.columnText(0);
        k.client = q.columnText(1);
        k.key_hash = q.columnText(2);
        k.created_at_ms = q.columnInt(3);
        if (!q.columnIsNull(4)) k.revoked_at_ms = q.columnInt(4);
        out.push_back(std::move(k));
    }
    return out;
}

void insertApiKey(Connection& db, const ApiKeyRecord& key) {
    Statement q(db,
                "INSERT INTO api_keys (key_id, client, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)");
    q.bind(1, std::string_view(key.key_id))
        .bind(2, std::string_view(key.client))
        .bind(3, std::string_view(key.key_hash))
        .bind(4, key.created_at_ms);
    q.run();
}

bool revokeApiKey(Connection& db, const std::string& key_id, std::int64_t now_ms) {
    Statement q(db,
                "UPDATE api_keys SET revoked_at = ?2 WHERE key_id = ?1 AND revoked_at IS NULL");
    q.bind(1, std::string_view(key_id)).bind(2, now_ms);
    q.run();
    return db.changes() > 0;
}

}  // namespace ccd::store::sqlite
