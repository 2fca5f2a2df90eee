#pragma once
// Everything `ccd run` serves with, loaded and cross-checked together: ccd.yaml, the routing
// file it names and the template catalog. A reload takes the whole bundle or nothing.

#include <memory>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "config/daemon_config.hpp"
#include "routing/routing_config.hpp"

namespace ccd::templates {
class Catalog;
}

namespace ccd::config {

struct ConfigBundle {
    DaemonConfigPtr daemon;
    routing::RoutingConfigPtr routing;                   ///< null without `routing:`
    std::shared_ptr<const templates::Catalog> catalog;  ///< null without `templates:`
};

/// Loads ccd.yaml, its routing file and its template catalog, and checks that every template
/// the routing file names exists (each missing one reported at its position in routing.yaml).
/// Throws ConfigError with every problem of every file.
ConfigBundle loadConfigBundle(const std::string& path);

/// The cross-file check alone: problems for template ids `routing` names that `catalog` lacks.
std::vector<ConfigIssue> missingTemplates(const routing::RoutingConfig& routing,
                                          const templates::Catalog& catalog);

}  // namespace ccd::config
