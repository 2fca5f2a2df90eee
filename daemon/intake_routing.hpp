#pragma once
// What the intake path hands to the routing engine, and how the phone system's answer follows:
//   - a stored new message: MessageReceived; for a call (channel voice), the answer is what the
//     engine decided (daemon/call_decision);
//   - a stored step of a call that routing acts on: the caller's key in the phone menu
//     (answered with the engine's next decision: the menu again, the agent's SIP address, the
//     queue), a queued caller's poll and their leaving the phone system's queue (answered with
//     the decision now: the announcement again, dial, the voicemail after the maximum wait),
//     and the caller hanging up (a call still in the menu is routed with the menu's fallback,
//     so that a person calls back; one queued becomes a call-back).

#include "daemon/call_decision.hpp"
#include "daemon/engine_host.hpp"
#include "daemon/intake.hpp"

namespace ccd::daemon {

/// The intake's RouteMessage for `engine` (which must outlive it). Called from any thread.
Intake::RouteMessage messageRouter(EngineHost& engine, EngineHost::CatalogProvider catalog,
                                   SipDirectory sip_of);

/// The intake's RouteCall for `engine` (which must outlive it). Called from any thread.
Intake::RouteCall callStepRouter(EngineHost& engine, EngineHost::CatalogProvider catalog,
                                 SipDirectory sip_of);

}  // namespace ccd::daemon
