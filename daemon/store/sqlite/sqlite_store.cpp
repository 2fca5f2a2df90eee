#include "daemon/store/sqlite/sqlite_store.hpp"

// The SQLite store's core: opening, locking and migrating the file, the writer thread's group
// commit, the reader and checkpoint threads, and closing. The operations are served by subject
// in sqlite_store_conversations, sqlite_store_outbox, sqlite_store_contacts, sqlite_store_cases
// and sqlite_store_privacy.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "daemon/metrics.hpp"
#include "daemon/store/sqlite/file_lock.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_store_writer.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::store::sqlite {
namespace {

void configureConnection(Connection& db, std::chrono::milliseconds busy_timeout) {
    sqlite3_busy_timeout(db.handle(), static_cast<int>(busy_timeout.count()));
    db.exec("PRAGMA foreign_keys = ON");
}

// Explains an open-time SQLite failure to the operator.
std::string describeOpenFailure(const std::string& path, const SqliteError& e) {
    switch (e.code()) {
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
            return path + " is corrupt or not a ccd database (" + e.what() +
                   "); restore it from a backup or move it away";
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return path + " is locked by another process (" + e.what() + ")";
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY:
            return "cannot open " + path + " for writing (" + e.what() + ")";
        default:
            return "cannot open database " + path + ": " + e.what();
    }
}

}  // namespace

void SqliteStore::Writer::rollback() noexcept {
    try {
        if (!sqlite3_get_autocommit(db_->handle())) db_->exec("ROLLBACK");
    } catch (const std::exception& e) {
        spdlog::error("store: rollback failed: {}", e.what());
    }
}

std::string SqliteStore::Writer::writeBatch(std::deque<PendingWrite>& batch) {
    std::string error;
    try {
        begin();
        for (auto& op : batch) op.apply(*this);
        commit();
        return {};
    } catch (const std::exception& e) {
        rollback();
        error = e.what();
    }
    std::size_t failed = 0;
    for (auto& op : batch) {
        try {
            begin();
            op.apply(*this);
            commit();
        } catch (const std::exception& e) {
            rollback();
            op.error = std::string("not stored: ") + e.what();
            error = e.what();
            ++failed;
        }
    }
    return failed == batch.size() ? error : std::string();
}

std::optional<ConversationRecord> SqliteStore::Reader::conversation(std::int64_t id) {
    // One read transaction, so the conversation and its messages are one snapshot.
    db_->exec("BEGIN");
    try {
        auto result = conversations_.read(id);
        db_->exec("COMMIT");
        return result;
    } catch (...) {
        db_->exec("ROLLBACK");
        throw;
    }
}

SqliteStore::SqliteStore(SqliteStoreOptions options, daemon::Metrics* metrics)
    : options_(std::move(options)), metrics_(metrics) {
    const std::string& path = options_.path;
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        std::filesystem::create_directories(parent, ec);
        if (ec) throw StoreOpenError("cannot create folder " + parent.string() + ": " + ec.message());
    }

    // One daemon per database file: a second one would interleave its group commits.
    try {
        lock_ = std::make_unique<FileLock>(path + ".lock");
    } catch (const FileLockError& e) {
        throw StoreOpenError("database " + path + " is " + e.what());
    }

    try {
        auto wdb = std::make_unique<Connection>(path, /*create=*/true);
        configureConnection(*wdb, options_.busy_timeout);
        auto mode = wdb->queryText("PRAGMA journal_mode = WAL");
        if (mode != std::optional<std::string>("wal"))
            throw StoreOpenError("cannot switch " + path + " to WAL mode (got " +
                                 mode.value_or("nothing") + ")");
        // Checkpoints run on their own thread (checkpointLoop): this replaces SQLite's automatic
        // checkpoint, which would run inside a COMMIT and stall every request of that batch.
        sqlite3_wal_hook(wdb->handle(), &SqliteStore::onWalCommit, this);
        auto check = wdb->queryText("PRAGMA quick_check(1)");
        if (check != std::optional<std::string>("ok"))
            throw StoreOpenError(path + " is corrupt (quick_check: " + check.value_or("no answer") +
                                 "); restore it from a backup or move it away");
        migrate(*wdb);
        writer_ = std::make_unique<Writer>(std::move(wdb));

        auto rdb = std::make_unique<Connection>(path, /*create=*/false);
        configureConnection(*rdb, options_.busy_timeout);
        rdb->exec("PRAGMA query_only = ON");
        reader_ = std::make_unique<Reader>(std::move(rdb));

        checkpointer_ = std::make_unique<Connection>(path, /*create=*/false);
        configureConnection(*checkpointer_, options_.busy_timeout);
    } catch (const SqliteError& e) {
        writer_.reset();
        reader_.reset();
        checkpointer_.reset();
        lock_.reset();
        throw StoreOpenError(describeOpenFailure(path, e));
    } catch (const StoreOpenError&) {
        writer_.reset();
        reader_.reset();
        checkpointer_.reset();
        lock_.reset();
        throw;
    } catch (const std::exception& e) {
        writer_.reset();
        reader_.reset();
        checkpointer_.reset();
        lock_.reset();
        throw StoreOpenError("cannot open database " + path + ": " + e.what());
    }

    writer_thread_ = daemon::namedThread("ccd-store-w", [this] { writerLoop(); });
    reader_thread_ = daemon::namedThread("ccd-store-r", [this] { readerLoop(); });
    checkpoint_thread_ = daemon::namedThread("ccd-checkpoint", [this] { checkpointLoop(); });
}

int SqliteStore::onWalCommit(void* self, sqlite3*, const char*, int pages) {
    auto* store = static_cast<SqliteStore*>(self);
    store->wal_pages_ = pages;
    // Woken for every checkpoint_pages new frames, not for each commit once the WAL is that
    // large: while the checkpointer lags, the WAL is not restarted and keeps its size, and a
    // checkpoint per commit copied the same pages (the tables' last pages, the indexes' upper
    // levels) back into the database again and again (30 KB written a new customer, not 23).
    if (pages < store->checkpoint_mark_) store->checkpoint_mark_ = 0;  // the WAL restarted
    if (pages - store->checkpoint_mark_ >= store->options_.checkpoint_pages) {
        store->checkpoint_mark_ = pages;
        // Called on the writer thread right after a commit, without mutex_ held.
        std::lock_guard lock(store->mutex_);
        store->checkpoint_due_ = true;
        store->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
}

void SqliteStore::checkpointLoop() {
    // Under continuous load this thread's checkpoints never reach the WAL's moving end, and
    // SQLite syncs the database file only after a checkpoint that does: the pages copied here
    // stayed dirty in the page cache until the writer's own checkpoint (writerLoop), whose
    // fdatasync of the database then wrote some 16 MB and held every commit for 8-16 ms, seven
    // times a second under a burst of new customers (the intake's p99). Synced here after each
    // checkpoint instead, by a descriptor of our own (fdatasync writes the file's pages
    // whichever descriptor dirtied them), the writer's sync finds little to write. Syncing
    // more often than SQLite asks is never less safe.
    const int db_fd = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (db_fd < 0) {
        spdlog::warn("store: cannot open {} to sync it after checkpoints: {}", options_.path,
                     std::strerror(errno));
    }
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // Also checkpoint now and then when idle, so the WAL does not linger large.
            checkpoint_cv_.wait_for(lock, std::chrono::seconds(1),
                                    [this] { return stopping_ || checkpoint_due_; });
            if (stopping_) break;
            checkpoint_due_ = false;
        }
        int wal_pages = 0, copied = 0;
        int rc = sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr,
                                           SQLITE_CHECKPOINT_PASSIVE, &wal_pages, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(checkpointer_->handle()));
        } else if (copied > 0 && db_fd >= 0 && ::fdatasync(db_fd) != 0) {
            spdlog::warn("store: sync of the database after a checkpoint failed: {}",
                         std::strerror(errno));
        }
        std::lock_guard lock(mutex_);
        ++checkpoints_done_;
    }
    if (db_fd >= 0) ::close(db_fd);
}

SqliteStore::~SqliteStore() { close(); }

void SqliteStore::submitWrite(std::function<void(Writer&)> apply,
                              std::function<void(const std::string& error)> complete) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            write_queue_.push_back(PendingWrite{std::move(apply), std::move(complete), {}});
            write_cv_.notify_one();
            return;
        }
    }
    complete("the store is shutting down");
}

void SqliteStore::submitDbWrite(std::function<void(Connection&)> apply,
                                std::function<void(const std::string& error)> complete) {
    submitWrite([apply = std::move(apply)](Writer& w) { apply(w.db()); }, std::move(complete));
}

void SqliteStore::submitRead(std::function<void(Connection&)> job, std::function<void()> refused) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            read_queue_.push_back(std::move(job));
            read_cv_.notify_one();
            return;
        }
    }
    refused();
}

StoreStatus SqliteStore::status() const {
    std::lock_guard lock(mutex_);
    StoreStatus s;
    s.driver = "sqlite";
    s.location = options_.path;
    s.last_error = last_error_;
    s.healthy = last_error_.empty() && !stopping_;
    s.queue_depth = write_queue_.size();
    return s;
}

void SqliteStore::writerLoop() {
    std::deque<PendingWrite> batch;
    bool restart_asked = false;     // the checkpointer was asked to copy the WAL back ...
    std::uint64_t restart_after = 0;  // ... when it had made this many checkpoints
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            write_cv_.wait(lock, [this] { return stopping_ || !write_queue_.empty(); });
            if (write_queue_.empty()) return;  // stopping, and everything is written
            auto take = std::min<std::size_t>(write_queue_.size(),
                                              static_cast<std::size_t>(options_.max_batch));
            for (std::size_t i = 0; i < take; ++i) {
                batch.push_back(std::move(write_queue_.front()));
                write_queue_.pop_front();
            }
        }

        auto started = std::chrono::steady_clock::now();
        std::string commit_error = writer_->writeBatch(batch);
        if (wal_pages_ >= 4 * options_.checkpoint_pages) {
            // Under continuous load the background checkpoint never catches the moving end of
            // the WAL, and SQLite restarts the WAL only once every frame is copied back: the
            // writer finishes the copy itself, between two batches, so that the WAL is reused
            // instead of growing without bound. Every commit waits meanwhile, so first the
            // checkpointer is asked to copy (and sync) what there is, and the writer copies
            // only what came after, at the first batch after that checkpoint (a 4,000-page WAL
            // copied from the last background checkpoint held the commits ~5 ms; ~1 ms now).
            // At twice the size it does not wait for the checkpointer any longer.
            const std::uint64_t done = checkpointsDone();
            if (!restart_asked) {
                restart_asked = true;
                restart_after = done;
                {
                    std::lock_guard lock(mutex_);
                    checkpoint_due_ = true;
                }
                checkpoint_cv_.notify_one();
            } else if (done > restart_after || wal_pages_ >= 8 * options_.checkpoint_pages) {
                int wal = 0, copied = 0;
                sqlite3_wal_checkpoint_v2(writer_->db().handle(), nullptr,
                                          SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
                wal_pages_ = 0;
                restart_asked = false;
            }
        }
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (metrics_) {
            metrics_->store_commit_seconds.observe(seconds);
            metrics_->store_batch_size.observe(static_cast<double>(batch.size()));
        }
        {
            std::lock_guard lock(mutex_);
            if (!commit_error.empty()) {
                last_error_ = commit_error;
            } else {
                last_error_.clear();
            }
        }
        if (!commit_error.empty()) {
            spdlog::error("store: commit of {} writes failed: {}", batch.size(), commit_error);
        }

        for (auto& op : batch) {
            try {
                op.complete(op.error);
            } catch (const std::exception& e) {
                spdlog::error("store: write callback threw: {}", e.what());
            }
        }
        batch.clear();
        if (writer_->routing().takeQueued() > 0) {
            std::function<void()> listener;
            {
                std::lock_guard lock(mutex_);
                listener = outbox_listener_;
            }
            if (listener) listener();
        }
    }
}

std::uint64_t SqliteStore::checkpointsDone() const {
    std::lock_guard lock(mutex_);
    return checkpoints_done_;
}

void SqliteStore::readerLoop() {
    for (;;) {
        std::function<void(Connection&)> job;
        {
            std::unique_lock lock(mutex_);
            read_cv_.wait(lock, [this] { return stopping_ || !read_queue_.empty(); });
            if (read_queue_.empty()) return;
            job = std::move(read_queue_.front());
            read_queue_.pop_front();
        }
        try {
            job(reader_->db());
        } catch (const std::exception& e) {
            spdlog::error("store: read job threw: {}", e.what());
        }
    }
}

void SqliteStore::close() {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        stopping_ = true;
    }
    write_cv_.notify_all();
    read_cv_.notify_all();
    checkpoint_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    if (reader_thread_.joinable()) reader_thread_.join();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    reader_.reset();
    checkpointer_.reset();
    if (writer_) {
        try {
            // Fold the WAL back into the main file so a clean stop leaves one file.
            writer_->db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (const std::exception& e) {
            spdlog::warn("store: final checkpoint failed: {}", e.what());
        }
        writer_.reset();
    }
    lock_.reset();
}

}  // namespace ccd::store::sqlite
