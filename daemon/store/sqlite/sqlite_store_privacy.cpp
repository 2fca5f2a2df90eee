// The SQLite store's privacy operations (store.hpp, "Privacy"): the audit log, erasure, export
// and retention, each a write in the group commit or a read on the reader thread.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/store/erasure_json.hpp"
#include "daemon/store/sqlite/sqlite_audit.hpp"
#include "daemon/store/sqlite/sqlite_privacy.hpp"
#include "daemon/store/sqlite/sqlite_retention.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

namespace ccd::store::sqlite {

void SqliteStore::appendAudit(std::vector<AuditRecord> entries,
                              std::function<void(StoreResult<bool>)> done) {
    auto list = std::make_shared<std::vector<AuditRecord>>(std::move(entries));
    submitDbWrite(
        [list](Connection& db) {
            for (const auto& e : *list) insertAudit(db, e);
        },
        [list, done = std::move(done)](const std::string& error) {
            if (!error.empty())
                spdlog::error("audit: {} entr{} not stored: {}", list->size(),
                              list->size() == 1 ? "y" : "ies", error);
            if (done)
                done(error.empty() ? StoreResult<bool>::ok(true) : StoreResult<bool>::fail(error));
        });
}

void SqliteStore::queryAudit(AuditQuery query, std::function<void(StoreResult<AuditPage>)> done) {
    readJob<AuditPage>([q = std::move(query)](Connection& db) { return readAudit(db, q); },
                       std::move(done));
}

void SqliteStore::eraseContact(
    std::string key, AuditRecord audit,
    std::function<void(StoreResult<std::optional<ErasureResult>>)> done) {
    using Result = StoreResult<std::optional<ErasureResult>>;
    auto result = std::make_shared<std::optional<ErasureResult>>();
    auto state = std::make_shared<std::pair<std::string, AuditRecord>>(std::move(key),
                                                                       std::move(audit));
    submitDbWrite(
        [state, result](Connection& db) {
            auto& [k, entry] = *state;
            *result = eraseContactByKey(db, k, entry.at_ms);
            if (!*result) return;  // an unknown key: nothing erased, nothing recorded here
            AuditRecord recorded = entry;
            auto counts = erasureCountsJson((*result)->counts);
            auto detail = nlohmann::json::parse(entry.detail_json, nullptr, false);
            if (!detail.is_object()) detail = nlohmann::json::object();
            detail["erased"] = std::move(counts);
            detail["already_erased"] = (*result)->already_erased;
            recorded.detail_json = detail.dump();
            recorded.object_id = std::to_string((*result)->contact_id);
            insertAudit(db, recorded);
        },
        [result, done = std::move(done)](const std::string& error) {
            done(error.empty() ? Result::ok(std::move(*result)) : Result::fail(error));
        });
}

void SqliteStore::exportContact(
    std::string key, std::function<void(StoreResult<std::optional<ContactExport>>)> done) {
    readJob<std::optional<ContactExport>>(
        [k = std::move(key)](Connection& db) { return readContactExport(db, k); }, std::move(done));
}

struct SqliteStore::RetentionRun {
    RetentionRequest request;
    std::function<void(StoreResult<RetentionReport>)> done;
    RetentionCursor cursor;   ///< after the last committed batch
    RetentionReport report;   ///< what the committed batches removed
    RetentionCursor pending;  ///< the batch being written
    RetentionReport delta;
};

void SqliteStore::runRetention(RetentionRequest request,
                               std::function<void(StoreResult<RetentionReport>)> done) {
    auto run = std::make_shared<RetentionRun>();
    if (request.batch == 0) request.batch = 1;
    run->request = std::move(request);
    run->done = std::move(done);
    if (run->request.dry_run) {
        // Counting writes nothing: one read, on the reader's connection.
        readJob<RetentionReport>(
            [run](Connection& db) {
                RetentionCursor cursor;
                RetentionReport report;
                while (cursor.phase != RetentionCursor::Phase::Done)
                    retentionStep(db, run->request, cursor, report);
                return report;
            },
            run->done);
        return;
    }
    retentionBatch(std::move(run));
}

void SqliteStore::retentionBatch(std::shared_ptr<RetentionRun> run) {
    submitDbWrite(
        [run](Connection& db) {
            // A batch replayed after a failed group commit starts again from the committed
            // cursor, so nothing is counted or skipped twice.
            run->pending = run->cursor;
            run->delta = RetentionReport{};
            retentionStep(db, run->request, run->pending, run->delta);
        },
        [this, run](const std::string& error) {
            if (!error.empty()) return run->done(StoreResult<RetentionReport>::fail(error));
            run->cursor = run->pending;
            auto& r = run->report;
            r.message_texts += run->delta.message_texts;
            r.attachments += run->delta.attachments;
            r.recordings += run->delta.recordings;
            r.outbox += run->delta.outbox;
            r.contacts += run->delta.contacts;
            r.audit += run->delta.audit;
            ++r.commits;
            if (run->cursor.phase == RetentionCursor::Phase::Done)
                return run->done(StoreResult<RetentionReport>::ok(r));
            retentionBatch(run);  // queued behind the writes that came meanwhile
        });
}

}  // namespace ccd::store::sqlite
