#include "daemon/cases/case_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <set>

#include "daemon/cases/case_json.hpp"
#include "daemon/json_time.hpp"

namespace ccd::daemon::cases {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using routing::ServiceCase;

CaseReply refused(int status, const std::string& code, const std::string& reason) {
    return {status, json{{"error", code}, {"reason", reason}}};
}

CaseReply unavailable(const std::string& why) { return refused(503, "store_unavailable", why); }

// A rule the step broke (409) or a step that is malformed (400).
int statusOf(const std::string& error) {
    static const std::set<std::string> malformed = {
        "invalid_slot",     "invalid_visit",    "invalid_quote",   "empty_quote",
        "invalid_shipment", "invalid_repair",   "invalid_outcome", "rating_required",
        "reason_required",  "channel_required", "note_required",   "unknown_stage",
        "unknown_visit",    "unknown_follow_up"};
    if (error == "unknown_type") return 422;
    return malformed.count(error) ? 400 : 409;
}

std::string agentOf(const std::string& by) {
    return by.rfind("agent:", 0) == 0 ? by.substr(6) : by;
}

// The product a case is opened for: the one asked for (the contact's with that SKU and serial,
// else as described), else the contact's only product, else the one bought last.
std::optional<routing::Product> pickProduct(const std::optional<routing::Product>& asked,
                                            const std::vector<routing::Product>& owned) {
    if (asked) {
        for (const auto& p : owned) {
            if (p.sku == asked->sku && (!asked->serial || p.serial == asked->serial)) return p;
        }
        return asked;
    }
    if (owned.empty()) return std::nullopt;
    const routing::Product* best = &owned.front();
    for (const auto& p : owned) {
        if (p.purchased_on.value_or("") > best->purchased_on.value_or("")) best = &p;
    }
    return *best;
}

}  // namespace

struct CaseService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(Deps d) : deps(std::move(d)), strand(asio::make_strand(deps.ioc)), timer(strand) {
        compile(deps.config);
    }

    Deps deps;
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    routing::RoutingConfigPtr config;  // strand only
    std::map<std::string, routing::BusinessHours> calendars;
    bool stopped = false;
    bool polling = false;
    /// Follow-ups being turned into work (case, follow-up): not offered twice meanwhile.
    std::set<std::pair<std::int64_t, int>> offering;

    void compile(routing::RoutingConfigPtr next) {
        std::map<std::string, routing::BusinessHours> compiled;
        for (const auto& [name, cal] : next->calendars)
            compiled.emplace(name, routing::BusinessHours(cal));
        config = std::move(next);
        calendars = std::move(compiled);
    }

    routing::CaseRules rules() const {
        return {&config->cases, &calendars, &config->escalation};
    }

    template <class F>
    void onStrand(F&& f) {
        asio::post(strand, std::forward<F>(f));
    }

    json render(const ServiceCase& c) const { return caseJson(c, &config->cases); }

    store::CaseRow row(const ServiceCase& c, std::int64_t version) const {
        store::CaseRow r;
        r.id = c.id;
        r.contact_id = c.contact_id;
        r.type = c.type;
        r.stage = c.stage;
        r.owner = c.owner;
        const auto* stage = config->cases.stage(c.stage);
        r.closed = stage && stage->terminal;
        if (c.product) {
            r.product_sku = c.product->sku;
            r.product_serial = c.product->serial;
        }
        if (auto next = routing::nextCaseWakeup(c)) r.next_wakeup_ms = routing::unixMillis(*next);
        r.conversations = c.conversations;
        r.body = caseJson(c, nullptr).dump();
        r.version = version;
        r.opened_at_ms = routing::unixMillis(c.opened_at);
        r.updated_at_ms = routing::unixMillis(c.updated_at);
        return r;
    }

    static bool parse(const store::CaseRow& r, ServiceCase& out) {
        json j = json::parse(r.body, nullptr, false);
        if (!caseFromJson(j, out)) return false;
        out.id = r.id;
        out.conversations = r.conversations;
        return true;
    }

    // ---- telling people ------------------------------------------------------------------

    void tell(const ServiceCase& c, const routing::CaseEffects& fx, const std::string& locale) {
        auto accounts = deps.accounts ? deps.accounts() : nullptr;
        if (auto n = caseNotified(c, fx, locale, accounts.get())) deps.engine.submit(std::move(*n));
    }

    // ---- opening ---------------------------------------------------------------------------

    // The contact and channel of a request, then the case.
    void open(OpenRequest req, std::string by, ReplyFn done) {
        auto self = shared_from_this();
        if (req.conversation_id) {
            deps.store.getConversation(
                *req.conversation_id,
                [self, req, by,
                 done](store::StoreResult<std::optional<store::ConversationRecord>> r) {
                    if (!r) return done(unavailable(r.error->message));
                    if (!*r.value)
                        return done(
                            refused(404, "not_found",
                                    "no conversation " + std::to_string(*req.conversation_id)));
                    const auto& conv = **r.value;
                    self->openFor(conv.contact.id, conv.channel_instance, req, by, done);
                });
            return;
        }
        if (!req.contact_key)
            return done(refused(400, "invalid_request", "contact or conversation_id is required"));
        deps.store.getContact(
            *req.contact_key,
            [self, req, by, done](store::StoreResult<std::optional<store::ContactDetails>> r) {
                if (!r) return done(unavailable(r.error->message));
                if (!*r.value)
                    return done(refused(404, "not_found", "no contact " + *req.contact_key));
                self->openFor((*r.value)->id, "", req, by, done);
            });
    }

    void openFor(std::int64_t contact_id, std::string channel, OpenRequest req, std::string by,
                 ReplyFn done) {
        auto self = shared_from_this();
        deps.cases.caseContact(
            contact_id, [self, channel, req, by,
                         done](store::StoreResult<std::optional<store::CaseContact>> r) {
                if (!r) return done(unavailable(r.error->message));
                if (!*r.value) return done(refused(404, "not_found", "no such contact"));
                self->onStrand([self, contact = std::move(**r.value), channel, req, by, done] {
                    self->create(contact, channel, req, by, done);
                });
            });
    }

    void create(const store::CaseContact& contact, const std::string& channel,
                const OpenRequest& req, const std::string& by, const ReplyFn& done) {
        routing::CaseOpening o;
        o.type = req.type;
        o.contact_id = contact.profile.id;
        o.product = pickProduct(req.product, contact.profile.products);
        o.channel = channel.empty() ? contact.last_channel : channel;
        o.conversation_id = req.conversation_id;
        o.by = by;
        o.owner = req.owner.empty() && by.rfind("agent:", 0) == 0 ? agentOf(by) : req.owner;
        o.description = req.description;
        o.earlier = contact.profile.cases;
        const auto now = routing::Clock::now();
        auto c = std::make_shared<ServiceCase>();
        auto outcome = routing::openCase(rules(), o, now, *c);
        if (!outcome.ok())
            return done(refused(statusOf(outcome.error), outcome.error, outcome.reason));
        auto self = shared_from_this();
        const std::string locale = contact.profile.locale.value_or("en");
        deps.cases.insertCase(
            row(*c, 0), [self, c, outcome, locale, done](store::StoreResult<std::int64_t> r) {
                if (!r) return done(unavailable(r.error->message));
                self->onStrand([self, c, id = *r.value, outcome, locale, done] {
                    c->id = id;
                    spdlog::info("case {} opened: {} for contact {}", id, c->type, c->contact_id);
                    self->tell(*c, outcome.effects, locale);
                    done({201, self->render(*c)});
                });
            });
    }

    // ---- changing --------------------------------------------------------------------------

    void apply(std::int64_t id, routing::CaseCommand cmd, std::string by, ReplyFn done,
               int attempt = 0) {
        if (!done) done = [](CaseReply) {};
        auto self = shared_from_this();
        deps.cases.getCase(id, [self, id, cmd, by, done,
                                attempt](store::StoreResult<std::optional<store::CaseRow>> r) {
            if (!r) return done(unavailable(r.error->message));
            if (!*r.value) return done(refused(404, "not_found", "no case " + std::to_string(id)));
            self->onStrand([self, row = std::move(**r.value), cmd, by, done, attempt] {
                self->change(row, cmd, by, done, attempt);
            });
        });
    }

    // A visit names an engineer: an account with the skill `engineer` who serves the visit's
    // area (when both say one). Empty: fine.
    std::optional<CaseReply> checkEngineer(const routing::CaseCommand& cmd,
                                           const ServiceCase& c) const {
        std::string engineer, area;
        if (const auto* b = std::get_if<routing::BookVisit>(&cmd)) {
            engineer = b->engineer;
            area = b->area;
        } else if (const auto* r = std::get_if<routing::RescheduleVisit>(&cmd)) {
            engineer = r->engineer;
            for (const auto& v : c.visits)
                if (v.id == r->visit) area = v.area;
        }
        if (engineer.empty() || !deps.accounts) return std::nullopt;
        auto accounts = deps.accounts();
        if (!accounts) return std::nullopt;
        const auto* account = accounts->find(engineer);
        if (!account || !account->skills.count("engineer"))
            return refused(
                400, "unknown_engineer",
                "\"" + engineer + "\" is not an engineer (an account with the skill engineer)");
        const auto& areas = account->service_areas;
        if (!area.empty() && !areas.empty() &&
            std::find(areas.begin(), areas.end(), area) == areas.end())
            return refused(409, "outside_service_area", engineer + " does not serve " + area);
        return std::nullopt;
    }

    void change(const store::CaseRow& stored, const routing::CaseCommand& cmd,
                const std::string& by, const ReplyFn& done, int attempt) {
        auto c = std::make_shared<ServiceCase>();
        if (!parse(stored, *c))
            return done(refused(500, "corrupt_case",
                                "case " + std::to_string(stored.id) + " cannot be read"));
        if (auto bad = checkEngineer(cmd, *c)) return done(std::move(*bad));
        const auto now = routing::Clock::now();
        auto outcome = routing::applyCase(rules(), *c, cmd, by, now);
        if (!outcome.ok())
            return done(refused(statusOf(outcome.error), outcome.error, outcome.reason));
        auto self = shared_from_this();
        deps.cases.updateCase(row(*c, stored.version), [self, c, cmd, by, done, attempt,
                                                        outcome](store::StoreResult<bool> r) {
            if (!r) return done(unavailable(r.error->message));
            if (!*r.value) {  // someone else changed it first: read it again
                if (attempt >= 4)
                    return done(refused(409, "conflict", "the case changed meanwhile; try again"));
                return self->apply(c->id, cmd, by, done, attempt + 1);
            }
            self->onStrand([self, c, cmd, by, done, outcome] {
                self->after(*c, cmd, by, outcome.effects);
                if (done) done({200, self->render(*c)});
            });
        });
    }

    // What a stored change sets off: notices, a follow-up's conversation resolved, a complaint.
    void after(const ServiceCase& c, const routing::CaseCommand& cmd, const std::string& by,
               const routing::CaseEffects& fx) {
        tell(c, fx, "");
        if (const auto* f = std::get_if<routing::RecordFollowUp>(&cmd)) {
            for (const auto& fu : c.follow_ups) {
                if (fu.id == f->follow_up && fu.conversation_id != 0)
                    deps.engine.submit(routing::ResolveRequested{fu.conversation_id, agentOf(by),
                                                                 "follow_up:" + f->outcome});
            }
        }
        if (fx.open_complaint) {
            for (const auto& t : config->cases.types) {
                if (!t.complaint) continue;
                OpenRequest req;
                req.type = t.name;
                if (!c.conversations.empty()) req.conversation_id = c.conversations.back();
                req.description = "complaint from the follow-up of case " + std::to_string(c.id);
                if (c.product) req.product = c.product;
                if (req.conversation_id) {
                    open(req, by, [](CaseReply) {});
                } else {
                    openFor(c.contact_id, c.channel, req, by, [](CaseReply) {});
                }
                break;
            }
        }
    }

    // ---- the engine's side -----------------------------------------------------------------

    void onEngine(const EngineHost::Notification& n) {
        for (const auto& action : n.actions) {
            if (const auto* want = std::get_if<routing::CaseRequested>(&action)) {
                OpenRequest req;
                req.type = want->type;
                req.conversation_id = want->conversation_id;
                req.description = "opened by rule " + want->rule;
                open(req, "rule:" + want->rule, [id = want->conversation_id](CaseReply r) {
                    if (r.status >= 300)
                        spdlog::warn("case for conversation {}: {}", id, r.body.dump());
                });
            } else if (const auto* a = std::get_if<routing::Assigned>(&action)) {
                adopt(a->conversation_id, a->agent);
            } else if (const auto* res = std::get_if<routing::ConversationResolved>(&action)) {
                if (res->disposition.empty() || res->disposition.rfind("follow_up:", 0) == 0)
                    continue;
                resolved(res->conversation_id, res->agent, res->disposition);
            }
        }
    }

    // The agent who takes a conversation owns its open cases that nobody owns (a rule opened
    // them).
    void adopt(std::int64_t conversation, const std::string& agent) {
        auto self = shared_from_this();
        store::CaseListQuery q;
        q.conversation_id = conversation;
        q.open_only = true;
        deps.cases.listCases(q, [self, agent](store::StoreResult<std::vector<store::CaseRow>> r) {
            if (!r) return;
            for (const auto& row : *r.value) {
                if (row.owner.empty())
                    self->apply(row.id, routing::SetOwner{agent}, "agent:" + agent, nullptr);
            }
        });
    }

    // "resolved:<disposition>": the conversation's cases take the trigger; a policy for a
    // conversation without a case opens one of its first type.
    void resolved(std::int64_t conversation, const std::string& agent,
                  const std::string& disposition) {
        const std::string on = "resolved:" + disposition;
        auto self = shared_from_this();
        store::CaseListQuery q;
        q.conversation_id = conversation;
        deps.cases.listCases(q, [self, conversation, agent,
                                 on](store::StoreResult<std::vector<store::CaseRow>> r) {
            if (!r)
                return spdlog::warn("cases of conversation {}: {}", conversation, r.error->message);
            self->onStrand([self, rows = std::move(*r.value), conversation, agent, on] {
                const std::string by = "agent:" + agent;
                if (!rows.empty()) {
                    for (const auto& row : rows)
                        self->apply(row.id, routing::CaseTrigger{on}, by, nullptr);
                    return;
                }
                for (const auto& p : self->config->cases.follow_ups) {
                    if (p.on != on || p.types.empty()) continue;
                    OpenRequest req;
                    req.type = *p.types.begin();
                    req.conversation_id = conversation;
                    req.description = "recorded at resolution (" + on.substr(9) + ")";
                    req.owner = agent;
                    self->open(req, by, [self, on, by](CaseReply reply) {
                        if (reply.status != 201) return;
                        self->apply(reply.body.value("id", std::int64_t{0}),
                                    routing::CaseTrigger{on}, by, nullptr);
                    });
                    return;
                }
            });
        });
    }

    // ---- the timer ---------------------------------------------------------------------------

    void schedule() {
        if (stopped) return;
        timer.expires_after(std::chrono::seconds(1));
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            self->poll();
            self->schedule();
        });
    }

    void poll() {
        if (polling || stopped) return;
        polling = true;
        auto self = shared_from_this();
        deps.cases.dueCases(
            daemon::nowUnixMillis(), 50, [self](store::StoreResult<std::vector<store::CaseRow>> r) {
                self->onStrand([self, r = std::move(r)] {
                    self->polling = false;
                    if (!r) return spdlog::warn("cases: due follow-ups: {}", r.error->message);
                    for (const auto& row : *r.value) self->due(row);
                });
            });
    }

    // A case that needs the timer: its clock, its due follow-ups.
    void due(const store::CaseRow& stored) {
        ServiceCase c;
        if (!parse(stored, c)) return;
        const auto now = routing::Clock::now();
        bool changed = false;
        auto outcome = routing::tickCase(rules(), c, now, changed);
        auto self = shared_from_this();
        if (changed) {
            auto copy = std::make_shared<ServiceCase>(c);
            deps.cases.updateCase(
                row(c, stored.version), [self, copy, outcome](store::StoreResult<bool> r) {
                    if (r && *r.value)
                        self->onStrand(
                            [self, copy, outcome] { self->tell(*copy, outcome.effects, ""); });
                });
            return;  // the follow-ups at the next poll, from the stored version
        }
        for (int id : routing::dueFollowUps(c, now)) {
            if (!offering.insert({c.id, id}).second) return;  // on its way
            for (const auto& fu : c.follow_ups) {
                if (fu.id == id) offer(c, fu);
            }
            return;  // one at a time: offering changes the case
        }
        // Nothing to do after all (a stale wakeup): store the right one.
        deps.cases.updateCase(row(c, stored.version), [](store::StoreResult<bool>) {});
    }

    // A due follow-up becomes work: the contact's conversation on the channel, queued.
    void offer(const ServiceCase& c, const routing::FollowUp& fu) {
        std::string instance = c.channel;
        if (fu.kind == "voice" && deps.voice_instance) {
            if (auto voice = deps.voice_instance()) instance = *voice;
        }
        auto kind = deps.channel_kind ? deps.channel_kind(instance) : std::nullopt;
        if (!kind) {
            spdlog::warn("case {}: follow-up {} has no channel to be worked on (\"{}\")", c.id,
                         fu.id, instance);
            kind = routing::ChannelKind::Api;
        }
        store::FollowUpConversationRequest req;
        req.contact_id = c.contact_id;
        req.channel = std::string(routing::toString(*kind));
        req.channel_instance = instance;
        auto self = shared_from_this();
        const auto ch = *kind;
        deps.cases.followUpConversation(
            req, [self, c, fu, instance, ch](store::StoreResult<std::int64_t> r) {
                if (!r) {
                    spdlog::warn("case {}: follow-up conversation: {}", c.id, r.error->message);
                    return self->onStrand(
                        [self, key = std::make_pair(c.id, fu.id)] { self->offering.erase(key); });
                }
                self->onStrand([self, c, fu, instance, ch, conv = *r.value] {
                    routing::WorkCreated w;
                    w.conversation_id = conv;
                    w.contact_id = c.contact_id;
                    w.channel = ch;
                    w.channel_instance = instance;
                    w.queue = fu.queue;
                    w.priority = fu.priority;
                    w.reason = "follow_up";
                    w.attributes = {{"case_id", std::to_string(c.id)},
                                    {"follow_up", std::to_string(fu.id)},
                                    {"follow_up_policy", fu.policy}};
                    w.tags = {"follow_up"};
                    if (!c.owner.empty()) w.preferred_agent = c.owner;
                    self->deps.engine.submit(std::move(w));
                    self->apply(c.id, routing::FollowUpOffered{fu.id, conv}, "system",
                                [self, key = std::make_pair(c.id, fu.id)](CaseReply) {
                                    self->onStrand([self, key] { self->offering.erase(key); });
                                });
                    self->apply(c.id, routing::LinkConversation{conv}, "system", nullptr);
                });
            });
    }
};

CaseService::CaseService(Deps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}
CaseService::~CaseService() { stop(); }

void CaseService::start() {
    impl_->deps.engine.addListener(
        [weak = std::weak_ptr<Impl>(impl_)](const EngineHost::Notification& n) {
            if (auto self = weak.lock()) self->onEngine(n);
        });
    asio::post(impl_->strand, [self = impl_] { self->schedule(); });
}

void CaseService::stop() {
    asio::post(impl_->strand, [self = impl_] {
        self->stopped = true;
        self->timer.cancel();
    });
}

void CaseService::reconfigure(routing::RoutingConfigPtr config) {
    asio::post(impl_->strand,
               [self = impl_, config = std::move(config)] { self->compile(config); });
}

void CaseService::open(OpenRequest request, std::string by, ReplyFn done) {
    impl_->open(std::move(request), std::move(by), std::move(done));
}

void CaseService::apply(std::int64_t id, routing::CaseCommand command, std::string by,
                        ReplyFn done) {
    impl_->apply(id, std::move(command), std::move(by), std::move(done));
}

void CaseService::get(std::int64_t id, ReplyFn done) {
    auto self = impl_;
    self->deps.cases.getCase(id, [self, id, done = std::move(done)](
                                     store::StoreResult<std::optional<store::CaseRow>> r) {
        if (!r) return done(unavailable(r.error->message));
        if (!*r.value) return done(refused(404, "not_found", "no case " + std::to_string(id)));
        asio::post(self->strand, [self, row = std::move(**r.value), done] {
            ServiceCase c;
            if (!Impl::parse(row, c))
                return done(refused(500, "corrupt_case", "the case cannot be read"));
            done({200, self->render(c)});
        });
    });
}

void CaseService::list(store::CaseListQuery query, std::optional<std::string> contact_key,
                       ReplyFn done) {
    auto self = impl_;
    auto run = [self, done](store::CaseListQuery q) {
        self->deps.cases.listCases(
            q, [self, done](store::StoreResult<std::vector<store::CaseRow>> r) {
                if (!r) return done(unavailable(r.error->message));
                asio::post(self->strand, [self, rows = std::move(*r.value), done] {
                    json out = json::array();
                    for (const auto& row : rows) {
                        ServiceCase c;
                        if (!Impl::parse(row, c)) continue;
                        json j = self->render(c);
                        j.erase("history");
                        out.push_back(std::move(j));
                    }
                    done({200, json{{"cases", std::move(out)}}});
                });
            });
    };
    if (!contact_key) return run(std::move(query));
    self->deps.store.getContact(
        *contact_key, [run, query, done, key = *contact_key](
                          store::StoreResult<std::optional<store::ContactDetails>> r) mutable {
            if (!r) return done(unavailable(r.error->message));
            if (!*r.value) return done(refused(404, "not_found", "no contact " + key));
            query.contact_id = (*r.value)->id;
            run(std::move(query));
        });
}

void CaseService::followUps(std::optional<std::string> status, ReplyFn done) {
    auto self = impl_;
    store::CaseListQuery q;
    q.limit = 200;
    // Follow-ups outlive closure (the final check): every recent case is looked at.
    self->deps.cases.listCases(q, [self, status, done = std::move(done)](
                                      store::StoreResult<std::vector<store::CaseRow>> r) {
        if (!r) return done(unavailable(r.error->message));
        json out = json::array();
        std::vector<std::pair<std::int64_t, json>> items;
        for (const auto& row : *r.value) {
            ServiceCase c;
            if (!Impl::parse(row, c)) continue;
            for (const auto& fu : c.follow_ups) {
                if (fu.status != "scheduled" && fu.status != "offered") continue;
                if (status && fu.status != *status) continue;
                items.emplace_back(
                    routing::unixMillis(fu.due_at),
                    json{{"case_id", c.id},
                         {"id", fu.id},
                         {"policy", fu.policy},
                         {"kind", fu.kind},
                         {"queue", fu.queue},
                         {"due_at", formatRfc3339Millis(routing::unixMillis(fu.due_at))},
                         {"attempt", fu.attempt},
                         {"status", fu.status},
                         {"conversation_id",
                          fu.conversation_id ? json(fu.conversation_id) : json(nullptr)},
                         {"owner", c.owner}});
            }
        }
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [at, j] : items) out.push_back(std::move(j));
        done({200, json{{"follow_ups", std::move(out)}}});
    });
}

CaseReply CaseService::engineers(const std::optional<std::string>& area) const {
    json out = json::array();
    auto accounts = impl_->deps.accounts ? impl_->deps.accounts() : nullptr;
    if (accounts) {
        for (const auto& a : accounts->accounts) {
            if (!a.skills.count("engineer")) continue;
            const auto& areas = a.service_areas;
            if (area && !areas.empty() &&
                std::find(areas.begin(), areas.end(), *area) == areas.end())
                continue;
            out.push_back(
                {{"name", a.name}, {"display_name", a.display_name}, {"service_areas", areas}});
        }
    }
    return {200, json{{"engineers", std::move(out)}}};
}

void CaseService::poll() {
    asio::post(impl_->strand, [self = impl_] { self->poll(); });
}

}  // namespace ccd::daemon::cases
