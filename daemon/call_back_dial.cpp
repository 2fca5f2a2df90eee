#include "daemon/call_back_dial.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ccd::daemon {

std::optional<std::string> dialReason(const routing::ConversationSnapshot& c) {
    if (c.channel != routing::ChannelKind::Voice) return std::nullopt;
    for (const char* tag : {"call_back", "follow_up"}) {
        if (std::find(c.tags.begin(), c.tags.end(), tag) != c.tags.end()) return std::string(tag);
    }
    return std::nullopt;
}

std::optional<store::OutboundMessage> dialOnAccept(
    const routing::ConversationSnapshot& c, const std::string& agent,
    const std::function<std::string(const std::string&)>& sip_of, std::int64_t now_ms) {
    auto reason = dialReason(c);
    if (!reason || !sip_of) return std::nullopt;
    auto target = sip_of(agent);
    if (target.empty()) {
        spdlog::warn("conversation {}: {} accepted a {} but has no sip address in agents.yaml: "
                     "no call is placed",
                     c.id, agent, *reason);
        return std::nullopt;
    }
    store::OutboundMessage m;
    m.conversation_id = c.id;
    m.author = "agent:" + agent;
    m.text = (*reason == "call_back" ? "Call-back" : "Follow-up call") +
             std::string(": the phone system connects ") + agent + " (" + target +
             ") and the customer";
    // One per acceptance: a retry of the same send reuses the outbox entry.
    m.idempotency_key = "dial:" + std::to_string(c.id) + ":" + agent + ":" + std::to_string(now_ms);
    m.dial = channels::DialRequest{agent, target, *reason};
    return m;
}

}  // namespace ccd::daemon
