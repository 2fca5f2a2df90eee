#include "daemon/store/postgres/pg_export.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "daemon/store/postgres/pg_contacts.hpp"
#include "daemon/store/postgres/pg_conversations.hpp"
#include "daemon/store/postgres/pg_read.hpp"
#include "daemon/store/postgres/pg_write.hpp"

namespace ccd::store::postgres {
namespace {

// Whether an event without a conversation names one of the contact's addresses.
bool namesAddress(const std::string& data, const std::set<std::string>& addresses) {
    auto j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return false;
    auto a = j.find("address");
    return a != j.end() && a->is_string() && addresses.count(a->get<std::string>()) > 0;
}

std::optional<ContactExport> exportInTransaction(Connection& db, const std::string& key) {
    auto contact = readContact(db, key);
    if (!contact) return std::nullopt;
    ContactExport out;
    out.contact = std::move(*contact);
    const std::int64_t id = out.contact.id;

    ReadPipeline reads(db);  // in the open transaction
    reads.add("SELECT erased_at FROM contacts WHERE id = $1", {id});
    reads.add("SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id", {id});
    reads.add("SELECT address FROM contact_addresses WHERE contact_id = $1", {id});
    // The contact's conversations' events, and those of no conversation that mention one of
    // its addresses (decided in C++ below).
    reads.add(
        "SELECT conversation_id, type, data, created_at FROM events e WHERE"
        " e.conversation_id IN (SELECT id FROM conversations WHERE contact_id = $1)"
        " OR (e.conversation_id IS NULL AND EXISTS (SELECT 1 FROM contact_addresses a"
        " WHERE a.contact_id = $1 AND strpos(e.data, a.address) > 0)) ORDER BY e.id",
        {id});
    reads.add(
        "SELECT o.id, o.conversation_id, o.message_id, coalesce(o.channel_instance,"
        " o.channel), o.status, o.payload, o.created_at FROM outbox o JOIN conversations c"
        " ON c.id = o.conversation_id WHERE c.contact_id = $1 ORDER BY o.id",
        {id});
    auto r = reads.run();

    if (r.at(0).next() && !r.at(0).isNull(0)) out.erased_at_ms = r.at(0).columnInt(0);
    std::vector<std::int64_t> conversations;
    while (r.at(1).next()) conversations.push_back(r.at(1).columnInt(0));
    std::set<std::string> addresses;
    while (r.at(2).next()) addresses.insert(r.at(2).columnText(0));
    Result& events = r.at(3);
    while (events.next()) {
        const bool own = !events.isNull(0);
        std::string data = events.columnText(2);
        if (!own && !namesAddress(data, addresses)) continue;
        out.events.push_back(EventRecord{own ? events.columnInt(0) : 0, events.columnText(1),
                                         std::move(data), events.columnInt(3)});
    }
    Result& outbox = r.at(4);
    while (outbox.next()) {
        ContactExport::OutboxEntry e;
        e.id = outbox.columnInt(0);
        e.conversation_id = outbox.columnInt(1);
        if (!outbox.isNull(2)) e.message_id = outbox.columnInt(2);
        e.channel_instance = outbox.columnText(3);
        e.status = outbox.columnText(4);
        e.payload_json = outbox.columnText(5);
        e.created_at_ms = outbox.columnInt(6);
        out.outbox.push_back(std::move(e));
    }

    if (!conversations.empty()) {
        Statements s;
        std::vector<int> first;
        for (auto c : conversations) first.push_back(appendConversationReads(s, c));
        auto results = db.pipeline(s.batch(), {false, false});
        for (int f : first) {
            if (auto c = conversationFromResults(results, static_cast<std::size_t>(f)))
                out.conversations.push_back(std::move(*c));
        }
    }
    return out;
}

}  // namespace

std::optional<ContactExport> readContactExport(Connection& db, const std::string& key) {
    if (inTransaction(db)) return exportInTransaction(db, key);
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    try {
        auto out = exportInTransaction(db, key);
        db.exec("COMMIT");
        return out;
    } catch (...) {
        if (!db.broken()) {
            try {
                db.exec("ROLLBACK");
            } catch (const std::exception&) {
            }
        }
        throw;
    }
}

}  // namespace ccd::store::postgres
