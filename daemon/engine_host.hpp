#pragma once
// The routing engine's home in the process: one strand (single writer) on the daemon's
// io_context, a tick timer, and the application of every action the engine decides — routing
// state and events to the store, automatic replies rendered from templates into the outbox,
// and the actions passed on to listeners (the console hub).
//
// Asio stays out of this header: the strand lives in the implementation.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"
#include "routing/engine_types.hpp"

namespace ccd::routing {
class Engine;
}

namespace boost::asio {
class io_context;
}
namespace ccd::templates {
class Catalog;
}

namespace ccd::daemon {

class Metrics;

/// Thread safety: every public method may be called from any thread. Callbacks and listeners
/// run on the engine strand: keep them short and post elsewhere for anything slow.
class EngineHost {
public:
    using Actions = std::vector<routing::Action>;
    /// What a listener is told after an event's actions were stored. The references are valid
    /// during the call only.
    struct Notification {
        const routing::Event& event;
        const Actions& actions;
        /// The engine as it is now (events after this one may already have been handled).
        const routing::Engine& engine;
        /// The stored conversations this event offered to an agent, read in the commit that
        /// stored the offer (history included), so an offer needs no further read.
        const std::vector<store::ConversationRecord>& offered;
    };
    using Listener = std::function<void(const Notification&)>;
    using CatalogProvider = std::function<std::shared_ptr<const templates::Catalog>()>;

    EngineHost(boost::asio::io_context& ioc, store::Store& store, Metrics& metrics,
               routing::RoutingConfigPtr config, CatalogProvider catalog);
    ~EngineHost();

    /// Restores open conversations from the store, replays messages that were stored but not
    /// routed before a crash, and starts the tick timer. Blocks until restored. An agent's
    /// assigned conversations stay theirs for `agent_return` (the console's grace): their
    /// console reconnects and has them; after it they are queued (Engine::restore).
    void start(std::chrono::milliseconds agent_return = std::chrono::seconds(60));
    /// Stops the timer; events submitted afterwards are refused. Idempotent.
    void stop();

    /// Hands an event to the engine. `done` (optional) runs on the strand once the actions are
    /// stored, with `ok` false when storing them failed.
    void submit(routing::Event event,
                std::function<void(bool ok, const Actions& actions)> done = nullptr);

    /// Routes messages stored but not routed by this process: before a restart, or by another
    /// node (leader_link.hpp). A message this process has routed already (or is routing) is
    /// skipped, so one found twice is routed once.
    void replay(std::vector<store::UnroutedMessage> messages);

    /// Runs `fn` on the strand with read access to the engine.
    void query(std::function<void(const routing::Engine&)> fn);

    /// Adds a listener (call before start()).
    void addListener(Listener listener);

    /// Where an agent's phone is (agents.yaml `sip`; empty: none): an accepted call-back or
    /// voice follow-up then queues a dial request (daemon/call_back_dial.hpp). Call before
    /// start(); without it no call is placed.
    void setSipDirectory(std::function<std::string(const std::string& agent)> sip_of);

    /// Compiles the routing configuration (already validated) on the calling thread, which it
    /// holds for the classifier's training, then swaps it in on the strand; `done` (optional)
    /// gets false, with the reason, when the engine cannot compile it: the old one keeps
    /// serving.
    void reconfigure(routing::RoutingConfigPtr config,
                     std::function<void(bool ok, const std::string& error)> done = nullptr);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon
