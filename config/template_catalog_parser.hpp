#pragma once
// Reads a template catalog folder (templates/default/): one YAML file per locale, named after
// its language tag (en.yaml, zh-Hans.yaml, zh-Hant.yaml). Layout: docs/templates.md.
//
// Every problem is reported with file, line, column and YAML path: YAML errors, unknown keys,
// MessageFormat syntax errors (at the position inside the pattern when it can be located),
// unknown variables, variables used against their type, a template present in one locale but
// missing in another, a default locale without a file.

#include <memory>
#include <string>
#include <vector>

#include "config/config_error.hpp"
#include "templates/catalog.hpp"

namespace ccd::config {

/// One catalog file: its path (the file name gives the locale) and its text.
struct TemplateFile {
    std::string path;
    std::string text;
};

/// Loads every *.yaml file of `dir`. Throws ConfigError listing every problem, so a reload
/// keeps the previous catalog.
std::shared_ptr<const templates::Catalog> loadTemplateCatalog(const std::string& dir,
                                                              const std::string& default_locale);

/// Parses catalog files already read (tests, fuzzing). Throws ConfigError.
std::shared_ptr<const templates::Catalog> parseTemplateCatalog(
    const std::vector<TemplateFile>& files, const std::string& default_locale);

}  // namespace ccd::config
