#pragma once
// The call an accepted voice work item asks for: when an agent accepts a call-back (a voice
// conversation tagged `call_back`: a missed or abandoned call, a voicemail) or a voice follow-up
// (tagged `follow_up`), ccd asks the phone system to connect the agent's phone (agents.yaml
// `sip`) and the customer. The request is an outbound message of outbox kind `dial`, stored
// in the commit that stores the assignment: it is durable and retried like any message, and
// the conversation's channel instance words it for its phone system (Twilio REST Calls, CTI
// `dial_url`). docs/channels.md, "Calls ccd places".

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "daemon/store/store.hpp"
#include "routing/engine_types.hpp"

namespace ccd::daemon {

/// The tag of the work that calls the customer, "call_back" or "follow_up"; nullopt when the
/// conversation is no such voice work.
std::optional<std::string> dialReason(const routing::ConversationSnapshot& conversation);

/// The dial request for `agent`, who just accepted `conversation` at `now_ms`; nullopt when the
/// conversation is no call-back or voice follow-up, or the agent has no SIP address (`sip_of`
/// answers empty; logged).
std::optional<store::OutboundMessage> dialOnAccept(
    const routing::ConversationSnapshot& conversation, const std::string& agent,
    const std::function<std::string(const std::string&)>& sip_of, std::int64_t now_ms);

}  // namespace ccd::daemon
