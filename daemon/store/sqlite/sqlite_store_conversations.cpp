// The SQLite store's conversations (store.hpp): inbound messages stored (one or a batch), the
// engine's decisions applied and read back, outbound messages and events appended, each a write
// in the group commit; what a restart needs to rebuild the engine, a conversation and an
// attachment read on the reader thread.
#include "daemon/metrics.hpp"
#include "daemon/store/sqlite/sqlite_contact_history.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "daemon/store/sqlite/sqlite_store_writer.hpp"

namespace ccd::store::sqlite {

void SqliteStore::ingest(routing::InboundMessage message, IngestCallback done) {
    auto result = std::make_shared<std::optional<IngestResult>>();
    auto msg = std::make_shared<routing::InboundMessage>(std::move(message));
    submitWrite([msg, result](Writer& w) { *result = w.inbound().ingest(*msg); },
                [this, result, done = std::move(done)](const std::string& error) {
                    if (metrics_ && error.empty() && *result) {
                        ((*result)->duplicate ? metrics_->messages_deduplicated
                                              : metrics_->messages_ingested)
                            .fetch_add(1, std::memory_order_relaxed);
                    }
                    done(finish(*result, error));
                });
}

void SqliteStore::appendOutbound(OutboundMessage message,
                                 std::function<void(StoreResult<std::int64_t>)> done) {
    auto result = std::make_shared<std::optional<std::int64_t>>();
    auto msg = std::make_shared<OutboundMessage>(std::move(message));
    auto now = routing::unixMillis(routing::Clock::now());
    submitWrite([msg, result, now](Writer& w) { *result = w.routing().appendOutbound(*msg, now); },
                [result, done = std::move(done)](const std::string& error) {
                    done(finish(*result, error));
                });
}

void SqliteStore::ingestBatch(InboundBatch batch,
                              std::function<void(StoreResult<BatchIngested>)> done) {
    auto result = std::make_shared<std::optional<BatchIngested>>();
    auto b = std::make_shared<InboundBatch>(std::move(batch));
    auto now = routing::unixMillis(routing::Clock::now());
    submitWrite([b, result, now](Writer& w) { *result = w.inbound().ingestBatch(*b, now); },
                [this, result, done = std::move(done)](const std::string& error) {
                    if (metrics_ && error.empty() && *result) {
                        for (const auto& m : (*result)->messages) {
                            (m.duplicate ? metrics_->messages_deduplicated
                                         : metrics_->messages_ingested)
                                .fetch_add(1, std::memory_order_relaxed);
                        }
                    }
                    done(finish(*result, error));
                });
}

void SqliteStore::appendEvents(std::vector<EventRecord> events,
                               std::function<void(StoreResult<bool>)> done) {
    auto list = std::make_shared<std::vector<EventRecord>>(std::move(events));
    auto now = routing::unixMillis(routing::Clock::now());
    submitWrite(
        [list, now](Writer& w) {
            for (const auto& e : *list) w.routing().appendEvent(e, now);
        },
        [done = std::move(done)](const std::string& error) {
            if (!done) return;
            done(error.empty() ? StoreResult<bool>::ok(true) : StoreResult<bool>::fail(error));
        });
}

void SqliteStore::applyRouting(RoutingUpdate update,
                               std::function<void(StoreResult<RoutingApplied>)> done) {
    auto result = std::make_shared<std::optional<RoutingApplied>>();
    auto u = std::make_shared<RoutingUpdate>(std::move(update));
    auto now = routing::unixMillis(routing::Clock::now());
    submitWrite(
        [u, result, now](Writer& w) {
            RoutingApplied applied;
            applied.outbound_ids = w.routing().apply(*u, now);
            for (auto id : u->read_back) {
                auto c = w.conversations().read(id);
                if (!c) continue;
                // The offer shows the customer's earlier conversations (issue 13).
                ContactHistoryQuery archive;
                archive.contact_id = c->contact.id;
                archive.exclude_conversation = c->id;
                c->customer_history = readContactHistory(w.db(), archive);
                applied.conversations.push_back(std::move(*c));
            }
            *result = std::move(applied);
        },
                [result, done = std::move(done)](const std::string& error) {
                    if (done) done(finish(*result, error));
                });
}

void SqliteStore::loadRouting(std::function<void(StoreResult<RoutingRecovery>)> done) {
    using Result = StoreResult<RoutingRecovery>;
    submitRead(
        [done](Connection& db) {
            Result result;
            try {
                db.exec("BEGIN");
                try {
                    result = Result::ok(readRoutingRecovery(db));
                    db.exec("COMMIT");
                } catch (...) {
                    db.exec("ROLLBACK");
                    throw;
                }
            } catch (const std::exception& e) {
                result = Result::fail(std::string("read failed: ") + e.what());
            }
            done(std::move(result));
        },
        [done] { done(Result::fail("the store is shutting down")); });
}

void SqliteStore::getConversation(std::int64_t id, ConversationCallback done) {
    using Result = StoreResult<std::optional<ConversationRecord>>;
    submitRead(
        [this, id, done](Connection&) {
            Result result;
            try {
                result = Result::ok(reader_->conversation(id));
            } catch (const std::exception& e) {
                result = Result::fail(std::string("read failed: ") + e.what());
            }
            done(std::move(result));
        },
        [done] { done(Result::fail("the store is shutting down")); });
}

void SqliteStore::getAttachment(
    std::int64_t conversation_id, std::int64_t message_id, std::size_t position,
    std::function<void(StoreResult<std::optional<AttachmentFile>>)> done) {
    readJob<std::optional<AttachmentFile>>(
        [conversation_id, message_id, position](Connection& db) {
            return readAttachmentFile(db, conversation_id, message_id, position);
        },
        std::move(done));
}

}  // namespace ccd::store::sqlite
