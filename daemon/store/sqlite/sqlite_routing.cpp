#include "daemon/store/sqlite/sqlite_routing.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "daemon/attachment_json.hpp"
#include "daemon/json_writer.hpp"
#include "daemon/store/inbound_rows.hpp"
#include "daemon/store/recovery_sql.hpp"

namespace ccd::store::sqlite {
namespace {

using nlohmann::json;

routing::TimePoint fromMs(std::int64_t ms) {
    return routing::TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace

std::string snapshotToJson(const routing::ConversationSnapshot& s) {
    // Written on every routing update (the writer thread's hot path), by hand: the bytes
    // nlohmann's dump() wrote, keys in its order (sorted). json_text_test compares the two.
    daemon::JsonWriter w;
    w.beginObject();
    if (s.agent) w.key("agent").value(*s.agent);
    if (!s.attributes.empty()) {
        w.key("attributes").beginObject();
        for (const auto& [k, v] : s.attributes) w.key(k).value(v);
        w.endObject();
    }
    w.key("category").value(s.category);
    w.key("channel").value(routing::toString(s.channel));
    if (!s.channel_instance.empty()) w.key("channel_instance").value(s.channel_instance);
    w.key("contact_id").value(s.contact_id);
    w.key("deadlines").beginArray();
    for (const auto& d : s.deadlines) {
        w.beginObject();
        w.key("due_at").value(routing::unixMillis(d.due_at));
        if (d.met_at) w.key("met_at").value(routing::unixMillis(*d.met_at));
        w.key("milestone").value(routing::toString(d.milestone));
        w.key("started").value(routing::unixMillis(d.started));
        w.key("warn_at").value(routing::unixMillis(d.warn_at));
        w.endObject();
    }
    w.endArray();
    w.key("handoff").value(s.handoff);
    w.key("language").value(s.language);
    if (s.last_inbound_at) w.key("last_inbound_at").value(routing::unixMillis(*s.last_inbound_at));
    w.key("locale").value(s.locale);
    w.key("opened_at").value(routing::unixMillis(s.opened_at));
    w.key("priority").value(s.priority);
    w.key("queue").value(s.queue);
    w.key("queued_at").value(routing::unixMillis(s.queued_at));
    if (s.resolved_at) w.key("resolved_at").value(routing::unixMillis(*s.resolved_at));
    w.key("sla_policy").value(s.sla_policy);
    w.key("stage").value(s.stage);
    w.key("subtype").value(s.subtype);
    w.key("tags").beginArray();
    for (const auto& t : s.tags) w.value(t);
    w.endArray();
    w.endObject();
    return w.take();
}

bool snapshotFromJson(const std::string& text, routing::ConversationSnapshot& out) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return false;
    try {
        out.contact_id = j.value("contact_id", std::int64_t{0});
        auto channel = routing::channelKindFromString(j.value("channel", std::string("api")));
        if (!channel) return false;
        out.channel = *channel;
        out.language = j.value("language", std::string("und"));
        out.category = j.value("category", std::string());
        out.subtype = j.value("subtype", std::string());
        out.priority = j.value("priority", 4);
        out.queue = j.value("queue", std::string());
        out.sla_policy = j.value("sla_policy", std::string());
        out.opened_at = fromMs(j.value("opened_at", std::int64_t{0}));
        out.queued_at = fromMs(j.value("queued_at", std::int64_t{0}));
        out.handoff = j.value("handoff", true);
        out.stage = j.value("stage", std::string("waiting"));
        out.locale = j.value("locale", std::string("en"));
        out.tags = j.value("tags", std::vector<std::string>{});
        if (j.contains("resolved_at")) out.resolved_at = fromMs(j["resolved_at"].get<std::int64_t>());
        if (j.contains("agent") && j["agent"].is_string()) out.agent = j["agent"].get<std::string>();
        out.channel_instance = j.value("channel_instance", std::string());
        if (j.contains("last_inbound_at"))
            out.last_inbound_at = fromMs(j["last_inbound_at"].get<std::int64_t>());
        out.attributes = j.value("attributes", std::map<std::string, std::string>{});
        out.deadlines.clear();
        for (const auto& d : j.value("deadlines", json::array())) {
            auto m = routing::milestoneFromString(d.value("milestone", std::string()));
            if (!m) continue;
            routing::SlaDeadline dl;
            dl.milestone = *m;
            dl.started = fromMs(d.value("started", std::int64_t{0}));
            dl.warn_at = fromMs(d.value("warn_at", std::int64_t{0}));
            dl.due_at = fromMs(d.value("due_at", std::int64_t{0}));
            if (d.contains("met_at")) dl.met_at = fromMs(d["met_at"].get<std::int64_t>());
            out.deadlines.push_back(dl);
        }
    } catch (const json::exception&) {
        return false;
    }
    return true;
}

RoutingWriter::RoutingWriter(Connection& db)
    : db_(db),
      find_outbox_(db, "SELECT message_id FROM outbox WHERE idempotency_key = ?1"),
      conversation_channel_(db,
                            "SELECT channel, coalesce(channel_instance, channel), continue_via,"
                            " continue_to FROM conversations WHERE id = ?1"),
      insert_message_(db,
                      "INSERT INTO messages (conversation_id, direction, channel, channel_instance,"
                      " author, body, locale, template_id, subject, html, delivery, created_at)"
                      " VALUES (?1, 'out', ?2, ?10, ?3, ?4, ?5, ?6, ?7, ?8, ?11, ?9)"),
      insert_outbox_(db,
                     "INSERT INTO outbox (conversation_id, message_id, channel, channel_instance,"
                     " idempotency_key, payload, status, kind, next_attempt_at, created_at, sent_at)"
                     " VALUES (?1, ?2, ?3, ?9, ?4, ?5, ?6, ?10, ?7, ?7, ?8)"),
      insert_event_(db,
                    "INSERT INTO events (conversation_id, type, data, created_at)"
                    " VALUES (?1, ?2, ?3, ?4)"),
      save_state_(db,
                  "UPDATE conversations SET routing = ?2, category = ?3, priority = ?4, queue = ?5,"
                  " agent = COALESCE(?6, agent), updated_at = max(updated_at, ?7),"
                  " subtype = ?8, routed_message_id = max(routed_message_id, ?9) WHERE id = ?1"),
      routed_upto_(db,
                   "UPDATE conversations SET routed_message_id = max(routed_message_id, ?2)"
                   " WHERE id = ?1"),
      close_(db,
             "UPDATE conversations SET status = 'closed', closed_at = ?2, updated_at = ?2"
             " WHERE id = ?1 AND status = 'open'"),
      rate_(db, "UPDATE conversations SET rating = ?2 WHERE id = ?1"),
      continue_(db,
                "UPDATE conversations SET continue_via = ?2, continue_to = ?3 WHERE id = ?1"),
      // The address joins the conversation's contact, so that their mail is theirs; an address
      // another contact has stays with it (the mail still threads by our Message-ID).
      link_address_(db,
                    "INSERT OR IGNORE INTO contact_addresses (channel, address, contact_id)"
                    " SELECT 'email', ?2, contact_id FROM conversations WHERE id = ?1") {}

std::int64_t routedUptoIn(const RoutingUpdate& u, std::int64_t conversation) {
    std::int64_t upto = 0;
    for (const auto& [c, m] : u.routed_upto)
        if (c == conversation) upto = std::max(upto, m);
    return upto;
}

bool savesStateOf(const RoutingUpdate& u, std::int64_t conversation) {
    return std::any_of(u.conversations.begin(), u.conversations.end(),
                       [conversation](const auto& s) { return s.id == conversation; });
}

std::string outboxPayload(const OutboundMessage& m, const std::optional<EmailRoute>& email) {
    daemon::JsonWriter w(m.text.size() + 128);
    auto optional = [&w](const char* key, const std::optional<std::string>& value) {
        if (value) w.key(key).value(std::string_view(*value));
    };
    w.beginObject();  // the keys in dump()'s (sorted) order
    w.key("author").value(std::string_view(m.author));
    if (m.dial) {
        w.key("dial").beginObject();
        w.key("agent").value(std::string_view(m.dial->agent));
        w.key("reason").value(std::string_view(m.dial->reason));
        w.key("target").value(std::string_view(m.dial->target));
        w.endObject();
    }
    optional("html", m.html);
    optional("locale", m.locale);
    optional("subject", m.subject);
    optional("template_id", m.template_id);
    w.key("text").value(std::string_view(m.text));
    if (email) w.key("to").value(std::string_view(email->address));
    w.endObject();
    return w.take();
}

std::int64_t RoutingWriter::appendOutbound(const OutboundMessage& m, std::int64_t now_ms) {
    find_outbox_.bind(1, std::string_view(m.idempotency_key));
    if (find_outbox_.step()) {
        auto id = find_outbox_.columnInt(0);
        find_outbox_.reset();
        return id;
    }
    find_outbox_.reset();

    conversation_channel_.bind(1, m.conversation_id);
    if (!conversation_channel_.step()) {
        conversation_channel_.reset();
        throw SqliteError(SQLITE_CONSTRAINT,
                          "no conversation " + std::to_string(m.conversation_id));
    }
    std::string channel = conversation_channel_.columnText(0);
    std::string instance = conversation_channel_.columnText(1);
    std::optional<EmailRoute> email = m.email;
    if (!email && !conversation_channel_.columnIsNull(2) && !conversation_channel_.columnIsNull(3))
        email = EmailRoute{conversation_channel_.columnText(2), conversation_channel_.columnText(3)};
    conversation_channel_.reset();
    if (email) {  // the message leaves by email: it is the email instance's (its Message-ID too)
        channel = "email";
        instance = email->instance;
    }
    // The API channel has no push transport: its clients read the conversation
    // (GET /v1/conversations/{id}/messages), so the reply is delivered once stored.
    const bool pull_channel = channel == "api";

    insert_message_.bind(1, m.conversation_id)
        .bind(2, std::string_view(channel))
        .bind(3, std::string_view(m.author))
        .bind(4, std::string_view(m.text))
        .bind(5, m.locale)
        .bind(6, m.template_id)
        .bind(7, m.subject)
        .bind(8, m.html)
        .bind(9, now_ms)
        .bind(10, std::string_view(instance))
        .bind(11, std::string_view(pull_channel ? "sent" : "queued"));
    insert_message_.run();
    std::int64_t message_id = db_.lastInsertRowid();

    insert_outbox_.bind(1, m.conversation_id)
        .bind(2, message_id)
        .bind(3, std::string_view(channel))
        .bind(4, std::string_view(m.idempotency_key))
        .bind(5, std::string_view(outboxPayload(m, email)))
        .bind(6, std::string_view(pull_channel ? "sent" : "pending"))
        .bind(7, now_ms)
        .bind(9, std::string_view(instance))
        .bind(10, std::string_view(m.dial              ? "dial"
                                   : m.window_template ? "window_template"
                                                       : "message"));
    if (pull_channel) {
        insert_outbox_.bind(8, now_ms);
    } else {
        insert_outbox_.bindNull(8);
        ++queued_;
    }
    insert_outbox_.run();
    return message_id;
}

void RoutingWriter::appendEvent(const EventRecord& e, std::int64_t now_ms) {
    if (e.conversation_id > 0) {
        insert_event_.bind(1, e.conversation_id);
    } else {
        insert_event_.bindNull(1);
    }
    insert_event_.bind(2, std::string_view(e.type))
        .bind(3, std::string_view(e.data_json))
        .bind(4, e.created_at_ms > 0 ? e.created_at_ms : now_ms);
    insert_event_.run();
}

std::vector<std::int64_t> RoutingWriter::apply(const RoutingUpdate& u, std::int64_t now_ms) {
    // The message a conversation is routed up to rides on the same UPDATE as its state when
    // both change (each message's usual case): one row rewritten, not two.
    for (const auto& s : u.conversations) {
        save_state_.bind(9, routedUptoIn(u, s.id));
        save_state_.bind(1, s.id)
            .bind(2, std::string_view(snapshotToJson(s)))
            .bind(3, std::string_view(s.category))
            .bind(4, static_cast<std::int64_t>(s.priority))
            .bind(5, std::string_view(s.queue))
            .bind(6, s.agent)
            .bind(7, now_ms)
            .bind(8, std::string_view(s.subtype));
        save_state_.run();
    }
    for (const auto& [conversation, message] : u.routed_upto) {
        if (savesStateOf(u, conversation)) continue;
        routed_upto_.bind(1, conversation).bind(2, message);
        routed_upto_.run();
    }
    for (const auto& [conversation, route] : u.email_continuations) {
        continue_.bind(1, conversation);
        if (route) {
            continue_.bind(2, std::string_view(route->instance)).bind(3, std::string_view(route->address));
            link_address_.bind(1, conversation).bind(2, std::string_view(route->address));
            link_address_.run();
        } else {
            continue_.bindNull(2).bindNull(3);
        }
        continue_.run();
    }
    std::vector<std::int64_t> ids;
    ids.reserve(u.outbound.size());
    for (const auto& m : u.outbound) ids.push_back(appendOutbound(m, now_ms));
    for (const auto& e : u.events) appendEvent(e, now_ms);
    for (const auto& [conversation, rating] : u.ratings) {
        rate_.bind(1, conversation).bind(2, static_cast<std::int64_t>(rating));
        rate_.run();
    }
    for (auto id : u.closed) {
        close_.bind(1, id).bind(2, now_ms);
        close_.run();
    }
    return ids;
}

ContactProfileReader::ContactProfileReader(Connection& db)
    : contact_(db, "SELECT name, tier, locale, attributes FROM contacts WHERE id = ?1"),
      products_(db,
                "SELECT sku, name, serial, purchased_on, warranty_until FROM contact_products"
                " WHERE contact_id = ?1 ORDER BY id"),
      last_agent_(db,
                  "SELECT agent FROM conversations WHERE contact_id = ?1 AND agent IS NOT NULL"
                  " ORDER BY id DESC LIMIT 1"),
      cases_(db,
             "SELECT id, type, coalesce(product_sku, ''), product_serial, opened_at, closed"
             " FROM cases WHERE contact_id = ?1 ORDER BY id DESC LIMIT 20") {}

routing::ContactProfile ContactProfileReader::read(std::int64_t contact_id) {
    routing::ContactProfile p;
    p.id = contact_id;
    contact_.bind(1, contact_id);
    if (contact_.step()) {
        p.name = contact_.columnOptionalText(0);
        p.tier = contact_.columnText(1);
        p.locale = contact_.columnOptionalText(2);
        readProfileAttributes(contact_.columnText(3), p);
    }
    contact_.reset();
    products_.bind(1, contact_id);
    while (products_.step()) {
        routing::Product product;
        product.sku = products_.columnText(0);
        product.name = products_.columnOptionalText(1).value_or("");
        product.serial = products_.columnOptionalText(2);
        product.purchased_on = products_.columnOptionalText(3);
        product.warranty_until = products_.columnOptionalText(4);
        p.products.push_back(std::move(product));
    }
    products_.reset();
    last_agent_.bind(1, contact_id);
    if (last_agent_.step()) p.last_agent = last_agent_.columnOptionalText(0);
    last_agent_.reset();
    setAccountManager(p);
    cases_.bind(1, contact_id);
    while (cases_.step()) {
        routing::CaseRef r;
        r.id = cases_.columnInt(0);
        r.type = cases_.columnText(1);
        r.product_sku = cases_.columnText(2);
        r.product_serial = cases_.columnOptionalText(3);
        r.opened_at = routing::TimePoint(std::chrono::milliseconds(cases_.columnInt(4)));
        r.open = cases_.columnInt(5) == 0;
        p.cases.push_back(std::move(r));
    }
    cases_.reset();
    return p;
}

RoutingRecovery readRoutingRecovery(Connection& db) {
    RoutingRecovery out;
    ContactProfileReader profiles(db);
    {
        Statement q(db,
                    "SELECT id, routing FROM conversations WHERE status = 'open' AND routing IS NOT"
                    " NULL ORDER BY id");
        while (q.step()) {
            routing::ConversationSnapshot s;
            s.id = q.columnInt(0);
            if (snapshotFromJson(q.columnText(1), s)) out.conversations.push_back(std::move(s));
        }
    }
    {
        Statement q(db, kRecentHandleTimes);
        while (q.step())
            out.handle_times.push_back({q.columnText(0), std::chrono::milliseconds(q.columnInt(1))});
        std::reverse(out.handle_times.begin(), out.handle_times.end());
    }
    Statement q(db,
                "SELECT m.id, m.conversation_id, m.channel, m.provider_id, m.body, m.locale,"
                " m.created_at, c.contact_id, c.channel_ref, c.routed_message_id,"
                " (SELECT min(id) FROM messages f WHERE f.conversation_id = c.id"
                "  AND f.direction = 'in') AS first_id,"
                " (SELECT address FROM contact_addresses a WHERE a.contact_id = c.contact_id"
                "  AND a.channel = c.channel LIMIT 1) AS address,"
                " m.channel_instance, m.attachments, m.provider_ref, c.reply_address, c.api_client,"
                " m.subject, m.classify_text, m.auto_submitted, m.thread_refs"
                " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " WHERE m.direction = 'in' AND m.id > c.routed_message_id AND c.status = 'open'"
                " ORDER BY m.id");
    while (q.step()) {
        UnroutedMessage u;
        u.message_id = q.columnInt(0);
        u.conversation_id = q.columnInt(1);
        auto channel = routing::channelKindFromString(q.columnText(2));
        u.message.channel = channel.value_or(routing::ChannelKind::Api);
        u.message.provider_id = q.columnOptionalText(3).value_or("");
        u.message.text = q.columnText(4);
        u.message.locale = q.columnOptionalText(5);
        u.message.received_at = fromMs(q.columnInt(6));
        std::int64_t contact_id = q.columnInt(7);
        u.message.channel_ref = q.columnOptionalText(8);
        u.new_conversation = q.columnInt(9) == 0 && q.columnInt(10) == u.message_id;
        u.message.from.id = q.columnOptionalText(11).value_or("");
        u.message.channel_instance = q.columnOptionalText(12).value_or("");
        u.message.attachments = daemon::attachmentsFromText(q.columnOptionalText(13).value_or(""));
        u.message.provider_ref = q.columnOptionalText(14);
        u.message.reply_address = q.columnOptionalText(15);
        u.message.api_client = q.columnOptionalText(16).value_or("");
        u.message.subject = q.columnOptionalText(17);
        u.message.classify_text = q.columnOptionalText(18);
        u.message.auto_submitted = q.columnInt(19) != 0;
        std::string refs = q.columnOptionalText(20).value_or("");
        for (std::size_t at = 0; at < refs.size();) {
            auto space = refs.find(' ', at);
            if (space == std::string::npos) space = refs.size();
            if (space > at) u.message.thread_refs.push_back(refs.substr(at, space - at));
            at = space + 1;
        }
        u.contact = profiles.read(contact_id);
        out.unrouted.push_back(std::move(u));
    }
    return out;
}

}  // namespace ccd::store::sqlite
