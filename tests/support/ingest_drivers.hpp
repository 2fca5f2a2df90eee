#pragma once
// The ingest path of both stores behind one small interface, so that one test suite checks the
// same expectations on each (tests/itest/pg_ingest_itest.cpp): SQLite's InboundWriter on a
// migrated temporary file, PostgreSQL's on a database of the test's own.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_ingest.hpp"
#include "daemon/store/postgres/pg_schema.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_ingest.hpp"
#include "tests/support/inbound_message.hpp"
#include "tests/support/pg_test_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace ccd::testing {

using Row = std::vector<std::optional<std::string>>;

/// One store's ingest path and plain SQL on its database (SQL both dialects accept).
class IngestDriver {
  public:
    virtual ~IngestDriver() = default;
    virtual std::string name() const = 0;
    /// One message in a transaction of its own.
    virtual store::IngestResult ingest(const routing::InboundMessage& message) = 0;
    /// Messages in one transaction; a failing message fails alone.
    virtual std::vector<store::StoreResult<store::IngestResult>> group(
        const std::vector<routing::InboundMessage>& messages) = 0;
    /// Every row of a query, each column as text (NULL: nullopt).
    virtual std::vector<Row> rows(const std::string& sql) = 0;
    virtual void exec(const std::string& sql) = 0;
    /// Makes the store refuse a message whose text is `body`, as a constraint would.
    virtual void refuseBody(const std::string& body) = 0;

    std::int64_t count(const std::string& table) {
        return std::stoll(rows("SELECT count(*) FROM " + table).at(0).at(0).value());
    }
    std::optional<std::string> value(const std::string& sql) {
        auto r = rows(sql);
        return r.empty() ? std::nullopt : r[0].at(0);
    }
};

class SqliteIngestDriver : public IngestDriver {
  public:
    SqliteIngestDriver() : db_(dir_.file("ccd.db"), true) {
        store::sqlite::migrate(db_);
        writer_ = std::make_unique<store::sqlite::InboundWriter>(db_);
    }
    std::string name() const override { return "sqlite"; }
    store::IngestResult ingest(const routing::InboundMessage& m) override {
        db_.exec("BEGIN IMMEDIATE");
        try {
            auto r = writer_->ingest(m);
            db_.exec("COMMIT");
            return r;
        } catch (...) {
            db_.exec("ROLLBACK");
            throw;
        }
    }
    // As the SQLite store's writer thread does it (SqliteStore::Writer::writeBatch): the group
    // in one transaction, each message under a savepoint here so that a failing one fails alone.
    std::vector<store::StoreResult<store::IngestResult>> group(
        const std::vector<routing::InboundMessage>& messages) override {
        std::vector<store::StoreResult<store::IngestResult>> out;
        db_.exec("BEGIN IMMEDIATE");
        for (const auto& m : messages) {
            db_.exec("SAVEPOINT message");
            try {
                out.push_back(store::StoreResult<store::IngestResult>::ok(writer_->ingest(m)));
                db_.exec("RELEASE message");
            } catch (const std::exception& e) {
                db_.exec("ROLLBACK TO message");
                db_.exec("RELEASE message");
                out.push_back(store::StoreResult<store::IngestResult>::fail(e.what()));
            }
        }
        db_.exec("COMMIT");
        return out;
    }
    std::vector<Row> rows(const std::string& sql) override {
        sqlite3_stmt* q = nullptr;
        if (sqlite3_prepare_v2(db_.handle(), sql.c_str(), -1, &q, nullptr) != SQLITE_OK)
            throw std::runtime_error(sqlite3_errmsg(db_.handle()));
        std::vector<Row> out;
        while (sqlite3_step(q) == SQLITE_ROW) {
            Row row;
            for (int c = 0; c < sqlite3_column_count(q); ++c) {
                const auto* text = sqlite3_column_text(q, c);
                row.push_back(
                    text ? std::optional<std::string>(std::string(
                               reinterpret_cast<const char*>(text), sqlite3_column_bytes(q, c)))
                         : std::nullopt);
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(q);
        return out;
    }
    void exec(const std::string& sql) override { db_.exec(sql); }
    void refuseBody(const std::string& body) override {
        db_.exec("CREATE TRIGGER test_refuse BEFORE INSERT ON messages WHEN NEW.body = '" + body +
                 "' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    }

  private:
    TempDir dir_;
    store::sqlite::Connection db_;
    std::unique_ptr<store::sqlite::InboundWriter> writer_;
};

class PgIngestDriver : public IngestDriver {
  public:
    PgIngestDriver() : db_(database_.options()), writer_(db_) { store::postgres::migrate(db_); }
    std::string name() const override { return "postgres"; }
    store::IngestResult ingest(const routing::InboundMessage& m) override {
        return db_.transaction([&](store::postgres::Connection&) { return writer_.ingest(m); });
    }
    std::vector<store::StoreResult<store::IngestResult>> group(
        const std::vector<routing::InboundMessage>& messages) override {
        return writer_.ingestGroup(messages);
    }
    std::vector<Row> rows(const std::string& sql) override {
        auto r = db_.query(sql);
        std::vector<Row> out;
        while (r.next()) {
            Row row;
            for (int c = 0; c < r.columns(); ++c) row.push_back(r.columnOptionalText(c));
            out.push_back(std::move(row));
        }
        return out;
    }
    void exec(const std::string& sql) override { db_.exec(sql); }
    void refuseBody(const std::string& body) override {
        db_.exec("ALTER TABLE messages ADD CONSTRAINT test_refuse CHECK (body <> '" + body + "')");
    }

    store::postgres::Connection& db() { return db_; }
    /// For a second connection to the same database (another ccd node).
    store::postgres::ConnectOptions options() const { return database_.options(); }
    store::postgres::InboundWriter& writer() { return writer_; }

  private:
    PgTestDatabase database_;
    store::postgres::Connection db_;
    store::postgres::InboundWriter writer_;
};

/// Both stores, each on a fresh database.
inline std::vector<std::unique_ptr<IngestDriver>> bothStores() {
    std::vector<std::unique_ptr<IngestDriver>> out;
    out.push_back(std::make_unique<SqliteIngestDriver>());
    out.push_back(std::make_unique<PgIngestDriver>());
    return out;
}

}  // namespace ccd::testing
