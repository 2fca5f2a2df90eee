#pragma once
// `ccd simulate`'s phone calls: the phone system's side of a call, so a queue's `voice:`
// settings can be tried before a reload. A "call" event is a new call (a message on channel
// voice) answered with the daemon's decision (daemon/call_decision); a caller who waits in a
// queue asks again every `poll_after` seconds as the phone system would (a fresh announcement,
// the voicemail after the queue's maximum wait, dial once an agent took the call); "hangup" is
// the caller leaving (abandoned while queued: a call-back); "voicemail" is the transcription of
// what they recorded. Prints call_decision and call_back lines.

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

namespace ccd::templates {
class Catalog;
}

namespace ccd::daemon {

class SimulatedCalls {
  public:
    /// Prints a line (the caller adds `at` and `event`).
    using PrintJson = std::function<void(nlohmann::json)>;
    /// Prints the engine's actions.
    using PrintActions = std::function<void(const std::vector<routing::Action>&)>;

    /// `catalog` may be null: decisions then have no speech.
    SimulatedCalls(routing::Engine& engine, std::shared_ptr<const templates::Catalog> catalog,
                   PrintJson print_json, PrintActions print_actions);

    /// The provider id of the call that opened `conversation` ("call-<conversation>").
    static std::string callId(std::int64_t conversation);

    /// A new call was handed to the engine (which answered `actions`): its decision.
    void arrived(std::int64_t conversation, const std::vector<routing::Action>& actions,
                 routing::TimePoint now);
    /// The caller hung up (`cause` as the phone system says).
    void hangup(std::int64_t conversation, const std::string& cause, routing::TimePoint now);
    /// A message (a voicemail's transcription) was handled: a call-back it made is printed.
    void noteCallBack(std::int64_t conversation, const std::string& reason);

    /// Time passed to `now`: the queued callers whose poll is due ask again.
    void tick(routing::TimePoint now);
    /// When a queued caller next asks.
    std::optional<routing::TimePoint> nextWakeup() const;

  private:
    void decide(std::int64_t conversation, const std::vector<routing::Action>& actions,
                routing::TimePoint now);

    routing::Engine& engine_;
    std::shared_ptr<const templates::Catalog> catalog_;
    PrintJson print_json_;
    PrintActions print_actions_;
    std::map<std::int64_t, routing::TimePoint> polls_;  ///< queued callers: when they ask again
    std::map<std::int64_t, bool> called_back_;         ///< call_back printed
};

/// The template catalog of the daemon configuration at `config_path` (its templates.path);
/// null when it is a routing file or names none.
std::shared_ptr<const templates::Catalog> simulationCatalog(const std::string& config_path);

}  // namespace ccd::daemon
