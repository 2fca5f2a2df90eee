#include "daemon/pg_connect_options.hpp"

#include <stdexcept>

namespace ccd::daemon {

store::postgres::ConnectOptions pgConnectOptions(const config::StorageConfig& storage) {
    if (!storage.postgres)
        throw std::invalid_argument("storage.postgres is not configured");
    store::postgres::ConnectOptions options;
    options.dsn = storage.postgres->dsn.reveal();
    return options;
}

}  // namespace ccd::daemon
