#pragma once
// The PostgreSQL store, for several ccd nodes sharing one database. Writes go through one
// writer thread that groups every write queued while the previous group was committing:
// inbound messages (Store::ingest) into one transaction of pg_ingest's ingestGroup (waves + 1
// round trips), every other write into one more transaction of two pipelines (pg_write.hpp),
// preceded by the round trips of the writes served by the store's free functions (contacts,
// cases, the audit log, erasure, retention: pg_store_jobs.hpp's FunctionWrite).
// Reads run on reader threads, each on a connection of the pool. Other nodes' outbound
// messages wake this node's sender through LISTEN/NOTIFY.
//
// While the server is away every write fails at once ("not stored") and status() is unhealthy
// (/healthz answers 503): a commit failed, or the idle writer's check, once a second, found
// the server gone. Broken connections are replaced as they are next used; the first commit or
// check that works makes the store healthy again, without a restart.
//
// Each store is a node (pg_node.hpp) that claims outbox rows in its own name: resumeOutbox puts
// back only rows of nodes that are gone (or of its own id), and each claim first takes back the
// instance's rows of nodes that are gone (docs/outbox.md, "Several nodes").
//
// Known limit: a group whose connection is lost while it commits is reported failed although
// it may have committed (intake's retries are deduplicated; a claim's rows then stay `sending`,
// this node's, until its next start).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daemon/store/case_store.hpp"
#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_lease.hpp"
#include "daemon/store/session_store.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {
class Metrics;
}

namespace ccd::store::postgres {

class GroupWrite;
class NodePresence;
class Pool;

/// Start-up failure: the server cannot be reached, refuses us, or its schema is newer.
class PgStoreOpenError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Settings of the PostgreSQL store.
struct PgStoreOptions {
    ConnectOptions connect;
    std::size_t readers = 2;  ///< reader threads, each with a connection when busy
    std::size_t max_batch = 512;
    bool listen = true;  ///< LISTEN for other nodes' outbound messages
    /// How often the session that shows this node alive is checked, and taken again when lost.
    std::chrono::milliseconds node_interval{1000};
};

/// The DSN without its password, for logs and /healthz.
std::string redactDsn(const std::string& dsn);

/// Thread safety: as Store. Construction and destruction on one thread.
class PgStore final : public Store, public CaseStore, public SessionStore {
  public:
    /// Connects, checks and migrates the database. Throws PgStoreOpenError.
    PgStore(PgStoreOptions options, daemon::Metrics* metrics);
    ~PgStore() override;

    /// The leader's writes other than inbound messages (the engine's decisions, console
    /// actions, events) are fenced from now on: each such transaction first runs ccd_fence
    /// (schema 15) and is refused when the session that took the engine's lease no longer
    /// holds it (pg_lease.hpp). Their writes then fail, "this node no longer holds the
    /// engine's lease"; the node itself exits (EngineLease).
    void fenceWrites(Fence fence);

    void ingest(routing::InboundMessage message, IngestCallback done) override;
    void ingestBatch(InboundBatch batch,
                     std::function<void(StoreResult<BatchIngested>)> done) override;
    void appendOutbound(OutboundMessage message,
                        std::function<void(StoreResult<std::int64_t>)> done) override;
    void appendEvents(std::vector<EventRecord> events,
                      std::function<void(StoreResult<bool>)> done) override;
    void putContact(ContactUpdate update,
                    std::function<void(StoreResult<ContactPutResult>)> done) override;
    void putContacts(std::vector<ContactUpdate> updates,
                     std::function<void(StoreResult<std::size_t>)> done) override;
    void getContact(std::string key,
                    std::function<void(StoreResult<std::optional<ContactDetails>>)> done) override;
    void getContactHistory(
        ContactHistoryQuery query,
        std::function<void(StoreResult<std::optional<ContactHistory>>)> done) override;
    void applyRouting(RoutingUpdate update,
                      std::function<void(StoreResult<RoutingApplied>)> done) override;
    void loadRouting(std::function<void(StoreResult<RoutingRecovery>)> done) override;
    void getConversation(std::int64_t id, ConversationCallback done) override;
    void setOutboxListener(std::function<void()> listener) override;
    void claimOutbox(std::string channel_instance, std::size_t limit, std::int64_t now_ms,
                     std::function<void(StoreResult<OutboxClaim>)> done) override;
    void completeOutbox(
        std::vector<OutboxResult> results,
        std::function<void(StoreResult<std::vector<DeliveryChange>>)> done) override;
    void resumeOutbox(std::function<void(StoreResult<std::size_t>)> done) override;
    void outboxCounts(
        std::function<void(StoreResult<std::map<std::string, OutboxCounts>>)> done) override;
    void getAttachment(
        std::int64_t conversation_id, std::int64_t message_id, std::size_t position,
        std::function<void(StoreResult<std::optional<AttachmentFile>>)> done) override;
    void deliveryTarget(
        std::int64_t conversation_id,
        std::function<void(StoreResult<std::optional<DeliveryTarget>>)> done) override;
    void readChannelState(
        std::string channel_instance,
        std::function<void(StoreResult<std::map<std::string, std::string>>)> done) override;
    void loadApiKeys(std::function<void(StoreResult<std::vector<ApiKeyRecord>>)> done) override;
    void appendAudit(std::vector<AuditRecord> entries,
                     std::function<void(StoreResult<bool>)> done) override;
    void queryAudit(AuditQuery query, std::function<void(StoreResult<AuditPage>)> done) override;
    void eraseContact(std::string key, AuditRecord audit,
                      std::function<void(StoreResult<std::optional<ErasureResult>>)> done) override;
    void exportContact(
        std::string key,
        std::function<void(StoreResult<std::optional<ContactExport>>)> done) override;
    void runRetention(RetentionRequest request,
                      std::function<void(StoreResult<RetentionReport>)> done) override;
    StoreStatus status() const override;
    void close() override;

    // CaseStore (pg_store_cases.cpp).
    void insertCase(CaseRow row, std::function<void(StoreResult<std::int64_t>)> done) override;
    void updateCase(CaseRow row, std::function<void(StoreResult<bool>)> done) override;
    void getCase(std::int64_t id,
                 std::function<void(StoreResult<std::optional<CaseRow>>)> done) override;
    void listCases(CaseListQuery query,
                   std::function<void(StoreResult<std::vector<CaseRow>>)> done) override;
    void dueCases(std::int64_t now_ms, std::size_t limit,
                  std::function<void(StoreResult<std::vector<CaseRow>>)> done) override;
    void nextCaseWakeup(
        std::function<void(StoreResult<std::optional<std::int64_t>>)> done) override;
    void caseContact(std::int64_t contact_id,
                     std::function<void(StoreResult<std::optional<CaseContact>>)> done) override;
    void followUpConversation(FollowUpConversationRequest request,
                              std::function<void(StoreResult<std::int64_t>)> done) override;

    // SessionStore (pg_store_sessions.cpp).
    void putSessions(std::vector<SessionRow> rows, std::int64_t now_ms,
                     std::function<void(StoreResult<std::size_t>)> done) override;
    void deleteSessions(std::vector<std::string> token_hashes,
                        std::function<void(StoreResult<std::size_t>)> done) override;
    void loadSessions(std::int64_t now_ms,
                      std::function<void(StoreResult<std::vector<SessionRow>>)> done) override;

    /// Round trips of the writer's last group, for tests and benchmarks.
    std::uint64_t lastGroupRoundTrips() const { return last_round_trips_.load(); }

  private:
    struct Pending;
    void submit(std::unique_ptr<GroupWrite> write);
    void submitRead(std::function<void(Connection&)> job, std::function<void(std::string)> failed);
    template <class T>
    void readJob(std::function<T(Connection&)> read, std::function<void(StoreResult<T>)> done);

    struct RetentionRun;
    /// One batch of a retention run in one commit; the next one queued when it committed.
    void retentionBatch(std::shared_ptr<RetentionRun> run);

    void writerLoop();
    /// The writer, idle for kIdleCheck: checks the server (status() follows it).
    void checkServer();
    /// Records the last commit's or check's error (empty: it worked), logging each change.
    void setHealth(const std::string& error);
    void readerLoop();
    void listenLoop();
    /// Commits one group; returns the error that failed it as a whole (empty: committed, or
    /// only some writes failed).
    std::string writeGroup(std::vector<Pending>& group);
    void runOthers(Connection& db, std::vector<Pending*> live, std::string& group_error);
    void wakeSender();

    PgStoreOptions options_;
    daemon::Metrics* metrics_;
    std::unique_ptr<Pool> pool_;
    std::unique_ptr<NodePresence> node_;

    mutable std::mutex mutex_;
    std::condition_variable write_cv_;
    std::condition_variable read_cv_;
    std::condition_variable stop_cv_;
    std::deque<std::unique_ptr<GroupWrite>> write_queue_;
    std::deque<std::function<void()>> read_queue_;
    bool stopping_ = false;
    bool closed_ = false;
    std::string last_error_;  ///< of the last commit or server check; empty: healthy
    std::chrono::steady_clock::time_point failing_since_;
    static constexpr std::chrono::seconds kIdleCheck{1};
    std::function<void()> outbox_listener_;
    std::optional<Fence> fence_;  ///< under mutex_
    std::atomic<int> writer_pid_{0};
    std::atomic<std::uint64_t> last_round_trips_{0};
    std::size_t group_queued_ = 0;  ///< outbox entries the current group queued; writer only

    std::thread writer_thread_;
    std::vector<std::thread> reader_threads_;
    std::thread listen_thread_;
};

}  // namespace ccd::store::postgres
