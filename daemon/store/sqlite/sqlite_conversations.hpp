#pragma once
// Reading a conversation back with its contact, routing state and messages, on any of the
// store's connections: the reader thread's (GET /v1/conversations/{id}) and the writer's (an
// offer's history, read inside the commit that made the offer).

#include <cstdint>
#include <optional>

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Prepared statements on one connection; use it only on that connection's thread.
class ConversationReader {
public:
    explicit ConversationReader(Connection& db);

    /// The conversation, or nullopt when there is none with this id. Runs in the caller's
    /// transaction (open one for a consistent snapshot); throws SqliteError.
    std::optional<ConversationRecord> read(std::int64_t id);

private:
    std::optional<ConversationRecord> readRows(std::int64_t id);

    Statement conversation_;
    Statement messages_;
    Statement calls_;
};

/// See Store::getAttachment; throws SqliteError.
std::optional<AttachmentFile> readAttachmentFile(Connection& db, std::int64_t conversation_id,
                                                 std::int64_t message_id, std::size_t position);

}  // namespace ccd::store::sqlite
