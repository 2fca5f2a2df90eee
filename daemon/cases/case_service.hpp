#pragma once
// Service cases in the process: opens and changes cases (the pure rules of routing/cases),
// keeps them in the CaseStore, tells customers and supervisors through the routing engine, and
// runs the timer that offers due follow-ups (回访) as work and breaches stage clocks.
//
// Every change runs on the service's strand, as read -> apply -> write-if-unchanged (the
// store's version), so two agents changing one case never lose a step.
// Asio stays out of this header.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/agents_config.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/store/case_store.hpp"
#include "routing/cases/service_case.hpp"
#include "routing/routing_config.hpp"

namespace boost::asio {
class io_context;
}

namespace ccd::daemon::cases {

/// An answer for the HTTP API: a status and its JSON body ({"error", "reason"} when refused).
struct CaseReply {
    int status = 200;
    nlohmann::json body;
};
using ReplyFn = std::function<void(CaseReply)>;

/// What POST /v1/cases asks for (docs/cases.md).
struct OpenRequest {
    std::string type;
    std::optional<std::string> contact_key;
    std::optional<std::int64_t> conversation_id;
    std::optional<routing::Product> product;  ///< sku (and serial) picks the contact's
    std::string description;
    std::string owner;
};

class CaseService {
  public:
    struct Deps {
        boost::asio::io_context& ioc;
        store::Store& store;
        store::CaseStore& cases;
        EngineHost& engine;
        routing::RoutingConfigPtr config;
        /// The channel kind of a configured instance; nullopt when there is none.
        std::function<std::optional<routing::ChannelKind>(const std::string& instance)>
            channel_kind;
        /// The instance follow-up calls are worked on (a voice channel), if one is configured.
        std::function<std::optional<std::string>()> voice_instance;
        /// The accounts (agents.yaml) as they are now: engineers are those with the skill
        /// `engineer`; null: any name may be booked.
        std::function<config::AgentsConfigPtr()> accounts;
    };

    explicit CaseService(Deps deps);
    ~CaseService();
    CaseService(const CaseService&) = delete;
    CaseService& operator=(const CaseService&) = delete;

    /// Starts the follow-up timer and listens to the engine (call before the engine starts).
    void start();
    void stop();
    /// A reloaded routing configuration (cases: section).
    void reconfigure(routing::RoutingConfigPtr config);

    void open(OpenRequest request, std::string by, ReplyFn done);
    void apply(std::int64_t id, routing::CaseCommand command, std::string by, ReplyFn done);
    void get(std::int64_t id, ReplyFn done);
    void list(store::CaseListQuery query, std::optional<std::string> contact_key, ReplyFn done);
    /// Follow-ups not done, soonest first; `status` filters ("scheduled", "offered").
    void followUps(std::optional<std::string> status, ReplyFn done);
    /// The engineers (accounts with the skill `engineer`), those serving `area` when given.
    CaseReply engineers(const std::optional<std::string>& area) const;

    /// Looks for due follow-ups and clocks now (the timer does it every second).
    void poll();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::cases
