#pragma once
// Where the leader can be reached (docs/deployment.md, "Nodes on PostgreSQL"): the node that
// takes the engine's lease writes its address into PostgreSQL once its listeners are bound; a
// follower reads it to relay to the leader what it does not serve itself (leader_relay.hpp).
//
// The address is one row of the existing `channel_state` table (channel_instance "", which no
// channel instance can be named; key "cluster.leader"; value: JSON): no migration, so the
// PostgreSQL store keeps the SQLite store's schema version by version (pg_schema.cpp) and the
// SQLite store, which has one node and no leader, is unchanged.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::daemon::cluster {

/// The leader's listeners as the other nodes reach them.
struct LeaderAddress {
    std::string host;  ///< cluster.advertise_host: a host name or an IP address (v6 bare)
    std::uint16_t http_port = 0;
    bool http_tls = false;                         ///< https (server.tls)
    std::uint16_t console_port = 0;                ///< 0: no console websocket
    std::map<std::string, std::uint16_t> webchat;  ///< web chat instance -> its port

    /// "http://host:port" or "https://[v6]:port", for the HTTP relay's URLs.
    std::string httpBase() const;
    bool operator==(const LeaderAddress& o) const {
        return host == o.host && http_port == o.http_port && http_tls == o.http_tls &&
               console_port == o.console_port && webchat == o.webchat;
    }
    bool operator!=(const LeaderAddress& o) const { return !(*this == o); }
};

/// The row's JSON value, and back (nullopt for a value that cannot be read).
std::string leaderAddressJson(const LeaderAddress& address);
std::optional<LeaderAddress> readLeaderAddress(std::string_view json);

/// Writes `address` as the leader's, on a connection of its own (the start-up path of a node
/// that has taken the lease). Throws store::postgres::PgError.
void publishLeaderAddress(const store::postgres::ConnectOptions& connect,
                          const LeaderAddress& address);

/// A follower's view of the leader's address: read at start, every `every`, and at once after
/// refresh(). One thread and one connection of its own; a database it cannot reach keeps the
/// last address read. Thread safety: current() and refresh() from any thread.
class LeaderDirectory {
  public:
    using Changed = std::function<void()>;
    /// `changed` runs on the directory's thread when the address read differs from the one
    /// before (a new leader): relayed connections to the old one are closed then.
    LeaderDirectory(store::postgres::ConnectOptions connect, Changed changed,
                    std::chrono::milliseconds every = std::chrono::seconds(1));
    ~LeaderDirectory();
    LeaderDirectory(const LeaderDirectory&) = delete;
    LeaderDirectory& operator=(const LeaderDirectory&) = delete;

    /// Reads the address now (blocking, at most the connect timeout), then every `every`.
    void start();
    /// The address last read; null when no leader has written one yet.
    std::shared_ptr<const LeaderAddress> current() const;
    /// Reads the address again soon (the leader could not be reached).
    void refresh();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::cluster
