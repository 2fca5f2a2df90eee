#pragma once
// PostgreSQL for the tests: the server's DSN and a database of one test's own, dropped after.
// The server is CCD_PG_TEST_DSN's when that is set, else the throwaway cluster that the
// pg_cluster CTest fixture (tests/postgres.cmake, tests/support/pg_cluster.sh) started, whose
// DSN is in the file CCD_PG_DSN_FILE (a path given at configure time).

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::testing {

inline std::string pgServerDsn() {
    if (const char* env = std::getenv("CCD_PG_TEST_DSN"); env && *env) return env;
#ifdef CCD_PG_DSN_FILE
    std::ifstream in(CCD_PG_DSN_FILE);
    std::string dsn;
    if (in && std::getline(in, dsn) && !dsn.empty()) return dsn;
    throw std::runtime_error(std::string("no PostgreSQL DSN in ") + CCD_PG_DSN_FILE +
                             " (run through ctest, which starts the pg_cluster fixture, or set "
                             "CCD_PG_TEST_DSN)");
#else
    throw std::runtime_error("set CCD_PG_TEST_DSN");
#endif
}

inline store::postgres::ConnectOptions pgOptions(const std::string& dsn) {
    store::postgres::ConnectOptions options;
    options.dsn = dsn;
    options.connect_timeout = std::chrono::seconds(10);
    options.application_name = "ccd-test";
    return options;
}

/// A database created for one test on the test server, dropped (with its sessions) at the end.
class PgTestDatabase {
  public:
    PgTestDatabase() : admin_(pgOptions(pgServerDsn())) {
        static std::atomic<int> counter{0};
        name_ = "ccd_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
        admin_.exec("CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8'");
        // The admin connection's own parameters (host, port, user, ...) with this database.
        PQconninfoOption* info = PQconninfo(admin_.handle());
        for (auto* o = info; o && o->keyword; ++o) {
            std::string key = o->keyword;
            if (!o->val || key == "dbname" || key == "replication") continue;
            dsn_ += key + "='" + quoted(o->val) + "' ";
        }
        PQconninfoFree(info);
        dsn_ += "dbname='" + name_ + "'";
    }
    ~PgTestDatabase() {
        try {
            admin_.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (...) {
        }
    }
    PgTestDatabase(const PgTestDatabase&) = delete;
    PgTestDatabase& operator=(const PgTestDatabase&) = delete;

    const std::string& name() const { return name_; }
    const std::string& dsn() const { return dsn_; }
    store::postgres::ConnectOptions options() const { return pgOptions(dsn_); }
    /// A connection to the server's default database, for what a test does from outside.
    store::postgres::Connection& admin() { return admin_; }

  private:
    static std::string quoted(const std::string& value) {
        std::string out;
        for (char c : value) {
            if (c == '\'' || c == '\\') out += '\\';
            out += c;
        }
        return out;
    }

    store::postgres::Connection admin_;
    std::string name_;
    std::string dsn_;
};

}  // namespace ccd::testing
