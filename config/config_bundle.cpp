#include "config/config_bundle.hpp"

#include <algorithm>

#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "config/routing_config_parser.hpp"
#include "config/template_catalog_parser.hpp"
#include "templates/catalog.hpp"

namespace ccd::config {

std::vector<ConfigIssue> missingTemplates(const routing::RoutingConfig& routing,
                                          const templates::Catalog& catalog) {
    std::vector<ConfigIssue> issues;
    for (const auto& ref : routing.template_refs) {
        if (catalog.has(ref.id)) continue;
        issues.push_back(ConfigIssue{ref.file, ref.line, ref.column, ref.path,
                                     "no template \"" + ref.id + "\" in the template catalog"});
    }
    return issues;
}

ConfigBundle loadConfigBundle(const std::string& path) {
    ConfigBundle out;
    out.daemon = loadDaemonConfig(path);  // nothing else can be read without it
    std::vector<ConfigIssue> issues;
    if (!out.daemon->routing_path.empty()) {
        try {
            out.routing = loadRoutingConfig(out.daemon->routing_path);
        } catch (const ConfigError& e) {
            issues.insert(issues.end(), e.issues().begin(), e.issues().end());
        }
    }
    if (!out.daemon->templates.path.empty()) {
        try {
            out.catalog = loadTemplateCatalog(out.daemon->templates.path,
                                              out.daemon->templates.default_locale);
        } catch (const ConfigError& e) {
            issues.insert(issues.end(), e.issues().begin(), e.issues().end());
        }
    }
    if (out.routing && out.catalog) {
        auto missing = missingTemplates(*out.routing, *out.catalog);
        issues.insert(issues.end(), missing.begin(), missing.end());
    } else if (out.routing && !out.routing->template_refs.empty() &&
               out.daemon->templates.path.empty()) {
        const auto& ref = out.routing->template_refs.front();
        issues.push_back(ConfigIssue{ref.file, ref.line, ref.column, ref.path,
                                     "the routing rules name templates, but " +
                                         out.daemon->source_path +
                                         " has no `templates:` catalog"});
    }
    if (out.routing) {
        // Rules that name a channel instance: it must be one of ccd.yaml's.
        for (const auto& ref : out.routing->channel_instance_refs) {
            bool known = std::any_of(out.daemon->channels.begin(), out.daemon->channels.end(),
                                     [&](const auto& c) { return c->name == ref.id; });
            if (known) continue;
            std::string names;
            for (const auto& c : out.daemon->channels) names += (names.empty() ? "" : ", ") + c->name;
            issues.push_back(ConfigIssue{ref.file, ref.line, ref.column, ref.path,
                                         "no channel instance \"" + ref.id + "\" in " +
                                             out.daemon->source_path + " (configured: " +
                                             (names.empty() ? std::string("none") : names) + ")"});
        }
    }
    if (!issues.empty()) throw ConfigError(std::move(issues));
    return out;
}

}  // namespace ccd::config
