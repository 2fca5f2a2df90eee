#pragma once
// Both stores' databases side by side, for the suites that run the same checks on the SQLite
// store's free functions and on their PostgreSQL ports (tests/itest/pg_contacts_itest.cpp,
// pg_cases_itest, ...): an SQLite file migrated by the SQLite store's code and a PostgreSQL
// database of the test's own migrated by pg_schema, plain SQL on each (SQL both dialects
// accept), and a comparison of the rows a query returns from both.

#include <sqlite3.h>

#include <boost/test/unit_test.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "daemon/store/postgres/pg_schema.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "tests/support/pg_test_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace ccd::testing {

using Row = std::vector<std::optional<std::string>>;

class StorePair {
  public:
    StorePair() : lite_(dir_.file("ccd.db"), true), pg_(database_.options()) {
        store::sqlite::migrate(lite_);
        store::postgres::migrate(pg_);
    }

    store::sqlite::Connection& lite() { return lite_; }
    store::postgres::Connection& pg() { return pg_; }

    /// `fn(lite())` in a write transaction (as the SQLite store's writer runs it).
    template <class F>
    auto inLite(F&& fn) -> decltype(fn(std::declval<store::sqlite::Connection&>())) {
        lite_.exec("BEGIN IMMEDIATE");
        try {
            if constexpr (std::is_void_v<decltype(fn(lite_))>) {
                fn(lite_);
                lite_.exec("COMMIT");
            } else {
                auto r = fn(lite_);
                lite_.exec("COMMIT");
                return r;
            }
        } catch (...) {
            lite_.exec("ROLLBACK");
            throw;
        }
    }
    /// `fn(pg())` in a transaction.
    template <class F>
    auto inPg(F&& fn) -> decltype(fn(std::declval<store::postgres::Connection&>())) {
        return pg_.transaction(std::forward<F>(fn));
    }

    /// The same SQL on both databases.
    void exec(const std::string& sql) {
        lite_.exec(sql);
        pg_.exec(sql);
    }

    std::vector<Row> liteRows(const std::string& sql) {
        sqlite3_stmt* q = nullptr;
        if (sqlite3_prepare_v2(lite_.handle(), sql.c_str(), -1, &q, nullptr) != SQLITE_OK)
            throw std::runtime_error(sqlite3_errmsg(lite_.handle()));
        std::vector<Row> out;
        while (sqlite3_step(q) == SQLITE_ROW) {
            Row row;
            for (int c = 0; c < sqlite3_column_count(q); ++c) {
                const auto* text = sqlite3_column_text(q, c);
                row.push_back(text ? std::optional<std::string>(std::string(
                                         reinterpret_cast<const char*>(text),
                                         static_cast<std::size_t>(sqlite3_column_bytes(q, c))))
                                   : std::nullopt);
            }
            out.push_back(std::move(row));
        }
        sqlite3_finalize(q);
        return out;
    }
    std::vector<Row> pgRows(const std::string& sql) {
        auto r = pg_.query(sql);
        std::vector<Row> out;
        while (r.next()) {
            Row row;
            for (int c = 0; c < r.columns(); ++c) row.push_back(r.columnOptionalText(c));
            out.push_back(std::move(row));
        }
        return out;
    }

    /// Checks that the query returns the same rows from both databases; returns SQLite's.
    std::vector<Row> sameRows(const std::string& sql) {
        auto lite = liteRows(sql);
        auto pg = pgRows(sql);
        BOOST_TEST_INFO("query: " << sql << "\nsqlite:\n"
                                  << show(lite) << "postgres:\n"
                                  << show(pg));
        BOOST_TEST((lite == pg));
        return lite;
    }

    static std::string show(const std::vector<Row>& rows) {
        std::string out;
        for (const auto& row : rows) {
            for (const auto& c : row) out += (c ? *c : std::string("NULL")) + " | ";
            out += "\n";
        }
        return out;
    }

  private:
    TempDir dir_;
    store::sqlite::Connection lite_;
    PgTestDatabase database_;
    store::postgres::Connection pg_;
};

/// Both results, described by `describe`, are the same; returns SQLite's description.
template <class T, class D>
std::string sameResult(const T& lite, const T& pg, D&& describe) {
    std::string a = describe(lite), b = describe(pg);
    BOOST_TEST(a == b);
    return a;
}

}  // namespace ccd::testing
