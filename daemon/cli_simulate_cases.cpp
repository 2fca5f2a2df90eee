#include "daemon/cli_simulate_cases.hpp"

#include <algorithm>

#include "daemon/cases/case_json.hpp"
#include "daemon/json_time.hpp"
#include "daemon/routing_json.hpp"
#include "routing/cases/service_case.hpp"
#include "routing/engine.hpp"

namespace ccd::daemon {
namespace {

using nlohmann::json;
using routing::ServiceCase;
using routing::TimePoint;

std::string text(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::optional<std::string> optionalText(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    return j[key].get<std::string>();
}

// The contact's only product, else the one bought last (as CaseService picks it).
std::optional<routing::Product> pickProduct(const std::vector<routing::Product>& owned,
                                            const std::string& sku) {
    if (owned.empty()) return std::nullopt;
    const routing::Product* best = &owned.front();
    for (const auto& p : owned) {
        if (!sku.empty() && p.sku == sku) return p;
        if (p.purchased_on.value_or("") > best->purchased_on.value_or("")) best = &p;
    }
    if (!sku.empty()) {
        routing::Product asked;
        asked.sku = sku;
        return asked;
    }
    return *best;
}

}  // namespace

struct SimulatedCases::Impl {
    routing::Engine& engine;
    const routing::RoutingConfig& config;
    std::map<std::string, routing::BusinessHours> calendars;
    PrintJson print_json;
    PrintActions print_actions;

    std::map<std::int64_t, ServiceCase> cases;  // by id, 1, 2, ...
    std::int64_t next_id = 1;
    /// The latest profile seen of each contact (without the simulated cases).
    std::map<std::int64_t, routing::ContactProfile> contacts;
    struct ConvInfo {
        std::int64_t contact_id = 0;
        routing::ChannelKind channel = routing::ChannelKind::Api;
    };
    std::map<std::int64_t, ConvInfo> conversations;

    Impl(routing::Engine& e, const routing::RoutingConfig& c) : engine(e), config(c) {
        for (const auto& [name, cal] : config.calendars)
            calendars.emplace(name, routing::BusinessHours(cal));
    }

    routing::CaseRules rules() const { return {&config.cases, &calendars, &config.escalation}; }

    bool terminal(const ServiceCase& c) const {
        const auto* stage = config.cases.stage(c.stage);
        return stage && stage->terminal;
    }

    // The contact's cases as rules and openCase see them: the simulated ones, newest first,
    // then the earlier ones the events named.
    std::vector<routing::CaseRef> refsOf(std::int64_t contact_id,
                                         const std::vector<routing::CaseRef>& given) const {
        std::vector<routing::CaseRef> out;
        for (auto it = cases.rbegin(); it != cases.rend(); ++it) {
            const ServiceCase& c = it->second;
            if (c.contact_id != contact_id) continue;
            routing::CaseRef r;
            r.id = c.id;
            r.type = c.type;
            if (c.product) {
                r.product_sku = c.product->sku;
                r.product_serial = c.product->serial;
            }
            r.opened_at = c.opened_at;
            r.open = !terminal(c);
            out.push_back(r);
        }
        out.insert(out.end(), given.begin(), given.end());
        return out;
    }

    std::string readContact(const json& j, routing::ContactProfile& out) const {
        if (j.contains("products")) {
            if (!j["products"].is_array()) return "contact.products: expected a list";
            for (const auto& p : j["products"]) {
                if (!p.is_object() || text(p, "sku").empty())
                    return "contact.products: each needs a \"sku\"";
                out.products.push_back(cases::productFromJson(p));
            }
        }
        std::vector<routing::CaseRef> given;
        if (j.contains("cases")) {
            if (!j["cases"].is_array()) return "contact.cases: expected a list";
            for (const auto& r : j["cases"]) {
                if (!r.is_object() || text(r, "type").empty())
                    return "contact.cases: each needs a \"type\"";
                routing::CaseRef ref;
                ref.id = r.value("id", std::int64_t{0});
                ref.type = text(r, "type");
                ref.product_sku = text(r, "product_sku");
                ref.product_serial = optionalText(r, "product_serial");
                auto opened = parseRfc3339(text(r, "opened_at"));
                if (!opened) return "contact.cases: opened_at: expected an RFC 3339 time";
                ref.opened_at = *opened;
                ref.open = r.value("open", false);
                given.push_back(ref);
            }
        }
        out.cases = refsOf(out.id, given);
        return {};
    }

    void remember(const routing::MessageReceived& m) {
        conversations[m.conversation_id] = {m.contact.id, m.message.channel};
        routing::ContactProfile p = m.contact;
        // Keep only the cases the events named: the simulated ones are added on each use.
        p.cases.erase(std::remove_if(p.cases.begin(), p.cases.end(),
                                     [&](const routing::CaseRef& r) {
                                         auto it = cases.find(r.id);
                                         return it != cases.end() && it->second.contact_id == p.id;
                                     }),
                      p.cases.end());
        contacts[p.id] = std::move(p);
    }

    json timeOrNull(const std::optional<TimePoint>& t) const {
        return t ? json(isoTime(*t)) : json(nullptr);
    }

    void emit(json j) {
        if (print_json) print_json(std::move(j));
    }

    // Notices go through the engine, as CaseService sends them.
    void tell(const ServiceCase& c, const routing::CaseEffects& fx, TimePoint now) {
        auto contact = contacts.find(c.contact_id);
        std::string locale = contact != contacts.end() && contact->second.locale
                                 ? *contact->second.locale
                                 : std::string("en");
        if (auto n = daemon::cases::caseNotified(c, fx, locale, nullptr)) handleEngine(*n, now);
    }

    void handleEngine(const routing::Event& e, TimePoint now) {
        auto actions = engine.handle(e, now);
        if (print_actions) print_actions(actions);
    }

    // Opens a case; prints case_opened (or case_refused) and its notices. 0 when refused.
    std::int64_t open(const std::string& type, std::int64_t contact_id,
                      std::optional<std::int64_t> conversation, const std::string& sku,
                      const std::string& by, const std::string& description, TimePoint now) {
        routing::CaseOpening o;
        o.type = type;
        o.contact_id = contact_id;
        auto contact = contacts.find(contact_id);
        static const routing::ContactProfile none;
        const auto& profile = contact != contacts.end() ? contact->second : none;
        o.product = pickProduct(profile.products, sku);
        o.conversation_id = conversation;
        if (conversation) {
            auto conv = conversations.find(*conversation);
            if (conv != conversations.end())
                o.channel = std::string(routing::toString(conv->second.channel));
        }
        o.by = by;
        o.description = description;
        o.earlier = refsOf(contact_id, profile.cases);
        ServiceCase c;
        auto outcome = routing::openCase(rules(), o, now, c);
        if (!outcome.ok()) {
            emit({{"action", "case_refused"},
                  {"case", nullptr},
                  {"error", outcome.error},
                  {"reason", outcome.reason}});
            return 0;
        }
        c.id = next_id++;
        if (conversation && c.conversations.empty()) c.conversations.push_back(*conversation);
        json warranty = cases::caseJson(c, nullptr)["warranty"];
        emit({{"action", "case_opened"},
              {"case", c.id},
              {"type", c.type},
              {"stage", c.stage},
              {"warranty", warranty},
              {"repeat_of", c.repeat_of ? json(*c.repeat_of) : json(nullptr)},
              {"conversation_id",
               c.conversations.empty() ? json(nullptr) : json(c.conversations.front())},
              {"by", by}});
        auto& stored = cases[c.id] = std::move(c);
        tell(stored, outcome.effects, now);
        return stored.id;
    }

    json changedJson(const ServiceCase& c) const {
        json follow_ups = json::array();
        for (const auto& fu : c.follow_ups)
            follow_ups.push_back({{"id", fu.id},
                                  {"policy", fu.policy},
                                  {"due_at", isoTime(fu.due_at)},
                                  {"status", fu.status}});
        json clock = nullptr;
        if (c.clock && !terminal(c))
            clock = {{"milestone", c.clock->milestone}, {"due_at", isoTime(c.clock->due_at)}};
        return {{"action", "case_changed"}, {"case", c.id},
                {"stage", c.stage},         {"owner", c.owner},
                {"clock", clock},           {"follow_ups", std::move(follow_ups)}};
    }

    // Applies a command; prints case_changed or case_refused, then what follows from it.
    bool apply(ServiceCase& c, const routing::CaseCommand& cmd, const std::string& by,
               TimePoint now, bool quiet = false) {
        auto outcome = routing::applyCase(rules(), c, cmd, by, now);
        if (!outcome.ok()) {
            emit({{"action", "case_refused"},
                  {"case", c.id},
                  {"error", outcome.error},
                  {"reason", outcome.reason}});
            return false;
        }
        if (!quiet) emit(changedJson(c));
        tell(c, outcome.effects, now);
        if (const auto* f = std::get_if<routing::RecordFollowUp>(&cmd)) {
            // The follow-up's conversation is resolved with the outcome.
            for (const auto& fu : c.follow_ups) {
                if (fu.id != f->follow_up || fu.conversation_id == 0) continue;
                std::string agent = by.rfind("agent:", 0) == 0 ? by.substr(6) : std::string();
                if (agent.empty()) {
                    if (auto snap = engine.conversation(fu.conversation_id); snap && snap->agent)
                        agent = *snap->agent;
                }
                handleEngine(
                    routing::ResolveRequested{fu.conversation_id, agent, "follow_up:" + f->outcome},
                    now);
            }
        }
        if (outcome.effects.open_complaint) {
            for (const auto& t : config.cases.types) {
                if (!t.complaint) continue;
                std::optional<std::int64_t> conv;
                if (!c.conversations.empty()) conv = c.conversations.back();
                open(t.name, c.contact_id, conv, c.product ? c.product->sku : std::string(), by,
                     "complaint from the follow-up of case " + std::to_string(c.id), now);
                break;
            }
        }
        return true;
    }

    void onActions(const std::vector<routing::Action>& actions, TimePoint now) {
        for (const auto& action : actions) {
            if (const auto* want = std::get_if<routing::CaseRequested>(&action)) {
                open(want->type, want->contact_id, want->conversation_id, "", "rule:" + want->rule,
                     "opened by rule " + want->rule, now);
            } else if (const auto* a = std::get_if<routing::Assigned>(&action)) {
                // The agent who takes a conversation owns its unowned open cases.
                for (auto& [id, c] : cases) {
                    if (!c.owner.empty() || terminal(c)) continue;
                    if (std::find(c.conversations.begin(), c.conversations.end(),
                                  a->conversation_id) == c.conversations.end())
                        continue;
                    apply(c, routing::SetOwner{a->agent}, "agent:" + a->agent, now);
                }
            } else if (const auto* r = std::get_if<routing::ConversationResolved>(&action)) {
                if (r->disposition.empty() || r->disposition.rfind("follow_up:", 0) == 0) continue;
                resolved(r->conversation_id, r->agent, "resolved:" + r->disposition, now);
            }
        }
    }

    // "resolved:<disposition>": the conversation's cases take the trigger; without one, a
    // policy for it that names types opens a case of the first.
    void resolved(std::int64_t conversation, const std::string& agent, const std::string& on,
                  TimePoint now) {
        const std::string by = "agent:" + agent;
        bool any = false;
        for (auto& [id, c] : cases) {
            if (std::find(c.conversations.begin(), c.conversations.end(), conversation) ==
                c.conversations.end())
                continue;
            any = true;
            apply(c, routing::CaseTrigger{on}, by, now);
        }
        if (any) return;
        auto conv = conversations.find(conversation);
        if (conv == conversations.end()) return;
        for (const auto& p : config.cases.follow_ups) {
            if (p.on != on || p.types.empty()) continue;
            auto id = open(*p.types.begin(), conv->second.contact_id, conversation, "", by,
                           "recorded at resolution (" + on.substr(9) + ")", now);
            if (id) apply(cases[id], routing::CaseTrigger{on}, by, now);
            return;
        }
    }

    std::string handleEvent(const json& e, TimePoint now) {
        const std::string action = text(e, "action");
        const std::string agent = text(e, "agent");
        const std::string by = agent.empty() ? std::string("simulate") : "agent:" + agent;
        if (action == "open") {
            const std::string type = text(e, "case_type");
            if (type.empty()) return "case_type: the type of case to open is required";
            std::optional<std::int64_t> conversation;
            if (e.contains("conversation")) {
                if (!e["conversation"].is_number_integer())
                    return "conversation: expected a conversation number";
                conversation = e["conversation"].get<std::int64_t>();
            }
            std::int64_t contact_id = 0;
            if (conversation) {
                auto conv = conversations.find(*conversation);
                if (conv != conversations.end()) contact_id = conv->second.contact_id;
            }
            if (e.contains("contact")) {
                const json& cj = e["contact"];
                if (!cj.is_object()) return "contact: expected an object";
                routing::ContactProfile p;
                p.id = cj.value("id", contact_id ? contact_id : conversation.value_or(0));
                if (cj.contains("locale")) p.locale = text(cj, "locale");
                p.tier = cj.value("tier", std::string("standard"));
                if (auto error = readContact(cj, p); !error.empty()) return error;
                contact_id = p.id;
                p.cases.erase(std::remove_if(p.cases.begin(), p.cases.end(),
                                             [&](const routing::CaseRef& r) {
                                                 return cases.count(r.id) &&
                                                        cases[r.id].contact_id == p.id;
                                             }),
                              p.cases.end());
                contacts[p.id] = std::move(p);
            }
            if (!contact_id) return "contact: give a contact, or a conversation with one";
            open(type, contact_id, conversation, text(e, "product_sku"), by, text(e, "description"),
                 now);
            return {};
        }
        if (!e.contains("case") || !e["case"].is_number_integer())
            return "case: expected a case number";
        const auto id = e["case"].get<std::int64_t>();
        json body = e;
        body.erase("type");
        body.erase("case");
        body.erase("at");
        body.erase("agent");
        auto parsed = cases::commandFromJson(body);
        if (!parsed.command) return parsed.error;
        auto it = cases.find(id);
        if (it == cases.end()) {
            emit({{"action", "case_refused"},
                  {"case", id},
                  {"error", "not_found"},
                  {"reason", "no case " + std::to_string(id)}});
            return {};
        }
        apply(it->second, *parsed.command, by, now);
        return {};
    }

    void tick(TimePoint now) {
        for (auto& [id, c] : cases) {
            bool changed = false;
            auto outcome = routing::tickCase(rules(), c, now, changed);
            if (changed) tell(c, outcome.effects, now);
            for (int due : routing::dueFollowUps(c, now)) {
                auto fu = std::find_if(c.follow_ups.begin(), c.follow_ups.end(),
                                       [&](const routing::FollowUp& f) { return f.id == due; });
                if (fu == c.follow_ups.end()) continue;
                emit({{"action", "follow_up_due"},
                      {"case", c.id},
                      {"follow_up", fu->id},
                      {"policy", fu->policy},
                      {"kind", fu->kind},
                      {"queue", fu->queue}});
                // The work is the case's latest conversation, on its channel (a call for a
                // voice follow-up).
                routing::WorkCreated w;
                w.conversation_id = c.conversations.empty() ? 0 : c.conversations.back();
                w.contact_id = c.contact_id;
                auto conv = conversations.find(w.conversation_id);
                if (conv != conversations.end()) w.channel = conv->second.channel;
                if (fu->kind == "voice") w.channel = routing::ChannelKind::Voice;
                w.channel_instance = std::string(routing::toString(w.channel));
                w.queue = fu->queue;
                w.priority = fu->priority;
                w.reason = "follow_up";
                w.attributes = {{"case_id", std::to_string(c.id)},
                                {"follow_up", std::to_string(fu->id)},
                                {"follow_up_policy", fu->policy}};
                w.tags = {"follow_up"};
                if (auto contact = contacts.find(c.contact_id); contact != contacts.end()) {
                    if (contact->second.locale) w.locale = *contact->second.locale;
                }
                if (!c.owner.empty()) w.preferred_agent = c.owner;
                const int fu_id = fu->id;
                handleEngine(w, now);
                apply(c, routing::FollowUpOffered{fu_id, w.conversation_id}, "system", now, true);
            }
        }
    }

    std::optional<TimePoint> nextWakeup() const {
        std::optional<TimePoint> next;
        for (const auto& [id, c] : cases) {
            auto t = routing::nextCaseWakeup(c);
            if (t && (!next || *t < *next)) next = t;
        }
        return next;
    }
};

SimulatedCases::SimulatedCases(routing::Engine& engine, const routing::RoutingConfig& config)
    : impl_(std::make_unique<Impl>(engine, config)) {}
SimulatedCases::~SimulatedCases() = default;

void SimulatedCases::setOutput(PrintJson print_json, PrintActions print_actions) {
    impl_->print_json = std::move(print_json);
    impl_->print_actions = std::move(print_actions);
}

std::string SimulatedCases::readContact(const json& contact, routing::ContactProfile& out) const {
    return impl_->readContact(contact, out);
}
void SimulatedCases::remember(const routing::MessageReceived& m) { impl_->remember(m); }
void SimulatedCases::onActions(const std::vector<routing::Action>& actions, TimePoint now) {
    impl_->onActions(actions, now);
}
std::string SimulatedCases::handleEvent(const json& e, TimePoint now) {
    return impl_->handleEvent(e, now);
}
void SimulatedCases::tick(TimePoint now) { impl_->tick(now); }
std::optional<TimePoint> SimulatedCases::nextWakeup() const { return impl_->nextWakeup(); }

}  // namespace ccd::daemon
