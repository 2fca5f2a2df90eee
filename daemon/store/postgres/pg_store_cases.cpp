// PgStore's service cases (case_store.hpp) through pg_cases: inserts, updates and a follow-up's
// conversation in the writer's group transaction, reads on a reader thread.
#include "daemon/store/postgres/pg_cases.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/postgres/pg_store_jobs.hpp"

namespace ccd::store::postgres {

void PgStore::insertCase(CaseRow row, std::function<void(StoreResult<std::int64_t>)> done) {
    submit(functionWrite<std::int64_t>(
        [row = std::move(row)](Connection& db, std::int64_t) {
            return postgres::insertCase(db, row);
        },
        std::move(done)));
}

void PgStore::updateCase(CaseRow row, std::function<void(StoreResult<bool>)> done) {
    submit(functionWrite<bool>(
        [row = std::move(row)](Connection& db, std::int64_t) {
            return postgres::updateCase(db, row);
        },
        std::move(done)));
}

void PgStore::followUpConversation(FollowUpConversationRequest request,
                                   std::function<void(StoreResult<std::int64_t>)> done) {
    submit(functionWrite<std::int64_t>(
        [request = std::move(request)](Connection& db, std::int64_t now_ms) {
            return postgres::followUpConversation(db, request, now_ms);
        },
        std::move(done)));
}

void PgStore::getCase(std::int64_t id,
                      std::function<void(StoreResult<std::optional<CaseRow>>)> done) {
    readJob<std::optional<CaseRow>>([id](Connection& db) { return readCase(db, id); },
                                    std::move(done));
}

void PgStore::listCases(CaseListQuery query,
                        std::function<void(StoreResult<std::vector<CaseRow>>)> done) {
    readJob<std::vector<CaseRow>>(
        [query = std::move(query)](Connection& db) { return postgres::listCases(db, query); },
        std::move(done));
}

void PgStore::dueCases(std::int64_t now_ms, std::size_t limit,
                       std::function<void(StoreResult<std::vector<CaseRow>>)> done) {
    readJob<std::vector<CaseRow>>(
        [now_ms, limit](Connection& db) { return postgres::dueCases(db, now_ms, limit); },
        std::move(done));
}

void PgStore::nextCaseWakeup(std::function<void(StoreResult<std::optional<std::int64_t>>)> done) {
    readJob<std::optional<std::int64_t>>(
        [](Connection& db) { return postgres::nextCaseWakeup(db); }, std::move(done));
}

void PgStore::caseContact(std::int64_t contact_id,
                          std::function<void(StoreResult<std::optional<CaseContact>>)> done) {
    readJob<std::optional<CaseContact>>(
        [contact_id](Connection& db) { return readCaseContact(db, contact_id); }, std::move(done));
}

}  // namespace ccd::store::postgres
