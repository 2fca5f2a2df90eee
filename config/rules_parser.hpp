#pragma once
// Reads the decision sections of routing.yaml: `defaults`, `rules`, `auto_replies` and
// `escalation`. References are checked against what was read before them (queues, SLA
// policies, calendars, categories, safety signals); template ids are collected with their
// positions in RoutingConfig::template_refs for the catalog check.

#include <string>

#include "config/yaml_reader.hpp"
#include "routing/routing_config.hpp"

namespace ccd::config {

/// `defaults:` (after queues, policies and calendars are read).
void readDefaults(const NodeRef& node, routing::RoutingConfig& out);
/// `rules:` (after defaults and classification).
void readRules(const NodeRef& node, routing::RoutingConfig& out, const std::string& file);
/// `auto_replies:` (after classification).
void readAutoReplies(const NodeRef& node, routing::RoutingConfig& out, const std::string& file);
/// `escalation:` (after queues).
void readEscalation(const NodeRef& node, routing::RoutingConfig& out);

}  // namespace ccd::config
