// The SQLite store's outbox (store.hpp): claims, results and the resumption after a restart as
// writes in the group commit, which wake the sender when they queue messages; the counts, a
// conversation's delivery target and a channel instance's saved state read on the reader thread.
#include "daemon/store/sqlite/sqlite_outbox.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "daemon/store/sqlite/sqlite_store_writer.hpp"

namespace ccd::store::sqlite {

void SqliteStore::setOutboxListener(std::function<void()> listener) {
    std::lock_guard lock(mutex_);
    outbox_listener_ = std::move(listener);
}

void SqliteStore::claimOutbox(std::string instance, std::size_t limit, std::int64_t now_ms,
                              std::function<void(StoreResult<OutboxClaim>)> done) {
    auto result = std::make_shared<std::optional<OutboxClaim>>();
    auto name = std::make_shared<std::string>(std::move(instance));
    submitWrite([name, limit, now_ms, result](
                    Writer& w) { *result = w.outbox().claim(*name, limit, now_ms); },
                [result, done = std::move(done)](const std::string& error) {
                    done(finish(*result, error));
                });
}

void SqliteStore::completeOutbox(std::vector<OutboxResult> results,
                                 std::function<void(StoreResult<std::vector<DeliveryChange>>)> done) {
    auto result = std::make_shared<std::optional<std::vector<DeliveryChange>>>();
    auto list = std::make_shared<std::vector<OutboxResult>>(std::move(results));
    auto now = routing::unixMillis(routing::Clock::now());
    submitWrite([list, now, result](Writer& w) { *result = w.outbox().complete(*list, now); },
                [result, done = std::move(done)](const std::string& error) {
                    done(finish(*result, error));
                });
}

void SqliteStore::resumeOutbox(std::function<void(StoreResult<std::size_t>)> done) {
    auto result = std::make_shared<std::optional<std::size_t>>();
    submitWrite([result](Writer& w) { *result = w.outbox().resume(); },
                [result, done = std::move(done)](const std::string& error) {
                    done(finish(*result, error));
                });
}

void SqliteStore::outboxCounts(
    std::function<void(StoreResult<std::map<std::string, OutboxCounts>>)> done) {
    readJob<std::map<std::string, OutboxCounts>>(
        [](Connection& db) { return readOutboxCounts(db); }, std::move(done));
}

void SqliteStore::deliveryTarget(
    std::int64_t conversation_id,
    std::function<void(StoreResult<std::optional<DeliveryTarget>>)> done) {
    readJob<std::optional<DeliveryTarget>>(
        [conversation_id](Connection& db) { return readDeliveryTarget(db, conversation_id); },
        std::move(done));
}

void SqliteStore::readChannelState(
    std::string channel_instance,
    std::function<void(StoreResult<std::map<std::string, std::string>>)> done) {
    readJob<std::map<std::string, std::string>>(
        [instance = std::move(channel_instance)](Connection& db) {
            return sqlite::readChannelState(db, instance);
        },
        std::move(done));
}

}  // namespace ccd::store::sqlite
