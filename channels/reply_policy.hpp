#pragma once
// Whether a reply may go to the customer as it is, by its channel's rules: the longest text one
// message takes, and the customer-service window (WhatsApp 24 h, WeChat 48 h after the
// customer's last message). Asked before an agent's reply is stored, so that the agent is told
// why at once instead of the send failing later.

#include <optional>
#include <string>

#include "channels/channel.hpp"

namespace ccd::channels {

/// Why a reply may not go as it is.
struct ReplyRefusal {
    std::string code;    ///< "too_long", "outside_window", "no_window_template"
    std::string reason;  ///< for the agent: what the rule is and what to do
};

/// The refusal for `text` on `channel` (of type `type`, e.g. "whatsapp", named `instance`),
/// the customer having last written at `last_inbound_at` (nullopt: unknown, not refused), at
/// `now`; nullopt when it may go. `window_template`: the agent asks for the approved template.
std::optional<ReplyRefusal> checkReply(const OutboundChannel& channel, const std::string& type,
                                       const std::string& instance, const std::string& text,
                                       bool window_template,
                                       std::optional<routing::TimePoint> last_inbound_at,
                                       routing::TimePoint now);

}  // namespace ccd::channels
