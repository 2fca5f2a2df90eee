#pragma once
// The routing configuration (config/routing.yaml) as immutable data: business-hours calendars,
// SLA policies and queues. Parsed and validated by config/routing_config_parser; shared by the
// engine as std::shared_ptr<const RoutingConfig> and swapped whole on reload.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "routing/business_hours.hpp"
#include "routing/dispatcher.hpp"
#include "routing/sla_clock.hpp"

namespace ccd::routing {

/// An SLA policy and the calendar its business time is counted in (when it counts business
/// time only).
struct SlaPolicyConfig {
    SlaPolicy policy;
    std::optional<std::string> calendar;
};

struct RoutingConfig {
    std::string source_path;
    std::map<std::string, BusinessCalendar> calendars;
    std::map<std::string, SlaPolicyConfig> sla_policies;
    std::vector<QueueDef> queues;
};

using RoutingConfigPtr = std::shared_ptr<const RoutingConfig>;

}  // namespace ccd::routing
