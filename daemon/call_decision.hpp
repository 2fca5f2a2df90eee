#pragma once
// What the phone system is told to do with a new call, read from the routing engine's
// decision for it: dial the agent the engine offered it to (at the agent's SIP address), or
// keep the caller in the queue with an announcement of their position and estimated wait, or,
// outside business hours, take a voicemail. The speech comes from the template catalog in the
// caller's language.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "routing/engine.hpp"

namespace ccd::templates {
class Catalog;
}

namespace ccd::daemon {

/// An agent's SIP URI (agents.yaml `sip`), empty when they have none.
using SipDirectory = std::function<std::string(const std::string& agent)>;

/// The decision for the call that opened or joined `conversation`, whose event gave `actions`.
/// Call on the engine's strand (it reads `engine`). `catalog` may be null (no speech).
channels::CallDecision decideCall(const routing::Engine& engine, const templates::Catalog* catalog,
                                  std::int64_t conversation,
                                  const std::vector<routing::Action>& actions,
                                  const SipDirectory& sip_of, routing::TimePoint now);

/// The speech language of a reply locale: "zh-Hans" -> "zh-CN", "zh-Hant" -> "zh-TW", else
/// "en-US".
std::string speechLanguage(const std::string& locale);

}  // namespace ccd::daemon
