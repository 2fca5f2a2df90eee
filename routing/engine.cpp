// The routing engine: set-up, reconfiguration and the event switch. The steps live beside it
// (see engine_impl.hpp for which file holds what).
#include "routing/engine.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "routing/classify/model_store.hpp"
#include "routing/engine_impl.hpp"

namespace ccd::routing {

using namespace engine_detail;

std::string_view actionName(const Action& action) {
    struct Namer {
        std::string_view operator()(const ConversationRouted&) const { return "routed"; }
        std::string_view operator()(const AutoReply&) const { return "auto_reply"; }
        std::string_view operator()(const OfferMade&) const { return "offer"; }
        std::string_view operator()(const OfferRevoked&) const { return "offer_revoked"; }
        std::string_view operator()(const Assigned&) const { return "assigned"; }
        std::string_view operator()(const Queued&) const { return "queued"; }
        std::string_view operator()(const PriorityChanged&) const { return "priority_changed"; }
        std::string_view operator()(const SlaAlert& a) const {
            return a.breached ? "sla_breach" : "sla_warning";
        }
        std::string_view operator()(const MilestoneMet&) const { return "milestone_met"; }
        std::string_view operator()(const SupervisorNotice&) const { return "supervisor_notice"; }
        std::string_view operator()(const ConversationResolved&) const { return "resolved"; }
        std::string_view operator()(const ConversationClosed&) const { return "closed"; }
        std::string_view operator()(const CaseRequested&) const { return "case_requested"; }
        std::string_view operator()(const RatingRecorded&) const { return "rating"; }
        std::string_view operator()(const AgentStateChanged&) const { return "agent_state"; }
        std::string_view operator()(const Rejected&) const { return "rejected"; }
        std::string_view operator()(const DeliveryChanged&) const { return "delivery"; }
    };
    return std::visit(Namer{}, action);
}

// ---- set-up ------------------------------------------------------------------------

namespace {

// The classifiers trained, found again by configuration. A configuration is immutable once
// shared (RoutingConfigPtr points at a const object), so an engine built again on the same one
// (a restart of the engine, `prepare` then the engine, a test's many engines) copies the
// trained classifier, which shares its models, instead of training them again (1.5 s of CPU
// with the shipped corpus; ten under the sanitizers). So does an engine on another
// configuration read from the same classification section and corpus (the same
// source_digest): a reload that changes rules, queues or templates, or a daemon started again
// in the same process. An entry goes when its configuration does; the last classifier trained
// is kept besides (the one in use, unless its engine is gone), so that a configuration read
// again after the previous one is released still finds it. A classifier this process has not
// met is restored from the installed ModelStore when it holds its model (another process
// trained it), and trained and kept there otherwise.
class TrainedClassifiers {
  public:
    std::unique_ptr<Classifier> forConfig(const RoutingConfigPtr& config) {
        const std::string& digest = config->classification.source_digest;
        std::shared_ptr<const Classifier> trained;
        std::shared_ptr<ModelStore> store;
        {
            std::lock_guard lock(mutex_);
            store = store_;
            bool known = false;  // this very configuration has an entry
            for (auto it = entries_.begin(); it != entries_.end();) {
                auto alive = it->config.lock();
                if (!alive) {
                    it = entries_.erase(it);
                    continue;
                }
                if (alive == config) {
                    known = true;
                    trained = it->classifier;
                } else if (!trained && !digest.empty() && it->digest == digest) {
                    trained = it->classifier;
                }
                ++it;
            }
            if (!trained && !digest.empty() && last_digest_ == digest) trained = last_;
            if (trained && !known) entries_.push_back({config, trained, digest});
        }
        if (trained) return std::make_unique<Classifier>(*trained);
        // Trained (or restored from the store) outside the lock: another configuration's
        // engine need not wait for it.
        auto fresh = loadOrTrain(config->classification, store.get());
        {
            std::lock_guard lock(mutex_);
            entries_.push_back({config, fresh, digest});
            if (!digest.empty()) {
                last_ = fresh;
                last_digest_ = digest;
            }
        }
        return std::make_unique<Classifier>(*fresh);
    }

    void setStore(std::shared_ptr<ModelStore> store) {
        std::lock_guard lock(mutex_);
        store_ = std::move(store);
    }

  private:
    struct Entry {
        std::weak_ptr<const RoutingConfig> config;
        std::shared_ptr<const Classifier> classifier;
        std::string digest;
    };
    std::mutex mutex_;
    std::vector<Entry> entries_;
    std::shared_ptr<const Classifier> last_;
    std::string last_digest_;
    std::shared_ptr<ModelStore> store_;  ///< none: every classifier is trained
};

TrainedClassifiers& trainedClassifiers() {
    static TrainedClassifiers cache;
    return cache;
}

}  // namespace

void setModelStore(std::shared_ptr<ModelStore> store) {
    trainedClassifiers().setStore(std::move(store));
}

Engine::Impl::Compiled Engine::Impl::compile(const RoutingConfigPtr& config) {
    const RoutingConfig& c = *config;
    Compiled out;
    out.classifier = trainedClassifiers().forConfig(config);
    for (const auto& [name, cal] : c.calendars) out.calendars.emplace(name, BusinessHours(cal));
    Classifier* cl = out.classifier.get();
    out.rules = std::make_unique<RuleSet>(c.rules, &out.calendars, c.defaults.calendar,
                                          [cl](std::string_view t) { return cl->normalize(t); });
    for (const auto& rule : c.rules) {
        if (rule.then.sla && !c.sla_policies.count(*rule.then.sla))
            throw std::invalid_argument("rule \"" + rule.name + "\": no SLA policy \"" +
                                        *rule.then.sla + "\"");
    }
    return out;
}

void Engine::Impl::install(RoutingConfigPtr next, Compiled compiled) {
    cfg = std::move(next);
    classifier = std::move(compiled.classifier);
    calendars = std::move(compiled.calendars);
    // The rule set points at `calendars`: rebuild it against the moved map.
    Classifier* cl = classifier.get();
    rules = std::make_unique<RuleSet>(cfg->rules, &calendars, cfg->defaults.calendar,
                                      [cl](std::string_view t) { return cl->normalize(t); });
    dispatcher = std::make_unique<Dispatcher>(cfg->queues);
}

bool Engine::Impl::knownQueue(const std::string& q) const {
    for (const auto& def : cfg->queues) {
        if (def.name == q) return true;
    }
    return false;
}

Engine::Engine(RoutingConfigPtr config) : impl_(std::make_unique<Impl>()) {
    if (!config) throw std::invalid_argument("no routing configuration");
    impl_->install(config, Impl::compile(config));
}

Engine::~Engine() = default;

struct Engine::Prepared {
    RoutingConfigPtr config;
    Impl::Compiled compiled;
};

std::shared_ptr<Engine::Prepared> Engine::prepare(RoutingConfigPtr config) {
    if (!config) throw std::invalid_argument("no routing configuration");
    auto compiled = Impl::compile(config);
    return std::make_shared<Prepared>(Prepared{std::move(config), std::move(compiled)});
}

void Engine::reconfigure(RoutingConfigPtr config) { reconfigure(prepare(std::move(config))); }

void Engine::reconfigure(const std::shared_ptr<Prepared>& prepared) {
    if (!prepared || !prepared->compiled.classifier)
        throw std::invalid_argument("no routing configuration (or one installed already)");
    Impl& d = *impl_;
    auto old_dispatcher = std::move(d.dispatcher);
    d.install(std::move(prepared->config), std::move(prepared->compiled));
    // Rebuild the dispatcher's state: agents with their presence, then the work, in order.
    std::vector<Action> ignored;
    for (auto& [name, agent] : d.agents) {
        const Agent* before = old_dispatcher->agent(name);
        d.dispatcher->upsertAgent(agent);
        if (before) d.dispatcher->setPresence(name, before->presence, before->idle_since);
    }
    for (auto& [id, c] : d.convs) {
        if (!d.knownQueue(c.snap.queue)) c.snap.queue = d.cfg->defaults.queue;
        if (c.stage == Stage::Waiting || c.stage == Stage::Offered) {
            // Its preferred agent and a reservation for them (an account manager) go on.
            const WorkItem* before = old_dispatcher->work(id);
            d.enqueue(ignored, c, c.snap.queued_at, "requeued",
                      before ? before->preferred_agent : std::nullopt, c.waiting_since,
                      before ? before->reserved_until : std::nullopt);
        } else if (c.stage == Stage::Assigned && c.snap.agent &&
                   d.dispatcher->agent(*c.snap.agent)) {
            // The agent keeps it, counted in their load. (One restored for an agent not back
            // since a restart stays held for them: held_for.)
            d.dispatcher->hold(d.workOf(c, c.snap.queued_at, c.snap.agent), *c.snap.agent);
        }
    }
}

const RoutingConfig& Engine::config() const { return *impl_->cfg; }

std::vector<Action> Engine::handle(const Event& event, TimePoint now) {
    std::vector<Action> out;
    Impl& d = *impl_;
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, MessageReceived>) {
                d.onMessage(e, now, out);
            } else if constexpr (std::is_same_v<T, AgentUpdated>) {
                d.agents[e.agent.id] = e.agent;
                d.dispatcher->upsertAgent(e.agent);
                d.adoptHeld(e.agent.id);
                d.dispatch(out, now);
            } else if constexpr (std::is_same_v<T, PresenceChanged>) {
                if (!d.dispatcher->setPresence(e.agent, e.presence, now)) {
                    out.push_back(Rejected{0, e.agent, "unknown_agent",
                                           "no agent named \"" + e.agent + "\""});
                    return;
                }
                out.push_back(AgentStateChanged{e.agent, e.presence, {}, std::nullopt});
                d.dispatch(out, now);
            } else if constexpr (std::is_same_v<T, OfferAnswered>) {
                d.onOfferAnswered(e, now, out);
            } else if constexpr (std::is_same_v<T, AgentReplied>) {
                d.onReplied(e, now, out);
            } else if constexpr (std::is_same_v<T, TransferRequested>) {
                d.onTransfer(e, now, out);
            } else if constexpr (std::is_same_v<T, ResolveRequested>) {
                d.onResolve(e, now, out);
            } else if constexpr (std::is_same_v<T, AgentLost>) {
                d.onAgentLost(e, now, out);
            } else if constexpr (std::is_same_v<T, Tick>) {
                d.onTick(now, out);
            } else if constexpr (std::is_same_v<T, DeliveryUpdated>) {
                d.onDelivery(e, out);
            } else if constexpr (std::is_same_v<T, CallStep>) {
                d.onCallStep(e, now, out);
            } else if constexpr (std::is_same_v<T, WorkCreated>) {
                d.onWorkCreated(e, now, out);
            } else if constexpr (std::is_same_v<T, CaseNotified>) {
                d.onCaseNotified(e, now, out);
            } else {
                static_assert(sizeof(T) == 0, "an event the engine does not handle");
            }
        },
        event);
    return out;
}

}  // namespace ccd::routing
