#pragma once
// The routing side of the PostgreSQL store, as group writes (pg_write.hpp) for PgStore's
// writer thread: the engine's decisions (Store::applyRouting), outbound messages with their
// outbox entries (Store::appendOutbound), events (Store::appendEvents); and what the engine
// needs after a restart (Store::loadRouting), read on a reader's connection. The same rows as
// the SQLite store's RoutingWriter (sqlite_routing.cpp).

#include <functional>
#include <memory>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_write.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Store::appendOutbound: `done` gets the message id (the first one's for a repeated key).
std::unique_ptr<GroupWrite> outboundWrite(OutboundMessage message,
                                          std::function<void(StoreResult<std::int64_t>)> done);

/// Store::appendEvents; `done` may be null.
std::unique_ptr<GroupWrite> eventsWrite(std::vector<EventRecord> events,
                                        std::function<void(StoreResult<bool>)> done);

/// Store::applyRouting. The conversations of `read_back` are read in the round trip that
/// commits; their customer_history stays empty until pg_contact_history is wired.
std::unique_ptr<GroupWrite> routingWrite(RoutingUpdate update,
                                         std::function<void(StoreResult<RoutingApplied>)> done);

/// Open conversations with a routing state and inbound messages not yet routed (oldest
/// first), in one snapshot (three round trips). Throws PgError.
RoutingRecovery readRoutingRecovery(Connection& db);

/// Inbound messages of open conversations with what routing needs (oldest first), in one
/// snapshot: those not routed yet (`ids` null), or those of `ids`, routed or not. Throws
/// PgError.
std::vector<UnroutedMessage> readUnrouted(Connection& db, const std::vector<std::int64_t>* ids);

/// ids as a bigint[] literal ("{1,2,3}"), for `= ANY($1::bigint[])`.
std::string bigintArray(const std::vector<std::int64_t>& ids);

}  // namespace ccd::store::postgres
