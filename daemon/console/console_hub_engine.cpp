// The engine's actions as the console shows them: frames to the agents concerned, offers with
// their history, notices and the board for supervisors.
#include "daemon/console/console_hub_impl.hpp"
#include "daemon/json_time.hpp"

namespace ccd::daemon::console {

void ConsoleHub::Impl::onEngine(const routing::Event& event, const Actions& actions,
                                const ConsoleHub::OfferLookup& lookup) {
    std::vector<std::pair<std::string, std::string>> out;  // (agent, frame)
    std::vector<std::string> to_supervisors;
    std::vector<routing::OfferMade> new_offers;
    bool changed = false;
    {
        std::lock_guard lock(state_mutex);
        auto holder = [this](std::int64_t conv) -> std::string {
            auto it = holders.find(conv);
            return it == holders.end() ? std::string() : it->second;
        };
        if (const auto* m = std::get_if<routing::MessageReceived>(&event)) {
            changed = true;
            if (auto h = holder(m->conversation_id); !h.empty())
                out.emplace_back(h, dumpJson(messageFrame(*m)));
        }
        for (const auto& action : actions) {
            if (const auto* o = std::get_if<routing::OfferMade>(&action)) {
                offers.insert({o->conversation_id, o->agent});
                new_offers.push_back(*o);
                changed = true;
            } else if (const auto* r = std::get_if<routing::OfferRevoked>(&action)) {
                offers.erase({r->conversation_id, r->agent});
                out.emplace_back(r->agent, dumpJson(json{{"type", "offer_revoked"},
                                                         {"conversation_id", r->conversation_id},
                                                         {"reason", r->reason}}));
                changed = true;
            } else if (const auto* as = std::get_if<routing::Assigned>(&action)) {
                offers.erase({as->conversation_id, as->agent});
                auto before = holder(as->conversation_id);
                if (!before.empty() && before != as->agent)
                    out.emplace_back(before,
                                     dumpJson(updatedFrame(as->conversation_id, "transferred",
                                                           {{"to_agent", as->agent}})));
                holders[as->conversation_id] = as->agent;
                out.emplace_back(
                    as->agent,
                    dumpJson(json{{"type", "assigned"}, {"conversation_id", as->conversation_id}}));
                changed = true;
            } else if (const auto* q = std::get_if<routing::Queued>(&action)) {
                if (auto h = holder(q->conversation_id); !h.empty()) {
                    const auto* t = std::get_if<routing::TransferRequested>(&event);
                    if (t && t->to_agent) {
                        out.emplace_back(h, dumpJson(updatedFrame(q->conversation_id, "transferred",
                                                                  {{"to_agent", *t->to_agent},
                                                                   {"queue", q->queue}})));
                    } else {
                        out.emplace_back(h, dumpJson(updatedFrame(q->conversation_id, "queued",
                                                                  {{"queue", q->queue},
                                                                   {"reason", q->reason}})));
                    }
                    holders.erase(q->conversation_id);
                }
                changed = true;
            } else if (const auto* pc = std::get_if<routing::PriorityChanged>(&action)) {
                if (auto h = holder(pc->conversation_id); !h.empty())
                    out.emplace_back(
                        h, dumpJson(updatedFrame(pc->conversation_id, "priority",
                                                 {{"priority", pc->to}, {"reason", pc->reason}})));
                changed = true;
            } else if (const auto* s = std::get_if<routing::SlaAlert>(&action)) {
                json f = slaFrame(*s);
                auto target = s->agent ? *s->agent : holder(s->conversation_id);
                if (!target.empty()) out.emplace_back(target, dumpJson(f));
                to_supervisors.push_back(dumpJson(f));
                at_risk[{s->conversation_id, std::string(routing::toString(s->milestone))}] = f;
                changed = true;
            } else if (const auto* mm = std::get_if<routing::MilestoneMet>(&action)) {
                auto milestone = std::string(routing::toString(mm->milestone));
                at_risk.erase({mm->conversation_id, milestone});
                if (auto h = holder(mm->conversation_id); !h.empty())
                    out.emplace_back(
                        h, dumpJson(updatedFrame(mm->conversation_id, "milestone_met",
                                                 {{"milestone", milestone}, {"late", mm->late}})));
            } else if (const auto* n = std::get_if<routing::SupervisorNotice>(&action)) {
                to_supervisors.push_back(dumpJson(json{{"type", "supervisor_notice"},
                                                       {"conversation_id", n->conversation_id},
                                                       {"reason", n->reason},
                                                       {"detail", n->detail}}));
            } else if (const auto* cr = std::get_if<routing::ConversationResolved>(&action)) {
                auto h = holder(cr->conversation_id);
                if (h.empty()) h = cr->agent;
                if (!h.empty())
                    out.emplace_back(h, dumpJson(updatedFrame(cr->conversation_id, "resolved",
                                                              {{"disposition", cr->disposition},
                                                               {"by", cr->agent}})));
                holders.erase(cr->conversation_id);
                for (auto it = at_risk.begin(); it != at_risk.end();) {
                    it = it->first.first == cr->conversation_id ? at_risk.erase(it) : ++it;
                }
                changed = true;
            } else if (const auto* st = std::get_if<routing::AgentStateChanged>(&action)) {
                json f{{"type", "presence"}, {"presence", routing::toString(st->presence)}};
                if (!st->reason.empty()) f["reason"] = st->reason;
                if (st->until) f["until"] = formatRfc3339Millis(routing::unixMillis(*st->until));
                out.emplace_back(st->agent, dumpJson(f));
                changed = true;
            } else if (const auto* d = std::get_if<routing::DeliveryChanged>(&action)) {
                // Shown to whoever holds the conversation now, else to the agent who wrote it.
                auto target = holder(d->conversation_id);
                if (target.empty() && d->author.rfind("agent:", 0) == 0)
                    target = d->author.substr(6);
                if (!target.empty()) {
                    json f{{"type", "message_status"},
                           {"conversation_id", d->conversation_id},
                           {"message_id", d->message_id},
                           {"status", routing::toString(d->state)}};
                    if (!d->reason.empty()) f["reason"] = d->reason;
                    out.emplace_back(target, dumpJson(f));
                }
            } else if (std::holds_alternative<routing::ConversationRouted>(action)) {
                changed = true;
            }
        }
    }
    for (auto& [agent, frame] : out) deliverTo(agent, std::move(frame));
    for (const auto& frame : to_supervisors) {
        for (const auto& s : supervisors()) deliver(s, frame);
    }
    // A transferred conversation's offer says who handed it on and why.
    json transfer;
    if (const auto* t = std::get_if<routing::TransferRequested>(&event))
        transfer = json{{"from", t->agent}, {"note", t->note}};
    for (const auto& o : new_offers) {
        auto details = lookup ? lookup(o.conversation_id) : ConsoleHub::OfferDetails{};
        if (details.record) {
            auto frame = offerFrame(o, details.routing ? &*details.routing : nullptr,
                                    details.record, routing::Clock::now());
            if (!transfer.is_null()) frame["transfer"] = transfer;
            sendOffer(o, dumpJson(frame));
        } else {
            readAndSendOffer(o, transfer);
        }
    }
    if (changed) board_dirty = true;
}

void ConsoleHub::Impl::sendOffer(const routing::OfferMade& o, std::string frame) {
    auto agent = agentState(o.agent);
    // Posting under the lock keeps the offer ahead of a revocation decided after this
    // check (the listener posts those after taking the lock).
    std::lock_guard lock(state_mutex);
    if (!offers.count({o.conversation_id, o.agent})) return;
    deliver(agent, std::move(frame));
}

void ConsoleHub::Impl::readAndSendOffer(const routing::OfferMade& o, json transfer) {
    auto self = shared_from_this();
    deps.engine.conversation(
        o.conversation_id,
        guard("offer", [self, o, transfer](std::optional<routing::ConversationSnapshot> snap) {
            self->deps.store.getConversation(
                o.conversation_id,
                guard("offer",
                      [self, o, transfer, snap = std::move(snap)](
                          store::StoreResult<std::optional<store::ConversationRecord>> res) {
                          if (!res.value || !*res.value) {
                              auto frame = offerFrame(o, snap ? &*snap : nullptr, nullptr,
                                                      routing::Clock::now());
                              if (!transfer.is_null()) frame["transfer"] = transfer;
                              return self->sendOffer(o, dumpJson(frame));
                          }
                          self->readCustomerHistory(
                              std::move(**res.value),
                              guard("offer", [self, o, transfer,
                                              snap](store::ConversationRecord record) {
                                  auto frame = offerFrame(o, snap ? &*snap : nullptr, &record,
                                                          routing::Clock::now());
                                  if (!transfer.is_null()) frame["transfer"] = transfer;
                                  self->sendOffer(o, dumpJson(frame));
                              }));
                      }));
        }));
}

void ConsoleHub::Impl::armBoard() {
    if (stopped) return;
    board_timer.expires_after(std::chrono::milliseconds(250));
    auto self = shared_from_this();
    board_timer.async_wait(asio::bind_executor(
        board_strand, guard("board", [self](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            auto now = std::chrono::steady_clock::now();
            bool due =
                now - self->last_board >= self->options.board_interval ||
                (self->board_dirty && now - self->last_board >= std::chrono::milliseconds(200));
            if (due) {
                self->last_board = now;
                self->board_dirty = false;
                self->pushBoard();
            }
            // Waiting lists go to every subscribed agent: at most once a second.
            if (now - self->last_queues >= std::chrono::seconds(1)) {
                self->last_queues = now;
                self->pushQueues();
            }
            self->armBoard();
        })));
}

void ConsoleHub::Impl::pushBoard() {
    auto subscribers = supervisors();
    if (subscribers.empty()) return;
    auto self = shared_from_this();
    deps.engine.board(guard("board", [self, subscribers](std::vector<routing::QueueStats> q,
                                                         std::vector<routing::AgentStats> s) {
        std::vector<json> risks;
        {
            std::lock_guard lock(self->state_mutex);
            for (const auto& [key, f] : self->at_risk) risks.push_back(f);
        }
        std::map<std::string, bool> online;
        {
            std::lock_guard lock(self->agents_mutex);
            for (const auto& [name, a] : self->agents) online[name] = a->online;
        }
        auto frame = dumpJson(boardFrame(q, s, risks, online, routing::Clock::now()));
        for (const auto& a : subscribers) {
            asio::post(a->strand, guard("board", [a, frame] {
                           if (a->client && a->ready && a->supervisor_stream)
                               a->client->connection->send(frame);
                       }));
        }
    }));
}

void ConsoleHub::Impl::pushQueues(const AgentPtr& only) {
    std::vector<AgentPtr> subscribers;
    if (only) {
        subscribers.push_back(only);
    } else {
        std::lock_guard lock(agents_mutex);
        for (const auto& [name, a] : agents) {
            if (a->queue_stream && a->online) subscribers.push_back(a);
        }
    }
    if (subscribers.empty()) return;
    std::vector<std::string> names;
    for (const auto& a : subscribers) {
        if (!a->supervisor) names.push_back(a->name);
    }
    auto self = shared_from_this();
    deps.engine.waiting(
        std::move(names), kQueueListLength,
        guard("queues", [self, subscribers](std::vector<routing::QueueWaiting> lists,
                                            std::map<std::string, std::vector<std::string>> of) {
            // Agents who serve the same queues get the same frame: build each one once.
            std::map<std::vector<std::string>, std::string> frames;
            std::string all;
            for (const auto& a : subscribers) {
                std::string frame;
                if (a->supervisor) {
                    if (all.empty()) all = dumpJson(queuesFrame(lists, nullptr));
                    frame = all;
                } else {
                    const auto& queues = of[a->name];
                    auto& f = frames[queues];
                    if (f.empty()) f = dumpJson(queuesFrame(lists, &queues));
                    frame = f;
                }
                asio::post(a->strand, guard("queues", [a, frame = std::move(frame)] {
                               if (a->client && a->ready && a->queue_stream)
                                   a->client->connection->send(frame);
                           }));
            }
        }));
}

}  // namespace ccd::daemon::console
