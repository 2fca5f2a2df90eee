// PgStore's privacy operations (store.hpp, "Privacy") through pg_audit, pg_privacy,
// pg_retention and pg_export: the audit log, erasure, export and retention, each a write in the
// writer's group transaction (retention one commit per batch) or a read on a reader thread.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "daemon/store/erasure_json.hpp"
#include "daemon/store/postgres/pg_audit.hpp"
#include "daemon/store/postgres/pg_export.hpp"
#include "daemon/store/postgres/pg_privacy.hpp"
#include "daemon/store/postgres/pg_retention.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/postgres/pg_store_jobs.hpp"

namespace ccd::store::postgres {

void PgStore::appendAudit(std::vector<AuditRecord> entries,
                          std::function<void(StoreResult<bool>)> done) {
    const auto count = entries.size();
    submit(functionWrite<bool>(
        [entries = std::move(entries)](Connection& db, std::int64_t) {
            for (const auto& e : entries) insertAudit(db, e);
            return true;
        },
        [count, done = std::move(done)](StoreResult<bool> r) {
            if (!r)
                spdlog::error("audit: {} entr{} not stored: {}", count, count == 1 ? "y" : "ies",
                              r.error->message);
            if (done) done(std::move(r));
        }));
}

void PgStore::queryAudit(AuditQuery query, std::function<void(StoreResult<AuditPage>)> done) {
    readJob<AuditPage>([q = std::move(query)](Connection& db) { return readAudit(db, q); },
                       std::move(done));
}

// The erasure and its audit entry in one commit.
void PgStore::eraseContact(std::string key, AuditRecord audit,
                           std::function<void(StoreResult<std::optional<ErasureResult>>)> done) {
    submit(functionWrite<std::optional<ErasureResult>>(
        [key = std::move(key), entry = std::move(audit)](Connection& db, std::int64_t) {
            auto result = eraseContactByKey(db, key, entry.at_ms);
            if (!result) return result;  // an unknown key: nothing erased, nothing recorded here
            AuditRecord recorded = entry;
            auto detail = nlohmann::json::parse(entry.detail_json, nullptr, false);
            if (!detail.is_object()) detail = nlohmann::json::object();
            detail["erased"] = erasureCountsJson(result->counts);
            detail["already_erased"] = result->already_erased;
            recorded.detail_json = detail.dump();
            recorded.object_id = std::to_string(result->contact_id);
            insertAudit(db, recorded);
            return result;
        },
        std::move(done)));
}

void PgStore::exportContact(std::string key,
                            std::function<void(StoreResult<std::optional<ContactExport>>)> done) {
    readJob<std::optional<ContactExport>>(
        [k = std::move(key)](Connection& db) { return readContactExport(db, k); }, std::move(done));
}

struct PgStore::RetentionRun {
    RetentionRequest request;
    std::function<void(StoreResult<RetentionReport>)> done;
    RetentionCursor cursor;  ///< after the last committed batch
    RetentionReport report;  ///< what the committed batches removed
};

namespace {

// One batch's cursor and what it removed.
struct RetentionBatch {
    RetentionCursor cursor;
    RetentionReport delta;
};

}  // namespace

void PgStore::runRetention(RetentionRequest request,
                           std::function<void(StoreResult<RetentionReport>)> done) {
    auto run = std::make_shared<RetentionRun>();
    if (request.batch == 0) request.batch = 1;
    run->request = std::move(request);
    run->done = std::move(done);
    if (run->request.dry_run) {
        // Counting writes nothing: one read, from one snapshot, on a reader's connection.
        readJob<RetentionReport>(
            [run](Connection& db) {
                return inReadSnapshot(db, [&] {
                    RetentionCursor cursor;
                    RetentionReport report;
                    while (cursor.phase != RetentionCursor::Phase::Done)
                        retentionStep(db, run->request, cursor, report);
                    return report;
                });
            },
            run->done);
        return;
    }
    retentionBatch(std::move(run));
}

void PgStore::retentionBatch(std::shared_ptr<RetentionRun> run) {
    // A batch run again (its group run again without another write) starts from the committed
    // cursor, so nothing is counted or skipped twice.
    submit(functionWrite<RetentionBatch>(
        [run](Connection& db, std::int64_t) {
            RetentionBatch batch{run->cursor, {}};
            retentionStep(db, run->request, batch.cursor, batch.delta);
            return batch;
        },
        [this, run](StoreResult<RetentionBatch> r) {
            if (!r) return run->done(StoreResult<RetentionReport>::fail(r.error->message));
            run->cursor = r.value->cursor;
            const auto& d = r.value->delta;
            auto& total = run->report;
            total.message_texts += d.message_texts;
            total.attachments += d.attachments;
            total.recordings += d.recordings;
            total.outbox += d.outbox;
            total.contacts += d.contacts;
            total.audit += d.audit;
            ++total.commits;
            if (run->cursor.phase == RetentionCursor::Phase::Done)
                return run->done(StoreResult<RetentionReport>::ok(total));
            retentionBatch(run);  // queued behind the writes that came meanwhile
        }));
}

}  // namespace ccd::store::postgres
