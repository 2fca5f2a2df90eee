#pragma once
// Agents and the work they can take: presence, per-channel capacity, skills and languages.
// Pure data for the dispatcher.

#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "routing/model.hpp"

namespace ccd::routing {

/// An agent's presence. Only Available agents (and WrapUp ones whose timer ran out) get offers.
enum class Presence { Available, Busy, Away, Offline, WrapUp };

std::string_view toString(Presence p);
std::optional<Presence> presenceFromString(std::string_view name);

/// Capacity classes: live work (voice, chat) and asynchronous work (messaging, email).
enum class WorkKind { Voice = 0, Chat = 1, Messaging = 2, Email = 3 };
inline constexpr std::size_t kWorkKinds = 4;

/// "voice", "chat", "messaging", "email": the names agents.yaml and routing.yaml use.
std::string_view toString(WorkKind kind);

/// The capacity class of a channel: API and messaging apps are messaging, web chat is chat.
WorkKind workKindOf(ChannelKind channel);
/// Whether a customer waits on the line (voice, chat) rather than asynchronously.
bool isLive(WorkKind kind);

/// How many items of each kind an agent handles at once (defaults from the service standard).
struct Capacity {
    std::array<int, kWorkKinds> max{1, 3, 5, 5};  ///< voice, chat, messaging, email
    int of(WorkKind k) const { return max[static_cast<std::size_t>(k)]; }
};

/// An agent as the dispatcher sees them.
struct Agent {
    std::string id;
    std::set<std::string> skills;
    std::set<std::string> languages;  ///< "en", "zh-Hans", "zh-Hant"; empty = any
    Capacity capacity;
    Presence presence = Presence::Offline;
    TimePoint idle_since{};        ///< when they last finished or became available
    TimePoint wrap_up_until{};     ///< WrapUp ends here
    /// The kind of work a WrapUp holds back (the kind just finished); none: every kind.
    std::optional<WorkKind> wrap_up_kind;
    std::array<int, kWorkKinds> load{};  ///< items assigned or offered, by kind

    /// Whether presence allows an offer at `now` (of every kind).
    bool reachable(TimePoint now) const;
    /// Whether presence allows an offer of `kind` at `now`: available, or in a wrap-up that has
    /// ended or holds back another kind.
    bool takes(WorkKind kind, TimePoint now) const;
    /// Whether one more item of `kind` fits: capacity, and a voice call blocks other live work
    /// (and live work blocks a call).
    bool hasRoomFor(WorkKind kind) const;
    /// Share of capacity in use, 0..1, for least-occupied selection.
    double occupancy() const;
    bool speaks(const std::string& language) const;
};

}  // namespace ccd::routing
