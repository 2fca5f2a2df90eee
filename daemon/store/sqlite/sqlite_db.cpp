#include "daemon/store/sqlite/sqlite_db.hpp"

#include "daemon/store/sqlite/wal_buffer.hpp"

#include <mutex>

namespace ccd::store::sqlite {

void check(sqlite3* db, int rc, std::string_view what) {
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
    std::string msg(what);
    msg += ": ";
    msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw SqliteError(rc & 0xff, msg);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    check(db_,
          sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
          "prepare");
}

Statement::Statement(Connection& db, std::string_view sql) : db_(db.handle()) {
    auto it = db.cache_.find(std::string(sql));
    if (it == db.cache_.end() && db.cache_.size() < Connection::kMaxCachedSql)
        it = db.cache_.emplace(std::string(sql), std::vector<sqlite3_stmt*>()).first;
    if (it != db.cache_.end()) {
        home_ = &it->second;
        if (!home_->empty()) {
            stmt_ = home_->back();
            home_->pop_back();
            return;
        }
    }
    check(db_,
          sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
          "prepare");
}

Statement::~Statement() {
    if (home_ && stmt_) {
        // A statement left mid-way would hold its read transaction open: rewind it first.
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        home_->push_back(stmt_);
        return;
    }
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(db_, sqlite3_bind_int64(stmt_, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    check(db_,
          sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    if (!value) return bindNull(index);
    return bind(index, std::string_view(*value));
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
    check(db_,
          sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bindNull(int index) {
    check(db_, sqlite3_bind_null(stmt_, index), "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    check(db_, rc, "step");
    return false;
}

void Statement::run() {
    try {
        while (step()) {
        }
    } catch (...) {
        reset();
        throw;
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::columnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::columnText(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
}

std::string Statement::columnBlob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
}

std::optional<std::string> Statement::columnOptionalText(int col) const {
    if (columnIsNull(col)) return std::nullopt;
    return columnText(col);
}

bool Statement::columnIsNull(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

namespace {

// SQLite counts every allocation under one process-wide mutex unless told not to, and this
// build has no lookaside, so the store's writer and a report's connection (or the reader)
// would queue on that mutex for every row. Nothing here reads SQLite's memory statistics.
// sqlite3_config works only before sqlite3_initialize, hence once, before the first open.
void initializeSqliteOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        sqlite3_initialize();
    });
}

}  // namespace

Connection::Connection(const std::string& path, bool create) {
    initializeSqliteOnce();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, walBufferVfs());
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw SqliteError(rc & 0xff, "cannot open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Every connection, the store's writer among them: the durability contract (a commit is
    // on disk before its 2xx) and the WAL buffer (wal_buffer.hpp: a commit's frames reach the
    // file at its sync, which NORMAL would skip) both need FULL.
    rc = sqlite3_exec(db_, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = sqlite3_errmsg(db_);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw SqliteError(rc & 0xff, "cannot set synchronous = FULL on " + path + ": " + msg);
    }
}

Connection::~Connection() {
    for (auto& [sql, idle] : cache_)
        for (auto* st : idle) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
}

void Connection::exec(std::string_view sql) {
    char* err = nullptr;
    std::string owned(sql);
    int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw SqliteError(rc & 0xff, msg);
    }
}

std::optional<std::string> Connection::queryText(std::string_view sql) {
    Statement st(db_, sql);
    if (!st.step()) return std::nullopt;
    return st.columnOptionalText(0);
}

std::int64_t Connection::lastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int Connection::changes() const { return sqlite3_changes(db_); }

}  // namespace ccd::store::sqlite
