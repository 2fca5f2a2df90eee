#include "routing/agents.hpp"

#include <array>
#include <utility>

namespace ccd::routing {
namespace {

constexpr std::array<std::pair<Presence, std::string_view>, 5> kPresence{{
    {Presence::Available, "available"},
    {Presence::Busy, "busy"},
    {Presence::Away, "away"},
    {Presence::Offline, "offline"},
    {Presence::WrapUp, "wrap_up"},
}};

int at(const std::array<int, kWorkKinds>& a, WorkKind k) { return a[static_cast<std::size_t>(k)]; }

}  // namespace

std::string_view toString(Presence p) {
    for (const auto& [k, name] : kPresence) {
        if (k == p) return name;
    }
    return "unknown";
}

std::optional<Presence> presenceFromString(std::string_view name) {
    for (const auto& [k, n] : kPresence) {
        if (n == name) return k;
    }
    return std::nullopt;
}

std::string_view toString(WorkKind kind) {
    switch (kind) {
        case WorkKind::Voice: return "voice";
        case WorkKind::Chat: return "chat";
        case WorkKind::Messaging: return "messaging";
        case WorkKind::Email: return "email";
    }
    return "unknown";
}

WorkKind workKindOf(ChannelKind channel) {
    switch (channel) {
        case ChannelKind::Voice: return WorkKind::Voice;
        case ChannelKind::Webchat: return WorkKind::Chat;
        case ChannelKind::Email: return WorkKind::Email;
        case ChannelKind::Api:
        case ChannelKind::Webhook:
        case ChannelKind::Telegram:
        case ChannelKind::WhatsApp:
        case ChannelKind::WeChat: return WorkKind::Messaging;
    }
    return WorkKind::Messaging;
}

bool isLive(WorkKind kind) { return kind == WorkKind::Voice || kind == WorkKind::Chat; }

bool Agent::reachable(TimePoint now) const {
    if (presence == Presence::Available) return true;
    return presence == Presence::WrapUp && now >= wrap_up_until;
}

bool Agent::takes(WorkKind kind, TimePoint now) const {
    if (reachable(now)) return true;
    return presence == Presence::WrapUp && wrap_up_kind && *wrap_up_kind != kind;
}

bool Agent::hasRoomFor(WorkKind kind) const {
    if (at(load, kind) >= capacity.of(kind)) return false;
    if (kind == WorkKind::Voice) return at(load, WorkKind::Chat) == 0;
    if (kind == WorkKind::Chat) return at(load, WorkKind::Voice) == 0;
    return true;
}

double Agent::occupancy() const {
    double used = 0, total = 0;
    for (std::size_t i = 0; i < kWorkKinds; ++i) {
        used += load[i];
        total += capacity.max[i];
    }
    return total > 0 ? used / total : 1.0;
}

bool Agent::speaks(const std::string& language) const {
    return languages.empty() || language.empty() || language == "und" || languages.count(language) > 0;
}

}  // namespace ccd::routing
