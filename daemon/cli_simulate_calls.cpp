#include "daemon/cli_simulate_calls.hpp"

#include <algorithm>
#include <exception>

#include "config/daemon_config_parser.hpp"
#include "config/template_catalog_parser.hpp"
#include "daemon/call_decision.hpp"
#include "routing/engine.hpp"
#include "templates/catalog.hpp"

namespace ccd::daemon {

using nlohmann::json;

namespace {

const char* kindName(channels::CallDecision::Kind kind) {
    switch (kind) {
        case channels::CallDecision::Kind::Ring: return "ring";
        case channels::CallDecision::Kind::Dial: return "dial";
        case channels::CallDecision::Kind::Queue: return "queue";
        case channels::CallDecision::Kind::Voicemail: return "voicemail";
        case channels::CallDecision::Kind::Menu: return "menu";
    }
    return "ring";
}

}  // namespace

SimulatedCalls::SimulatedCalls(routing::Engine& engine,
                               std::shared_ptr<const templates::Catalog> catalog,
                               PrintJson print_json, PrintActions print_actions)
    : engine_(engine),
      catalog_(std::move(catalog)),
      print_json_(std::move(print_json)),
      print_actions_(std::move(print_actions)) {}

std::string SimulatedCalls::callId(std::int64_t conversation) {
    return "call-" + std::to_string(conversation);
}

void SimulatedCalls::arrived(std::int64_t conversation, const std::vector<routing::Action>& actions,
                             routing::TimePoint now) {
    decide(conversation, actions, now);
}

void SimulatedCalls::decide(std::int64_t conversation, const std::vector<routing::Action>& actions,
                            routing::TimePoint now) {
    // Simulated agents have a SIP address of their own name.
    auto d = decideCall(engine_, catalog_.get(), conversation, actions,
                        [](const std::string& agent) { return "sip:" + agent; }, now);
    json j{{"action", "call_decision"}, {"conversation", conversation},
           {"decision", kindName(d.kind)}};
    if (!d.speech.empty()) j["speech"] = d.speech;
    if (d.kind == channels::CallDecision::Kind::Dial) j["agent"] = d.agent;
    if (d.kind == channels::CallDecision::Kind::Queue) {
        j["queue"] = d.queue;
        j["position"] = d.position;
        j["estimated_wait_s"] = d.wait_s;
        j["wait_from"] = d.wait_from_handle_times ? "handle_times" : "default";
        if (d.poll_after_s > 0) j["poll_after"] = d.poll_after_s;
    }
    print_json_(std::move(j));
    if (d.kind == channels::CallDecision::Kind::Queue && d.poll_after_s > 0)
        polls_[conversation] = now + std::chrono::seconds(d.poll_after_s);
    else
        polls_.erase(conversation);
}

void SimulatedCalls::hangup(std::int64_t conversation, const std::string& cause,
                            routing::TimePoint now) {
    polls_.erase(conversation);
    routing::CallStep step;
    step.conversation_id = conversation;
    step.kind = routing::CallStep::Kind::Hangup;
    step.cause = cause;
    print_actions_(engine_.handle(step, now));
    noteCallBack(conversation, "abandoned");
}

void SimulatedCalls::noteCallBack(std::int64_t conversation, const std::string& reason) {
    auto snap = engine_.conversation(conversation);
    if (!snap || called_back_[conversation]) return;
    if (std::find(snap->tags.begin(), snap->tags.end(), "call_back") == snap->tags.end()) return;
    called_back_[conversation] = true;
    print_json_(json{{"action", "call_back"},
                     {"conversation", conversation},
                     {"reason", reason},
                     {"queue", snap->queue},
                     {"priority", snap->priority},
                     {"stage", snap->stage}});
}

void SimulatedCalls::tick(routing::TimePoint now) {
    std::vector<std::int64_t> due;
    for (const auto& [conversation, at] : polls_) {
        if (at <= now) due.push_back(conversation);
    }
    for (auto conversation : due) decide(conversation, {}, now);
}

std::optional<routing::TimePoint> SimulatedCalls::nextWakeup() const {
    std::optional<routing::TimePoint> next;
    for (const auto& [conversation, at] : polls_) {
        if (!next || at < *next) next = at;
    }
    return next;
}

std::shared_ptr<const templates::Catalog> simulationCatalog(const std::string& config_path) {
    try {
        auto cfg = config::loadDaemonConfig(config_path);
        if (cfg->templates.path.empty()) return nullptr;
        return config::loadTemplateCatalog(cfg->templates.path, cfg->templates.default_locale);
    } catch (const std::exception&) {
        return nullptr;  // a routing file (ConfigError): no catalog
    }
}

}  // namespace ccd::daemon
