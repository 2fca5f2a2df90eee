#pragma once
// Sample values for every variable of the context: for previews (GET /v1/templates?locale=),
// `ccd render` defaults and tests. Pure: the current time is a parameter.

#include "templates/value.hpp"

namespace ccd::templates {

/// A full, realistic context: ticket 10428, queue position 3, 12 minutes' wait, first response
/// due 30 minutes after `now`, plan due 2 hours after, next opening the next day at 09:00 UTC,
/// service case 3107 (a repair, in_repair) with an engineer visit the next day 14:00-16:00 UTC
/// and a quote of 380.00 CNY...
Vars sampleContext(routing::TimePoint now);

/// Like sampleContext() but every text variable is its own placeholder ("{ticket}"), so a
/// preview shows where each value goes. Numbers and times keep sample values.
Vars placeholderContext(routing::TimePoint now);

}  // namespace ccd::templates
