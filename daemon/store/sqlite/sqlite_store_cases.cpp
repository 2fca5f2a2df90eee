// The SQLite store's service cases (case_store.hpp): writes in the writer's group commit, reads
// on the reader thread.
#include "daemon/store/sqlite/sqlite_cases.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::store::sqlite {
namespace {

// A write's value, or its failure.
template <class T>
void writeValue(std::shared_ptr<std::optional<T>> value, const std::string& error,
                const std::function<void(StoreResult<T>)>& done) {
    if (!error.empty() || !*value) {
        done(StoreResult<T>::fail(error.empty() ? "not stored" : error));
    } else {
        done(StoreResult<T>::ok(std::move(**value)));
    }
}

}  // namespace

void SqliteStore::insertCase(CaseRow row, std::function<void(StoreResult<std::int64_t>)> done) {
    auto value = std::make_shared<std::optional<std::int64_t>>();
    auto r = std::make_shared<CaseRow>(std::move(row));
    submitDbWrite([r, value](Connection& db) { *value = sqlite::insertCase(db, *r); },
                  [value, done = std::move(done)](const std::string& error) {
                      writeValue(value, error, done);
                  });
}

void SqliteStore::updateCase(CaseRow row, std::function<void(StoreResult<bool>)> done) {
    auto value = std::make_shared<std::optional<bool>>();
    auto r = std::make_shared<CaseRow>(std::move(row));
    submitDbWrite([r, value](Connection& db) { *value = sqlite::updateCase(db, *r); },
                  [value, done = std::move(done)](const std::string& error) {
                      writeValue(value, error, done);
                  });
}

void SqliteStore::followUpConversation(FollowUpConversationRequest request,
                                       std::function<void(StoreResult<std::int64_t>)> done) {
    auto value = std::make_shared<std::optional<std::int64_t>>();
    auto r = std::make_shared<FollowUpConversationRequest>(std::move(request));
    auto now = routing::unixMillis(routing::Clock::now());
    submitDbWrite(
        [r, value, now](Connection& db) { *value = sqlite::followUpConversation(db, *r, now); },
        [value, done = std::move(done)](const std::string& error) {
            writeValue(value, error, done);
        });
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
