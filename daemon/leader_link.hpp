#pragma once
// Several active nodes on PostgreSQL (docs/deployment.md): every node takes webhooks and API
// messages, and the node holding the engine's lease (the leader, engine_lease.hpp) routes them.
// A follower stores what it takes as any node does (the message is durable before its 202),
// then tells the leader through the database: NOTIFY on one channel, the stored messages' ids
// and the delivery states its outbox sender recorded as JSON. The leader LISTENs, reads those
// messages and hands them to its engine; at each (re)connection of its listening session, and
// every `sweep_every`, it also reads every message not routed yet, so that a notification that
// was never sent (a follower killed between its commit and its NOTIFY) or never received (the
// leader's session lost) only delays routing. The engine host skips a message it has routed
// already (EngineHost::replay), so a message seen twice is routed once.
//
// Each side has one connection of its own and one thread; nothing here blocks its callers.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

/// The notification channel.
inline constexpr const char* kLeaderChannel = "ccd_leader";

/// A follower's side: tells the leader what this node stored.
class LeaderForwarder {
  public:
    explicit LeaderForwarder(store::postgres::ConnectOptions connect);
    ~LeaderForwarder();  ///< sends what is queued (a few seconds at most), then stops
    LeaderForwarder(const LeaderForwarder&) = delete;
    LeaderForwarder& operator=(const LeaderForwarder&) = delete;

    /// Inbound messages this node stored (their ids), for the leader to route.
    void messages(std::vector<std::int64_t> ids);
    /// Delivery states this node's sender or a provider's report recorded.
    void deliveries(std::vector<store::DeliveryChange> changes);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The leader's side: listens, and reads what followers stored.
class LeaderInbox {
  public:
    using Messages = std::function<void(std::vector<store::UnroutedMessage>)>;
    using Deliveries = std::function<void(std::vector<store::DeliveryChange>)>;

    /// Calls `messages` with messages to route (from notifications and sweeps) and
    /// `deliveries` with followers' delivery states, on its own thread.
    LeaderInbox(store::postgres::ConnectOptions connect, Messages messages, Deliveries deliveries,
                std::chrono::milliseconds sweep_every = std::chrono::seconds(30));
    ~LeaderInbox();
    LeaderInbox(const LeaderInbox&) = delete;
    LeaderInbox& operator=(const LeaderInbox&) = delete;

    /// Starts listening (the first sweep follows at once).
    void start();
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The JSON payloads of kLeaderChannel (each under PostgreSQL's 8,000-byte limit), exposed for
/// tests: `ids` and `changes` split over as many as needed.
std::vector<std::string> leaderPayloads(const std::vector<std::int64_t>& ids,
                                        const std::vector<store::DeliveryChange>& changes);
/// What one payload carries; false for one that cannot be read (logged and ignored).
bool readLeaderPayload(std::string_view payload, std::vector<std::int64_t>& ids,
                       std::vector<store::DeliveryChange>& changes);

}  // namespace ccd::daemon
