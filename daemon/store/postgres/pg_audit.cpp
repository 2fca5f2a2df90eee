#include "daemon/store/postgres/pg_audit.hpp"

#include <string>
#include <vector>

#include "daemon/store/postgres/pg_read.hpp"

namespace ccd::store::postgres {
namespace {

constexpr const char* kInsert =
    "INSERT INTO audit_log (at, actor_kind, actor, action, object_kind, object_id, detail,"
    " remote, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
// The trigger lets a DELETE through only below the cut-off set here, in this transaction.
constexpr const char* kOpenPurge = "UPDATE audit_purge SET before = $1 WHERE id = 1";
// Oldest first; ties on `at` in id order, as SQLite's walk of audit_log_by_time gives them.
constexpr const char* kPurge =
    "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1"
    " ORDER BY at, id LIMIT $2)";
constexpr const char* kClosePurge = "UPDATE audit_purge SET before = 0 WHERE id = 1";
constexpr const char* kCountBefore = "SELECT count(*) FROM audit_log WHERE at < $1";

}  // namespace

std::int64_t insertAudit(Connection& db, const AuditRecord& e) {
    auto r = db.query(kInsert, {e.at_ms, e.actor_kind, e.actor, e.action, textOrNull(e.object_kind),
                                textOrNull(e.object_id),
                                e.detail_json.empty() ? std::string("{}") : e.detail_json,
                                textOrNull(e.remote), e.outcome});
    if (!r.next()) throw PgError("audit insert returned no id", "", false);
    return r.columnInt(0);
}

AuditPage readAudit(Connection& db, const AuditQuery& q) {
    std::string sql =
        "SELECT id, at, actor_kind, actor, action, object_kind, object_id, detail, remote, outcome"
        " FROM audit_log WHERE true";
    std::vector<Param> params;
    auto add = [&](const char* condition, Param value) {
        params.push_back(std::move(value));
        sql += condition + std::to_string(params.size());
    };
    if (q.actor) add(" AND actor = $", *q.actor);
    if (q.action) {
        if (!q.action->empty() && q.action->back() == '.') {
            // A prefix: "contact." matches contact.read, contact.erase, ... Byte order, as
            // SQLite's: in another collation the range would not be the prefix.
            add(" AND action COLLATE \"C\" >= $", *q.action);
            add(" AND action COLLATE \"C\" < $", q.action->substr(0, q.action->size() - 1) + "/");
        } else {
            add(" AND action = $", *q.action);
        }
    }
    if (q.object_kind) add(" AND object_kind = $", *q.object_kind);
    if (q.object_id) add(" AND object_id = $", *q.object_id);
    if (q.since_ms) add(" AND at >= $", *q.since_ms);
    if (q.until_ms) add(" AND at < $", *q.until_ms);
    if (q.before_id) add(" AND id < $", *q.before_id);
    add(" ORDER BY id DESC LIMIT $", static_cast<std::int64_t>(q.limit + 1));

    auto select = db.query(sql, params);
    AuditPage page;
    while (select.next()) {
        if (page.entries.size() == q.limit) {
            page.next_before_id = page.entries.back().id;
            break;
        }
        AuditRecord r;
        r.id = select.columnInt(0);
        r.at_ms = select.columnInt(1);
        r.actor_kind = select.columnText(2);
        r.actor = select.columnText(3);
        r.action = select.columnText(4);
        r.object_kind = select.columnOptionalText(5).value_or("");
        r.object_id = select.columnOptionalText(6).value_or("");
        r.detail_json = select.columnText(7);
        r.remote = select.columnOptionalText(8).value_or("");
        r.outcome = select.columnText(9);
        page.entries.push_back(std::move(r));
    }
    return page;
}

std::size_t purgeAudit(Connection& db, std::int64_t before_ms, std::size_t limit) {
    Batch batch;
    batch.add(kOpenPurge, {before_ms})
        .add(kPurge, {before_ms, static_cast<std::int64_t>(limit)})
        .add(kClosePurge);
    const bool own = !inTransaction(db);
    auto results = db.pipeline(batch, {own, own});
    return static_cast<std::size_t>(results.at(1).affectedRows());
}

std::size_t countAuditBefore(Connection& db, std::int64_t before_ms) {
    return static_cast<std::size_t>(
        std::stoll(db.queryValue(kCountBefore, {before_ms}).value_or("0")));
}

}  // namespace ccd::store::postgres
