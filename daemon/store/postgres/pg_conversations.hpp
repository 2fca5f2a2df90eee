#pragma once
// Reading a conversation back from PostgreSQL with its contact, routing state, messages and
// call log, as the SQLite store's ConversationReader does: as statements appended to a
// pipeline, so that a reader reads it in one round trip and the writer reads an offer's
// conversation in the round trip that commits it (applyRouting's read_back).

#include <cstdint>
#include <optional>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/postgres/pg_write.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// How many statements appendConversationReads adds.
inline constexpr int kConversationStatements = 3;

/// Appends the reads of conversation `id`; returns the position of the first.
int appendConversationReads(Statements& out, std::int64_t id);

/// The conversation from the kConversationStatements results starting at `first`; nullopt
/// when there is none with that id.
std::optional<ConversationRecord> conversationFromResults(std::vector<Result>& results,
                                                          std::size_t first);

/// Conversation `id` in one snapshot (a read-only REPEATABLE READ transaction: two round
/// trips). Throws PgError.
std::optional<ConversationRecord> readConversation(Connection& db, std::int64_t id);

/// See Store::getAttachment. Throws PgError.
std::optional<AttachmentFile> readAttachmentFile(Connection& db, std::int64_t conversation_id,
                                                 std::int64_t message_id, std::size_t position);

}  // namespace ccd::store::postgres
