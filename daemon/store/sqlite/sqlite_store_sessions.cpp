// The SQLite store's agents' sessions (session_store.hpp): writes in the writer's group commit,
// reads on the reader thread.
#include "daemon/store/sqlite/sqlite_sessions.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::store::sqlite {

void SqliteStore::putSessions(std::vector<SessionRow> rows, std::int64_t now_ms,
                              std::function<void(StoreResult<std::size_t>)> done) {
    writeJob<std::size_t>([rows = std::move(rows), now_ms](
                              Connection& db) { return sqlite::putSessions(db, rows, now_ms); },
                          std::move(done));
}

void SqliteStore::deleteSessions(std::vector<std::string> token_hashes,
                                 std::function<void(StoreResult<std::size_t>)> done) {
    writeJob<std::size_t>([hashes = std::move(token_hashes)](
                              Connection& db) { return sqlite::deleteSessions(db, hashes); },
                          std::move(done));
}

void SqliteStore::loadSessions(std::int64_t now_ms,
                               std::function<void(StoreResult<std::vector<SessionRow>>)> done) {
    readJob<std::vector<SessionRow>>([now_ms](Connection& db) { return readSessions(db, now_ms); },
                                     std::move(done));
}

}  // namespace ccd::store::sqlite
