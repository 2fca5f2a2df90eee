#include "daemon/console/engine_gateway.hpp"

#include <utility>

#include "daemon/engine_host.hpp"
#include "routing/engine.hpp"

namespace ccd::daemon::console {
namespace {

class HostGateway final : public EngineGateway {
public:
    explicit HostGateway(EngineHost& host) : host_(host) {}

    void submit(routing::Event event, SubmitDone done) override {
        host_.submit(std::move(event), std::move(done));
    }
    void conversation(std::int64_t id,
                      std::function<void(std::optional<routing::ConversationSnapshot>)> done)
        override {
        host_.query([id, done = std::move(done)](const routing::Engine& e) {
            done(e.conversation(id));
        });
    }
    void conversationsOf(std::string agent,
                         std::function<void(std::vector<std::int64_t>)> done) override {
        host_.query([agent = std::move(agent), done = std::move(done)](const routing::Engine& e) {
            done(e.conversationsOf(agent));
        });
    }
    void waiting(std::vector<std::string> agents, std::size_t limit,
                 std::function<void(std::vector<routing::QueueWaiting>,
                                    std::map<std::string, std::vector<std::string>>)> done)
        override {
        host_.query([agents = std::move(agents), limit,
                     done = std::move(done)](const routing::Engine& e) {
            std::map<std::string, std::vector<std::string>> of;
            for (const auto& a : agents) of[a] = e.queuesOf(a);
            done(e.waitingLists(routing::Clock::now(), limit), std::move(of));
        });
    }
    void board(std::function<void(std::vector<routing::QueueStats>,
                                   std::vector<routing::AgentStats>)> done) override {
        host_.query([done = std::move(done)](const routing::Engine& e) {
            done(e.queueStats(routing::Clock::now()), e.agentStats());
        });
    }

private:
    EngineHost& host_;
};

}  // namespace

std::unique_ptr<EngineGateway> makeEngineHostGateway(EngineHost& host) {
    return std::make_unique<HostGateway>(host);
}

}  // namespace ccd::daemon::console
