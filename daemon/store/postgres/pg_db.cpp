#include "daemon/store/postgres/pg_db.hpp"

#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace ccd::store::postgres {
namespace {

// Type OIDs of pg_type.h (server headers, not libpq-fe.h).
constexpr Oid kInt8Oid = 20;
constexpr Oid kByteaOid = 17;
constexpr Oid kBoolOid = 16;

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// SQLSTATE class 08 (connection exception) and the shutdown codes of class 57 (57P01 admin
// shutdown as pg_terminate_backend sends, 57P02 crash shutdown, 57P03 cannot connect now).
bool breaksConnection(const std::string& sqlstate) {
    return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" ||
           sqlstate == "57P03";
}

}  // namespace

// libpq passes the server's notices here (and would print them on stderr without it). They are
// dropped, but for a FATAL that arrives while no query runs (pg_terminate_backend, a server
// shutdown): the server closes the connection after it.
void Connection::onNotice(void* self, const PGresult* notice) {
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0))
        static_cast<Connection*>(self)->broken_ = true;
}

PgError errorFrom(PGconn* conn, const PGresult* result, std::string_view what, int statement) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    std::string message = trimmed(result ? PQresultErrorMessage(result) : nullptr);
    if (message.empty()) message = trimmed(PQerrorMessage(conn));
    bool broken = PQstatus(conn) == CONNECTION_BAD || breaksConnection(sqlstate);
    std::string text(what);
    if (statement >= 0) text += " (statement " + std::to_string(statement) + ")";
    text += ": " + message;
    if (!sqlstate.empty()) text += " [SQLSTATE " + sqlstate + "]";
    return PgError(text, sqlstate, broken, statement);
}

// ---- Result ----

std::int64_t Result::affectedRows() const {
    if (!result_) return 0;
    const char* n = PQcmdTuples(result_.get());
    std::int64_t count = 0;
    std::from_chars(n, n + std::strlen(n), count);
    return count;
}

void Result::checkCell(int col) const {
    if (row_ < 0 || row_ >= rows()) throw PgError("no current row", "", false);
    if (col < 0 || col >= columns()) throw PgError("no column " + std::to_string(col), "", false);
}

bool Result::isNull(int col) const {
    checkCell(col);
    return PQgetisnull(result_.get(), row_, col) != 0;
}

std::int64_t Result::columnInt(int col) const {
    if (isNull(col)) return 0;
    const char* v = PQgetvalue(result_.get(), row_, col);
    int len = PQgetlength(result_.get(), row_, col);
    if (PQftype(result_.get(), col) == kBoolOid) return v[0] == 't' ? 1 : 0;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(v, v + len, value);
    if (ec != std::errc() || end != v + len) {
        throw PgError("column " + std::to_string(col) + " is not an integer: '" +
                          std::string(v, static_cast<std::size_t>(len)) + "'",
                      "", false);
    }
    return value;
}

std::string Result::columnText(int col) const {
    if (isNull(col)) return {};
    return std::string(PQgetvalue(result_.get(), row_, col),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, col)));
}

std::optional<std::string> Result::columnOptionalText(int col) const {
    if (isNull(col)) return std::nullopt;
    return columnText(col);
}

std::string Result::columnBlob(int col) const {
    if (isNull(col)) return {};
    if (PQftype(result_.get(), col) != kByteaOid) return columnText(col);
    std::size_t size = 0;
    unsigned char* bytes = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, col)), &size);
    if (!bytes) throw PgError("out of memory decoding bytea", "", false);
    std::string out(reinterpret_cast<const char*>(bytes), size);
    PQfreemem(bytes);
    return out;
}

// ---- Connection ----

Connection::Wire::Wire(const std::vector<Param>& params) {
    for (const auto& p : params) {
        bool null = p.kind() == Param::Kind::Null;
        values.push_back(null ? nullptr : p.value().data());
        lengths.push_back(static_cast<int>(p.value().size()));
        formats.push_back(p.kind() == Param::Kind::Bytea ? 1 : 0);
        types.push_back(p.kind() == Param::Kind::Int     ? kInt8Oid
                        : p.kind() == Param::Kind::Bytea ? kByteaOid
                                                         : 0);
    }
}

std::string_view Param::checkedText(std::string_view text) {
    if (text.find('\0') != std::string_view::npos)
        throw PgError("text with a NUL byte cannot be stored in PostgreSQL", "22021", false);
    return text;
}

Connection::Connection(const ConnectOptions& options) {
    // Keywords before "dbname" are defaults: a value in the connection string overrides them.
    std::string timeout = std::to_string(options.connect_timeout.count());
    std::vector<const char*> keys{"connect_timeout", "application_name"};
    std::vector<const char*> values{timeout.c_str(), options.application_name.c_str()};
    std::string idle, user_timeout;
    if (options.keepalive_idle) {
        idle = std::to_string(options.keepalive_idle->count());
        user_timeout = std::to_string((options.keepalive_idle->count() + 3) * 1000);
        for (const char* k : {"keepalives", "keepalives_idle", "keepalives_interval",
                              "keepalives_count", "tcp_user_timeout"})
            keys.push_back(k);
        for (const char* v : {"1", idle.c_str(), "1", "3", user_timeout.c_str()})
            values.push_back(v);
    }
    keys.insert(keys.end(), {"dbname", nullptr});
    values.insert(values.end(), {options.dsn.c_str(), nullptr});
    conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
    if (!conn_) throw PgError("cannot connect to PostgreSQL: out of memory", "08001", true);
    if (PQstatus(conn_) != CONNECTION_OK) {
        // libpq's message names host and port ("connection to server at ... failed: ..."),
        // never the password; the DSN itself is not repeated for that reason.
        std::string message = "cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw PgError(message, "08001", true);
    }
    PQsetNoticeReceiver(conn_, &Connection::onNotice, this);
    if (PQsetnonblocking(conn_, 1) != 0) {
        std::string message = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw PgError("cannot set nonblocking mode: " + message, "", true);
    }
}

Connection::~Connection() {
    if (conn_) PQfinish(conn_);
}

bool Connection::broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

void Connection::fail(std::string_view what, int statement) {
    auto error = errorFrom(conn_, nullptr, what, statement);
    if (error.connectionBroken()) broken_ = true;
    throw error;
}

// Writes libpq's output buffer to the socket. While the socket is full, input is read too:
// the server may be blocked writing answers to us, and not reading, until we do.
void Connection::sendAll() {
    for (;;) {
        ++stats_.flushes;
        int rc = PQflush(conn_);
        if (rc == 0) return;
        if (rc < 0) fail("send");
        pollfd fd{PQsocket(conn_), POLLIN | POLLOUT, 0};
        if (::poll(&fd, 1, -1) < 0 && errno != EINTR) fail("poll");
        if (fd.revents & (POLLIN | POLLERR | POLLHUP)) {
            ++stats_.input_reads;
            if (!PQconsumeInput(conn_)) fail("receive");
        }
    }
}

// The next result, waiting for input while libpq has none complete. NULL ends a query's results.
PGresult* Connection::nextResult() {
    while (PQisBusy(conn_)) {
        pollfd fd{PQsocket(conn_), POLLIN, 0};
        if (::poll(&fd, 1, -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll");
        }
        ++stats_.input_reads;
        if (!PQconsumeInput(conn_)) fail("receive");
    }
    return PQgetResult(conn_);
}

// Sends what was queued for one query and reads all its results; the last one is returned, the
// first error thrown once the query's results are all read (the connection is then ready).
Result Connection::collect(std::string_view what) {
    ++stats_.round_trips;
    sendAll();
    Result last;
    std::optional<PgError> error;
    while (PGresult* r = nextResult()) {
        auto status = PQresultStatus(r);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
            status == PGRES_EMPTY_QUERY) {
            last = Result(r);
        } else {
            if (!error) error = errorFrom(conn_, r, what, -1);
            PQclear(r);
        }
        if (PQstatus(conn_) == CONNECTION_BAD) break;
    }
    if (PQstatus(conn_) == CONNECTION_BAD) broken_ = true;
    if (error) {
        if (broken_) {
            throw PgError(error->what(), error->sqlstate(), true);
        }
        throw *error;
    }
    if (broken_) fail(what);
    return last;
}

void Connection::exec(std::string_view sql) {
    if (broken()) throw PgError(std::string(sql) + ": connection is broken", "", true);
    std::string text(sql);
    if (!PQsendQuery(conn_, text.c_str())) fail(sql);
    collect(sql);
}

// The name `sql` is prepared under, preparing it now (its own round trip) on first use; null
// past kMaxPrepared texts.
const std::string* Connection::preparedName(std::string_view sql,
                                            const std::vector<Param>& params) {
    std::string key(sql);
    if (auto it = prepared_.find(key); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= kMaxPrepared) return nullptr;
    std::string name = "s" + std::to_string(next_statement_++);
    Wire wire(params);
    if (!PQsendPrepare(conn_, name.c_str(), key.c_str(), wire.count(), wire.types.data()))
        fail("prepare");
    collect(sql);
    return &prepared_.emplace(std::move(key), std::move(name)).first->second;
}

void Connection::sendPrepared(const std::string* name, std::string_view sql, const Wire& wire) {
    int ok = 0;
    if (name) {
        ok = PQsendQueryPrepared(conn_, name->c_str(), wire.count(), wire.values.data(),
                                 wire.lengths.data(), wire.formats.data(), 0);
    } else {
        std::string text(sql);
        ok = PQsendQueryParams(conn_, text.c_str(), wire.count(), wire.types.data(),
                               wire.values.data(), wire.lengths.data(), wire.formats.data(), 0);
    }
    if (!ok) fail(sql);
}

Result Connection::query(std::string_view sql, const std::vector<Param>& params) {
    if (broken()) throw PgError(std::string(sql) + ": connection is broken", "", true);
    const std::string* name = preparedName(sql, params);
    Wire wire(params);
    sendPrepared(name, sql, wire);
    return collect(sql);
}

std::int64_t Connection::execute(std::string_view sql, const std::vector<Param>& params) {
    return query(sql, params).affectedRows();
}

std::optional<std::string> Connection::queryValue(std::string_view sql,
                                                  const std::vector<Param>& params) {
    Result r = query(sql, params);
    if (!r.next()) return std::nullopt;
    return r.columnOptionalText(0);
}

bool Connection::checkIdle() {
    // Reads until nothing more is waiting: a FATAL comes first (see onNotice), the end of the
    // connection in a later read. The bound keeps a chatty server from holding us here.
    for (int reads = 0; reads < 16 && !broken(); ++reads) {
        pollfd fd{PQsocket(conn_), POLLIN, 0};
        if (::poll(&fd, 1, 0) <= 0) break;
        ++stats_.input_reads;
        if (!PQconsumeInput(conn_)) broken_ = true;
        while (!broken() && !PQisBusy(conn_)) {
            PGresult* r = PQgetResult(conn_);
            if (!r) break;
            PQclear(r);
        }
    }
    return !broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

void Connection::requireNoTransaction(std::string_view what) const {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE && !broken())
        throw std::logic_error(std::string(what) + " inside an open transaction");
}

void Connection::rollbackQuietly() noexcept {
    if (broken() || PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    try {
        exec("ROLLBACK");
    } catch (...) {
        broken_ = true;  // a session stuck in a transaction is of no use to anyone
    }
}

}  // namespace ccd::store::postgres
