#pragma once
// Removing and exporting a customer's personal data in SQLite (docs/security.md, "Privacy"):
// one anonymization for erasure and retention. A message keeps its row (direction, times,
// author, delivery state) so that counts and timings for reports stay; its text becomes a
// marker, its subject, HTML, quoted history and sender address go, its attachments become
// {"kind", "removed"} stubs; the outbox's copy of an outbound text is scrubbed alike.
// Used only on the store's threads; every function throws SqliteError on failure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "daemon/store/redaction_rows.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

// The markers, isRecording, Redaction, Redacted and planRedaction: shared with the PostgreSQL
// store (daemon/store/redaction_rows.hpp).
using store::isRecording;
using store::kErasedMarker;
using store::kExpiredMarker;
using store::planRedaction;
using store::Redacted;
using store::Redaction;

/// Prepared statements for redacting messages on one connection (inside the caller's write
/// transaction).
class MessageRedactor {
public:
    explicit MessageRedactor(Connection& db);

    /// Removes `what` from message `id`; `text_intact` and `attachments` are what the caller read
    /// of it (redacted_at IS NULL; the attachments column). Only outbox entries that are no
    /// longer waiting to be sent are scrubbed.
    Redacted redact(std::int64_t id, bool text_intact, const std::optional<std::string>& attachments,
                    Redaction what, std::string_view marker, std::int64_t now_ms);

private:
    Connection& db_;
    Statement text_;
    Statement attachments_;
    Statement content_;
    Statement outbox_;
};

/// Erases the personal data of contact `contact_id` (its fields, addresses, products, its
/// conversations' messages, attachments, outbox payloads, free text of events, the address
/// events it caused) inside the caller's transaction. Pending replies to it are failed with
/// "contact erased". Conversations keep their times, category, priority, queue, SLA outcome
/// and rating. Idempotent.
ErasureCounts eraseContactData(Connection& db, std::int64_t contact_id, std::string_view marker,
                               std::int64_t now_ms);

/// eraseContactData for the contact with `key`; nullopt when there is none.
std::optional<ErasureResult> eraseContactByKey(Connection& db, const std::string& key,
                                               std::int64_t now_ms);

/// Everything held about the contact with `key`, in one read transaction; nullopt when none.
std::optional<ContactExport> readContactExport(Connection& db, const std::string& key);

}  // namespace ccd::store::sqlite
