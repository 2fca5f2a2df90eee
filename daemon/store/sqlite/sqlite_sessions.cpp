#include "daemon/store/sqlite/sqlite_sessions.hpp"

#include "daemon/store/session_rows.hpp"

namespace ccd::store::sqlite {

std::size_t putSessions(Connection& db, const std::vector<SessionRow>& rows, std::int64_t now_ms) {
    Statement put(db, std::string("INSERT OR REPLACE INTO console_sessions (") + kSessionColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const auto& r : rows) {
        put.bind(1, std::string_view(r.token_hash))
            .bind(2, std::string_view(r.name))
            .bind(3, std::string_view(r.role))
            .bind(4, std::string_view(r.token_id))
            .bind(5, std::string_view(r.credential))
            .bind(6, r.expires_at_ms)
            .bind(7, std::int64_t{r.enrolment_only ? 1 : 0})
            .bind(8, r.created_at_ms);
        put.run();
    }
    Statement sweep(db, "DELETE FROM console_sessions WHERE expires_at <= ?1");
    sweep.bind(1, now_ms);
    sweep.run();
    return static_cast<std::size_t>(db.changes());
}

std::size_t deleteSessions(Connection& db, const std::vector<std::string>& token_hashes) {
    Statement del(db, "DELETE FROM console_sessions WHERE token_hash = ?1");
    std::size_t deleted = 0;
    for (const auto& hash : token_hashes) {
        del.bind(1, std::string_view(hash));
        del.run();
        deleted += static_cast<std::size_t>(db.changes());
    }
    return deleted;
}

std::vector<SessionRow> readSessions(Connection& db, std::int64_t now_ms) {
    Statement q(db,
                std::string("SELECT ") + kSessionColumns +
                    " FROM console_sessions WHERE expires_at > ?1 ORDER BY created_at, token_hash");
    q.bind(1, now_ms);
    std::vector<SessionRow> out;
    while (q.step()) out.push_back(sessionRowOf(q));
    return out;
}

}  // namespace ccd::store::sqlite
