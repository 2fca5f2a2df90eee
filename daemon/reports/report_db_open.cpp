#include "daemon/reports/report_db_open.hpp"

#include <sys/stat.h>

#include <stdexcept>
#include <string>

#include "daemon/pg_connect_options.hpp"
#include "daemon/reports/pg_report_db.hpp"
#include "daemon/reports/sqlite_report_db.hpp"
#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_schema.hpp"
#include "daemon/store/sqlite/schema.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"

namespace ccd::daemon::reports {
namespace {

// The connection is a base, so that it is made before the reader that points at it.
struct SqliteConnection {
    store::sqlite::Connection connection;
};
class OwnSqliteReportDb : private SqliteConnection, public SqliteReportDb {
public:
    explicit OwnSqliteReportDb(const std::string& path)
        : SqliteConnection{store::sqlite::Connection(path, false)},
          SqliteReportDb(connection.handle()) {}
    store::sqlite::Connection& db() { return connection; }
};

struct PgConnection {
    store::postgres::Connection connection;
};
class OwnPgReportDb : private PgConnection, public PgReportDb {
public:
    explicit OwnPgReportDb(const store::postgres::ConnectOptions& options)
        : PgConnection{store::postgres::Connection(options)}, PgReportDb(connection) {}
    store::postgres::Connection& db() { return connection; }
};

[[noreturn]] void tooOld(const std::string& what, int version, int latest) {
    throw std::runtime_error("the database " + what + " is at schema version " +
                             std::to_string(version) + ", this ccd reads " +
                             std::to_string(latest) +
                             ": start the daemon (ccd run) once to migrate it");
}

}  // namespace

std::unique_ptr<ReportDb> openReportDb(const config::StorageConfig& storage) {
    if (storage.driver == config::StorageDriver::Postgres) {
        auto db = std::make_unique<OwnPgReportDb>(pgConnectOptions(storage));
        const int version = store::postgres::schemaVersion(db->db());
        if (version < store::postgres::latestSchemaVersion())
            tooOld("on PostgreSQL", version, store::postgres::latestSchemaVersion());
        return db;
    }
    const auto& path = storage.sqlite.path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("no database at " + path);
    auto db = std::make_unique<OwnSqliteReportDb>(path);
    db->db().exec("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1");
    const int version = std::stoi(db->db().queryText("PRAGMA user_version").value_or("0"));
    if (version < store::sqlite::latestSchemaVersion())
        tooOld(path, version, store::sqlite::latestSchemaVersion());
    return db;
}

}  // namespace ccd::daemon::reports
