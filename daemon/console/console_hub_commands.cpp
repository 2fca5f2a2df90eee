// The hub's side of agents' commands: each becomes an engine event or a store write, answered with
// `ack` or `error`.
#include "daemon/console/console_hub_impl.hpp"

#include "daemon/audit_log.hpp"

namespace ccd::daemon::console {

void ConsoleHub::Impl::replyError(const ClientPtr& c, const ParseError& e) {
    if (c->agent)
        deliver(c->agent, errorFrame(e.code, e.reason, e.id));
    else
        c->connection->send(errorFrame(e.code, e.reason, e.id));
}

// Before authentication a connection gets one answer to anything but `auth`, and is closed:
// answering every frame of a client that does not read lets it grow the daemon's memory.
void ConsoleHub::Impl::refuseUnauthenticated(const ClientPtr& c, const ParseError& e) {
    if (c->refused.exchange(true)) return;
    c->connection->send(errorFrame(e.code, e.reason, e.id));
    c->connection->close(1008, "authenticate first");
}

void ConsoleHub::Impl::received(const ClientPtr& c, std::string_view frame) {
    if (c->refused) return;
    auto parsed = parseCommand(frame);
    if (!parsed.command) {
        if (!c->authenticated) return refuseUnauthenticated(c, parsed.error);
        return replyError(c, parsed.error);
    }
    auto& cmd = *parsed.command;
    if (cmd.type == CommandType::Auth) {
        if (c->authenticated)
            return replyError(
                c, {"already_authenticated", "this connection is already authenticated", cmd.id});
        auto p = deps.authenticate ? deps.authenticate(cmd.token) : std::nullopt;
        if (!p) {
            c->refused = true;
            c->connection->send(
                errorFrame("unauthorized", "the token is not valid or has expired", cmd.id));
            c->connection->close(4001, "unauthorized");
            return;
        }
        attach(c, *p, cmd.last_seq);
        ack(c->agent, refOf(cmd));
        return;
    }
    if (!c->authenticated)
        return refuseUnauthenticated(c, {"not_authenticated", "send auth first", cmd.id});
    // On the agent's strand, after the job attach() posted there: that job announces the agent
    // to the engine, and a command that overtook it (a `presence` sent right after the upgrade)
    // would be refused as from an unknown agent.
    auto self = shared_from_this();
    asio::post(c->agent->strand,
               guard("command", [self, a = c->agent, p = *c->principal, cmd = std::move(cmd),
                                 remote = c->connection->remoteAddress()]() mutable {
                   self->execute(a, p, std::move(cmd), remote);
               }));
}

void ConsoleHub::Impl::audited(const AgentPtr& a, const CommandRef& c, std::string_view outcome,
                               std::string_view code) {
    if (!deps.audit) return;
    const char* action = nullptr;
    switch (c.type) {
        case CommandType::Accept: action = "conversation.accept"; break;
        case CommandType::Decline: action = "conversation.decline"; break;
        case CommandType::Transfer: action = "conversation.transfer"; break;
        case CommandType::Resolve: action = "conversation.resolve"; break;
        case CommandType::Reply: action = "conversation.reply"; break;
        case CommandType::Note: action = "conversation.note"; break;
        case CommandType::Open: action = "conversation.read"; break;
        case CommandType::WrapUp: action = "conversation.wrap_up"; break;
        default: return;  // presence, typing, subscriptions: no customer data changes hands
    }
    json detail{{"via", "console"}};
    if (!code.empty()) detail["code"] = code;
    deps.audit->record(accountActor(a->name, c.remote), action, "conversation",
                       c.conversation_id > 0 ? std::to_string(c.conversation_id) : "",
                       std::string(outcome), detail);
}

void ConsoleHub::Impl::submitFor(const AgentPtr& a, const CommandRef& ref, routing::Event event) {
    auto self = shared_from_this();
    deps.engine.submit(
        std::move(event), guard("submit", [self, a, ref](bool ok, const Actions& actions) {
            if (!ok)
                return self->fail(a, ref, "store_unavailable", "the decision could not be stored");
            if (const auto* r = rejection(actions)) return self->fail(a, ref, r->code, r->reason);
            self->ack(a, ref);
        }));
}

void ConsoleHub::Impl::withConversation(const AgentPtr& a, const Principal& p,
                                        const CommandRef& ref, bool require_assigned,
                                        ConversationStep step) {
    auto self = shared_from_this();
    deps.engine.conversation(
        ref.conversation_id,
        guard("conversation", [self, a, p, ref, require_assigned, step = std::move(step)](
                                  std::optional<routing::ConversationSnapshot> snap) {
            bool sup = isSupervisor(p.role);
            std::string acting = p.name;
            if (snap && snap->agent && sup) acting = *snap->agent;
            if (require_assigned) {
                if (!snap && !(sup && ref.type == CommandType::Open))
                    return self->fail(
                        a, ref, "not_found",
                        "no open conversation " + std::to_string(ref.conversation_id));
                if (snap && !sup && snap->agent != p.name)
                    return self->fail(a, ref, "not_assigned",
                                      "conversation " + std::to_string(ref.conversation_id) +
                                          " is not assigned to you");
            }
            asio::post(a->strand,
                       guard("command", [step, snap = std::move(snap), acting = std::move(acting)] {
                           step(snap, acting);
                       }));
        }));
}

void ConsoleHub::Impl::execute(const AgentPtr& a, const Principal& p, Command cmd,
                               std::string remote) {
    auto ref = refOf(cmd, std::move(remote));
    auto self = shared_from_this();
    switch (cmd.type) {
        case CommandType::Auth:
            break;
        case CommandType::Presence: {
            auto presence = routing::presenceFromString(cmd.presence);
            if (!presence) return fail(a, ref, "bad_request", "unknown presence");
            return submitFor(a, ref, routing::PresenceChanged{p.name, *presence});
        }
        case CommandType::Accept:
        case CommandType::Decline:
            return submitFor(a, ref,
                             routing::OfferAnswered{cmd.conversation_id, p.name,
                                                    cmd.type == CommandType::Accept});
        case CommandType::Transfer:
            return withConversation(
                a, p, ref, false,
                [self, a, ref, cmd](const std::optional<routing::ConversationSnapshot>&,
                                    std::string acting) {
                    self->submitFor(
                        a, ref,
                        routing::TransferRequested{cmd.conversation_id, acting, cmd.to_agent,
                                                   cmd.to_queue, cmd.note});
                });
        case CommandType::Resolve:
            return withConversation(
                a, p, ref, false,
                [self, a, ref, cmd](const std::optional<routing::ConversationSnapshot>&,
                                    std::string acting) {
                    self->submitFor(
                        a, ref,
                        routing::ResolveRequested{cmd.conversation_id, acting, cmd.disposition});
                });
        case CommandType::Reply:
            if (cmd.id.empty())
                return fail(a, ref, "bad_request",
                            "a reply needs an id (it makes the send idempotent)");
            return withConversation(
                a, p, ref, true,
                [self, a, ref, cmd, name = p.name](
                    const std::optional<routing::ConversationSnapshot>& snap, std::string acting) {
                    self->reply(a, ref, cmd, name, snap, acting);
                });
        case CommandType::Note:
            return withConversation(
                a, p, ref, true,
                [self, a, ref, text = cmd.text, name = p.name](
                    const std::optional<routing::ConversationSnapshot>&, std::string) {
                    self->note(a, ref, "note", json{{"agent", name}, {"text", text}});
                });
        case CommandType::Open:
            return withConversation(
                a, p, ref, true,
                [self, a, ref](const std::optional<routing::ConversationSnapshot>& snap,
                               std::string) { self->open(a, ref, snap); });
        case CommandType::WrapUp: {
            auto finish = [self, a, ref, name = p.name] {
                self->submitFor(a, ref,
                                routing::PresenceChanged{name, routing::Presence::Available});
            };
            if (cmd.conversation_id <= 0) return finish();
            // Only on a conversation the agent holds or held (the engine keeps a resolved one's
            // agent), or as a supervisor; an unknown id is not_found, never a store error.
            return withConversation(
                a, p, ref, true,
                [self, a, ref, finish, name = p.name, disposition = cmd.disposition](
                    const std::optional<routing::ConversationSnapshot>&, std::string) {
                    std::vector<store::EventRecord> events{
                        {ref.conversation_id, "wrap_up",
                         dumpJson(json{{"agent", name}, {"disposition", disposition}}), nowUnixMillis()}};
                    self->deps.store.appendEvents(
                        std::move(events),
                        guard("wrap_up", [self, a, ref, finish](store::StoreResult<bool> res) {
                            if (!res) return self->storeFailed(a, ref, *res.error);
                            finish();
                        }));
                });
        }
        case CommandType::Typing:
            if (!deps.typing) return ack(a, ref);
            // Relayed for the agent's own conversations only.
            return withConversation(
                a, p, ref, true,
                [self, a, ref](const std::optional<routing::ConversationSnapshot>&, std::string) {
                    self->deps.typing(ref.conversation_id);
                    self->ack(a, ref);
                });
        case CommandType::Subscribe:
        case CommandType::Unsubscribe: {
            bool on = cmd.type == CommandType::Subscribe;
            if (cmd.stream == "queues") {
                a->queue_stream = on;
                ack(a, ref);
                if (on) pushQueues(a);
                return;
            }
            if (!isSupervisor(p.role))
                return fail(a, ref, "forbidden",
                            "the supervisor stream is for supervisors and admins");
            asio::post(a->strand, guard("subscribe", [a, on] { a->supervisor_stream = on; }));
            ack(a, ref);
            if (on) pushBoard();
            return;
        }
    }
}

void ConsoleHub::Impl::reply(const AgentPtr& a, const CommandRef& ref, const Command& cmd,
                             const std::string& name,
                             const std::optional<routing::ConversationSnapshot>& snap,
                             const std::string& acting) {
    // Checked before anything is stored: a stored reply is on its way to the customer.
    if (!snap || snap->stage != "assigned")
        return fail(a, ref, "not_assigned",
                    "conversation " + std::to_string(cmd.conversation_id) + " is " +
                        (snap ? snap->stage : std::string("not open")) +
                        ": replies go to assigned conversations only");
    store::OutboundMessage m;
    m.conversation_id = cmd.conversation_id;
    m.author = "agent:" + name;
    m.text = cmd.text;
    m.idempotency_key = "agent:" + name + ":" + cmd.id;
    m.window_template = cmd.window_template;
    if (cmd.template_id) {
        if (!deps.render)
            return fail(a, ref, "template_unavailable", "canned responses are not available");
        auto r = deps.render(cmd.conversation_id, *cmd.template_id, cmd.vars,
                             snap ? snap->language : std::string("und"));
        if (!r.text) return fail(a, ref, "template_error", r.error);
        m.text = *r.text;
        m.template_id = cmd.template_id;
    }
    // The channel's limits, before anything is stored: a stored reply is on its way.
    if (deps.check_reply) {
        if (auto refusal = deps.check_reply(*snap, m.text, m.window_template))
            return fail(a, ref, refusal->code, refusal->reason);
    }
    auto self = shared_from_this();
    deps.store.appendOutbound(
        std::move(m), guard("reply", [self, a, ref, acting](store::StoreResult<std::int64_t> res) {
            if (!res) return self->storeFailed(a, ref, *res.error);
            auto message_id = *res.value;
            self->deps.engine.submit(
                routing::AgentReplied{ref.conversation_id, acting, false},
                guard("replied", [self, a, ref, message_id](bool, const Actions& actions) {
                    // The reply is stored and queued for the customer whatever the engine
                    // says; a rejection is still worth showing.
                    if (const auto* r = rejection(actions))
                        return self->fail(a, ref, r->code, r->reason);
                    self->ack(a, ref, json{{"message_id", message_id}});
                }));
        }));
}

void ConsoleHub::Impl::note(const AgentPtr& a, const CommandRef& ref, const char* type,
                            const json& data) {
    auto self = shared_from_this();
    std::vector<store::EventRecord> events{{ref.conversation_id, type, dumpJson(data), nowUnixMillis()}};
    deps.store.appendEvents(
        std::move(events), guard("note", [self, a, ref](store::StoreResult<bool> res) {
            if (!res) return self->storeFailed(a, ref, *res.error);
            self->ack(a, ref);
        }));
}

void ConsoleHub::Impl::open(const AgentPtr& a, const CommandRef& ref,
                            const std::optional<routing::ConversationSnapshot>& snap) {
    auto self = shared_from_this();
    deps.store.getConversation(
        ref.conversation_id,
        guard("open", [self, a, ref,
                       snap](store::StoreResult<std::optional<store::ConversationRecord>> res) {
            if (!res) return self->storeFailed(a, ref, *res.error);
            if (!*res.value)
                return self->fail(a, ref, "not_found",
                                  "no conversation " + std::to_string(ref.conversation_id));
            self->readCustomerHistory(
                std::move(**res.value),
                guard("open", [self, a, ref, snap](store::ConversationRecord record) {
                    json j = conversationFrame(record, snap ? &*snap : nullptr,
                                               routing::Clock::now());
                    self->deliver(a, dumpJson(j), false);
                    self->ack(a, ref);
                }));
        }));
}

void ConsoleHub::Impl::readCustomerHistory(store::ConversationRecord record,
                                           std::function<void(store::ConversationRecord)> then) {
    store::ContactHistoryQuery query;
    query.contact_id = record.contact.id;
    query.exclude_conversation = record.id;
    auto held = std::make_shared<store::ConversationRecord>(std::move(record));
    deps.store.getContactHistory(
        std::move(query),
        guard("customer_history", [held, then = std::move(then)](
                                      store::StoreResult<std::optional<store::ContactHistory>> res) {
            if (!res) {
                spdlog::warn("console: the archive of contact {} was not read: {}",
                             held->contact.id, res.error->message);
            } else if (*res.value) {
                held->customer_history = std::move(**res.value);
            }
            then(std::move(*held));
        }));
}

}  // namespace ccd::daemon::console
