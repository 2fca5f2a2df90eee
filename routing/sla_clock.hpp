#pragma once
// SLA clocks: the milestones of the after-sales standard (first response, plan, customer
// update, resolution), their deadlines from a policy, counted in wall time or in business time,
// and their state at a given moment. Pure: time is always a parameter.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/business_hours.hpp"
#include "routing/model.hpp"

namespace ccd::routing {

/// The clocks a conversation runs.
enum class Milestone { FirstResponse, Plan, CustomerUpdate, Resolution };

/// "first_response", "plan", "customer_update", "resolution".
std::string_view toString(Milestone m);
std::optional<Milestone> milestoneFromString(std::string_view name);

/// How long a milestone may take under a policy.
struct MilestoneTarget {
    Milestone milestone = Milestone::FirstResponse;
    std::chrono::milliseconds within{0};
};

/// An SLA policy (parsed from routing.yaml), e.g. P1: first response within 5 minutes.
struct SlaPolicy {
    std::string name;
    std::vector<MilestoneTarget> targets;
    bool business_hours_only = false;  ///< count only open time of the conversation's calendar
    double warn_fraction = 0.8;        ///< warn when this fraction of the time has passed
};

/// One running clock of a conversation.
struct SlaDeadline {
    Milestone milestone = Milestone::FirstResponse;
    TimePoint started{};
    TimePoint warn_at{};
    TimePoint due_at{};
    std::optional<TimePoint> met_at;  ///< set when the milestone was reached: the clock stops
};

/// Where a clock stands at a moment.
enum class SlaState {
    Running,   ///< before the warning point
    Warning,   ///< past warn_at, not yet due
    Breached,  ///< past due_at and not met
    Met,       ///< met on time
    MetLate,   ///< met after due_at
};

std::string_view toString(SlaState s);

/// Starts every clock of `policy` at `started`. `hours` is required when the policy counts
/// business time; a calendar that never opens yields no deadline for that milestone (nullopt).
/// Returns the deadlines, or nullopt when business time was asked for without a usable calendar.
std::optional<std::vector<SlaDeadline>> startClocks(const SlaPolicy& policy, TimePoint started,
                                                    const BusinessHours* hours);

/// The state of one clock at `now`.
SlaState stateAt(const SlaDeadline& deadline, TimePoint now);

/// Stops a clock: records `when` as the moment the milestone was met (the first time only).
void markMet(SlaDeadline& deadline, TimePoint when);

}  // namespace ccd::routing
