// The SQLite store's service cases (case_store.hpp): writes in the writer's group commit, reads
// on the reader thread.
#include "daemon/store/sqlite/sqlite_cases.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::store::sqlite {

void SqliteStore::insertCase(CaseRow row, std::function<void(StoreResult<std::int64_t>)> done) {
    writeJob<std::int64_t>(
        [row = std::move(row)](Connection& db) { return sqlite::insertCase(db, row); },
        std::move(done));
}

void SqliteStore::updateCase(CaseRow row, std::function<void(StoreResult<bool>)> done) {
    writeJob<bool>([row = std::move(row)](Connection& db) { return sqlite::updateCase(db, row); },
                   std::move(done));
}

void SqliteStore::followUpConversation(FollowUpConversationRequest request,
                                       std::function<void(StoreResult<std::int64_t>)> done) {
    auto now = routing::unixMillis(routing::Clock::now());
    writeJob<std::int64_t>(
        [request = std::move(request), now](Connection& db) {
            return sqlite::followUpConversation(db, request, now);
        },
        std::move(done));
}

void SqliteStore::getCase(std::int64_t id,
                          std::function<void(StoreResult<std::optional<CaseRow>>)> done) {
    readJob<std::optional<CaseRow>>([id](Connection& db) { return readCase(db, id); },
                                    std::move(done));
}

void SqliteStore::listCases(CaseListQuery query,
                            std::function<void(StoreResult<std::vector<CaseRow>>)> done) {
    readJob<std::vector<CaseRow>>(
        [query = std::move(query)](Connection& db) { return sqlite::listCases(db, query); },
        std::move(done));
}

void SqliteStore::dueCases(std::int64_t now_ms, std::size_t limit,
                           std::function<void(StoreResult<std::vector<CaseRow>>)> done) {
    readJob<std::vector<CaseRow>>(
        [now_ms, limit](Connection& db) { return sqlite::dueCases(db, now_ms, limit); },
        std::move(done));
}

void SqliteStore::nextCaseWakeup(
    std::function<void(StoreResult<std::optional<std::int64_t>>)> done) {
    readJob<std::optional<std::int64_t>>([](Connection& db) { return sqlite::nextCaseWakeup(db); },
                                         std::move(done));
}

void SqliteStore::caseContact(std::int64_t contact_id,
                              std::function<void(StoreResult<std::optional<CaseContact>>)> done) {
    readJob<std::optional<CaseContact>>(
        [contact_id](Connection& db) { return readCaseContact(db, contact_id); }, std::move(done));
}

}  // namespace ccd::store::sqlite
