#include "daemon/cases/case_json.hpp"

#include "daemon/json_time.hpp"
#include "daemon/json_writer.hpp"

namespace ccd::daemon::cases {
namespace {

using nlohmann::json;
using routing::TimePoint;

json timeJson(TimePoint t) { return formatRfc3339Millis(routing::unixMillis(t)); }
json timeJson(const std::optional<TimePoint>& t) { return t ? timeJson(*t) : json(nullptr); }
json textJson(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

TimePoint readTime(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return {};
    return parseRfc3339(j[key].get<std::string>()).value_or(TimePoint{});
}
std::optional<TimePoint> readOptionalTime(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    return parseRfc3339(j[key].get<std::string>());
}
std::string readText(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}
std::optional<std::string> readOptionalText(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    return j[key].get<std::string>();
}
std::int64_t readInt(const json& j, const char* key, std::int64_t fallback = 0) {
    return j.contains(key) && j[key].is_number_integer() ? j[key].get<std::int64_t>() : fallback;
}
const json& listOf(const json& j, const char* key) {
    static const json empty = json::array();
    return j.contains(key) && j[key].is_array() ? j[key] : empty;
}

json productJson(const routing::Product& p) {
    return {{"sku", p.sku},
            {"name", p.name},
            {"serial", textJson(p.serial)},
            {"purchased_on", textJson(p.purchased_on)},
            {"warranty_until", textJson(p.warranty_until)}};
}

json quoteJson(const routing::Quote& q) {
    json parts = json::array();
    for (const auto& l : q.parts)
        parts.push_back({{"part_number", l.part_number},
                         {"description", l.description},
                         {"quantity", l.quantity},
                         {"unit_price", formatMoney(l.unit_price_cents)}});
    return {{"parts", std::move(parts)},
            {"labour", formatMoney(q.labour_cents)},
            {"currency", q.currency},
            {"total", formatMoney(q.totalCents())},
            {"status", q.status},
            {"proposed_at", timeJson(q.proposed_at)},
            {"proposed_by", q.proposed_by},
            {"answered_at", timeJson(q.answered_at)},
            {"answer_channel", q.answer_channel}};
}

json visitJson(const routing::Visit& v) {
    json changes = json::array();
    for (const auto& c : v.changes)
        changes.push_back({{"at", timeJson(c.at)},
                           {"by", c.by},
                           {"from_start", timeJson(c.from_start)},
                           {"from_end", timeJson(c.from_end)},
                           {"from_engineer", c.from_engineer},
                           {"reason", c.reason}});
    return {{"id", v.id},
            {"slot_start", timeJson(v.slot_start)},
            {"slot_end", timeJson(v.slot_end)},
            {"address", v.address},
            {"area", v.area},
            {"engineer", v.engineer},
            {"status", v.status},
            {"changes", std::move(changes)}};
}

json repairJson(const routing::RepairRecord& r) {
    json parts = json::array();
    for (const auto& p : r.parts)
        parts.push_back({{"part_number", p.part_number}, {"quantity", p.quantity}});
    return {{"at", timeJson(r.at)},   {"engineer", r.engineer},    {"fault_found", r.fault_found},
            {"measures", r.measures}, {"parts", std::move(parts)}, {"result", r.result}};
}

json followUpJson(const routing::FollowUp& f) {
    return {{"id", f.id},
            {"policy", f.policy},
            {"kind", f.kind},
            {"queue", f.queue},
            {"priority", f.priority},
            {"due_at", timeJson(f.due_at)},
            {"attempt", f.attempt},
            {"status", f.status},
            {"conversation_id", f.conversation_id ? json(f.conversation_id) : json(nullptr)},
            {"outcome", f.outcome},
            {"rating", f.rating ? json(*f.rating) : json(nullptr)},
            {"note", f.note},
            {"by", f.by},
            {"done_at", timeJson(f.done_at)}};
}

// The parts of a quote or repair: [{part_number, quantity, ...}].
bool readQuoteLines(const json& list, std::vector<routing::QuoteLine>& out, std::string& error) {
    for (const auto& p : list) {
        if (!p.is_object()) {
            error = "parts: expected objects";
            return false;
        }
        routing::QuoteLine l;
        l.part_number = readText(p, "part_number");
        l.description = readText(p, "description");
        l.quantity = static_cast<int>(readInt(p, "quantity", 1));
        auto price = parseMoney(p.contains("unit_price") ? p["unit_price"] : json("0"));
        if (!price) {
            error = "parts: unit_price must be an amount like \"12.50\"";
            return false;
        }
        l.unit_price_cents = *price;
        out.push_back(std::move(l));
    }
    return true;
}

}  // namespace

routing::Product productFromJson(const json& p) {
    routing::Product product;
    product.sku = readText(p, "sku");
    product.name = readText(p, "name");
    product.serial = readOptionalText(p, "serial");
    product.purchased_on = readOptionalText(p, "purchased_on");
    product.warranty_until = readOptionalText(p, "warranty_until");
    return product;
}

std::optional<std::int64_t> parseMoney(const json& v) {
    std::string s;
    if (v.is_string()) {
        s = v.get<std::string>();
    } else if (v.is_number_integer()) {
        s = std::to_string(v.get<std::int64_t>());
    } else {
        return std::nullopt;
    }
    if (s.empty() || s.size() > 15) return std::nullopt;
    auto dot = s.find('.');
    std::string whole = s.substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
    if (whole.empty() || frac.size() > 2 || (dot != std::string::npos && frac.empty()))
        return std::nullopt;
    for (char ch : whole + frac)
        if (ch < '0' || ch > '9') return std::nullopt;
    while (frac.size() < 2) frac += '0';
    return std::stoll(whole) * 100 + std::stoll(frac);
}

std::string formatMoney(std::int64_t cents) {
    const char* sign = cents < 0 ? "-" : "";
    std::int64_t a = cents < 0 ? -cents : cents;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", sign, static_cast<long long>(a / 100),
                  static_cast<long long>(a % 100));
    return buf;
}

json caseJson(const routing::ServiceCase& c, const routing::CasesConfig* config) {
    json visits = json::array(), shipments = json::array(), repairs = json::array(),
         follow_ups = json::array(), history = json::array();
    for (const auto& v : c.visits) visits.push_back(visitJson(v));
    for (const auto& s : c.shipments)
        shipments.push_back({{"direction", s.direction},
                             {"carrier", s.carrier},
                             {"tracking", s.tracking},
                             {"at", timeJson(s.at)}});
    for (const auto& r : c.repairs) repairs.push_back(repairJson(r));
    for (const auto& f : c.follow_ups) follow_ups.push_back(followUpJson(f));
    for (const auto& h : c.history)
        history.push_back(
            {{"at", timeJson(h.at)}, {"by", h.by}, {"what", h.what}, {"detail", h.detail}});
    json clock = nullptr;
    if (c.clock)
        clock = {{"milestone", c.clock->milestone},
                 {"stage", c.clock->stage},
                 {"started_at", timeJson(c.clock->started_at)},
                 {"due_at", timeJson(c.clock->due_at)},
                 {"warn_at", timeJson(c.clock->warn_at)},
                 {"warned", c.clock->warned},
                 {"breached", c.clock->breached}};
    json j{{"id", c.id},
           {"contact_id", c.contact_id},
           {"type", c.type},
           {"stage", c.stage},
           {"owner", c.owner},
           {"channel", c.channel},
           {"conversations", c.conversations},
           {"product", c.product ? productJson(*c.product) : json(nullptr)},
           {"warranty",
            {{"in_warranty", c.warranty.in_warranty},
             {"until", textJson(c.warranty.until)},
             {"basis", c.warranty.basis}}},
           {"quote", c.quote ? quoteJson(*c.quote) : json(nullptr)},
           {"repair_mode", c.repair_mode},
           {"visits", std::move(visits)},
           {"shipments", std::move(shipments)},
           {"repairs", std::move(repairs)},
           {"follow_ups", std::move(follow_ups)},
           {"clock", std::move(clock)},
           {"repeat_of", c.repeat_of ? json(*c.repeat_of) : json(nullptr)},
           {"summary", c.summary},
           {"description", c.description},
           {"history", std::move(history)},
           {"opened_at", timeJson(c.opened_at)},
           {"updated_at", timeJson(c.updated_at)},
           {"closed_at", timeJson(c.closed_at)}};
    if (config) {
        const auto* type = config->type(c.type);
        const auto* stage = config->stage(c.stage);
        j["type_label"] = type ? type->label : c.type;
        j["complaint"] = type && type->complaint;
        j["stage_label"] = stage ? stage->label : c.stage;
        j["stage_owner"] = stage ? stage->owner : "";
        j["next_stages"] = stage ? stage->next : std::vector<std::string>{};
    }
    return j;
}

std::string caseBodyText(const routing::ServiceCase& c) {
    if (c.quote || !c.visits.empty() || !c.shipments.empty() || !c.repairs.empty() ||
        !c.follow_ups.empty())
        return caseJson(c, nullptr).dump(-1, ' ', false, json::error_handler_t::replace);
    // The keys in dump()'s (sorted) order.
    JsonWriter w;
    auto time = [&w](TimePoint t) { w.value(formatRfc3339Millis(routing::unixMillis(t))); };
    auto optionalText = [&w](const std::optional<std::string>& s) {
        if (s) {
            w.value(std::string_view(*s));
        } else {
            w.null();
        }
    };
    w.beginObject();
    w.key("channel").value(std::string_view(c.channel));
    w.key("clock");
    if (c.clock) {
        w.beginObject();
        w.key("breached").value(c.clock->breached);
        w.key("due_at");
        time(c.clock->due_at);
        w.key("milestone").value(std::string_view(c.clock->milestone));
        w.key("stage").value(std::string_view(c.clock->stage));
        w.key("started_at");
        time(c.clock->started_at);
        w.key("warn_at");
        time(c.clock->warn_at);
        w.key("warned").value(c.clock->warned);
        w.endObject();
    } else {
        w.null();
    }
    w.key("closed_at");
    if (c.closed_at) {
        time(*c.closed_at);
    } else {
        w.null();
    }
    w.key("contact_id").value(c.contact_id);
    w.key("conversations").beginArray();
    for (auto id : c.conversations) w.value(id);
    w.endArray();
    w.key("description").value(std::string_view(c.description));
    w.key("follow_ups").beginArray().endArray();
    w.key("history").beginArray();
    for (const auto& h : c.history) {
        w.beginObject().key("at");
        time(h.at);
        w.key("by").value(std::string_view(h.by));
        w.key("detail").value(std::string_view(h.detail));
        w.key("what").value(std::string_view(h.what));
        w.endObject();
    }
    w.endArray();
    w.key("id").value(c.id);
    w.key("opened_at");
    time(c.opened_at);
    w.key("owner").value(std::string_view(c.owner));
    w.key("product");
    if (c.product) {
        w.beginObject();
        w.key("name").value(std::string_view(c.product->name));
        w.key("purchased_on");
        optionalText(c.product->purchased_on);
        w.key("serial");
        optionalText(c.product->serial);
        w.key("sku").value(std::string_view(c.product->sku));
        w.key("warranty_until");
        optionalText(c.product->warranty_until);
        w.endObject();
    } else {
        w.null();
    }
    w.key("quote").null();
    w.key("repair_mode").value(std::string_view(c.repair_mode));
    w.key("repairs").beginArray().endArray();
    w.key("repeat_of");
    if (c.repeat_of) {
        w.value(*c.repeat_of);
    } else {
        w.null();
    }
    w.key("shipments").beginArray().endArray();
    w.key("stage").value(std::string_view(c.stage));
    w.key("summary").value(std::string_view(c.summary));
    w.key("type").value(std::string_view(c.type));
    w.key("updated_at");
    time(c.updated_at);
    w.key("visits").beginArray().endArray();
    w.key("warranty").beginObject();
    w.key("basis").value(std::string_view(c.warranty.basis));
    w.key("in_warranty").value(c.warranty.in_warranty);
    w.key("until");
    optionalText(c.warranty.until);
    w.endObject();
    w.endObject();
    return w.take();
}

bool caseFromJson(const json& j, routing::ServiceCase& c) {
    if (!j.is_object() || !j.contains("type") || !j.contains("stage")) return false;
    c.id = readInt(j, "id");
    c.contact_id = readInt(j, "contact_id");
    c.type = readText(j, "type");
    c.stage = readText(j, "stage");
    c.owner = readText(j, "owner");
    c.channel = readText(j, "channel");
    for (const auto& id : listOf(j, "conversations"))
        if (id.is_number_integer()) c.conversations.push_back(id.get<std::int64_t>());
    if (j.contains("product") && j["product"].is_object()) c.product = productFromJson(j["product"]);
    if (j.contains("warranty") && j["warranty"].is_object()) {
        const auto& w = j["warranty"];
        c.warranty.in_warranty = w.value("in_warranty", false);
        c.warranty.until = readOptionalText(w, "until");
        c.warranty.basis = readText(w, "basis");
    }
    if (j.contains("quote") && j["quote"].is_object()) {
        const auto& q = j["quote"];
        routing::Quote quote;
        std::string ignored;
        readQuoteLines(listOf(q, "parts"), quote.parts, ignored);
        quote.labour_cents = parseMoney(q.value("labour", json("0"))).value_or(0);
        quote.currency = readText(q, "currency");
        quote.status = readText(q, "status");
        quote.proposed_at = readTime(q, "proposed_at");
        quote.proposed_by = readText(q, "proposed_by");
        quote.answered_at = readOptionalTime(q, "answered_at");
        quote.answer_channel = readText(q, "answer_channel");
        c.quote = std::move(quote);
    }
    c.repair_mode = readText(j, "repair_mode");
    for (const auto& v : listOf(j, "visits")) {
        routing::Visit visit;
        visit.id = static_cast<int>(readInt(v, "id"));
        visit.slot_start = readTime(v, "slot_start");
        visit.slot_end = readTime(v, "slot_end");
        visit.address = readText(v, "address");
        visit.area = readText(v, "area");
        visit.engineer = readText(v, "engineer");
        visit.status = readText(v, "status");
        for (const auto& ch : listOf(v, "changes"))
            visit.changes.push_back({readTime(ch, "at"), readText(ch, "by"),
                                     readTime(ch, "from_start"), readTime(ch, "from_end"),
                                     readText(ch, "from_engineer"), readText(ch, "reason")});
        c.visits.push_back(std::move(visit));
    }
    for (const auto& s : listOf(j, "shipments"))
        c.shipments.push_back({readText(s, "direction"), readText(s, "carrier"),
                               readText(s, "tracking"), readTime(s, "at")});
    for (const auto& r : listOf(j, "repairs")) {
        routing::RepairRecord rec;
        rec.at = readTime(r, "at");
        rec.engineer = readText(r, "engineer");
        rec.fault_found = readText(r, "fault_found");
        rec.measures = readText(r, "measures");
        for (const auto& p : listOf(r, "parts"))
            rec.parts.push_back(
                {readText(p, "part_number"), static_cast<int>(readInt(p, "quantity", 1))});
        rec.result = readText(r, "result");
        c.repairs.push_back(std::move(rec));
    }
    for (const auto& f : listOf(j, "follow_ups")) {
        routing::FollowUp fu;
        fu.id = static_cast<int>(readInt(f, "id"));
        fu.policy = readText(f, "policy");
        fu.kind = readText(f, "kind");
        fu.queue = readText(f, "queue");
        fu.priority = static_cast<int>(readInt(f, "priority", 3));
        fu.due_at = readTime(f, "due_at");
        fu.attempt = static_cast<int>(readInt(f, "attempt", 1));
        fu.status = readText(f, "status");
        fu.conversation_id = readInt(f, "conversation_id");
        fu.outcome = readText(f, "outcome");
        if (f.contains("rating") && f["rating"].is_number_integer())
            fu.rating = f["rating"].get<int>();
        fu.note = readText(f, "note");
        fu.by = readText(f, "by");
        fu.done_at = readOptionalTime(f, "done_at");
        c.follow_ups.push_back(std::move(fu));
    }
    if (j.contains("clock") && j["clock"].is_object()) {
        const auto& k = j["clock"];
        const bool breached = k.value("breached", false);
        const auto due = readTime(k, "due_at");
        // A clock stored before warnings existed has no warning point: it only breaches.
        c.clock = routing::CaseClock{readText(k, "milestone"), readText(k, "stage"),
                                     readTime(k, "started_at"), due, breached,
                                     k.contains("warn_at") ? readTime(k, "warn_at") : due,
                                     k.value("warned", breached)};
    }
    if (j.contains("repeat_of") && j["repeat_of"].is_number_integer())
        c.repeat_of = j["repeat_of"].get<std::int64_t>();
    c.summary = readText(j, "summary");
    c.description = readText(j, "description");
    for (const auto& h : listOf(j, "history"))
        c.history.push_back(
            {readTime(h, "at"), readText(h, "by"), readText(h, "what"), readText(h, "detail")});
    c.opened_at = readTime(j, "opened_at");
    c.updated_at = readTime(j, "updated_at");
    c.closed_at = readOptionalTime(j, "closed_at");
    return true;
}

ParsedCommand commandFromJson(const json& b) {
    ParsedCommand out;
    if (!b.is_object() || !b.contains("action") || !b["action"].is_string()) {
        out.error = "expected an object with an \"action\"";
        return out;
    }
    const std::string action = b["action"].get<std::string>();
    auto slot = [&](const char* key, TimePoint& t) {
        auto v = readOptionalTime(b, key);
        if (!v) {
            out.error = std::string(key) + ": expected an RFC 3339 time";
            return false;
        }
        t = *v;
        return true;
    };
    if (action == "move_stage") {
        routing::MoveStage m{readText(b, "to"), readText(b, "note"), readText(b, "summary")};
        if (m.to.empty())
            out.error = "to: the stage to move to is required";
        else
            out.command = m;
    } else if (action == "set_owner") {
        out.command = routing::SetOwner{readText(b, "owner")};
    } else if (action == "propose_quote") {
        routing::ProposeQuote q;
        if (!readQuoteLines(listOf(b, "parts"), q.parts, out.error)) return out;
        auto labour = parseMoney(b.value("labour", json("0")));
        if (!labour) {
            out.error = "labour must be an amount like \"80.00\"";
            return out;
        }
        q.labour_cents = *labour;
        q.currency = readText(b, "currency");
        out.command = q;
    } else if (action == "answer_quote") {
        if (!b.contains("accepted") || !b["accepted"].is_boolean()) {
            out.error = "accepted: expected true or false";
            return out;
        }
        out.command = routing::AnswerQuote{b["accepted"].get<bool>(), readText(b, "channel")};
    } else if (action == "book_visit") {
        routing::BookVisit v;
        if (!slot("slot_start", v.slot_start) || !slot("slot_end", v.slot_end)) return out;
        v.address = readText(b, "address");
        v.engineer = readText(b, "engineer");
        v.area = readText(b, "area");
        out.command = v;
    } else if (action == "reschedule_visit") {
        routing::RescheduleVisit v;
        v.visit = static_cast<int>(readInt(b, "visit"));
        if (!slot("slot_start", v.slot_start) || !slot("slot_end", v.slot_end)) return out;
        v.engineer = readText(b, "engineer");
        v.reason = readText(b, "reason");
        out.command = v;
    } else if (action == "finish_visit") {
        out.command = routing::FinishVisit{static_cast<int>(readInt(b, "visit")),
                                           b.value("cancelled", false)};
    } else if (action == "record_shipment") {
        routing::RecordShipment s;
        s.shipment = {
            readText(b, "direction"), readText(b, "carrier"), readText(b, "tracking"), {}};
        out.command = s;
    } else if (action == "record_repair") {
        routing::RecordRepair r;
        r.record.engineer = readText(b, "engineer");
        r.record.fault_found = readText(b, "fault_found");
        r.record.measures = readText(b, "measures");
        r.record.result = readText(b, "result");
        for (const auto& p : listOf(b, "parts")) {
            if (!p.is_object()) {
                out.error = "parts: expected objects";
                return out;
            }
            r.record.parts.push_back(
                {readText(p, "part_number"), static_cast<int>(readInt(p, "quantity", 1))});
        }
        out.command = r;
    } else if (action == "link_conversation") {
        auto id = readInt(b, "conversation_id");
        if (id <= 0)
            out.error = "conversation_id: expected a conversation id";
        else
            out.command = routing::LinkConversation{id};
    } else if (action == "record_follow_up") {
        routing::RecordFollowUp f;
        f.follow_up = static_cast<int>(readInt(b, "follow_up"));
        f.outcome = readText(b, "outcome");
        if (b.contains("rating") && !b["rating"].is_null()) {
            if (!b["rating"].is_number_integer()) {
                out.error = "rating: expected a whole number 1-5";
                return out;
            }
            f.rating = b["rating"].get<int>();
        }
        f.note = readText(b, "note");
        out.command = f;
    } else if (action == "add_note") {
        out.command = routing::AddNote{readText(b, "text")};
    } else {
        out.error = "unknown action \"" + action +
                    "\" (move_stage, set_owner, propose_quote, answer_quote, book_visit,"
                    " reschedule_visit, finish_visit, record_shipment, record_repair,"
                    " link_conversation, record_follow_up, add_note)";
    }
    return out;
}

std::optional<routing::CaseNotified> caseNotified(const routing::ServiceCase& c,
                                                  const routing::CaseEffects& fx,
                                                  const std::string& locale,
                                                  const config::AgentsConfig* accounts) {
    if (fx.customer.empty() && fx.supervisors.empty() && !fx.escalate) return std::nullopt;
    routing::CaseNotified n;
    n.case_id = c.id;
    n.conversation_id = c.conversations.empty() ? 0 : c.conversations.back();
    n.locale = locale.empty() ? "en" : locale;
    for (const auto& notice : fx.customer) {
        auto params = notice.params;
        for (auto& [name, value] : params) {  // customers know engineers by their names
            if (name != "engineer" || !accounts) continue;
            if (const auto* a = accounts->find(value)) value = a->display_name;
        }
        params.emplace_back("case_id", std::to_string(c.id));
        params.emplace_back("case_type", c.type);
        params.emplace_back("case_stage", c.stage);
        if (c.warranty.until) params.emplace_back("warranty_until", *c.warranty.until);
        params.emplace_back("in_warranty", !c.warranty.until      ? "unknown"
                                           : c.warranty.in_warranty ? "yes"
                                                                    : "no");
        n.customer.emplace_back(notice.template_id, std::move(params));
    }
    if (fx.escalate) n.escalate = c.conversations;
    const std::string prefix = "case " + std::to_string(c.id) + ": ";
    for (const auto& [reason, detail] : fx.supervisors)
        n.supervisors.emplace_back(reason, detail.rfind(prefix, 0) == 0 ? detail : prefix + detail);
    return n;
}

}  // namespace ccd::daemon::cases
