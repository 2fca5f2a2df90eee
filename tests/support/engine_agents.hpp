#pragma once
// What the routing engine's unit tests share besides the shipped rules: two instants of the
// shipped calendar, and an agent who comes online.

#include <set>
#include <string>

#include "routing/engine.hpp"

namespace ccd::testing {

/// Tuesday 2026-11-24 in Shanghai (the shipped calendar's zone): 10:00, open (02:00Z), and
/// 22:00, closed (14:00Z).
inline const routing::TimePoint kTuesdayOpen{std::chrono::seconds(1795485600)};
inline const routing::TimePoint kTuesdayClosed{std::chrono::seconds(1795528800)};

/// Agent `id` with `skills` known to the engine and available at `now`.
inline void online(routing::Engine& e, const std::string& id, std::set<std::string> skills,
                   routing::TimePoint now) {
    routing::Agent a;
    a.id = id;
    a.skills = std::move(skills);
    e.handle(routing::AgentUpdated{a}, now);
    e.handle(routing::PresenceChanged{id, routing::Presence::Available}, now);
}

}  // namespace ccd::testing
