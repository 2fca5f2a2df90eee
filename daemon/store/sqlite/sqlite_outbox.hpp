#pragma once
// The outbox side of the SQLite store: taking due messages for the sender (marked `sending` in
// the same commit), recording how each send ended, resuming after a crash, and the reads the
// sender and /metrics need. Writer methods run on the writer thread inside its transaction;
// the read functions on the reader's connection. All throw SqliteError.

#include <map>
#include <string>
#include <vector>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Prepared statements on the writer connection.
class OutboxWriter {
public:
    explicit OutboxWriter(Connection& db);

    OutboxClaim claim(const std::string& instance, std::size_t limit, std::int64_t now_ms);
    std::vector<DeliveryChange> complete(const std::vector<OutboxResult>& results,
                                         std::int64_t now_ms);
    std::size_t resume();

private:
    Connection& db_;
    Statement select_due_, mark_sending_, next_due_, find_, sent_outbox_, sent_message_;
    Statement retry_, failed_outbox_, failed_message_, dial_event_;
};

/// Pending, sending and failed counts per instance.
std::map<std::string, OutboxCounts> readOutboxCounts(Connection& db);
/// A channel instance's saved state (channel_state), key to value.
std::map<std::string, std::string> readChannelState(Connection& db, const std::string& instance);
/// The conversation's instance and the customer's address on it.
std::optional<DeliveryTarget> readDeliveryTarget(Connection& db, std::int64_t conversation_id);

}  // namespace ccd::store::sqlite
