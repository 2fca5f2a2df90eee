// The SQLite store's contacts (store.hpp): a customer record's writes in the group commit (an
// import all or nothing), its reads, its archive and the API keys on the reader thread.
#include "daemon/store/sqlite/sqlite_api_keys.hpp"
#include "daemon/store/sqlite/sqlite_contact_history.hpp"
#include "daemon/store/sqlite/sqlite_contacts.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "daemon/store/sqlite/sqlite_store_writer.hpp"

namespace ccd::store::sqlite {

void SqliteStore::putContact(ContactUpdate update,
                             std::function<void(StoreResult<ContactPutResult>)> done) {
    auto result = std::make_shared<std::optional<ContactPutResult>>();
    auto u = std::make_shared<ContactUpdate>(std::move(update));
    auto now = routing::unixMillis(routing::Clock::now());
    submitWrite([u, result, now](Writer& w) { *result = writeContact(w.db(), *u, now); },
                [result, done = std::move(done)](const std::string& error) {
                    done(finish(*result, error));
                });
}

void SqliteStore::putContacts(std::vector<ContactUpdate> updates,
                              std::function<void(StoreResult<std::size_t>)> done) {
    auto result = std::make_shared<std::optional<std::size_t>>();
    auto list = std::make_shared<std::vector<ContactUpdate>>(std::move(updates));
    auto now = routing::unixMillis(routing::Clock::now());
    // All or nothing: one savepoint around the whole list, so a failing row undoes the others
    // even when the batch is replayed write by write.
    submitWrite(
        [list, result, now](Writer& w) {
            w.db().exec("SAVEPOINT import_contacts");
            try {
                for (const auto& u : *list) writeContact(w.db(), u, now);
            } catch (...) {
                w.db().exec("ROLLBACK TO import_contacts");
                w.db().exec("RELEASE import_contacts");
                throw;
            }
            w.db().exec("RELEASE import_contacts");
            *result = list->size();
        },
        [result, done = std::move(done)](const std::string& error) {
            done(finish(*result, error));
        });
}

void SqliteStore::getContact(std::string key,
                             std::function<void(StoreResult<std::optional<ContactDetails>>)> done) {
    using Result = StoreResult<std::optional<ContactDetails>>;
    submitRead(
        [key = std::move(key), done](Connection& db) {
            Result result;
            try {
                result = Result::ok(readContact(db, key));
            } catch (const std::exception& e) {
                result = Result::fail(std::string("read failed: ") + e.what());
            }
            done(std::move(result));
        },
        [done] { done(Result::fail("the store is shutting down")); });
}

void SqliteStore::getContactHistory(
    ContactHistoryQuery query,
    std::function<void(StoreResult<std::optional<ContactHistory>>)> done) {
    using Result = StoreResult<std::optional<ContactHistory>>;
    submitRead(
        [query = std::move(query), done](Connection& db) {
            Result result;
            try {
                result = Result::ok(readContactHistory(db, query));
            } catch (const std::exception& e) {
                result = Result::fail(std::string("read failed: ") + e.what());
            }
            done(std::move(result));
        },
        [done] { done(Result::fail("the store is shutting down")); });
}


void SqliteStore::loadApiKeys(std::function<void(StoreResult<std::vector<ApiKeyRecord>>)> done) {
    readJob<std::vector<ApiKeyRecord>>([](Connection& db) { return readApiKeys(db); },
                                       std::move(done));
}

}  // namespace ccd::store::sqlite
