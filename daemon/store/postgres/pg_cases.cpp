#include "daemon/store/postgres/pg_cases.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/store/postgres/pg_profile.hpp"
#include "daemon/store/postgres/pg_read.hpp"

namespace ccd::store::postgres {
namespace {

// SQLite's columns, then the case's conversations as a bigint[] (no query per case).
#define CCD_CASE_COLUMNS                                                                \
    "c.id, c.contact_id, c.type, c.stage, coalesce(c.owner, ''), c.closed,"             \
    " coalesce(c.product_sku, ''), c.product_serial, c.next_wakeup, c.body, c.version," \
    " c.opened_at, c.updated_at, ARRAY(SELECT conversation_id FROM case_conversations"  \
    " WHERE case_id = c.id ORDER BY conversation_id)"

// $1..$10 as bindColumns (contact, type, stage, owner, closed, sku, serial, wakeup, body,
// updated_at); the links are a bigint[] (duplicates and links already there are skipped).
constexpr const char* kInsert =
    "WITH c AS (INSERT INTO cases (contact_id, type, stage, owner, closed, product_sku,"
    " product_serial, next_wakeup, body, updated_at, opened_at, version)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id),"
    " l AS (INSERT INTO case_conversations (conversation_id, case_id)"
    " SELECT DISTINCT v, c.id FROM c, unnest($12::bigint[]) AS v ON CONFLICT DO NOTHING)"
    " SELECT id FROM c";
constexpr const char* kUpdate =
    "WITH u AS (UPDATE cases SET contact_id = $1, type = $2, stage = $3, owner = $4,"
    " closed = $5, product_sku = $6, product_serial = $7, next_wakeup = $8, body = $9,"
    " updated_at = $10, version = version + 1 WHERE id = $11 AND version = $12 RETURNING id),"
    " l AS (INSERT INTO case_conversations (conversation_id, case_id)"
    " SELECT DISTINCT v, u.id FROM u, unnest($13::bigint[]) AS v ON CONFLICT DO NOTHING)"
    " SELECT count(*) FROM u";
constexpr const char* kRead = "SELECT " CCD_CASE_COLUMNS " FROM cases c WHERE c.id = $1";
// Ties on next_wakeup in id order, as SQLite's walk of cases_by_wakeup (rowid last) gives them.
constexpr const char* kDue = "SELECT " CCD_CASE_COLUMNS
                             " FROM cases c WHERE c.next_wakeup IS NOT NULL"
                             " AND c.next_wakeup <= $1 ORDER BY c.next_wakeup, c.id LIMIT $2";
constexpr const char* kNextWakeup =
    "SELECT min(next_wakeup) FROM cases WHERE next_wakeup IS NOT NULL";
constexpr const char* kContactKey = "SELECT external_id FROM contacts WHERE id = $1";
constexpr const char* kLastChannel =
    "SELECT coalesce(channel_instance, channel) FROM conversations WHERE contact_id = $1"
    " ORDER BY id DESC LIMIT 1";
// The open conversation, else a new one: a single statement, one snapshot.
constexpr const char* kFollowUp =
    "WITH found AS (SELECT id FROM conversations WHERE contact_id = $1"
    " AND channel_instance = $2 AND status = 'open'),"
    " opened AS (INSERT INTO conversations (contact_id, channel, channel_instance, locale,"
    " created_at, updated_at) SELECT $1, $3, $2, $4, $5, $5"
    " WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)"
    " SELECT id FROM found UNION ALL SELECT id FROM opened";

CaseRow readRow(const Result& r) {
    CaseRow c;
    c.id = r.columnInt(0);
    c.contact_id = r.columnInt(1);
    c.type = r.columnText(2);
    c.stage = r.columnText(3);
    c.owner = r.columnText(4);
    c.closed = r.columnInt(5) != 0;
    c.product_sku = r.columnText(6);
    c.product_serial = r.columnOptionalText(7);
    if (!r.isNull(8)) c.next_wakeup_ms = r.columnInt(8);
    c.body = r.columnText(9);
    c.version = r.columnInt(10);
    c.opened_at_ms = r.columnInt(11);
    c.updated_at_ms = r.columnInt(12);
    c.conversations = parseIntArray(r.columnOptionalText(13));
    return c;
}

std::vector<CaseRow> readRows(Result r) {
    std::vector<CaseRow> out;
    while (r.next()) out.push_back(readRow(r));
    return out;
}

// $1..$10 of kInsert and kUpdate.
std::vector<Param> columns(const CaseRow& row) {
    return {row.contact_id,
            row.type,
            row.stage,
            textOrNull(row.owner),
            static_cast<std::int64_t>(row.closed ? 1 : 0),
            textOrNull(row.product_sku),
            row.product_serial,
            optionalInt(row.next_wakeup_ms),
            row.body,
            row.updated_at_ms};
}

// What SQLite's json_each / json_extract find: a follow-up of the document's `follow_ups`
// (an array's elements, an object's values, a single value) whose status is scheduled or
// offered. A document that does not parse has none.
bool hasPendingFollowUp(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return false;
    auto f = j.find("follow_ups");
    if (f == j.end()) return false;
    auto pending = [](const nlohmann::json& item) {
        if (!item.is_object()) return false;
        auto s = item.find("status");
        return s != item.end() && s->is_string() && (*s == "scheduled" || *s == "offered");
    };
    if (f->is_array() || f->is_object()) {
        for (const auto& item : *f)
            if (pending(item)) return true;
        return false;
    }
    return pending(*f);
}

}  // namespace

std::int64_t insertCase(Connection& db, const CaseRow& row) {
    auto params = columns(row);
    params.emplace_back(row.opened_at_ms);
    params.emplace_back(intArray(row.conversations));
    auto r = db.query(kInsert, params);
    if (!r.next()) throw PgError("case insert returned no id", "", false);
    return r.columnInt(0);
}

bool updateCase(Connection& db, const CaseRow& row) {
    auto params = columns(row);
    params.emplace_back(row.id);
    params.emplace_back(row.version);
    params.emplace_back(intArray(row.conversations));
    auto r = db.query(kUpdate, params);
    return r.next() && r.columnInt(0) > 0;
}

std::optional<CaseRow> readCase(Connection& db, std::int64_t id) {
    auto r = db.query(kRead, {id});
    if (!r.next()) return std::nullopt;
    return readRow(r);
}

std::vector<CaseRow> listCases(Connection& db, const CaseListQuery& q) {
    std::string sql = "SELECT " CCD_CASE_COLUMNS " FROM cases c WHERE true";
    std::vector<Param> params;
    auto add = [&](const char* condition, Param value) {
        params.push_back(std::move(value));
        sql += condition + std::to_string(params.size());
    };
    if (q.contact_id) add(" AND c.contact_id = $", *q.contact_id);
    if (q.conversation_id) {
        add(" AND c.id IN (SELECT case_id FROM case_conversations WHERE conversation_id = $",
            *q.conversation_id);
        sql += ")";
    }
    if (q.owner) add(" AND c.owner = $", *q.owner);
    if (q.open_only) sql += " AND c.closed = 0";
    if (!q.pending_follow_ups) {
        add(" ORDER BY c.id DESC LIMIT $", static_cast<std::int64_t>(q.limit));
        return readRows(db.query(sql, params));
    }
    // Pages of candidates, newest first, until `limit` have a pending follow-up: a document
    // without the word cannot have one (LIKE's `_` matches itself too).
    sql += " AND c.body LIKE '%follow_ups%'";
    add(" AND c.id < $", std::int64_t{0});
    const std::size_t cursor = params.size() - 1;
    const std::int64_t page = static_cast<std::int64_t>(std::max<std::size_t>(q.limit, 50));
    add(" ORDER BY c.id DESC LIMIT $", page);
    params[cursor] = Param(std::numeric_limits<std::int64_t>::max());
    std::vector<CaseRow> out;
    for (;;) {
        auto rows = readRows(db.query(sql, params));
        for (auto& row : rows) {
            if (out.size() == q.limit) return out;
            if (hasPendingFollowUp(row.body)) out.push_back(std::move(row));
        }
        if (out.size() == q.limit || static_cast<std::int64_t>(rows.size()) < page) return out;
        params[cursor] = Param(rows.back().id);
    }
}

std::vector<CaseRow> dueCases(Connection& db, std::int64_t now_ms, std::size_t limit) {
    return readRows(db.query(kDue, {now_ms, static_cast<std::int64_t>(limit)}));
}

std::optional<std::int64_t> nextCaseWakeup(Connection& db) {
    auto v = db.queryValue(kNextWakeup);
    if (!v) return std::nullopt;
    return std::stoll(*v);
}

std::optional<CaseContact> readCaseContact(Connection& db, std::int64_t contact_id) {
    ReadPipeline reads(db);
    reads.add(kContactKey, {contact_id});
    appendProfileReads(reads.batch(), contact_id);
    reads.add(kLastChannel, {contact_id});
    auto results = reads.run();
    Result& key = results.at(0);
    if (!key.next()) return std::nullopt;
    CaseContact out;
    out.key = key.columnOptionalText(0);
    out.profile = profileFromResults(contact_id, results, 1);  // with its cases
    Result& last = results.at(1 + kProfileStatements);
    if (last.next()) out.last_channel = last.columnText(0);
    return out;
}

std::int64_t followUpConversation(Connection& db, const FollowUpConversationRequest& r,
                                  std::int64_t now_ms) {
    auto result = db.query(
        kFollowUp, {r.contact_id, r.channel_instance, r.channel, textOrNull(r.locale), now_ms});
    if (!result.next()) throw PgError("follow-up conversation: no id", "", false);
    return result.columnInt(0);
}

}  // namespace ccd::store::postgres
