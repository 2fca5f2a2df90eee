#include "daemon/cases/case_service_impl.hpp"

#include "routing/engine.hpp"

namespace ccd::daemon::cases {
namespace {

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

void CaseService::Impl::open(OpenRequest req, std::string by, ReplyFn done) {
    auto self = shared_from_this();
    if (req.conversation_id) {
        deps.store.getConversation(
            *req.conversation_id,
            [self, req, by, done](store::StoreResult<std::optional<store::ConversationRecord>> r) {
                if (!r) return done(unavailable(r.error->message));
                if (!*r.value)
                    return done(refused(404, "not_found",
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
            if (!*r.value) return done(refused(404, "not_found", "no contact " + *req.contact_key));
            self->openFor((*r.value)->id, "", req, by, done);
        });
}

void CaseService::Impl::openFor(std::int64_t contact_id, std::string channel, OpenRequest req,
                                std::string by, ReplyFn done) {
    auto self = shared_from_this();
    deps.cases.caseContact(
        contact_id,
        [self, channel, req, by, done](store::StoreResult<std::optional<store::CaseContact>> r) {
            if (!r) return done(unavailable(r.error->message));
            if (!*r.value) return done(refused(404, "not_found", "no such contact"));
            self->onStrand([self, contact = std::move(**r.value), channel, req, by, done] {
                self->create(contact, channel, req, by, done);
            });
        });
}

void CaseService::Impl::create(const store::CaseContact& contact, const std::string& channel,
                               const OpenRequest& req, const std::string& by, const ReplyFn& done,
                               bool full_reply) {
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
    if (!outcome.ok()) return done(refused(statusOf(outcome.error), outcome.error, outcome.reason));
    auto self = shared_from_this();
    const std::string locale = contact.profile.locale.value_or("en");
    deps.cases.insertCase(
        row(*c, 0),
        [self, c, outcome, locale, done, full_reply](store::StoreResult<std::int64_t> r) {
            if (!r) return done(unavailable(r.error->message));
            self->onStrand([self, c, id = *r.value, outcome, locale, done, full_reply] {
                c->id = id;
                spdlog::info("case {} opened: {} for contact {}", id, c->type, c->contact_id);
                self->tell(*c, outcome.effects, locale);
                done({201, full_reply ? self->render(*c) : json{{"id", id}}});
            });
        });
}

void CaseService::Impl::apply(std::int64_t id, routing::CaseCommand cmd, std::string by,
                              ReplyFn done, int attempt) {
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

std::optional<CaseReply> CaseService::Impl::checkEngineer(const routing::CaseCommand& cmd,
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

void CaseService::Impl::change(const store::CaseRow& stored, const routing::CaseCommand& cmd,
                               const std::string& by, const ReplyFn& done, int attempt) {
    auto c = std::make_shared<ServiceCase>();
    if (!parse(stored, *c))
        return done(
            refused(500, "corrupt_case", "case " + std::to_string(stored.id) + " cannot be read"));
    if (auto bad = checkEngineer(cmd, *c)) return done(std::move(*bad));
    const auto now = routing::Clock::now();
    auto outcome = routing::applyCase(rules(), *c, cmd, by, now);
    if (!outcome.ok()) return done(refused(statusOf(outcome.error), outcome.error, outcome.reason));
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

void CaseService::Impl::after(const ServiceCase& c, const routing::CaseCommand& cmd,
                              const std::string& by, const routing::CaseEffects& fx) {
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

void CaseService::Impl::onEngine(const EngineHost::Notification& n) {
    for (const auto& action : n.actions) {
        if (const auto* want = std::get_if<routing::CaseRequested>(&action)) {
            OpenRequest req;
            req.type = want->type;
            req.conversation_id = want->conversation_id;
            req.description = "opened by rule " + want->rule;
            ReplyFn logged = [id = want->conversation_id](CaseReply r) {
                if (r.status >= 300)
                    spdlog::warn("case for conversation {}: {}", id, r.body.dump());
            };
            // The engine knows the conversation's contact and channel: no read of the stored
            // conversation (its messages and history) for each case a rule opens.
            if (auto snap = n.engine.conversation(want->conversation_id)) {
                std::string channel = snap->channel_instance.empty()
                                          ? std::string(routing::toString(snap->channel))
                                          : snap->channel_instance;
                const auto* m = std::get_if<routing::MessageReceived>(&n.event);
                if (m && m->conversation_id == want->conversation_id &&
                    m->contact.id == want->contact_id) {
                    // The contact as the message's own commit read it, with its cases: no
                    // second read on the store's reader for each case a message's rule opens.
                    store::CaseContact contact{m->contact, std::nullopt, channel};
                    onStrand([self = shared_from_this(), contact = std::move(contact),
                              channel = std::move(channel), req, by = "rule:" + want->rule,
                              logged] {
                        self->create(contact, channel, req, by, logged, /*full_reply=*/false);
                    });
                    continue;
                }
                openFor(want->contact_id, std::move(channel), req, "rule:" + want->rule, logged);
            } else {
                open(req, "rule:" + want->rule, logged);
            }
        } else if (const auto* a = std::get_if<routing::Assigned>(&action)) {
            adopt(a->conversation_id, a->agent);
        } else if (const auto* res = std::get_if<routing::ConversationResolved>(&action)) {
            if (res->disposition.empty() || res->disposition.rfind("follow_up:", 0) == 0) continue;
            resolved(res->conversation_id, res->agent, res->disposition);
        }
    }
}

void CaseService::Impl::adopt(std::int64_t conversation, const std::string& agent) {
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

void CaseService::Impl::resolved(std::int64_t conversation, const std::string& agent,
                                 const std::string& disposition) {
    const std::string on = "resolved:" + disposition;
    auto self = shared_from_this();
    store::CaseListQuery q;
    q.conversation_id = conversation;
    deps.cases.listCases(
        q, [self, conversation, agent, on](store::StoreResult<std::vector<store::CaseRow>> r) {
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

}  // namespace ccd::daemon::cases
