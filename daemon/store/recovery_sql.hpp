#pragma once
// SQL of the routing recovery that both stores run as it is (SQLite and PostgreSQL accept the
// same text).

namespace ccd::store {

/// The latest handle times, newest first: each resolution with the time since the last
/// assignment before it (milliseconds) and the conversation's queue. The engine's wait
/// estimates start from them after a restart (RoutingRecovery::handle_times); 1,000 are
/// plenty for the 20 per queue it keeps.
inline constexpr const char* kRecentHandleTimes =
    "SELECT c.queue, r.created_at - a.created_at"
    " FROM events r"
    " JOIN conversations c ON c.id = r.conversation_id"
    " JOIN events a ON a.id = (SELECT max(e.id) FROM events e"
    "  WHERE e.conversation_id = r.conversation_id AND e.type = 'assigned' AND e.id < r.id)"
    " WHERE r.type = 'resolved' AND c.queue IS NOT NULL"
    " ORDER BY r.id DESC LIMIT 1000";

}  // namespace ccd::store
