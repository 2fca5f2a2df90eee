#pragma once
// Store::ingestBatch on PostgreSQL as a group write (pg_write.hpp): the request's messages
// through pg_ingest's InboundWriter inside the group's transaction, then the attachments'
// bytes, edits, delivery reports, the channel instance's state, contact events and call steps
// in the group's pipelines (as the SQLite store's InboundWriter::ingestBatch writes them), so
// that all of it commits together.

#include <functional>
#include <memory>
#include <string>

#include "daemon/store/postgres/pg_write.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::postgres {

/// Why the PostgreSQL store cannot store `batch` (text it cannot hold), or empty: checked
/// before the batch is queued, so that it fails without a round trip.
std::string batchUnsupported(const InboundBatch& batch);

/// Store::ingestBatch.
std::unique_ptr<GroupWrite> ingestBatchWrite(InboundBatch batch,
                                             std::function<void(StoreResult<BatchIngested>)> done);

}  // namespace ccd::store::postgres
