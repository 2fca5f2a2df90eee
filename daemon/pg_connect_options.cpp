#include "daemon/pg_connect_options.hpp"

#include <stdexcept>

namespace ccd::daemon {

store::postgres::ConnectOptions pgConnectOptions(const config::StorageConfig& storage) {
    if (!storage.postgres)
        throw std::invalid_argument("storage.postgres is not configured");
    store::postgres::ConnectOptions options;
    options.dsn = storage.postgres->dsn.reveal();
    options.connect_timeout = storage.postgres->connect_timeout;
    options.keepalive_idle = storage.postgres->keepalive_idle;
    return options;
}

}  // namespace ccd::daemon
