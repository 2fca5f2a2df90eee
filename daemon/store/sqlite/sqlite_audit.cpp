#include "daemon/store/sqlite/sqlite_audit.hpp"

#include <string>
#include <vector>

namespace ccd::store::sqlite {

std::int64_t insertAudit(Connection& db, const AuditRecord& e) {
    Statement insert(db,
                     "INSERT INTO audit_log (at, actor_kind, actor, action, object_kind, object_id,"
                     " detail, remote, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    auto optional = [](const std::string& s) {
        return s.empty() ? std::optional<std::string>() : std::optional<std::string>(s);
    };
    insert.bind(1, e.at_ms)
        .bind(2, std::string_view(e.actor_kind))
        .bind(3, std::string_view(e.actor))
        .bind(4, std::string_view(e.action))
        .bind(5, optional(e.object_kind))
        .bind(6, optional(e.object_id))
        .bind(7, std::string_view(e.detail_json.empty() ? std::string("{}") : e.detail_json))
        .bind(8, optional(e.remote))
        .bind(9, std::string_view(e.outcome));
    insert.run();
    return db.lastInsertRowid();
}

AuditPage readAudit(Connection& db, const AuditQuery& q) {
    std::string sql =
        "SELECT id, at, actor_kind, actor, action, object_kind, object_id, detail, remote, outcome"
        " FROM audit_log WHERE 1";
    // Conditions and their values, bound in order.
    std::vector<std::string> texts;
    std::vector<std::int64_t> numbers;
    std::vector<bool> is_text;
    auto text = [&](const char* cond, const std::string& v) {
        sql += cond;
        texts.push_back(v);
        is_text.push_back(true);
    };
    auto number = [&](const char* cond, std::int64_t v) {
        sql += cond;
        numbers.push_back(v);
        is_text.push_back(false);
    };
    if (q.actor) text(" AND actor = ?", *q.actor);
    if (q.action) {
        if (!q.action->empty() && q.action->back() == '.') {
            // A prefix: "contact." matches contact.read, contact.erase, ...
            text(" AND action >= ?", *q.action);
            text(" AND action < ?", q.action->substr(0, q.action->size() - 1) + "/");
        } else {
            text(" AND action = ?", *q.action);
        }
    }
    if (q.object_kind) text(" AND object_kind = ?", *q.object_kind);
    if (q.object_id) text(" AND object_id = ?", *q.object_id);
    if (q.since_ms) number(" AND at >= ?", *q.since_ms);
    if (q.until_ms) number(" AND at < ?", *q.until_ms);
    if (q.before_id) number(" AND id < ?", *q.before_id);
    sql += " ORDER BY id DESC LIMIT ?";
    number("", static_cast<std::int64_t>(q.limit + 1));

    Statement select(db, sql);
    std::size_t t = 0, n = 0;
    for (std::size_t i = 0; i < is_text.size(); ++i) {
        if (is_text[i]) select.bind(static_cast<int>(i + 1), std::string_view(texts[t++]));
        else select.bind(static_cast<int>(i + 1), numbers[n++]);
    }
    AuditPage page;
    while (select.step()) {
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
    select.reset();
    return page;
}

std::size_t purgeAudit(Connection& db, std::int64_t before_ms, std::size_t limit) {
    // The trigger lets a DELETE through only below the cut-off set here, in this transaction.
    Statement open(db, "UPDATE audit_purge SET before = ?1 WHERE id = 1");
    open.bind(1, before_ms).run();
    Statement del(db,
                  "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ?1"
                  " ORDER BY at LIMIT ?2)");
    del.bind(1, before_ms).bind(2, static_cast<std::int64_t>(limit)).run();
    auto removed = static_cast<std::size_t>(db.changes());
    db.exec("UPDATE audit_purge SET before = 0 WHERE id = 1");
    return removed;
}

std::size_t countAuditBefore(Connection& db, std::int64_t before_ms) {
    Statement count(db, "SELECT count(*) FROM audit_log WHERE at < ?1");
    count.bind(1, before_ms);
    std::size_t n = count.step() ? static_cast<std::size_t>(count.columnInt(0)) : 0;
    count.reset();
    return n;
}

}  // namespace ccd::store::sqlite
