#pragma once
// Store::ingestBatch on PostgreSQL as a group write (pg_write.hpp): the request's messages
// through pg_ingest's InboundWriter inside the group's transaction, then the attachments' bytes
// and the channel instance's state in the group's pipelines, so that all of it commits
// together. Edits, delivery reports, contact events and call steps are not handled yet: a
// batch carrying them is refused before anything is written (batchUnsupported).

#include <functional>
#include <memory>
#include <string>

#include "daemon/store/postgres/pg_write.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Why the PostgreSQL store cannot store `batch` yet, or empty.
std::string batchUnsupported(const InboundBatch& batch);

/// Store::ingestBatch for a batch batchUnsupported accepts.
std::unique_ptr<GroupWrite> ingestBatchWrite(InboundBatch batch,
                                             std::function<void(StoreResult<BatchIngested>)> done);

}  // namespace ccd::store::postgres
