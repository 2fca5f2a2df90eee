// Connection::commitBatch: a transaction of many statements in libpq's pipeline mode, one
// round trip (what group commit of inbound messages needs: the whole group costs one wait for
// the server, not one per message).
#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {
namespace {

// What was sent, in order: each produces results up to a NULL, but the Sync (one result).
struct Sent {
    enum class Kind { Begin, Prepare, Statement, Commit } kind;
    int statement = -1;  // position in the batch, for Statement and Prepare
    std::string sql;     // for Prepare: the text whose name is confirmed or dropped
};

}  // namespace

std::vector<Result> Connection::commitBatch(const Batch& batch) {
    return pipeline(batch, {true, true});
}

std::vector<Result> Connection::pipeline(const Batch& batch, PipelineEnds ends) {
    if (broken()) throw PgError("batch: connection is broken", "", true);
    if (ends.begin) {
        requireNoTransaction("batch");
    } else if (PQtransactionStatus(conn_) != PQTRANS_INTRANS) {
        throw std::logic_error("pipeline without BEGIN outside a transaction");
    }
    if (PQenterPipelineMode(conn_) != 1) fail("enter pipeline mode");

    try {
        // Everything below only fills libpq's output buffer (it flushes by itself only past 64 KiB
        // in pipeline mode); the Sync marks the end, sendAll() writes it all.
        std::vector<Sent> sent;
        auto sendCommand = [&](const char* sql, Sent::Kind kind) {
            if (!PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0)) fail(sql);
            sent.push_back({kind, -1, {}});
        };
        if (ends.begin) sendCommand("BEGIN", Sent::Kind::Begin);
        for (std::size_t i = 0; i < batch.items_.size(); ++i) {
            const auto& item = batch.items_[i];
            Wire wire(item.params);
            int index = static_cast<int>(i);
            const std::string* name = nullptr;
            if (auto it = prepared_.find(item.sql); it != prepared_.end()) {
                name = &it->second;
            } else if (prepared_.size() < kMaxPrepared) {
                // Prepared in the pipeline itself, before its first use: no round trip of its own.
                std::string fresh = "s" + std::to_string(next_statement_++);
                if (!PQsendPrepare(conn_, fresh.c_str(), item.sql.c_str(), wire.count(),
                                   wire.types.data()))
                    fail("prepare", index);
                sent.push_back({Sent::Kind::Prepare, index, item.sql});
                name = &prepared_.emplace(item.sql, std::move(fresh)).first->second;
            }
            sendPrepared(name, item.sql, wire);
            sent.push_back({Sent::Kind::Statement, index, {}});
        }
        if (ends.commit) sendCommand("COMMIT", Sent::Kind::Commit);
        if (!PQpipelineSync(conn_)) fail("pipeline sync");

        ++stats_.round_trips;
        sendAll();

        std::vector<Result> results(batch.items_.size());
        std::optional<PgError> error;
        for (const auto& s : sent) {
            bool ok = true;
            while (PGresult* r = nextResult()) {
                auto status = PQresultStatus(r);
                if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
                    if (s.kind == Sent::Kind::Statement)
                        results[s.statement] = Result(r);
                    else
                        PQclear(r);
                    continue;
                }
                ok = false;
                if (status != PGRES_PIPELINE_ABORTED && !error) {
                    const char* what = s.kind == Sent::Kind::Begin    ? "batch BEGIN"
                                       : s.kind == Sent::Kind::Commit ? "batch COMMIT"
                                                                      : "batch";
                    error = errorFrom(conn_, r, what, s.statement);
                }
                PQclear(r);
            }
            // A statement parsed after an error was skipped by the server: not prepared.
            if (s.kind == Sent::Kind::Prepare && !ok) prepared_.erase(s.sql);
        }
        PGresult* sync = nextResult();
        bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        if (sync) PQclear(sync);
        if (!synced || PQexitPipelineMode(conn_) != 1) {
            broken_ = true;
            if (error) throw PgError(error->what(), error->sqlstate(), true, error->statement());
            fail("batch: pipeline out of step");
        }
        if (error) {
            if (error->connectionBroken()) broken_ = true;
            // The server skipped the rest, COMMIT included, and waits in a failed transaction
            // (none of pipeline()'s callers uses savepoints: nothing else can be done with it).
            rollbackQuietly();
            throw *error;
        }
        return results;
    } catch (const PgError&) {
        // Left in pipeline mode with answers unread: out of step with the server for good.
        if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) broken_ = true;
        throw;
    }
}

}  // namespace ccd::store::postgres
