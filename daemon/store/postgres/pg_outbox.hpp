#pragma once
// The outbox side of the PostgreSQL store, as group writes (pg_write.hpp) for PgStore's
// writer thread, and the reads the sender and /metrics need. Several nodes drain one outbox:
// claimOutbox takes rows FOR UPDATE SKIP LOCKED, so that each message is claimed by exactly
// one node, and a conversation's messages still go one at a time, in order. Each claim records
// the node (outbox.claimed_by, claimed_at; pg_node.hpp): a row stays its claimer's while that
// node is alive, and comes back to `pending` once it is not (docs/outbox.md, "Several nodes").

#include <atomic>
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

/// The node that claims (NodePresence::id), and where it counts the rows it took back from
/// nodes that are gone (each a possible duplicate; none: not counted).
struct OutboxNode {
    std::int64_t id = 0;
    std::atomic<std::int64_t>* took_back = nullptr;
};

/// Store::claimOutbox by `node`. First puts back the instance's `sending` rows whose node is no
/// longer alive (the periodic sweep: the sender claims every poll interval); claims nothing,
/// and fails, while `node` itself is not alive to the others.
std::unique_ptr<GroupWrite> claimWrite(std::string instance, std::size_t limit, std::int64_t now_ms,
                                       OutboxNode node,
                                       std::function<void(StoreResult<OutboxClaim>)> done);

/// Store::completeOutbox by `node`: an outcome is recorded only while the row is still `sending`
/// under node's claim; one whose row another node took back is left out (and logged).
std::unique_ptr<GroupWrite> completeWrite(
    std::vector<OutboxResult> results, std::int64_t node,
    std::function<void(StoreResult<std::vector<DeliveryChange>>)> done);

/// Store::resumeOutbox at node's start: the `sending` rows claimed by `node` (an earlier life
/// with the same id), by nodes no longer alive, or by none go back to `pending`; rows other live
/// nodes are sending stay theirs.
std::unique_ptr<GroupWrite> resumeWrite(std::int64_t node,
                                        std::function<void(StoreResult<std::size_t>)> done);

/// Pending, sending and failed counts per instance. Throws PgError.
std::map<std::string, OutboxCounts> readOutboxCounts(Connection& db);
/// A channel instance's saved state, key to value. Throws PgError.
std::map<std::string, std::string> readChannelState(Connection& db, const std::string& instance);
/// The conversation's instance and the customer's address on it. Throws PgError.
std::optional<DeliveryTarget> readDeliveryTarget(Connection& db, std::int64_t conversation_id);

}  // namespace ccd::store::postgres
