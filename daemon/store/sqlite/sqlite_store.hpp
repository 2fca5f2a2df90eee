#pragma once
// The embedded default store: one SQLite file in WAL mode with synchronous=FULL.
// Writes go through one writer thread that groups every write queued while the previous commit
// was syncing into one transaction (group commit), so durability does not cost throughput.
// Reads run on a second connection and thread, concurrently with writes. WAL checkpoints run on a
// third, so that copying pages back into the database never delays a commit.

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "daemon/store/case_store.hpp"
#include "daemon/store/session_store.hpp"
#include "daemon/store/store.hpp"

struct sqlite3;

namespace ccd::daemon {
class Metrics;
}

namespace ccd::store::sqlite {

class Connection;
class FileLock;

/// Start-up failure: the file is corrupt, locked, newer than this build, or cannot be created.
class StoreOpenError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Settings of the SQLite store.
struct SqliteStoreOptions {
    std::string path;
    int max_batch = 512;
    std::chrono::milliseconds busy_timeout{5000};
    int checkpoint_pages = 1000;  ///< WAL size that wakes the background checkpointer
};

/// Thread safety: as Store. Construction and destruction on one thread.
class SqliteStore final : public Store, public CaseStore, public SessionStore {
public:
    /// Opens (creating it and its folder when missing), locks, checks and migrates the database.
    /// Throws StoreOpenError with a message fit for the operator.
    SqliteStore(SqliteStoreOptions options, daemon::Metrics* metrics);
    ~SqliteStore() override;

    // Served by subject: sqlite_store_conversations.cpp (messages in and out, routing, the
    // conversation reads), sqlite_store_outbox.cpp (the outbox, delivery targets, channel
    // state), sqlite_store_contacts.cpp (contacts, API keys); the threads in sqlite_store.cpp.
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
    void completeOutbox(std::vector<OutboxResult> results,
                        std::function<void(StoreResult<std::vector<DeliveryChange>>)> done)
        override;
    void resumeOutbox(std::function<void(StoreResult<std::size_t>)> done) override;
    void outboxCounts(
        std::function<void(StoreResult<std::map<std::string, OutboxCounts>>)> done) override;
    void getAttachment(std::int64_t conversation_id, std::int64_t message_id,
                       std::size_t position,
                       std::function<void(StoreResult<std::optional<AttachmentFile>>)> done) override;
    void deliveryTarget(std::int64_t conversation_id,
                        std::function<void(StoreResult<std::optional<DeliveryTarget>>)> done)
        override;
    void readChannelState(
        std::string channel_instance,
        std::function<void(StoreResult<std::map<std::string, std::string>>)> done) override;
    void loadApiKeys(std::function<void(StoreResult<std::vector<ApiKeyRecord>>)> done) override;
    // Privacy: sqlite_store_privacy.cpp.
    void appendAudit(std::vector<AuditRecord> entries,
                     std::function<void(StoreResult<bool>)> done) override;
    void queryAudit(AuditQuery query, std::function<void(StoreResult<AuditPage>)> done) override;
    void eraseContact(std::string key, AuditRecord audit,
                      std::function<void(StoreResult<std::optional<ErasureResult>>)> done) override;
    void exportContact(std::string key,
                       std::function<void(StoreResult<std::optional<ContactExport>>)> done) override;
    void runRetention(RetentionRequest request,
                      std::function<void(StoreResult<RetentionReport>)> done) override;
    StoreStatus status() const override;
    void close() override;

    // CaseStore (sqlite_store_cases.cpp)
    void insertCase(CaseRow row, std::function<void(StoreResult<std::int64_t>)> done) override;
    void updateCase(CaseRow row, std::function<void(StoreResult<bool>)> done) override;
    void getCase(std::int64_t id,
                 std::function<void(StoreResult<std::optional<CaseRow>>)> done) override;
    void listCases(CaseListQuery query,
                   std::function<void(StoreResult<std::vector<CaseRow>>)> done) override;
    void dueCases(std::int64_t now_ms, std::size_t limit,
                  std::function<void(StoreResult<std::vector<CaseRow>>)> done) override;
    void nextCaseWakeup(std::function<void(StoreResult<std::optional<std::int64_t>>)> done) override;
    void caseContact(std::int64_t contact_id,
                     std::function<void(StoreResult<std::optional<CaseContact>>)> done) override;
    void followUpConversation(FollowUpConversationRequest request,
                              std::function<void(StoreResult<std::int64_t>)> done) override;

    // SessionStore (sqlite_store_sessions.cpp)
    void putSessions(std::vector<SessionRow> rows, std::int64_t now_ms,
                     std::function<void(StoreResult<std::size_t>)> done) override;
    void deleteSessions(std::vector<std::string> token_hashes,
                        std::function<void(StoreResult<std::size_t>)> done) override;
    void loadSessions(std::int64_t now_ms,
                      std::function<void(StoreResult<std::vector<SessionRow>>)> done) override;

private:
    struct PendingWrite;
    class Writer;
    class Reader;
    /// Queues a write for the next group commit: `apply` runs inside the batch's transaction
    /// (it throws to fail); `complete` runs after the commit with an empty error, or with the
    /// reason when the write failed.
    void submitWrite(std::function<void(Writer&)> apply,
                     std::function<void(const std::string& error)> complete);
    /// submitWrite for code that needs only the writer's connection (the privacy functions).
    void submitDbWrite(std::function<void(Connection&)> apply,
                       std::function<void(const std::string& error)> complete);
    /// A write on the writer's connection, in the next group commit, whose value goes to `done`
    /// once committed (its failure, or the commit's, as a StoreError).
    template <class T>
    void writeJob(std::function<T(Connection&)> write, std::function<void(StoreResult<T>)> done) {
        auto value = std::make_shared<std::optional<T>>();
        submitDbWrite([write = std::move(write), value](Connection& db) { *value = write(db); },
                      [value, done = std::move(done)](const std::string& error) {
                          if (!error.empty() || !*value) {
                              done(StoreResult<T>::fail(error.empty() ? "not stored" : error));
                          } else {
                              done(StoreResult<T>::ok(std::move(**value)));
                          }
                      });
    }
    /// One batch of a retention run, then the next from its completion.
    struct RetentionRun;
    void retentionBatch(std::shared_ptr<RetentionRun> run);
    /// Queues a read on the reader thread.
    void submitRead(std::function<void(Connection&)> job, std::function<void()> refused);
    /// A read on the reader thread whose value (or exception) goes to `done`.
    template <class T>
    void readJob(std::function<T(Connection&)> read, std::function<void(StoreResult<T>)> done) {
        submitRead(
            [read = std::move(read), done](Connection& db) {
                StoreResult<T> result;
                try {
                    result = StoreResult<T>::ok(read(db));
                } catch (const std::exception& e) {
                    result = StoreResult<T>::fail(std::string("read failed: ") + e.what());
                }
                done(std::move(result));
            },
            [done] { done(StoreResult<T>::fail("the store is shutting down")); });
    }

    void writerLoop();
    void readerLoop();
    void checkpointLoop();
    std::uint64_t checkpointsDone() const;
    static int onWalCommit(void* self, sqlite3* db, const char* name, int pages);

    SqliteStoreOptions options_;
    daemon::Metrics* metrics_;
    std::unique_ptr<FileLock> lock_;
    std::unique_ptr<Writer> writer_;
    std::unique_ptr<Reader> reader_;
    std::unique_ptr<Connection> checkpointer_;

    mutable std::mutex mutex_;
    std::condition_variable write_cv_;
    std::condition_variable read_cv_;
    std::condition_variable checkpoint_cv_;
    bool checkpoint_due_ = false;
    std::uint64_t checkpoints_done_ = 0;  ///< background checkpoints run (writerLoop waits on it)
    int wal_pages_ = 0;  ///< WAL size after the last commit; writer thread only
    int checkpoint_mark_ = 0;  ///< WAL size when the checkpointer was last woken; writer only
    std::deque<PendingWrite> write_queue_;
    std::deque<std::function<void(Connection&)>> read_queue_;
    bool stopping_ = false;
    bool closed_ = false;
    std::string last_error_;
    std::function<void()> outbox_listener_;

    std::thread writer_thread_;
    std::thread reader_thread_;
    std::thread checkpoint_thread_;
};

}  // namespace ccd::store::sqlite
