#include "daemon/store/sqlite/sqlite_contact_history.hpp"

#include "daemon/store/history_rows.hpp"
#include "daemon/store/sqlite/sqlite_contacts.hpp"

namespace ccd::store::sqlite {
namespace {

// A complaint: classified so, or tagged so by a rule (the tags live in the routing JSON, which
// is not trusted to parse: CASE keeps json_each away from a malformed one).
#define CCD_COMPLAINT                                                                       \
    "(coalesce(v.category = 'complaint', 0) OR CASE WHEN json_valid(v.routing) THEN EXISTS" \
    " (SELECT 1 FROM json_each(v.routing, '$.tags') t WHERE t.value = 'complaint') ELSE 0 END)"

constexpr const char* kListSql =
    "SELECT v.id, v.channel, coalesce(v.channel_instance, v.channel), v.status, v.created_at,"
    " CASE WHEN json_valid(v.routing) THEN json_extract(v.routing, '$.resolved_at') END,"
    " v.closed_at, v.category, v.priority, v.agent,"
    " (SELECT CASE WHEN json_valid(e.data) THEN json_extract(e.data, '$.disposition') END"
    "  FROM events e WHERE e.conversation_id = v.id AND e.type IN ('resolved', 'wrap_up')"
    "  AND CASE WHEN json_valid(e.data) THEN coalesce(json_extract(e.data, '$.disposition'), '')"
    "  ELSE '' END <> '' ORDER BY e.id DESC LIMIT 1),"
    " v.rating, " CCD_COMPLAINT
    ","
    " (SELECT coalesce(nullif(m.subject, ''), substr(m.body, 1, 161)) FROM messages m"
    "  WHERE m.conversation_id = v.id AND m.direction = 'in' ORDER BY m.id LIMIT 1),"
    " v.subtype"
    " FROM conversations v WHERE v.contact_id = ?1 AND v.id IS NOT ?2"
    " ORDER BY v.id DESC LIMIT ?3";

constexpr const char* kCountsSql =
    "SELECT count(*), coalesce(sum(" CCD_COMPLAINT
    "), 0), count(v.rating),"
    " coalesce(sum(v.rating), 0) FROM conversations v WHERE v.contact_id = ?1 AND v.id IS NOT ?2";

#undef CCD_COMPLAINT

constexpr const char* kCasesSql =
    "SELECT id, type, stage, closed, coalesce(product_sku, ''), body, opened_at, updated_at"
    " FROM cases WHERE contact_id = ?1 ORDER BY id DESC LIMIT ?2";

constexpr const char* kCaseCountsSql =
    "SELECT count(*), coalesce(sum(closed = 0), 0) FROM cases WHERE contact_id = ?1";

void readCases(Connection& db, ContactHistory& h) {
    Statement list(db, kCasesSql);
    list.bind(1, h.contact_id).bind(2, static_cast<std::int64_t>(kHistoryCases));
    while (list.step()) {
        HistoryCase c;
        c.id = list.columnInt(0);
        c.type = list.columnText(1);
        c.stage = list.columnText(2);
        c.closed = list.columnInt(3) != 0;
        c.product_sku = list.columnText(4);
        readHistoryCaseBody(list.columnText(5), c);
        c.opened_at_ms = list.columnInt(6);
        c.updated_at_ms = list.columnInt(7);
        h.cases.push_back(std::move(c));
    }
    Statement counts(db, kCaseCountsSql);
    counts.bind(1, h.contact_id);
    if (counts.step()) {
        h.cases_total = static_cast<std::size_t>(counts.columnInt(0));
        h.open_cases = static_cast<std::size_t>(counts.columnInt(1));
    }
}

std::optional<int> optionalInt(const Statement& s, int col) {
    if (s.columnIsNull(col)) return std::nullopt;
    return static_cast<int>(s.columnInt(col));
}

std::optional<std::int64_t> optionalMs(const Statement& s, int col) {
    if (s.columnIsNull(col)) return std::nullopt;
    return s.columnInt(col);
}

void bindExcluded(Statement& s, const ContactHistoryQuery& q) {
    if (q.exclude_conversation) {
        s.bind(2, *q.exclude_conversation);
    } else {
        s.bindNull(2);
    }
}

std::optional<ContactHistory> readIn(Connection& db, const ContactHistoryQuery& q) {
    Statement contact(db, q.key ? "SELECT id, external_id FROM contacts"
                                           " WHERE external_id = ?1"
                                         : "SELECT id, external_id FROM contacts WHERE id = ?1");
    if (q.key) {
        contact.bind(1, std::string_view(*q.key));
    } else {
        contact.bind(1, q.contact_id);
    }
    if (!contact.step()) return std::nullopt;
    ContactHistory h;
    h.contact_id = contact.columnInt(0);
    h.key = contact.columnOptionalText(1);
    h.products = readProducts(db, h.contact_id);

    Statement list(db, kListSql);
    list.bind(1, h.contact_id).bind(3, static_cast<std::int64_t>(q.limit));
    bindExcluded(list, q);
    while (list.step()) {
        HistoryConversation c;
        c.id = list.columnInt(0);
        c.channel = list.columnText(1);
        c.channel_instance = list.columnText(2);
        c.status = list.columnText(3);
        c.created_at_ms = list.columnInt(4);
        c.resolved_at_ms = optionalMs(list, 5);
        c.closed_at_ms = optionalMs(list, 6);
        c.category = list.columnOptionalText(7);
        if (c.category && c.category->empty()) c.category.reset();
        c.priority = optionalInt(list, 8);
        c.agent = list.columnOptionalText(9);
        c.disposition = list.columnOptionalText(10);
        c.rating = optionalInt(list, 11);
        c.complaint = list.columnInt(12) != 0;
        if (auto subject = list.columnOptionalText(13))
            c.subject = previewText(*subject, kHistorySubjectChars);
        c.subtype = list.columnOptionalText(14);
        if (c.subtype && c.subtype->empty()) c.subtype.reset();
        h.conversations.push_back(std::move(c));
    }

    Statement counts(db, kCountsSql);
    counts.bind(1, h.contact_id);
    bindExcluded(counts, q);
    if (counts.step()) {
        h.conversations_total = static_cast<std::size_t>(counts.columnInt(0));
        h.complaints = static_cast<std::size_t>(counts.columnInt(1));
        h.ratings = static_cast<std::size_t>(counts.columnInt(2));
        h.rating_sum = counts.columnInt(3);
    }
    readCases(db, h);
    return h;
}

}  // namespace

std::optional<ContactHistory> readContactHistory(Connection& db, const ContactHistoryQuery& q) {
    // The lists and the counts from one snapshot.
    return inReadSnapshot(db, [&](Connection& c) { return readIn(c, q); });
}

}  // namespace ccd::store::sqlite
