#include "daemon/store/postgres/pg_sessions.hpp"

#include "daemon/store/session_rows.hpp"

namespace ccd::store::postgres {

std::size_t putSessions(Connection& db, const std::vector<SessionRow>& rows, std::int64_t now_ms) {
    for (const auto& r : rows) {
        db.execute(
            std::string("INSERT INTO console_sessions (") + kSessionColumns +
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                "ON CONFLICT (token_hash) DO UPDATE SET name = excluded.name, role = "
                "excluded.role, "
                "token_id = excluded.token_id, credential = excluded.credential, "
                "expires_at = excluded.expires_at, enrolment_only = excluded.enrolment_only, "
                "created_at = excluded.created_at",
            {r.token_hash, r.name, r.role, r.token_id, r.credential, r.expires_at_ms,
             r.enrolment_only ? 1 : 0, r.created_at_ms});
    }
    return static_cast<std::size_t>(
        db.execute("DELETE FROM console_sessions WHERE expires_at <= $1", {now_ms}));
}

std::size_t deleteSessions(Connection& db, const std::vector<std::string>& token_hashes) {
    std::size_t deleted = 0;
    for (const auto& hash : token_hashes) {
        deleted += static_cast<std::size_t>(
            db.execute("DELETE FROM console_sessions WHERE token_hash = $1", {hash}));
    }
    return deleted;
}

std::vector<SessionRow> readSessions(Connection& db, std::int64_t now_ms) {
    auto q = db.query(std::string("SELECT ") + kSessionColumns +
                          " FROM console_sessions WHERE expires_at > $1 "
                          "ORDER BY created_at, token_hash",
                      {now_ms});
    std::vector<SessionRow> out;
    while (q.next()) out.push_back(sessionRowOf(q));
    return out;
}

}  // namespace ccd::store::postgres
