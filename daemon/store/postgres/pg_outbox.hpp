#pragma once
// The outbox side of the PostgreSQL store, as group writes (pg_write.hpp) for PgStore's
// writer thread, and the reads the sender and /metrics need. Several nodes drain one outbox:
// claimOutbox takes rows FOR UPDATE SKIP LOCKED, so that each message is claimed by exactly
// one node, and a conversation's messages still go one at a time, in order.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_write.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// The channel PgStore NOTIFYs when a commit queued outbound messages (other nodes LISTEN).
inline constexpr const char* kOutboxChannel = "ccd_outbox";

/// Store::claimOutbox.
std::unique_ptr<GroupWrite> claimWrite(std::string instance, std::size_t limit, std::int64_t now_ms,
                                       std::function<void(StoreResult<OutboxClaim>)> done);

/// Store::completeOutbox.
std::unique_ptr<GroupWrite> completeWrite(
    std::vector<OutboxResult> results,
    std::function<void(StoreResult<std::vector<DeliveryChange>>)> done);

/// Store::resumeOutbox. Every `sending` row goes back to `pending`: with several nodes, also
/// the rows another live node is sending (a possible duplicate each) — the outbox does not say
/// which node claimed a row yet.
std::unique_ptr<GroupWrite> resumeWrite(std::function<void(StoreResult<std::size_t>)> done);

/// Pending, sending and failed counts per instance. Throws PgError.
std::map<std::string, OutboxCounts> readOutboxCounts(Connection& db);
/// A channel instance's saved state, key to value. Throws PgError.
std::map<std::string, std::string> readChannelState(Connection& db, const std::string& instance);
/// The conversation's instance and the customer's address on it. Throws PgError.
std::optional<DeliveryTarget> readDeliveryTarget(Connection& db, std::int64_t conversation_id);

}  // namespace ccd::store::postgres
