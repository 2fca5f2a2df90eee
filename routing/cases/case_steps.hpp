#pragma once
// The steps openCase and applyCase share (internal to routing/cases): entering a stage and
// scheduling the follow-ups an event calls for.

#include <string>

#include "routing/cases/service_case.hpp"

namespace ccd::routing::cases_detail {

/// Puts the case in `stage`: starts its clock (or clears the clock when the stage has none),
/// adds its notify template to effects.customer and schedules the follow-ups of
/// "stage:<stage>". The stage must be configured.
void enterStage(const CaseRules& rules, ServiceCase& c, const CaseStageDef& stage, TimePoint now,
                CaseEffects& effects);

/// Schedules a follow-up of every policy whose `on` is `on` and whose types include the case's
/// type (or are empty), unless one of that policy is still scheduled or offered. Returns the
/// names of the policies scheduled.
std::vector<std::string> scheduleFollowUps(const CasesConfig& config, ServiceCase& c,
                                           const std::string& on, TimePoint now);

/// "case 12" (or "new case" before it is stored).
std::string caseName(const ServiceCase& c);

}  // namespace ccd::routing::cases_detail
