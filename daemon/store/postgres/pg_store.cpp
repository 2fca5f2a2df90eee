#include "daemon/store/postgres/pg_store.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>
#include <set>

#include "daemon/metrics.hpp"
#include "daemon/store/postgres/pg_batch.hpp"
#include "daemon/store/postgres/pg_conversations.hpp"
#include "daemon/store/postgres/pg_ingest.hpp"
#include "daemon/store/postgres/pg_node.hpp"
#include "daemon/store/postgres/pg_outbox.hpp"
#include "daemon/store/postgres/pg_pool.hpp"
#include "daemon/store/postgres/pg_routing.hpp"
#include "daemon/store/postgres/pg_schema.hpp"
#include "daemon/store/postgres/pg_store_jobs.hpp"
#include "daemon/store/postgres/pg_write.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::store::postgres {
namespace {

std::int64_t nowMs() { return routing::unixMillis(routing::Clock::now()); }

// The sender's possible duplicates (daemon/outbox) whose cause is a claim taking back the rows
// of a node that is gone.
std::atomic<std::int64_t>* nodeGone(daemon::Metrics* metrics) {
    if (!metrics) return nullptr;
    return &metrics
                ->labeled("ccd_outbox_possible_duplicates_total",
                          "Messages whose send was in flight without its outcome when ccd "
                          "stopped or its node was gone: sent again, so the customer may get "
                          "them twice.",
                          "counter", "cause")
                .at("node_gone");
}

// One inbound message of Store::ingest: stored with the group's other messages through
// ingestGroup, never through the generic pipelines.
class IngestWrite final : public GroupWrite {
  public:
    IngestWrite(routing::InboundMessage m, Store::IngestCallback done)
        : message(std::move(m)), done_(std::move(done)) {}
    void writes(Statements&, std::vector<Result>&, GroupContext&) override {
        throw std::logic_error("an inbound message goes through ingestGroup");
    }
    void complete(const std::string& error) override {
        done_(error.empty() && result
                  ? std::move(*result)
                  : StoreResult<IngestResult>::fail(error.empty() ? "not stored" : error));
    }
    routing::InboundMessage message;
    std::optional<StoreResult<IngestResult>> result;

  private:
    Store::IngestCallback done_;
};

void rollbackIfOpen(Connection& db) {
    if (db.broken() || PQtransactionStatus(db.handle()) == PQTRANS_IDLE) return;
    try {
        db.exec("ROLLBACK");
    } catch (const std::exception&) {
    }
}

}  // namespace

std::string redactDsn(const std::string& dsn) {
    static const std::regex uri_password(R"(^([a-z]+://[^:/@]*):[^@]*@)");
    static const std::regex keyword(R"(password\s*=\s*('([^'\\]|\\.)*'|[^\s&]+))");
    std::string out = std::regex_replace(dsn, uri_password, "$1:***@");
    return std::regex_replace(out, keyword, "password=***");
}

struct PgStore::Pending {
    std::unique_ptr<GroupWrite> write;
    std::string error;  ///< empty: written
};

PgStore::PgStore(PgStoreOptions options, daemon::Metrics* metrics)
    : options_(std::move(options)), metrics_(metrics) {
    options_.readers = std::max<std::size_t>(options_.readers, 1);
    options_.max_batch = std::max<std::size_t>(options_.max_batch, 1);
    const std::string where = redactDsn(options_.connect.dsn);
    pool_ = std::make_unique<Pool>(options_.connect, options_.readers + 1);
    try {
        {
            auto lease = pool_->acquire();
            migrate(*lease);
        }
        node_ = std::make_unique<NodePresence>(options_.connect, options_.node_interval,
                                               options_.connect.connect_timeout);
    } catch (const SchemaError& e) {
        throw PgStoreOpenError("PostgreSQL database " + where + ": " + e.what());
    } catch (const std::exception& e) {
        throw PgStoreOpenError("cannot open PostgreSQL database " + where + ": " + e.what());
    }
    writer_thread_ = daemon::namedThread("ccd-pg-w", [this] { writerLoop(); });
    for (std::size_t i = 0; i < options_.readers; ++i)
        reader_threads_.push_back(daemon::namedThread("ccd-pg-r", [this] { readerLoop(); }));
    if (options_.listen)
        listen_thread_ = daemon::namedThread("ccd-pg-listen", [this] { listenLoop(); });
}

PgStore::~PgStore() { close(); }

void PgStore::fenceWrites(Fence fence) {
    std::lock_guard lock(mutex_);
    fence_ = std::move(fence);
}

void PgStore::submit(std::unique_ptr<GroupWrite> write) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            write_queue_.push_back(std::move(write));
            write_cv_.notify_one();
            return;
        }
    }
    write->complete("the store is shutting down");
}

// ---- Writes ----

void PgStore::ingest(routing::InboundMessage message, IngestCallback done) {
    submit(std::make_unique<IngestWrite>(
        std::move(message), [this, done = std::move(done)](StoreResult<IngestResult> r) {
            if (metrics_ && r) {
                (r.value->duplicate ? metrics_->messages_deduplicated : metrics_->messages_ingested)
                    .fetch_add(1, std::memory_order_relaxed);
            }
            done(std::move(r));
        }));
}

void PgStore::ingestBatch(InboundBatch batch,
                          std::function<void(StoreResult<BatchIngested>)> done) {
    if (auto why = batchUnsupported(batch); !why.empty()) {
        done(StoreResult<BatchIngested>::fail(why));
        return;
    }
    submit(ingestBatchWrite(
        std::move(batch), [this, done = std::move(done)](StoreResult<BatchIngested> r) {
            if (metrics_ && r) {
                for (const auto& m : r.value->messages) {
                    (m.duplicate ? metrics_->messages_deduplicated : metrics_->messages_ingested)
                        .fetch_add(1, std::memory_order_relaxed);
                }
            }
            done(std::move(r));
        }));
}

void PgStore::appendOutbound(OutboundMessage message,
                             std::function<void(StoreResult<std::int64_t>)> done) {
    submit(outboundWrite(std::move(message), std::move(done)));
}

void PgStore::appendEvents(std::vector<EventRecord> events,
                           std::function<void(StoreResult<bool>)> done) {
    submit(eventsWrite(std::move(events), std::move(done)));
}

void PgStore::applyRouting(RoutingUpdate update,
                           std::function<void(StoreResult<RoutingApplied>)> done) {
    submit(routingWrite(std::move(update), std::move(done)));
}

void PgStore::setOutboxListener(std::function<void()> listener) {
    std::lock_guard lock(mutex_);
    outbox_listener_ = std::move(listener);
}

void PgStore::claimOutbox(std::string instance, std::size_t limit, std::int64_t now_ms,
                          std::function<void(StoreResult<OutboxClaim>)> done) {
    submit(claimWrite(std::move(instance), limit, now_ms,
                      OutboxNode{node_->id(), nodeGone(metrics_)}, std::move(done)));
}

void PgStore::completeOutbox(std::vector<OutboxResult> results,
                             std::function<void(StoreResult<std::vector<DeliveryChange>>)> done) {
    submit(completeWrite(std::move(results), node_->id(), std::move(done)));
}

void PgStore::resumeOutbox(std::function<void(StoreResult<std::size_t>)> done) {
    submit(resumeWrite(node_->id(), std::move(done)));
}

// ---- Reads ----

void PgStore::loadRouting(std::function<void(StoreResult<RoutingRecovery>)> done) {
    readJob<RoutingRecovery>([](Connection& db) { return readRoutingRecovery(db); },
                             std::move(done));
}

void PgStore::getConversation(std::int64_t id, ConversationCallback done) {
    readJob<std::optional<ConversationRecord>>(
        [id](Connection& db) { return readConversation(db, id); }, std::move(done));
}

void PgStore::getAttachment(std::int64_t conversation_id, std::int64_t message_id,
                            std::size_t position,
                            std::function<void(StoreResult<std::optional<AttachmentFile>>)> done) {
    readJob<std::optional<AttachmentFile>>(
        [=](Connection& db) {
            return readAttachmentFile(db, conversation_id, message_id, position);
        },
        std::move(done));
}

void PgStore::outboxCounts(
    std::function<void(StoreResult<std::map<std::string, OutboxCounts>>)> done) {
    readJob<std::map<std::string, OutboxCounts>>(
        [](Connection& db) { return readOutboxCounts(db); }, std::move(done));
}

void PgStore::deliveryTarget(std::int64_t conversation_id,
                             std::function<void(StoreResult<std::optional<DeliveryTarget>>)> done) {
    readJob<std::optional<DeliveryTarget>>(
        [conversation_id](Connection& db) { return readDeliveryTarget(db, conversation_id); },
        std::move(done));
}

void PgStore::readChannelState(
    std::string channel_instance,
    std::function<void(StoreResult<std::map<std::string, std::string>>)> done) {
    readJob<std::map<std::string, std::string>>(
        [instance = std::move(channel_instance)](Connection& db) {
            return postgres::readChannelState(db, instance);
        },
        std::move(done));
}

// ---- Threads ----

StoreStatus PgStore::status() const {
    std::lock_guard lock(mutex_);
    StoreStatus s;
    s.driver = "postgres";
    s.location = redactDsn(options_.connect.dsn);
    s.last_error = last_error_;
    s.healthy = last_error_.empty() && !stopping_;
    s.queue_depth = write_queue_.size();
    return s;
}

void PgStore::wakeSender() {
    std::function<void()> listener;
    {
        std::lock_guard lock(mutex_);
        listener = outbox_listener_;
    }
    if (listener) listener();
}

void PgStore::writerLoop() {
    std::vector<Pending> group;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            auto woken = [this] { return stopping_ || !write_queue_.empty(); };
            if (!write_cv_.wait_for(lock, kIdleCheck, woken)) {
                lock.unlock();
                checkServer();
                continue;
            }
            if (write_queue_.empty()) return;  // stopping, and everything is written
            while (!write_queue_.empty() && group.size() < options_.max_batch) {
                group.push_back(Pending{std::move(write_queue_.front()), {}});
                write_queue_.pop_front();
            }
        }
        auto started = std::chrono::steady_clock::now();
        group_queued_ = 0;
        std::string error = writeGroup(group);
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (metrics_) {
            metrics_->store_commit_seconds.observe(seconds);
            metrics_->store_batch_size.observe(static_cast<double>(group.size()));
        }
        setHealth(error);
        if (!error.empty())
            spdlog::error("store: commit of {} writes failed: {}", group.size(), error);
        for (auto& p : group) {
            try {
                p.write->complete(p.error);
            } catch (const std::exception& e) {
                spdlog::error("store: write callback threw: {}", e.what());
            }
        }
        group.clear();
        if (group_queued_ > 0) wakeSender();
    }
}

std::string PgStore::writeGroup(std::vector<Pending>& group) {
    std::vector<Pending*> ingests, others;
    for (auto& p : group)
        (dynamic_cast<IngestWrite*>(p.write.get()) ? ingests : others).push_back(&p);
    std::string group_error;
    try {
        auto lease = pool_->acquire();
        writer_pid_ = lease->backendPid();
        const auto trips = lease->ioStats().round_trips;
        if (!ingests.empty()) {
            std::vector<routing::InboundMessage> messages;
            for (auto* p : ingests)
                messages.push_back(std::move(static_cast<IngestWrite*>(p->write.get())->message));
            try {
                auto results = InboundWriter(*lease).ingestGroup(messages);
                for (std::size_t i = 0; i < ingests.size(); ++i)
                    static_cast<IngestWrite*>(ingests[i]->write.get())->result =
                        std::move(results[i]);
            } catch (const std::exception& e) {
                rollbackIfOpen(*lease);
                for (auto* p : ingests) p->error = std::string("not stored: ") + e.what();
                group_error = e.what();
            }
        }
        if (!others.empty()) runOthers(*lease, others, group_error);
        last_round_trips_ = lease->ioStats().round_trips - trips;
    } catch (const std::exception& e) {  // no connection
        for (auto& p : group) {
            if (p.error.empty()) p.error = std::string("not stored: ") + e.what();
        }
        group_error = e.what();
    }
    return group_error;
}

// The group's writes other than inbound messages, in one transaction: BEGIN and every write's
// reads in one pipeline, every write's statements and COMMIT in the next. A write whose
// statement fails is dropped and the group run again without it (a unique violation, another
// node's concurrent insert, runs it once more first: its reads then see that row).
void PgStore::runOthers(Connection& db, std::vector<Pending*> live, std::string& group_error) {
    std::set<GroupWrite*> retried;
    for (;;) {
        live.erase(
            std::remove_if(live.begin(), live.end(), [](Pending* p) { return !p->error.empty(); }),
            live.end());
        if (live.empty()) return;
        GroupContext ctx;
        ctx.now_ms = nowMs();
        Statements first, second;
        std::optional<Fence> fence;
        {
            std::lock_guard lock(mutex_);
            fence = fence_;
        }
        if (fence) {  // the leader's: nothing is written unless its lease still holds
            second.setOwner(0);
            second.add("SELECT ccd_fence($1, $2::int, $3::text)",
                       {fence->key, fence->pid, fence->backend_start});
        }
        const Statements* sending = nullptr;  // the pipeline in flight, for a failure's owner
        std::size_t current = 0;              // the write whose direct() runs
        bool in_direct = false;               // a direct() runs: its throw is its own
        std::vector<bool> refused(live.size(), false);
        try {
            bool begun = false;
            for (std::size_t i = 0; i < live.size(); ++i) {
                if (!live[i]->write->needsDirect()) continue;
                if (!begun) db.exec("BEGIN");
                begun = true;
                current = i;
                in_direct = true;
                live[i]->write->direct(db, ctx);
                in_direct = false;
            }
            for (std::size_t i = 0; i < live.size(); ++i) {
                first.setOwner(i);
                live[i]->write->reads(first);
            }
            std::vector<Result> r1;
            if (!first.empty()) {
                sending = &first;
                r1 = db.pipeline(first.batch(), {!begun, false});
                begun = true;
            }
            // The conversations the writes update, locked first and in the order of their ids:
            // other nodes' ingest groups update them last in the same order (pg_ingest), so
            // that the two never wait on each other in a cycle (a deadlock costs a second).
            // direct() took none of them: an intake batch's updates of the conversations its
            // messages joined are among these writes (IngestBatchWrite).
            std::vector<std::int64_t> locked;
            for (auto* p : live) p->write->conversationsUpdated(locked);
            if (!locked.empty()) {
                std::sort(locked.begin(), locked.end());
                locked.erase(std::unique(locked.begin(), locked.end()), locked.end());
                second.setOwner(0);
                second.add(
                    "SELECT id FROM conversations WHERE id = ANY($1::bigint[]) ORDER BY id"
                    " FOR NO KEY UPDATE",
                    {bigintArray(locked)});
            }
            for (std::size_t i = 0; i < live.size(); ++i) {
                second.setOwner(i);
                const auto mark = second.size();
                GroupContext saved = ctx;
                try {
                    live[i]->write->writes(second, r1, ctx);
                } catch (const WriteRefused& e) {
                    second.truncate(mark);
                    ctx = saved;
                    live[i]->error = std::string("not stored: ") + e.what();
                    refused[i] = true;
                }
            }
            if (ctx.queued > 0) second.add("SELECT pg_notify($1, '')", {kOutboxChannel});
            sending = &second;
            auto r2 = db.pipeline(second.batch(), {!begun, true});
            for (std::size_t i = 0; i < live.size(); ++i) {
                if (refused[i]) continue;
                try {
                    live[i]->write->wrote(r2);
                } catch (const std::exception& e) {
                    live[i]->error = std::string("stored, but not read back: ") + e.what();
                }
            }
            for (std::size_t i = 0; i < live.size(); ++i) {
                if (refused[i] || !live[i]->error.empty()) continue;
                try {
                    live[i]->write->readAfter(db);
                } catch (const std::exception& e) {
                    spdlog::warn("store: a stored write's reads after commit failed: {}", e.what());
                }
            }
            group_queued_ += ctx.queued;
            return;
        } catch (const PgError& e) {
            rollbackIfOpen(db);
            if (e.sqlstate() == kFenceRefused) {  // another node may lead now: nothing of it
                for (auto* p : live) p->error = std::string("not stored: ") + e.what();
                group_error = e.what();
                return;
            }
            const bool one_write = !e.connectionBroken() && (sending ? e.statement() >= 0 : true);
            if (!one_write) {
                for (auto* p : live) p->error = std::string("not stored: ") + e.what();
                group_error = e.what();
                return;
            }
            const std::size_t owner = sending ? sending->owner(e.statement()) : current;
            // Another node's insert of the same row (a unique violation), or a deadlock or
            // serialization failure with another node's commit: once more, with fresh reads.
            const bool transient = e.uniqueViolation() || e.transientConflict();
            if (transient && retried.insert(live[owner]->write.get()).second) continue;
            live[owner]->error = std::string("not stored: ") + e.what();
        } catch (const std::invalid_argument& e) {  // direct(): text PostgreSQL cannot store
            rollbackIfOpen(db);
            live[current]->error = std::string("not stored: ") + e.what();
        } catch (const std::exception& e) {
            rollbackIfOpen(db);
            if (in_direct && !db.broken()) {  // the write's own failure (pg_store_jobs.hpp)
                live[current]->error = std::string("not stored: ") + e.what();
                continue;
            }
            for (auto* p : live) p->error = std::string("not stored: ") + e.what();
            group_error = e.what();
            return;
        }
        // Refused writes stay refused; the others run again.
    }
}

// The writer, idle: whether the server still answers, so that status() follows it without
// traffic. A healthy pool's idle connection that the server closed (a restart, a shutdown) is
// found without a round trip and a new one opened in its place; after a failure, SELECT 1 says
// when the server is back.
void PgStore::checkServer() {
    bool failing;
    {
        std::lock_guard lock(mutex_);
        failing = !last_error_.empty();
    }
    std::string error;
    try {
        auto lease = pool_->acquire();
        if (failing) lease->exec("SELECT 1");
    } catch (const std::exception& e) {
        error = e.what();
    }
    setHealth(error);
}

void PgStore::setHealth(const std::string& error) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (error.empty() && !last_error_.empty()) {
        spdlog::info("store: PostgreSQL {} answers again, {:.1f} s after the first failure",
                     redactDsn(options_.connect.dsn),
                     std::chrono::duration<double>(now - failing_since_).count());
    } else if (!error.empty() && last_error_.empty()) {
        failing_since_ = now;
        spdlog::error("store: PostgreSQL {} is failing: {}", redactDsn(options_.connect.dsn),
                      error);
    }
    last_error_ = error;
}

void PgStore::readerLoop() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            read_cv_.wait(lock, [this] { return stopping_ || !read_queue_.empty(); });
            if (read_queue_.empty()) return;
            job = std::move(read_queue_.front());
            read_queue_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {
            spdlog::error("store: read job threw: {}", e.what());
        }
    }
}

// LISTEN on its own connection: another node's commit that queued outbound messages wakes
// this node's sender (this node's own commits wake it directly).
void PgStore::listenLoop() {
    std::unique_ptr<Connection> conn;
    bool listen_failing = false;  // logged once until it works again
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (stopping_) return;
        }
        try {
            if (!conn || conn->broken()) {
                conn.reset();
                conn = std::make_unique<Connection>(options_.connect);
                conn->exec(std::string("LISTEN ") + kOutboxChannel);
                listen_failing = false;
                wakeSender();  // what was queued while we did not listen
            }
            pollfd fd{PQsocket(conn->handle()), POLLIN, 0};
            if (::poll(&fd, 1, 200) <= 0) continue;
            if (!PQconsumeInput(conn->handle())) {
                conn.reset();
                continue;
            }
            bool wake = false;
            while (PGnotify* n = PQnotifies(conn->handle())) {
                if (n->be_pid != writer_pid_.load()) wake = true;
                PQfreemem(n);
            }
            if (wake) wakeSender();
        } catch (const std::exception& e) {
            if (conn || !listen_failing)
                spdlog::warn("store: LISTEN {}: {}", kOutboxChannel, e.what());
            listen_failing = true;
            conn.reset();
            std::unique_lock lock(mutex_);
            stop_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
        }
    }
}

void PgStore::close() {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        stopping_ = true;
    }
    write_cv_.notify_all();
    read_cv_.notify_all();
    stop_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    for (auto& t : reader_threads_) {
        if (t.joinable()) t.join();
    }
    if (listen_thread_.joinable()) listen_thread_.join();
    node_->release();  // after the last completion: the other nodes take back what is left
    pool_.reset();
}

}  // namespace ccd::store::postgres
