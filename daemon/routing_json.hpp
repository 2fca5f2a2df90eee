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
/// actionJson(action).dump() (invalid UTF-8 replaced), the bytes of the events table's `data`.
/// The actions of every new conversation (routed, auto_reply, queued, case_requested, offer,
/// assigned) are written straight into the text: the tree and its dump were 6 % of a new
/// customer's CPU (docs/performance.md). json_writer_test compares the two.
std::string actionText(const routing::Action& action);
/// The engine's view of a conversation, for GET /v1/conversations/{id} and the console.
nlohmann::json snapshotJson(const routing::ConversationSnapshot& s, routing::TimePoint now);

}  // namespace ccd::daemon
