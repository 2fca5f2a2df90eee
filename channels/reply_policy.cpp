#include "channels/reply_policy.hpp"

#include "channels/common/text_limits.hpp"

namespace ccd::channels {

std::optional<ReplyRefusal> checkReply(const OutboundChannel& channel, const std::string& type,
                                       const std::string& instance, const std::string& text,
                                       bool window_template,
                                       std::optional<routing::TimePoint> last_inbound_at,
                                       routing::TimePoint now) {
    if (auto max = channel.maxTextLength(); max && !window_template && utf16Length(text) > max)
        return ReplyRefusal{"too_long", "the reply is longer than " + std::to_string(max) +
                                            " characters, the most " + type +
                                            " takes in one message: split it"};
    auto window = channel.replyWindow();
    if (window_template) {
        if (!window || !window->has_template)
            return ReplyRefusal{"no_window_template",
                                "channel " + instance + " has no approved template message to "
                                                        "send (window_template)"};
        return std::nullopt;
    }
    if (!window || !last_inbound_at) return std::nullopt;
    auto since = now - *last_inbound_at;
    if (since <= window->length) return std::nullopt;
    auto hours = std::chrono::duration_cast<std::chrono::hours>(since).count();
    auto limit = std::chrono::duration_cast<std::chrono::hours>(window->length).count();
    std::string reason = "the customer last wrote " + std::to_string(hours) + " h ago; " + type +
                         " allows free replies only within " + std::to_string(limit) +
                         " h of the customer's last message";
    reason += window->has_template
                  ? ": send the approved template instead (reply with \"window_template\": true)"
                  : ": wait for the customer to write again";
    return ReplyRefusal{"outside_window", reason};
}

}  // namespace ccd::channels
