#include "routing/model.hpp"

#include <array>
#include <utility>

namespace ccd::routing {
namespace {
constexpr std::array<std::pair<ChannelKind, std::string_view>, 6> kChannelNames{{
    {ChannelKind::Api, "api"},
    {ChannelKind::Email, "email"},
    {ChannelKind::Webchat, "webchat"},
    {ChannelKind::Telegram, "telegram"},
    {ChannelKind::WhatsApp, "whatsapp"},
    {ChannelKind::Voice, "voice"},
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

}  // namespace ccd::routing
