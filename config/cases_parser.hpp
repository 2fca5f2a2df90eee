#pragma once
// The `cases:` section of routing.yaml: service-case types, stages, the warranty rule, the
// repeat window, quotes' currency and the follow-up policies (routing/cases/case_config.hpp).

#include <string>

#include "config/yaml_reader.hpp"
#include "routing/routing_config.hpp"

namespace ccd::config {

/// Reads `cases:` into out.cases, after calendars and queues (stage calendars and follow-up
/// queues are checked against them). Template ids go to out.template_refs. When the section is
/// absent out.cases stays empty: no types and no stages, so that no case can be opened.
void readCases(const NodeRef& node, routing::RoutingConfig& out, const std::string& file);

}  // namespace ccd::config
