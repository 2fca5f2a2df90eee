#include "routing/model.hpp"

#include <array>
#include <utility>

namespace ccd::routing {
namespace {
constexpr std::array<std::pair<ChannelKind, std::string_view>, 8> kChannelNames{{
    {ChannelKind::Api, "api"},
    {ChannelKind::Email, "email"},
    {ChannelKind::Webchat, "webchat"},
    {ChannelKind::Telegram, "telegram"},
    {ChannelKind::WhatsApp, "whatsapp"},
    {ChannelKind::Voice, "voice"},
    {ChannelKind::WeChat, "wechat"},
    {ChannelKind::Webhook, "webhook"},
}};
constexpr std::array<std::pair<DeliveryState, std::string_view>, 5> kDeliveryNames{{
    {DeliveryState::Queued, "queued"},
    {DeliveryState::Sent, "sent"},
    {DeliveryState::Delivered, "delivered"},
    {DeliveryState::Read, "read"},
    {DeliveryState::Failed, "failed"},
}};
}  // namespace

std::string_view toString(ChannelKind kind) {
    for (const auto& [k, name] : kChannelNames) {
        if (k == kind) return name;
    }
    return "unknown";
}

std::optional<ChannelKind> channelKindFromString(std::string_view name) {
    for (const auto& [k, n] : kChannelNames) {
        if (n == name) return k;
    }
    return std::nullopt;
}

std::string_view InboundMessage::instance() const {
    return channel_instance.empty() ? toString(channel) : std::string_view(channel_instance);
}

std::string_view toString(DeliveryState state) {
    for (const auto& [k, name] : kDeliveryNames) {
        if (k == state) return name;
    }
    return "queued";
}

std::optional<DeliveryState> deliveryStateFromString(std::string_view name) {
    for (const auto& [k, n] : kDeliveryNames) {
        if (n == name) return k;
    }
    return std::nullopt;
}

}  // namespace ccd::routing
