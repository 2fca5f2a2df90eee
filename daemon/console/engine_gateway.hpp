#pragma once
// What the console needs from the routing engine, as an interface: the EngineHost in the daemon
// (makeEngineHostGateway), a fake in tests.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "routing/engine_types.hpp"

namespace ccd::daemon {
class EngineHost;
}

namespace ccd::daemon::console {

/// Thread safety: every method may be called from any thread; callbacks run on the engine's
/// strand (keep them short: post elsewhere for anything slow).
class EngineGateway {
public:
    using Actions = std::vector<routing::Action>;
    /// `ok` false when the actions could not be stored.
    using SubmitDone = std::function<void(bool ok, const Actions& actions)>;

    virtual ~EngineGateway() = default;

    /// Hands an event to the engine; `done` may be null.
    virtual void submit(routing::Event event, SubmitDone done) = 0;
    /// The engine's view of one conversation (nullopt when it tracks none with this id).
    virtual void conversation(
        std::int64_t id, std::function<void(std::optional<routing::ConversationSnapshot>)> done) = 0;
    /// Conversations offered or assigned to an agent.
    virtual void conversationsOf(std::string agent,
                                 std::function<void(std::vector<std::int64_t>)> done) = 0;
    /// The queues' waiting lists (at most `limit` conversations each) and, for each agent
    /// named, the queues whose work they can take.
    virtual void waiting(
        std::vector<std::string> agents, std::size_t limit,
        std::function<void(std::vector<routing::QueueWaiting>,
                           std::map<std::string, std::vector<std::string>>)> done) = 0;
    /// Figures for the supervisor board.
    virtual void board(std::function<void(std::vector<routing::QueueStats>,
                                          std::vector<routing::AgentStats>)> done) = 0;
};

/// The gateway over the daemon's EngineHost (which must outlive it).
std::unique_ptr<EngineGateway> makeEngineHostGateway(EngineHost& host);

}  // namespace ccd::daemon::console
