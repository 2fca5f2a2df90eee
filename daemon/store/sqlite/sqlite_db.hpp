#pragma once
// Thin RAII wrappers over the SQLite C API, used only by the store's own threads.
// Errors throw SqliteError; the store catches them at each operation's boundary.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ccd::store::sqlite {

class Connection;

/// A failed SQLite call, with the primary result code.
class SqliteError : public std::runtime_error {
public:
    SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

/// A prepared statement; reset and rebound for every use.
class Statement {
public:
    /// Prepares `sql` for this statement alone (finalized with it).
    Statement(sqlite3* db, std::string_view sql);
    /// Takes `sql` prepared from the connection's cache (prepared there on first use) and gives
    /// it back, reset and unbound, when destroyed: a query run per message is parsed once.
    Statement(Connection& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::optional<std::string>& value);
    Statement& bindNull(int index);
    /// Binds bytes as a BLOB (text binding would let SQLite read them as UTF-8).
    Statement& bindBlob(int index, std::string_view bytes);

    /// Advances; true while a row is available.
    bool step();
    /// Runs a statement that returns no rows, then resets it.
    void run();
    /// Clears bindings and rewinds so the statement can be used again.
    void reset();

    std::int64_t columnInt(int col) const;
    std::string columnText(int col) const;
    std::optional<std::string> columnOptionalText(int col) const;
    std::string columnBlob(int col) const;
    bool columnIsNull(int col) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::vector<sqlite3_stmt*>* home_ = nullptr;  // the cache's idle copies of this SQL, if cached
};

/// One SQLite connection.
class Connection {
public:
    /// Opens (creating when `create`) the file. Throws SqliteError.
    Connection(const std::string& path, bool create);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Executes one or more statements without results.
    void exec(std::string_view sql);
    /// Runs a single-value query (PRAGMA or SELECT) and returns the first column of the first row.
    std::optional<std::string> queryText(std::string_view sql);
    std::int64_t lastInsertRowid() const;
    int changes() const;
    sqlite3* handle() { return db_; }

private:
    friend class Statement;
    /// Different SQL texts kept prepared at most; past it (SQL built with varying filters),
    /// further texts are prepared and finalized per use.
    static constexpr std::size_t kMaxCachedSql = 256;

    sqlite3* db_ = nullptr;
    // Idle prepared statements by SQL text. Nodes are stable, so a Statement holds its vector.
    std::unordered_map<std::string, std::vector<sqlite3_stmt*>> cache_;
};

/// Throws SqliteError for a non-OK result code, with the connection's message.
void check(sqlite3* db, int rc, std::string_view what);

/// `read(db)` from one snapshot: in a read transaction of its own, unless the connection is
/// already in one (then in that).
template <class F>
auto inReadSnapshot(Connection& db, F&& read) -> decltype(read(db)) {
    if (!sqlite3_get_autocommit(db.handle())) return read(db);
    db.exec("BEGIN");
    try {
        auto result = read(db);
        db.exec("COMMIT");
        return result;
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
}

}  // namespace ccd::store::sqlite
