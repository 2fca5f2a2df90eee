#pragma once
// The reports' read-only connection to the store the configuration names (storage.driver):
// the SQLite file beside the daemon's writer, or the PostgreSQL server.

#include <memory>

#include "config/daemon_config.hpp"
#include "daemon/reports/report_db.hpp"

namespace ccd::daemon::reports {

/// Opens the store `storage` names for reports (SQLite: the file, never created, read-only
/// with a busy timeout; PostgreSQL: one connection). Throws std::runtime_error (or the store's
/// error) with a message fit for the operator (never the DSN's password) when it cannot be
/// opened or its schema is older than this ccd reads (the daemon migrates it at its start).
std::unique_ptr<ReportDb> openReportDb(const config::StorageConfig& storage);

}  // namespace ccd::daemon::reports
