// PgStore's contacts (store.hpp) through pg_contacts, pg_contact_history and pg_api_keys: a
// customer record's writes in the writer's group transaction (an import all or nothing), its
// reads, its archive and the API keys on a reader thread.
#include "daemon/store/postgres/pg_api_keys.hpp"
#include "daemon/store/postgres/pg_contact_history.hpp"
#include "daemon/store/postgres/pg_contacts.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/postgres/pg_store_jobs.hpp"

namespace ccd::store::postgres {

void PgStore::putContact(ContactUpdate update,
                         std::function<void(StoreResult<ContactPutResult>)> done) {
    submit(functionWrite<ContactPutResult>(
        [update = std::move(update)](Connection& db, std::int64_t now_ms) {
            return writeContact(db, update, now_ms);
        },
        std::move(done)));
}

// All or nothing: the list is one write of the group, and a write that throws is rolled back
// whole (the group runs again without it).
void PgStore::putContacts(std::vector<ContactUpdate> updates,
                          std::function<void(StoreResult<std::size_t>)> done) {
    submit(functionWrite<std::size_t>(
        [updates = std::move(updates)](Connection& db, std::int64_t now_ms) {
            return writeContacts(db, updates, now_ms);
        },
        std::move(done)));
}

void PgStore::getContact(std::string key,
                         std::function<void(StoreResult<std::optional<ContactDetails>>)> done) {
    readJob<std::optional<ContactDetails>>(
        [key = std::move(key)](Connection& db) { return readContact(db, key); }, std::move(done));
}

void PgStore::getContactHistory(
    ContactHistoryQuery query,
    std::function<void(StoreResult<std::optional<ContactHistory>>)> done) {
    readJob<std::optional<ContactHistory>>(
        [query = std::move(query)](Connection& db) { return readContactHistory(db, query); },
        std::move(done));
}

void PgStore::loadApiKeys(std::function<void(StoreResult<std::vector<ApiKeyRecord>>)> done) {
    readJob<std::vector<ApiKeyRecord>>([](Connection& db) { return readApiKeys(db); },
                                       std::move(done));
}

}  // namespace ccd::store::postgres
