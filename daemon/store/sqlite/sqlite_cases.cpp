#include "daemon/store/sqlite/sqlite_cases.hpp"

#include <nlohmann/json.hpp>

#include "daemon/store/sqlite/sqlite_routing.hpp"

namespace ccd::store::sqlite {
namespace {

constexpr const char* kColumns =
    "c.id, c.contact_id, c.type, c.stage, coalesce(c.owner, ''), c.closed,"
    " coalesce(c.product_sku, ''), c.product_serial, c.next_wakeup, c.body, c.version,"
    " c.opened_at, c.updated_at";

CaseRow readRow(Connection& db, Statement& s) {
    CaseRow r;
    r.id = s.columnInt(0);
    r.contact_id = s.columnInt(1);
    r.type = s.columnText(2);
    r.stage = s.columnText(3);
    r.owner = s.columnText(4);
    r.closed = s.columnInt(5) != 0;
    r.product_sku = s.columnText(6);
    r.product_serial = s.columnOptionalText(7);
    if (!s.columnIsNull(8)) r.next_wakeup_ms = s.columnInt(8);
    r.body = s.columnText(9);
    r.version = s.columnInt(10);
    r.opened_at_ms = s.columnInt(11);
    r.updated_at_ms = s.columnInt(12);
    Statement links(db,
                    "SELECT conversation_id FROM case_conversations WHERE case_id = ?1"
                    " ORDER BY conversation_id");
    links.bind(1, r.id);
    while (links.step()) r.conversations.push_back(links.columnInt(0));
    return r;
}

std::vector<CaseRow> readRows(Connection& db, Statement& s) {
    std::vector<CaseRow> out;
    while (s.step()) out.push_back(readRow(db, s));
    return out;
}

void bindColumns(Statement& s, const CaseRow& row) {
    s.bind(1, row.contact_id)
        .bind(2, std::string_view(row.type))
        .bind(3, std::string_view(row.stage));
    if (row.owner.empty()) {
        s.bindNull(4);
    } else {
        s.bind(4, std::string_view(row.owner));
    }
    s.bind(5, static_cast<std::int64_t>(row.closed ? 1 : 0));
    if (row.product_sku.empty()) {
        s.bindNull(6);
    } else {
        s.bind(6, std::string_view(row.product_sku));
    }
    s.bind(7, row.product_serial);
    if (row.next_wakeup_ms) {
        s.bind(8, *row.next_wakeup_ms);
    } else {
        s.bindNull(8);
    }
    s.bind(9, std::string_view(row.body)).bind(10, row.updated_at_ms);
}

void linkConversations(Connection& db, const CaseRow& row, std::int64_t id) {
    Statement link(db,
                   "INSERT OR IGNORE INTO case_conversations (conversation_id, case_id)"
                   " VALUES (?1, ?2)");
    for (auto conversation : row.conversations) {
        link.bind(1, conversation).bind(2, id);
        link.run();
    }
}

}  // namespace

std::int64_t insertCase(Connection& db, const CaseRow& row) {
    Statement s(db,
                "INSERT INTO cases (contact_id, type, stage, owner, closed, product_sku,"
                " product_serial, next_wakeup, body, updated_at, opened_at, version)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)");
    bindColumns(s, row);
    s.bind(11, row.opened_at_ms);
    s.run();
    const std::int64_t id = db.lastInsertRowid();
    linkConversations(db, row, id);
    return id;
}

bool updateCase(Connection& db, const CaseRow& row) {
    Statement s(db,
                "UPDATE cases SET contact_id = ?1, type = ?2, stage = ?3, owner = ?4, closed = ?5,"
                " product_sku = ?6, product_serial = ?7, next_wakeup = ?8, body = ?9,"
                " updated_at = ?10, version = version + 1 WHERE id = ?11 AND version = ?12");
    bindColumns(s, row);
    s.bind(11, row.id).bind(12, row.version);
    s.run();
    if (db.changes() == 0) return false;
    linkConversations(db, row, row.id);
    return true;
}

std::optional<CaseRow> readCase(Connection& db, std::int64_t id) {
    return inReadSnapshot(db, [&](Connection& c) -> std::optional<CaseRow> {
        Statement s(c,
                    std::string("SELECT ") + kColumns + " FROM cases c WHERE c.id = ?1");
        s.bind(1, id);
        if (!s.step()) return std::nullopt;
        return readRow(c, s);
    });
}

std::vector<CaseRow> listCases(Connection& db, const CaseListQuery& q) {
    return inReadSnapshot(db, [&](Connection& c) {
        std::string sql = std::string("SELECT ") + kColumns + " FROM cases c WHERE 1 = 1";
        if (q.contact_id) sql += " AND c.contact_id = ?1";
        if (q.conversation_id)
            sql +=
                " AND c.id IN (SELECT case_id FROM case_conversations WHERE conversation_id = ?2)";
        if (q.owner) sql += " AND c.owner = ?3";
        if (q.open_only) sql += " AND c.closed = 0";
        if (q.pending_follow_ups)
            sql += " AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.body) THEN"
                   " c.body ELSE '{}' END, '$.follow_ups') f"
                   " WHERE json_extract(f.value, '$.status') IN ('scheduled', 'offered'))";
        sql += " ORDER BY c.id DESC LIMIT ?4";
        Statement s(c, sql);
        if (q.contact_id) s.bind(1, *q.contact_id);
        if (q.conversation_id) s.bind(2, *q.conversation_id);
        if (q.owner) s.bind(3, std::string_view(*q.owner));
        s.bind(4, static_cast<std::int64_t>(q.limit));
        return readRows(c, s);
    });
}

std::vector<CaseRow> dueCases(Connection& db, std::int64_t now_ms, std::size_t limit) {
    return inReadSnapshot(db, [&](Connection& c) {
        Statement s(c, std::string("SELECT ") + kColumns +
                                    " FROM cases c WHERE c.next_wakeup IS NOT NULL AND"
                                    " c.next_wakeup <= ?1 ORDER BY c.next_wakeup LIMIT ?2");
        s.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
        return readRows(c, s);
    });
}

std::optional<std::int64_t> nextCaseWakeup(Connection& db) {
    Statement s(db, "SELECT min(next_wakeup) FROM cases WHERE next_wakeup IS NOT NULL");
    if (!s.step() || s.columnIsNull(0)) return std::nullopt;
    return s.columnInt(0);
}

std::optional<CaseContact> readCaseContact(Connection& db, std::int64_t contact_id) {
    return inReadSnapshot(db, [&](Connection& c) -> std::optional<CaseContact> {
        Statement exists(c, "SELECT external_id FROM contacts WHERE id = ?1");
        exists.bind(1, contact_id);
        if (!exists.step()) return std::nullopt;
        CaseContact out;
        out.key = exists.columnOptionalText(0);
        ContactProfileReader reader(c);
        out.profile = reader.read(contact_id);  // with its cases
        Statement last(c,
                       "SELECT coalesce(channel_instance, channel) FROM conversations"
                       " WHERE contact_id = ?1 ORDER BY id DESC LIMIT 1");
        last.bind(1, contact_id);
        if (last.step()) out.last_channel = last.columnText(0);
        return out;
    });
}

std::int64_t followUpConversation(Connection& db, const FollowUpConversationRequest& r,
                                  std::int64_t now_ms) {
    Statement open(db,
                   "SELECT id FROM conversations WHERE contact_id = ?1 AND channel_instance = ?2"
                   " AND status = 'open'");
    open.bind(1, r.contact_id).bind(2, std::string_view(r.channel_instance));
    if (open.step()) return open.columnInt(0);
    Statement insert(db,
                     "INSERT INTO conversations (contact_id, channel, channel_instance, locale,"
                     " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    insert.bind(1, r.contact_id)
        .bind(2, std::string_view(r.channel))
        .bind(3, std::string_view(r.channel_instance));
    if (r.locale.empty()) {
        insert.bindNull(4);
    } else {
        insert.bind(4, std::string_view(r.locale));
    }
    insert.bind(5, now_ms);
    insert.run();
    return db.lastInsertRowid();
}

}  // namespace ccd::store::sqlite
