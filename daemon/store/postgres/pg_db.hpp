#pragma once
// Thin RAII wrappers over libpq, used only by the PostgreSQL store's own threads. A Connection
// is used by one thread at a time (libpq's connections are not thread-safe); a Pool
// (pg_pool.hpp) hands connections out to several threads. Errors throw PgError; the store
// catches them at each operation's boundary.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ccd::store::postgres {

/// A failed connection attempt, libpq call or statement. `sqlstate()` is the server's code
/// ("23505" for a unique violation; empty when libpq itself found the error). When
/// `connectionBroken()`, nothing more can be done on this connection: the caller retries the
/// whole operation on a new one (a batch whose COMMIT was sent may or may not have committed,
/// which intake's deduplication on the provider's id makes safe to retry). Otherwise the
/// connection is usable and the data or the SQL was at fault.
class PgError : public std::runtime_error {
  public:
    PgError(const std::string& message, std::string sqlstate, bool connection_broken,
            int statement = -1)
        : std::runtime_error(message),
          sqlstate_(std::move(sqlstate)),
          broken_(connection_broken),
          statement_(statement) {}

    const std::string& sqlstate() const { return sqlstate_; }
    bool connectionBroken() const { return broken_; }
    /// In a batch (Connection::commitBatch), the failed statement's position (from 0); -1 for
    /// a failure that is not one statement's (BEGIN, COMMIT, the connection) and outside batches.
    int statement() const { return statement_; }
    bool uniqueViolation() const { return sqlstate_ == "23505"; }
    /// A deadlock or serialization failure with another session: the transaction may simply
    /// run again.
    bool transientConflict() const { return sqlstate_ == "40P01" || sqlstate_ == "40001"; }

  private:
    std::string sqlstate_;
    bool broken_;
    int statement_;
};

/// One statement parameter: NULL, a 64-bit integer (sent as int8, so that arithmetic on it is
/// never narrowed to int4), text (UTF-8 without NUL bytes; its type is the one the statement's
/// context gives it) or bytes (sent in binary as bytea, NUL bytes included).
class Param {
  public:
    enum class Kind { Null, Int, Text, Bytea };

    Param(std::nullptr_t) : kind_(Kind::Null) {}
    Param(std::int64_t value) : kind_(Kind::Int), value_(std::to_string(value)) {}
    Param(int value) : Param(static_cast<std::int64_t>(value)) {}
    /// Throws PgError (SQLSTATE 22021, the connection usable) for text with a NUL byte, which
    /// PostgreSQL's text cannot hold: libpq would cut it there and store the rest silently.
    Param(std::string_view text) : kind_(Kind::Text), value_(checkedText(text)) {}
    Param(const char* text) : Param(std::string_view(text)) {}
    Param(const std::string& text) : Param(std::string_view(text)) {}
    /// NULL when empty.
    Param(const std::optional<std::string>& text)
        : kind_(text ? Kind::Text : Kind::Null),
          value_(text ? checkedText(*text) : std::string_view()) {}
    static Param bytea(std::string_view bytes) { return Param(Kind::Bytea, bytes); }

    Kind kind() const { return kind_; }
    const std::string& value() const { return value_; }

  private:
    Param(Kind kind, std::string_view value) : kind_(kind), value_(value) {}
    static std::string_view checkedText(std::string_view text);
    Kind kind_;
    std::string value_;
};

/// A statement's rows (text format), read with a cursor: `while (r.next()) r.columnInt(0);`.
class Result {
  public:
    Result() = default;
    explicit Result(PGresult* result) : result_(result, &PQclear) {}

    int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
    int columns() const { return result_ ? PQnfields(result_.get()) : 0; }
    /// Rows inserted, updated or deleted (PQcmdTuples), 0 for other statements.
    std::int64_t affectedRows() const;
    /// Advances to the next row; true while there is one.
    bool next() { return ++row_ < rows(); }

    /// Columns of the current row. Integers (and booleans as 0/1) from any integer column;
    /// bytea is decoded from its text format; text columns are returned as they are.
    bool isNull(int col) const;
    std::int64_t columnInt(int col) const;
    std::string columnText(int col) const;
    std::optional<std::string> columnOptionalText(int col) const;
    std::string columnBlob(int col) const;

  private:
    void checkCell(int col) const;
    std::shared_ptr<PGresult> result_;
    int row_ = -1;
};

/// Statements for Connection::commitBatch, in order.
class Batch {
  public:
    Batch& add(std::string sql, std::vector<Param> params = {}) {
        items_.push_back({std::move(sql), std::move(params)});
        return *this;
    }
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }

  private:
    friend class Connection;
    struct Item {
        std::string sql;
        std::vector<Param> params;
    };
    std::vector<Item> items_;
};

/// How to reach the database.
struct ConnectOptions {
    /// A libpq connection string or URI ("postgresql://user@host:port/db"). A
    /// `connect_timeout` in it wins over the one below.
    std::string dsn;
    std::chrono::seconds connect_timeout{10};
    std::string application_name = "ccd";
    /// When set, TCP keepalives on the connection: a probe after this long without traffic,
    /// then every second; the connection counts as lost after 3 unanswered probes, or when
    /// data sent is unacknowledged for this long plus 3 s (tcp_user_timeout). Bounds how long a
    /// vanished peer (a pulled cable, a partition) holds a session, and its advisory locks.
    std::optional<std::chrono::seconds> keepalive_idle;
};

/// What a connection did on the network, for tests and benchmarks.
struct IoStats {
    std::uint64_t round_trips = 0;  ///< requests sent, then waited for (a batch counts one)
    std::uint64_t flushes = 0;      ///< PQflush calls (more than one per round trip when the
                                    ///< socket's buffer was full)
    std::uint64_t input_reads = 0;  ///< PQconsumeInput calls, each one read from the socket
};

/// One connection to PostgreSQL, in libpq's nonblocking mode so that every request goes
/// through one send-then-wait loop (counted in IoStats). Statements with parameters are
/// prepared once per connection, by SQL text, as s1, s2, ...; a parameter's type is fixed by
/// its first use (an integer: int8, bytes: bytea, text and NULL: what the SQL makes of them).
class Connection {
  public:
    /// Connects. Throws PgError (SQLSTATE 08001, broken) when the server cannot be reached or
    /// refuses; the message names the host and port, never the password.
    explicit Connection(const ConnectOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs plain SQL: one or more statements, no parameters, no rows returned.
    void exec(std::string_view sql);
    /// Runs one statement with parameters ($1, $2, ...), prepared on first use.
    Result query(std::string_view sql, const std::vector<Param>& params = {});
    /// `query` for a statement without rows; returns the affected row count.
    std::int64_t execute(std::string_view sql, const std::vector<Param>& params = {});
    /// The first column of the first row, if any row and not NULL.
    std::optional<std::string> queryValue(std::string_view sql,
                                          const std::vector<Param>& params = {});

    /// Runs `fn(*this)` between BEGIN and COMMIT; rolls back and rethrows when it throws.
    /// Not nested: throws std::logic_error when a transaction is already open.
    template <class F>
    auto transaction(F&& fn) -> decltype(fn(std::declval<Connection&>()));

    /// Sends BEGIN, every statement of `batch` (preparing the new ones in the same message
    /// stream), COMMIT and one Sync, then waits once: a single round trip, and the server
    /// answers the whole batch in one flush (it flushes at the Sync). Returns each statement's
    /// result. When a statement fails, nothing of the batch is kept: the transaction is rolled
    /// back and PgError::statement() says which statement failed.
    std::vector<Result> commitBatch(const Batch& batch);

    /// What Connection::pipeline sends around the statements.
    struct PipelineEnds {
        bool begin = false;   ///< BEGIN first: no transaction may be open
        bool commit = false;  ///< COMMIT last
    };
    /// commitBatch's single round trip for one step of a longer transaction: the statements
    /// (a statement may read what an earlier one of the same pipeline wrote), preceded by
    /// BEGIN when `ends.begin` (else a transaction must be open: std::logic_error) and
    /// followed by COMMIT when `ends.commit`. When a statement fails, the transaction is
    /// rolled back (it is aborted anyway) and PgError::statement() says which one failed.
    std::vector<Result> pipeline(const Batch& batch, PipelineEnds ends);

    /// True once the connection is known to be unusable.
    bool broken() const;
    /// For a connection that sat idle: reads whatever the server sent meanwhile (a FATAL from
    /// pg_terminate_backend, end of file) without a round trip, and says whether the
    /// connection is still usable and outside any transaction.
    bool checkIdle();
    /// The server process serving this connection (pg_backend_pid()).
    int backendPid() const { return PQbackendPID(conn_); }
    /// Statements prepared on this connection.
    std::size_t preparedCount() const { return prepared_.size(); }
    const IoStats& ioStats() const { return stats_; }
    PGconn* handle() { return conn_; }

  private:
    /// Different SQL texts kept prepared at most; past it (SQL built with varying filters),
    /// further texts run as unnamed statements, parsed per use.
    static constexpr std::size_t kMaxPrepared = 256;

    // A parameter list in libpq's arrays, pointing into the Params (which outlive the call).
    struct Wire {
        explicit Wire(const std::vector<Param>& params);
        int count() const { return static_cast<int>(values.size()); }
        std::vector<const char*> values;
        std::vector<int> lengths;
        std::vector<int> formats;
        std::vector<Oid> types;
    };
    void sendAll();
    PGresult* nextResult();
    Result collect(std::string_view what);
    const std::string* preparedName(std::string_view sql, const std::vector<Param>& params);
    void sendPrepared(const std::string* name, std::string_view sql, const Wire& wire);
    static void onNotice(void* self, const PGresult* notice);
    [[noreturn]] void fail(std::string_view what, int statement = -1);
    void rollbackQuietly() noexcept;
    void requireNoTransaction(std::string_view what) const;

    PGconn* conn_ = nullptr;
    bool broken_ = false;
    std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
    std::uint64_t next_statement_ = 1;
    IoStats stats_;
};

/// A PgError from a failed PGresult (which it does not free).
PgError errorFrom(PGconn* conn, const PGresult* result, std::string_view what, int statement);

template <class F>
auto Connection::transaction(F&& fn) -> decltype(fn(std::declval<Connection&>())) {
    requireNoTransaction("transaction");
    exec("BEGIN");
    try {
        if constexpr (std::is_void_v<decltype(fn(*this))>) {
            fn(*this);
            exec("COMMIT");
        } else {
            auto result = fn(*this);
            exec("COMMIT");
            return result;
        }
    } catch (...) {
        rollbackQuietly();
        throw;
    }
}

}  // namespace ccd::store::postgres
