#include "routing/sla_clock.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace ccd::routing {
namespace {

constexpr std::array<std::pair<Milestone, std::string_view>, 4> kMilestones{{
    {Milestone::FirstResponse, "first_response"},
    {Milestone::Plan, "plan"},
    {Milestone::CustomerUpdate, "customer_update"},
    {Milestone::Resolution, "resolution"},
}};

}  // namespace

std::string_view toString(Milestone m) {
    for (const auto& [k, name] : kMilestones) {
        if (k == m) return name;
    }
    return "unknown";
}

std::optional<Milestone> milestoneFromString(std::string_view name) {
    for (const auto& [k, n] : kMilestones) {
        if (n == name) return k;
    }
    return std::nullopt;
}

std::string_view toString(SlaState s) {
    switch (s) {
        case SlaState::Running: return "running";
        case SlaState::Warning: return "warning";
        case SlaState::Breached: return "breached";
        case SlaState::Met: return "met";
        case SlaState::MetLate: return "met_late";
    }
    return "unknown";
}

std::optional<std::vector<SlaDeadline>> startClocks(const SlaPolicy& policy, TimePoint started,
                                                    const BusinessHours* hours) {
    if (policy.business_hours_only && !hours) return std::nullopt;
    std::vector<SlaDeadline> out;
    out.reserve(policy.targets.size());
    for (const auto& target : policy.targets) {
        auto warn_after = std::chrono::milliseconds(static_cast<long long>(
            std::llround(static_cast<double>(target.within.count()) * policy.warn_fraction)));
        SlaDeadline d;
        d.milestone = target.milestone;
        d.started = started;
        if (policy.business_hours_only) {
            auto due = hours->addBusinessTime(started, target.within);
            auto warn = hours->addBusinessTime(started, warn_after);
            if (!due || !warn) return std::nullopt;
            d.due_at = *due;
            d.warn_at = *warn;
        } else {
            d.due_at = started + target.within;
            d.warn_at = started + warn_after;
        }
        out.push_back(d);
    }
    return out;
}

SlaState stateAt(const SlaDeadline& deadline, TimePoint now) {
    if (deadline.met_at) return *deadline.met_at <= deadline.due_at ? SlaState::Met : SlaState::MetLate;
    if (now >= deadline.due_at) return SlaState::Breached;
    if (now >= deadline.warn_at) return SlaState::Warning;
    return SlaState::Running;
}

void markMet(SlaDeadline& deadline, TimePoint when) {
    if (!deadline.met_at) deadline.met_at = when;
}

}  // namespace ccd::routing
