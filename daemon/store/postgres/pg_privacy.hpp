#pragma once
// Removing a customer's personal data in PostgreSQL (docs/security.md, "Privacy"), as
// sqlite_privacy.hpp does it in SQLite, with the same rows left: a message keeps its row, its
// text becomes a marker, its subject, HTML, quoted history and sender go, its attachments
// become {"kind", "removed"} stubs (daemon/store/redaction_rows.hpp); the outbox's copy of an
// outbound text is scrubbed alike. Part of PgStore. Used
// by one thread at a time, like the Connection; every function throws PgError on failure.
//
// The JSON that SQLite edits in SQL (json_remove, json_set on events' data and outbox payloads,
// json_extract on web chat sessions) is edited here in C++ on rows read first, keeping the
// keys' order and writing it compact as SQLite does: PostgreSQL 15 cannot skip a document that
// does not parse, and jsonb would reorder keys. A document that does not parse is left as it
// is (SQLite's statement would fail). Each write checks that the row still holds what was read,
// so that another node's concurrent change is not overwritten (and not counted).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "daemon/store/redaction_rows.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// One message to redact: what the caller read of it (redacted_at IS NULL; its attachments
/// column) and what to remove.
struct MessageToRedact {
    std::int64_t id = 0;
    bool text_intact = false;
    std::optional<std::string> attachments;
    Redaction what;
};

/// SQLite's MessageRedactor::redact for many messages at once, in two round trips (the outbox
/// payloads to scrub, then every write in one pipeline) inside the caller's open transaction:
/// texts replaced by `marker`, attachments stubbed and their kept bytes deleted, outbox
/// entries no longer waiting to be sent scrubbed (for messages whose text goes). Returns the
/// totals.
Redacted redactMessages(Connection& db, const std::vector<MessageToRedact>& messages,
                        std::string_view marker, std::int64_t now_ms);

/// Erases the personal data of contact `contact_id` as sqlite::eraseContactData does (the
/// rules are written there) inside the caller's open transaction, in two round trips: every
/// read, then every write. Idempotent.
ErasureCounts eraseContactData(Connection& db, std::int64_t contact_id, std::string_view marker,
                               std::int64_t now_ms);

/// eraseContactData for the contact with `key`; nullopt when there is none.
std::optional<ErasureResult> eraseContactByKey(Connection& db, const std::string& key,
                                               std::int64_t now_ms);

}  // namespace ccd::store::postgres
