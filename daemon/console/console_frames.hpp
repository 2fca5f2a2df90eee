#pragma once
// The JSON bodies of the frames ccd sends to console clients (docs/console-protocol.md), built
// from engine actions and store records. Pure: no I/O.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/console/auth.hpp"
#include "routing/engine_types.hpp"

namespace ccd::store {
struct ConversationRecord;
}

namespace ccd::daemon::console {

/// Compact JSON text; invalid UTF-8 is replaced, never thrown on.
std::string dumpJson(const nlohmann::json& j);

/// "agent", "supervisor", "admin".
std::string_view roleName(Role role);

/// RFC 3339 UTC with milliseconds.
std::string timeText(routing::TimePoint t);

/// `message`: a customer message in a conversation the agent holds.
nlohmann::json messageFrame(const routing::MessageReceived& m);

/// `conversation_updated` with `change` ("resolved", "queued", "transferred", "priority",
/// "milestone_met") and extra fields.
nlohmann::json updatedFrame(std::int64_t conversation_id, std::string_view change,
                            nlohmann::json extra);

/// `sla_warning` or `sla_breach`.
nlohmann::json slaFrame(const routing::SlaAlert& alert);

/// `offer`: the customer, channel, category, priority, SLA deadlines, history, offer timeout
/// and the customer's archive (`customer_history`) when the record has it.
/// `snapshot` and `record` may be null (then those fields are missing or empty).
nlohmann::json offerFrame(const routing::OfferMade& offer,
                          const routing::ConversationSnapshot* snapshot,
                          const store::ConversationRecord* record, routing::TimePoint now);

/// `conversation`: the answer to `open`, the full history with the routing state if known,
/// and the customer's archive when the record has it (warranty states on the date of `now`).
nlohmann::json conversationFrame(const store::ConversationRecord& record,
                                 const routing::ConversationSnapshot* snapshot,
                                 routing::TimePoint now);

/// `queues`: the waiting lists of the queues an agent can take work from (`queues` empty: every
/// queue, for supervisors).
nlohmann::json queuesFrame(const std::vector<routing::QueueWaiting>& lists,
                           const std::vector<std::string>* only);

/// `board`: the supervisor's queue board.
nlohmann::json boardFrame(const std::vector<routing::QueueStats>& queues,
                          const std::vector<routing::AgentStats>& agents,
                          const std::vector<nlohmann::json>& at_risk,
                          const std::map<std::string, bool>& online, routing::TimePoint now);

}  // namespace ccd::daemon::console
