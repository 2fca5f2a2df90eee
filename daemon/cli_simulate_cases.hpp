#pragma once
// `ccd simulate`'s service cases: an in-memory set of cases driven the way CaseService drives
// the stored ones, so a rule or case policy can be tried before a reload. A rule's open_case
// opens a case, "case" events change it (a PATCH body), time makes follow-ups due (offered as
// work through the engine) and clocks breach. Customer and supervisor notices go through the
// engine as CaseNotified, so they print as the engine's auto_reply and supervisor_notice.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "routing/engine_types.hpp"

namespace ccd::routing {
class Engine;
}

namespace ccd::daemon {

class SimulatedCases {
  public:
    /// Prints a line (the caller adds `at` and `event`).
    using PrintJson = std::function<void(nlohmann::json)>;
    /// Prints the engine's actions (and hands them back here through onActions).
    using PrintActions = std::function<void(const std::vector<routing::Action>&)>;

    SimulatedCases(routing::Engine& engine, const routing::RoutingConfig& config);
    ~SimulatedCases();

    void setOutput(PrintJson print_json, PrintActions print_actions);

    /// Reads a message's contact: `products` and earlier `cases` besides id, tier and locale,
    /// and adds the simulated cases of that contact. Empty, or what is wrong.
    std::string readContact(const nlohmann::json& contact, routing::ContactProfile& out) const;
    /// A message was handed to the engine: its conversation's contact and channel are kept.
    void remember(const routing::MessageReceived& m);

    /// The engine's actions at `now`: CaseRequested opens a case, Assigned gives the
    /// conversation's unowned cases an owner, ConversationResolved triggers "resolved:...".
    void onActions(const std::vector<routing::Action>& actions, routing::TimePoint now);

    /// A {"type":"case",...} event. Empty, or what is wrong with it (a malformed event).
    std::string handleEvent(const nlohmann::json& e, routing::TimePoint now);

    /// Time passed to `now`: stage clocks breach, due follow-ups are offered.
    void tick(routing::TimePoint now);
    /// When a case next needs tick().
    std::optional<routing::TimePoint> nextWakeup() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::daemon
