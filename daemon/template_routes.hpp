#pragma once
// GET /v1/templates: the reply template catalog for the console's canned responses.

#include <functional>
#include <memory>

namespace ccd::templates {
class Catalog;
}

namespace ccd::daemon {

namespace http {
class Router;
}

/// Adds GET /v1/templates. `current` returns the catalog in force (a reload swaps it), or null
/// when none is configured (503). It is called on I/O threads, once per request.
///
/// Answer: {"default_locale", "locales", "templates": [{"id", "description", "category",
/// "locales", "channels", "variables": [{"name", "type"}]}]}. With `?locale=zh-TW` each
/// template also has "locale" (the catalog locale used), its description in that locale and
/// "preview": {"text", "subject", "html", "speech"} rendered with placeholders ("{ticket}")
/// for text variables and sample values for numbers and times (UTC); an invalid tag is 400.
void addTemplateRoutes(http::Router& router,
                       std::function<std::shared_ptr<const templates::Catalog>()> current);

}  // namespace ccd::daemon
