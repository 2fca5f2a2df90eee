#include "daemon/store/postgres/pg_contact_history.hpp"

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/store/history_rows.hpp"
#include "daemon/store/postgres/pg_read.hpp"

namespace ccd::store::postgres {
namespace {

using nlohmann::json;

// Every statement names the contact by `who`: $1 the key, or $1 its id. $2 is the excluded
// conversation (NULL: none).
std::string contactSql(bool by_key) {
    return by_key ? "SELECT id, external_id FROM contacts WHERE external_id = $1"
                  : "SELECT id, external_id FROM contacts WHERE id = $1";
}
std::string who(bool by_key) {
    return by_key ? "(SELECT id FROM contacts WHERE external_id = $1)" : "$1::bigint";
}

std::string productsSql(bool by_key) {
    return "SELECT sku, name, serial, purchased_on, warranty_until FROM contact_products"
           " WHERE contact_id = " +
           who(by_key) + " ORDER BY id";
}

// The conversations listed ($3: how many), newest first: the columns SQLite computes in SQL
// from JSON come raw (routing), the rest as SQLite's.
std::string listedSql(bool by_key) {
    return "SELECT v.id FROM conversations v WHERE v.contact_id = " + who(by_key) +
           " AND v.id IS DISTINCT FROM $2::bigint ORDER BY v.id DESC LIMIT $3";
}
std::string listSql(bool by_key) {
    return "SELECT v.id, v.channel, coalesce(v.channel_instance, v.channel), v.status,"
           " v.created_at, v.routing, v.closed_at, v.category, v.priority, v.agent, v.rating,"
           " (SELECT coalesce(nullif(m.subject, ''), substr(m.body, 1, 161)) FROM messages m"
           " WHERE m.conversation_id = v.id AND m.direction = 'in' ORDER BY m.id LIMIT 1),"
           " v.subtype FROM conversations v WHERE v.id IN (" +
           listedSql(by_key) + ") ORDER BY v.id DESC";
}
// The resolve and wrap-up events of the listed conversations that may carry a disposition,
// newest first per conversation.
std::string dispositionsSql(bool by_key) {
    return "SELECT e.conversation_id, e.data FROM events e WHERE e.conversation_id IN (" +
           listedSql(by_key) +
           ") AND e.type IN ('resolved', 'wrap_up') AND e.data LIKE '%disposition%'"
           " ORDER BY e.conversation_id, e.id DESC";
}
// Counts over every conversation but the excluded one; complaints classified so here, those
// only tagged so from the candidates below.
std::string countsSql(bool by_key) {
    return "SELECT count(*), count(*) FILTER (WHERE v.category = 'complaint'), count(v.rating),"
           " coalesce(sum(v.rating), 0) FROM conversations v WHERE v.contact_id = " +
           who(by_key) + " AND v.id IS DISTINCT FROM $2::bigint";
}
std::string taggedSql(bool by_key) {
    return "SELECT v.routing FROM conversations v WHERE v.contact_id = " + who(by_key) +
           " AND v.id IS DISTINCT FROM $2::bigint AND v.category IS DISTINCT FROM 'complaint'"
           " AND v.routing LIKE '%complaint%'";
}
std::string casesSql(bool by_key) {
    return "SELECT id, type, stage, closed, coalesce(product_sku, ''), body, opened_at,"
           " updated_at FROM cases WHERE contact_id = " +
           who(by_key) + " ORDER BY id DESC LIMIT " + std::to_string(kHistoryCases);
}
std::string caseCountsSql(bool by_key) {
    return "SELECT count(*), count(*) FILTER (WHERE closed = 0) FROM cases WHERE contact_id = " +
           who(by_key);
}

// SQLite's json_each over a path: an array's elements, an object's values, else the value.
template <class F>
bool anyOf(const json& node, F&& pred) {
    if (node.is_array() || node.is_object()) {
        for (const auto& item : node)
            if (pred(item)) return true;
        return false;
    }
    return pred(node);
}

json parsed(const std::optional<std::string>& text) {
    if (!text) return json();
    return json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

// The routing state tags the conversation `complaint`.
bool taggedComplaint(const json& routing) {
    if (!routing.is_object()) return false;
    auto tags = routing.find("tags");
    if (tags == routing.end()) return false;
    return anyOf(*tags, [](const json& t) { return t.is_string() && t == "complaint"; });
}

// A value as SQLite's json_extract returns it, read back as an integer (sqlite3_column_int64).
std::optional<std::int64_t> extractedInt(const json& value) {
    if (value.is_null()) return std::nullopt;
    if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number_float()) return static_cast<std::int64_t>(value.get<double>());
    if (value.is_string()) return std::strtoll(value.get<std::string>().c_str(), nullptr, 10);
    return 0;
}

// A disposition as SQLite's json_extract gives it as text; empty or nullopt: none.
std::optional<std::string> extractedText(const json& value) {
    if (value.is_null()) return std::nullopt;
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return std::string(value.get<bool>() ? "1" : "0");
    return value.dump();
}

std::optional<int> optionalInt(const Result& r, int col) {
    if (r.isNull(col)) return std::nullopt;
    return static_cast<int>(r.columnInt(col));
}

}  // namespace

std::optional<ContactHistory> readContactHistory(Connection& db, const ContactHistoryQuery& q) {
    const bool by_key = q.key.has_value();
    const Param contact = by_key ? Param(*q.key) : Param(q.contact_id);
    const Param excluded = optionalInt(q.exclude_conversation);
    const Param limit = static_cast<std::int64_t>(q.limit);
    ReadPipeline reads(db);
    reads.add(contactSql(by_key), {contact})
        .add(productsSql(by_key), {contact})
        .add(listSql(by_key), {contact, excluded, limit})
        .add(dispositionsSql(by_key), {contact, excluded, limit})
        .add(countsSql(by_key), {contact, excluded})
        .add(taggedSql(by_key), {contact, excluded})
        .add(casesSql(by_key), {contact})
        .add(caseCountsSql(by_key), {contact});
    auto results = reads.run();

    Result& found = results.at(0);
    if (!found.next()) return std::nullopt;
    ContactHistory h;
    h.contact_id = found.columnInt(0);
    h.key = found.columnOptionalText(1);

    Result& products = results.at(1);
    while (products.next()) {
        routing::Product p;
        p.sku = products.columnText(0);
        p.name = products.columnOptionalText(1).value_or("");
        p.serial = products.columnOptionalText(2);
        p.purchased_on = products.columnOptionalText(3);
        p.warranty_until = products.columnOptionalText(4);
        h.products.push_back(std::move(p));
    }

    // The newest disposition of each listed conversation that has a non-empty one.
    std::map<std::int64_t, std::string> dispositions;
    Result& events = results.at(3);
    while (events.next()) {
        std::int64_t conversation = events.columnInt(0);
        if (dispositions.count(conversation)) continue;
        auto data = parsed(events.columnOptionalText(1));
        if (!data.is_object() || !data.contains("disposition")) continue;
        auto text = extractedText(data["disposition"]);
        if (text && !text->empty()) dispositions.emplace(conversation, *text);
    }

    Result& list = results.at(2);
    while (list.next()) {
        HistoryConversation c;
        c.id = list.columnInt(0);
        c.channel = list.columnText(1);
        c.channel_instance = list.columnText(2);
        c.status = list.columnText(3);
        c.created_at_ms = list.columnInt(4);
        auto routing = parsed(list.columnOptionalText(5));
        if (routing.is_object() && routing.contains("resolved_at"))
            c.resolved_at_ms = extractedInt(routing["resolved_at"]);
        if (!list.isNull(6)) c.closed_at_ms = list.columnInt(6);
        c.category = list.columnOptionalText(7);
        if (c.category && c.category->empty()) c.category.reset();
        c.priority = optionalInt(list, 8);
        c.agent = list.columnOptionalText(9);
        if (auto it = dispositions.find(c.id); it != dispositions.end()) c.disposition = it->second;
        c.rating = optionalInt(list, 10);
        c.complaint =
            c.category == std::optional<std::string>("complaint") || taggedComplaint(routing);
        if (auto subject = list.columnOptionalText(11))
            c.subject = previewText(*subject, kHistorySubjectChars);
        c.subtype = list.columnOptionalText(12);
        if (c.subtype && c.subtype->empty()) c.subtype.reset();
        h.conversations.push_back(std::move(c));
    }

    Result& counts = results.at(4);
    if (counts.next()) {
        h.conversations_total = static_cast<std::size_t>(counts.columnInt(0));
        h.complaints = static_cast<std::size_t>(counts.columnInt(1));
        h.ratings = static_cast<std::size_t>(counts.columnInt(2));
        h.rating_sum = counts.columnInt(3);
    }
    Result& tagged = results.at(5);
    while (tagged.next())
        if (taggedComplaint(parsed(tagged.columnOptionalText(0)))) ++h.complaints;

    Result& cases = results.at(6);
    while (cases.next()) {
        HistoryCase c;
        c.id = cases.columnInt(0);
        c.type = cases.columnText(1);
        c.stage = cases.columnText(2);
        c.closed = cases.columnInt(3) != 0;
        c.product_sku = cases.columnText(4);
        readHistoryCaseBody(cases.columnText(5), c);
        c.opened_at_ms = cases.columnInt(6);
        c.updated_at_ms = cases.columnInt(7);
        h.cases.push_back(std::move(c));
    }
    Result& case_counts = results.at(7);
    if (case_counts.next()) {
        h.cases_total = static_cast<std::size_t>(case_counts.columnInt(0));
        h.open_cases = static_cast<std::size_t>(case_counts.columnInt(1));
    }
    return h;
}

}  // namespace ccd::store::postgres
