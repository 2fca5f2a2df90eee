#pragma once
// JSON views of the routing engine's vocabulary: actions (for the events table, `ccd simulate`
// and the console), classifications, SLA deadlines and conversation snapshots.

#include <nlohmann/json.hpp>

#include "routing/engine_types.hpp"

namespace ccd::daemon {

/// RFC 3339 UTC with milliseconds.
std::string isoTime(routing::TimePoint t);

nlohmann::json deadlinesJson(const std::vector<routing::SlaDeadline>& deadlines,
                             routing::TimePoint now);
nlohmann::json classificationJson(const routing::Classification& c);
/// One action: {"action": name, ...its fields}.
nlohmann::json actionJson(const routing::Action& action);
/// The engine's view of a conversation, for GET /v1/conversations/{id} and the console.
nlohmann::json snapshotJson(const routing::ConversationSnapshot& s, routing::TimePoint now);

}  // namespace ccd::daemon
