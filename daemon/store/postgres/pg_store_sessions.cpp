// PgStore's agents' sessions (session_store.hpp) through pg_sessions: writes in the writer's
// group transaction, reads on a reader thread.
#include "daemon/store/postgres/pg_sessions.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/postgres/pg_store_jobs.hpp"

namespace ccd::store::postgres {

void PgStore::putSessions(std::vector<SessionRow> rows, std::int64_t now_ms,
                          std::function<void(StoreResult<std::size_t>)> done) {
    submit(functionWrite<std::size_t>(
        [rows = std::move(rows), now_ms](Connection& db, std::int64_t) {
            return postgres::putSessions(db, rows, now_ms);
        },
        std::move(done)));
}

void PgStore::deleteSessions(std::vector<std::string> token_hashes,
                             std::function<void(StoreResult<std::size_t>)> done) {
    submit(functionWrite<std::size_t>(
        [hashes = std::move(token_hashes)](Connection& db, std::int64_t) {
            return postgres::deleteSessions(db, hashes);
        },
        std::move(done)));
}

void PgStore::loadSessions(std::int64_t now_ms,
                           std::function<void(StoreResult<std::vector<SessionRow>>)> done) {
    readJob<std::vector<SessionRow>>([now_ms](Connection& db) { return readSessions(db, now_ms); },
                                     std::move(done));
}

}  // namespace ccd::store::postgres
