// The SQLite store's contact reads (store.hpp): a customer record and its archive, each on the
// reader thread.
#include "daemon/store/sqlite/sqlite_contact_history.hpp"
#include "daemon/store/sqlite/sqlite_contacts.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::store::sqlite {

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

}  // namespace ccd::store::sqlite
