#include "channels/channel.hpp"

namespace ccd::channels {

WebResponse InboundChannel::answer(const IntakeReceipt&) const {
    return WebResponse::json(200, "{}");
}

std::optional<AccessToken> OutboundChannel::parseToken(const HttpAnswer&, routing::TimePoint,
                                                       std::string& error) const {
    error = "this channel uses no access token";
    return std::nullopt;
}

}  // namespace ccd::channels
