#pragma once
// How ccd reaches PostgreSQL when `storage.driver` is postgres: libpq's connect options from
// `storage.postgres`, for the command-line tools and the reports' own connection.

#include "config/daemon_config.hpp"
#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::daemon {

/// The connect options of `storage.postgres` (DSN, connect timeout, keepalives). Throws
/// std::invalid_argument when the configuration has no `storage.postgres`.
store::postgres::ConnectOptions pgConnectOptions(const config::StorageConfig& storage);

}  // namespace ccd::daemon
