#pragma once
// What the phone system is told to do with a new call, read from the routing engine's
// decision for it: dial the agent the engine offered it to (at the agent's SIP address), or
// keep the caller in the queue with an announcement of their position and estimated wait,
// repeated while they wait, or, outside business hours or after the queue's maximum wait, take
// a voicemail. The speech comes from the template catalog in the
// caller's language.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "channels/channel.hpp"
#include "routing/engine_types.hpp"

namespace ccd::routing {
class Engine;
}

namespace ccd::templates {
class Catalog;
}

namespace ccd::daemon {

/// An agent's SIP URI (agents.yaml `sip`), empty when they have none.
using SipDirectory = std::function<std::string(const std::string& agent)>;

/// The decision for the call that opened or joined `conversation`, whose event gave `actions`
/// (none for a queued caller's poll). Call on the engine's strand (it reads `engine`).
/// `catalog` may be null (no speech). A pure function of the engine's state and `now`:
///   - queued: the announcement of the caller's place and estimated wait (from the queue's
///     recent handle times, else 3 minutes a place), with `poll_after_s` the queue's
///     `voice.announce_every`, or the time left of its `voice.max_wait` if sooner;
///   - queued for the queue's `voice.max_wait` (since the call arrived), or `leaving_queue`
///     (the phone system took the caller out of its queue): a voicemail, whose transcription
///     makes the conversation, still in its queue, call-back work;
///   - offered to or held by an agent with a SIP address (accepted while the caller waited):
///     dial them.
channels::CallDecision decideCall(const routing::Engine& engine, const templates::Catalog* catalog,
                                  std::int64_t conversation,
                                  const std::vector<routing::Action>& actions,
                                  const SipDirectory& sip_of, routing::TimePoint now,
                                  bool leaving_queue = false);

/// The speech language of a reply locale: "zh-Hans" -> "zh-CN", "zh-Hant" -> "zh-TW", else
/// "en-US".
std::string speechLanguage(const std::string& locale);

}  // namespace ccd::daemon
