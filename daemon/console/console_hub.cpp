#include "daemon/console/console_hub.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/console/console_frames.hpp"
#include "daemon/console/console_outbox.hpp"
#include "daemon/console/console_protocol.hpp"
#include "daemon/console/engine_gateway.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon::console {

namespace asio = boost::asio;
using nlohmann::json;
using Strand = asio::strand<asio::io_context::executor_type>;
using Actions = std::vector<routing::Action>;

namespace {

/// Wraps a completion handler so that no exception escapes it.
template <class F>
auto guard(const char* where, F f) {
    return [where, f = std::move(f)](auto&&... args) mutable {
        try {
            f(std::forward<decltype(args)>(args)...);
        } catch (const std::exception& e) {
            spdlog::error("console: {}: {}", where, e.what());
        } catch (...) {
            spdlog::error("console: {}: unknown exception", where);
        }
    };
}

bool isSupervisor(Role r) { return r != Role::Agent; }

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               routing::Clock::now().time_since_epoch())
        .count();
}

const routing::Rejected* rejection(const Actions& actions) {
    for (const auto& a : actions) {
        if (const auto* r = std::get_if<routing::Rejected>(&a)) return r;
    }
    return nullptr;
}

/// What an answer to a command needs to know about it.
struct CommandRef {
    CommandType type = CommandType::Auth;
    std::string id;
    std::int64_t conversation_id = 0;
};

CommandRef refOf(const Command& c) { return {c.type, c.id, c.conversation_id}; }

}  // namespace

/// One agent's session, alive across their connections. Fields without an atomic are touched
/// on `strand` only.
struct ConsoleAgentState {
    ConsoleAgentState(asio::io_context& ioc, std::string n, std::size_t capacity)
        : name(std::move(n)), strand(asio::make_strand(ioc)), grace_timer(strand),
          outbox(capacity) {}

    const std::string name;
    Strand strand;
    asio::steady_timer grace_timer;
    ConsoleOutbox outbox;
    Role role = Role::Agent;
    std::shared_ptr<ConsoleHub::Client> client;
    bool ready = false;              // hello sent: live frames flow to the client
    bool supervisor_stream = false;  // subscribed to the board
    bool in_engine = false;          // announced to the engine and not lost since
    std::uint64_t epoch = 0;         // invalidates a pending grace timer
    std::atomic<bool> supervisor{false};
    std::atomic<bool> online{false};
};

class ConsoleHub::Client {
public:
    explicit Client(std::shared_ptr<ConsoleConnection> c) : connection(std::move(c)) {}
    const std::shared_ptr<ConsoleConnection> connection;
    // Written and read on the connection's strand (connected/received/disconnected).
    std::optional<Principal> principal;
    std::shared_ptr<ConsoleAgentState> agent;
    std::atomic<bool> authenticated{false};
    std::atomic<bool> closed{false};
};

using AgentPtr = std::shared_ptr<ConsoleAgentState>;
using ClientPtr = std::shared_ptr<ConsoleHub::Client>;

struct ConsoleHub::Impl : std::enable_shared_from_this<ConsoleHub::Impl> {
    Impl(asio::io_context& io, ConsoleHubDeps d, ConsoleHubOptions o)
        : ioc(io), deps(std::move(d)), options(o), board_strand(asio::make_strand(io)),
          board_timer(board_strand) {}

    asio::io_context& ioc;
    ConsoleHubDeps deps;
    ConsoleHubOptions options;
    Strand board_strand;
    asio::steady_timer board_timer;  // on board_strand
    std::chrono::steady_clock::time_point last_board{};
    std::atomic<bool> stopped{false};
    std::atomic<bool> board_dirty{true};

    mutable std::mutex agents_mutex;
    std::map<std::string, AgentPtr> agents;

    // Written by the engine listener; read by offer completions (store threads).
    std::mutex state_mutex;
    std::map<std::int64_t, std::string> holders;
    std::set<std::pair<std::int64_t, std::string>> offers;
    std::map<std::pair<std::int64_t, std::string>, json> at_risk;  // (conversation, milestone)

    // ---- sessions -------------------------------------------------------------------------

    AgentPtr agentState(const std::string& name) {
        std::lock_guard lock(agents_mutex);
        auto& s = agents[name];
        if (!s) s = std::make_shared<ConsoleAgentState>(ioc, name, options.outbox_frames);
        return s;
    }

    std::vector<AgentPtr> supervisors() const {
        std::vector<AgentPtr> out;
        std::lock_guard lock(agents_mutex);
        for (const auto& [name, s] : agents) {
            if (s->supervisor) out.push_back(s);
        }
        return out;
    }

    /// Queues a frame for an agent on their strand. Sequenced frames are numbered and kept
    /// for resume; others (board, hello, conversation) are sent only if connected.
    void deliver(const AgentPtr& a, std::string frame, bool sequenced = true) {
        asio::post(a->strand, guard("deliver", [a, frame = std::move(frame), sequenced]() mutable {
            if (sequenced) {
                auto text = withSeq(frame, a->outbox.lastSeq() + 1);
                a->outbox.push(text);
                if (a->client && a->ready) a->client->connection->send(std::move(text));
            } else if (a->client && a->ready) {
                a->client->connection->send(std::move(frame));
            }
        }));
    }

    void deliverTo(const std::string& agent, std::string frame) {
        deliver(agentState(agent), std::move(frame));
    }

    void ack(const AgentPtr& a, const CommandRef& c, json extra = json::object()) {
        json j{{"type", "ack"}, {"command", toString(c.type)}};
        j["id"] = c.id.empty() ? json(nullptr) : json(c.id);
        if (c.conversation_id > 0) j["conversation_id"] = c.conversation_id;
        for (auto& [k, v] : extra.items()) j[k] = v;
        deliver(a, dumpJson(j));
    }

    void fail(const AgentPtr& a, const CommandRef& c, std::string_view code,
              std::string_view reason) {
        deliver(a, errorFrame(code, reason, c.id, c.conversation_id));
    }

    void attach(const ClientPtr& c, const Principal& p, std::optional<std::uint64_t> last_seq) {
        auto a = agentState(p.name);
        c->principal = p;
        c->agent = a;
        c->authenticated = true;
        a->supervisor = isSupervisor(p.role);
        a->online = true;
        auto self = shared_from_this();
        asio::post(a->strand, guard("attach", [self, a, c, role = p.role, last_seq] {
            ++a->epoch;
            a->grace_timer.cancel();
            if (a->client && a->client != c)
                a->client->connection->close(4000, "replaced by a newer connection");
            a->client = c;
            a->ready = false;
            a->role = role;
            if (!last_seq) a->supervisor_stream = false;
            if (!a->in_engine) {
                a->in_engine = true;
                if (self->deps.profile) {
                    if (auto profile = self->deps.profile(a->name))
                        self->deps.engine.submit(routing::AgentUpdated{*profile}, nullptr);
                }
            }
            std::uint64_t attached_at = a->outbox.lastSeq();
            self->deps.engine.conversationsOf(
                a->name, guard("hello", [self, a, c, last_seq,
                                         attached_at](std::vector<std::int64_t> convs) {
                    asio::post(a->strand, guard("hello", [a, c, last_seq, attached_at,
                                                          convs = std::move(convs)] {
                        if (a->client != c) return;
                        bool complete = true;
                        std::vector<std::string> missed;
                        if (last_seq) missed = a->outbox.since(*last_seq, complete);
                        if (!last_seq || !complete) missed = a->outbox.since(attached_at, complete);
                        json hello{{"type", "hello"},
                                   {"agent", a->name},
                                   {"role", roleName(a->role)},
                                   {"last_seq", attached_at},
                                   {"resumed", last_seq.has_value() && complete},
                                   {"conversations", convs}};
                        if (last_seq && !complete) hello["resume_gap"] = true;
                        if (last_seq && complete) hello["last_seq"] = *last_seq;
                        c->connection->send(dumpJson(hello));
                        for (auto& f : missed) c->connection->send(std::move(f));
                        a->ready = true;
                    }));
                }));
        }));
    }

    void detach(const ClientPtr& c) {
        c->closed = true;
        auto a = c->agent;
        if (!a) return;
        auto self = shared_from_this();
        asio::post(a->strand, guard("detach", [self, a, c] {
            if (a->client != c) return;
            a->client.reset();
            a->ready = false;
            a->online = false;
            if (self->stopped) return;
            auto epoch = ++a->epoch;
            a->grace_timer.expires_after(self->options.grace);
            a->grace_timer.async_wait(asio::bind_executor(
                a->strand, guard("grace", [self, a, epoch](const boost::system::error_code& ec) {
                    if (ec || epoch != a->epoch || a->client || !a->in_engine || self->stopped)
                        return;
                    a->in_engine = false;
                    a->supervisor_stream = false;
                    a->outbox.clear();
                    spdlog::info("console: {} did not come back within {} ms; their work is "
                                 "handed back to the engine",
                                 a->name, self->options.grace.count());
                    self->deps.engine.submit(routing::AgentLost{a->name}, nullptr);
                })));
        }));
    }

    // ---- commands ---------------------------------------------------------------------------

    void replyError(const ClientPtr& c, const ParseError& e) {
        if (c->agent) deliver(c->agent, errorFrame(e.code, e.reason, e.id));
        else c->connection->send(errorFrame(e.code, e.reason, e.id));
    }

    void received(const ClientPtr& c, std::string_view frame) {
        auto parsed = parseCommand(frame);
        if (!parsed.command) return replyError(c, parsed.error);
        auto& cmd = *parsed.command;
        if (cmd.type == CommandType::Auth) {
            if (c->authenticated)
                return replyError(c, {"already_authenticated",
                                      "this connection is already authenticated", cmd.id});
            auto p = deps.authenticate ? deps.authenticate(cmd.token) : std::nullopt;
            if (!p) {
                c->connection->send(errorFrame("unauthorized",
                                               "the token is not valid or has expired", cmd.id));
                c->connection->close(4001, "unauthorized");
                return;
            }
            attach(c, *p, cmd.last_seq);
            ack(c->agent, refOf(cmd));
            return;
        }
        if (!c->authenticated)
            return replyError(c, {"not_authenticated", "send auth first", cmd.id});
        execute(c->agent, *c->principal, std::move(cmd));
    }

    /// Submits an event made from a command; answers ack, or error for a Rejected action.
    void submitFor(const AgentPtr& a, const CommandRef& ref, routing::Event event) {
        auto self = shared_from_this();
        deps.engine.submit(std::move(event),
                           guard("submit", [self, a, ref](bool ok, const Actions& actions) {
                               if (!ok)
                                   return self->fail(a, ref, "store_unavailable",
                                                     "the decision could not be stored");
                               if (const auto* r = rejection(actions))
                                   return self->fail(a, ref, r->code, r->reason);
                               self->ack(a, ref);
                           }));
    }

    using ConversationStep =
        std::function<void(const std::optional<routing::ConversationSnapshot>&, std::string)>;

    /// Reads the engine's view of the command's conversation, checks that the principal may
    /// act on it (assigned to them, or a supervisor), and continues on the agent's strand with
    /// the agent to act for (a supervisor acts for the holder).
    void withConversation(const AgentPtr& a, const Principal& p, const CommandRef& ref,
                          bool require_assigned, ConversationStep step) {
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
                        return self->fail(a, ref, "not_found",
                                          "no open conversation " +
                                              std::to_string(ref.conversation_id));
                    if (snap && !sup && snap->agent != p.name)
                        return self->fail(a, ref, "not_assigned",
                                          "conversation " + std::to_string(ref.conversation_id) +
                                              " is not assigned to you");
                }
                asio::post(a->strand, guard("command", [step, snap = std::move(snap),
                                                        acting = std::move(acting)] {
                               step(snap, acting);
                           }));
            }));
    }

    void execute(const AgentPtr& a, const Principal& p, Command cmd) {
        auto ref = refOf(cmd);
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
                        self->submitFor(a, ref,
                                        routing::TransferRequested{cmd.conversation_id, acting,
                                                                   cmd.to_agent, cmd.to_queue,
                                                                   cmd.note});
                    });
            case CommandType::Resolve:
                return withConversation(
                    a, p, ref, false,
                    [self, a, ref, cmd](const std::optional<routing::ConversationSnapshot>&,
                                        std::string acting) {
                        self->submitFor(a, ref,
                                        routing::ResolveRequested{cmd.conversation_id, acting,
                                                                  cmd.disposition});
                    });
            case CommandType::Reply:
                if (cmd.id.empty())
                    return fail(a, ref, "bad_request",
                                "a reply needs an id (it makes the send idempotent)");
                return withConversation(
                    a, p, ref, true,
                    [self, a, ref, cmd, name = p.name](
                        const std::optional<routing::ConversationSnapshot>& snap,
                        std::string acting) { self->reply(a, ref, cmd, name, snap, acting); });
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
                std::vector<store::EventRecord> events{
                    {cmd.conversation_id, "wrap_up",
                     dumpJson(json{{"agent", p.name}, {"disposition", cmd.disposition}}), nowMs()}};
                return deps.store.appendEvents(
                    std::move(events), guard("wrap_up", [self, a, ref, finish](
                                                            store::StoreResult<bool> res) {
                        if (!res) return self->fail(a, ref, "store_unavailable", res.error->message);
                        finish();
                    }));
            }
            case CommandType::Typing:
                return ack(a, ref);
            case CommandType::Subscribe:
            case CommandType::Unsubscribe: {
                if (!isSupervisor(p.role))
                    return fail(a, ref, "forbidden",
                                "the supervisor stream is for supervisors and admins");
                bool on = cmd.type == CommandType::Subscribe;
                asio::post(a->strand, guard("subscribe", [a, on] { a->supervisor_stream = on; }));
                ack(a, ref);
                if (on) pushBoard();
                return;
            }
        }
    }

    void reply(const AgentPtr& a, const CommandRef& ref, const Command& cmd,
               const std::string& name,
               const std::optional<routing::ConversationSnapshot>& snap,
               const std::string& acting) {
        store::OutboundMessage m;
        m.conversation_id = cmd.conversation_id;
        m.author = "agent:" + name;
        m.text = cmd.text;
        m.idempotency_key = "agent:" + name + ":" + cmd.id;
        if (cmd.template_id) {
            if (!deps.render)
                return fail(a, ref, "template_unavailable", "canned responses are not available");
            auto r = deps.render(cmd.conversation_id, *cmd.template_id, cmd.vars,
                                 snap ? snap->language : std::string("und"));
            if (!r.text) return fail(a, ref, "template_error", r.error);
            m.text = *r.text;
            m.template_id = cmd.template_id;
        }
        auto self = shared_from_this();
        deps.store.appendOutbound(
            std::move(m),
            guard("reply", [self, a, ref, acting](store::StoreResult<std::int64_t> res) {
                if (!res) return self->fail(a, ref, "store_unavailable", res.error->message);
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

    void note(const AgentPtr& a, const CommandRef& ref, const char* type, const json& data) {
        auto self = shared_from_this();
        std::vector<store::EventRecord> events{
            {ref.conversation_id, type, dumpJson(data), nowMs()}};
        deps.store.appendEvents(std::move(events),
                                guard("note", [self, a, ref](store::StoreResult<bool> res) {
                                    if (!res)
                                        return self->fail(a, ref, "store_unavailable",
                                                          res.error->message);
                                    self->ack(a, ref);
                                }));
    }

    void open(const AgentPtr& a, const CommandRef& ref,
              const std::optional<routing::ConversationSnapshot>& snap) {
        auto self = shared_from_this();
        deps.store.getConversation(
            ref.conversation_id,
            guard("open", [self, a, ref, snap](
                              store::StoreResult<std::optional<store::ConversationRecord>> res) {
                if (!res) return self->fail(a, ref, "store_unavailable", res.error->message);
                if (!*res.value)
                    return self->fail(a, ref, "not_found",
                                      "no conversation " + std::to_string(ref.conversation_id));
                json j = conversationFrame(**res.value, snap ? &*snap : nullptr);
                self->deliver(a, dumpJson(j), false);
                self->ack(a, ref);
            }));
    }

    // ---- engine actions ---------------------------------------------------------------------

    void onEngine(const routing::Event& event, const Actions& actions,
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
                        out.emplace_back(before, dumpJson(updatedFrame(as->conversation_id,
                                                                       "transferred",
                                                                       {{"to_agent", as->agent}})));
                    holders[as->conversation_id] = as->agent;
                    out.emplace_back(as->agent,
                                     dumpJson(json{{"type", "assigned"},
                                                   {"conversation_id", as->conversation_id}}));
                    changed = true;
                } else if (const auto* q = std::get_if<routing::Queued>(&action)) {
                    if (auto h = holder(q->conversation_id); !h.empty()) {
                        out.emplace_back(h, dumpJson(updatedFrame(q->conversation_id, "queued",
                                                                  {{"queue", q->queue},
                                                                   {"reason", q->reason}})));
                        holders.erase(q->conversation_id);
                    }
                    changed = true;
                } else if (const auto* pc = std::get_if<routing::PriorityChanged>(&action)) {
                    if (auto h = holder(pc->conversation_id); !h.empty())
                        out.emplace_back(h, dumpJson(updatedFrame(pc->conversation_id, "priority",
                                                                  {{"priority", pc->to},
                                                                   {"reason", pc->reason}})));
                    changed = true;
                } else if (const auto* s = std::get_if<routing::SlaAlert>(&action)) {
                    json f = slaFrame(*s);
                    auto target = s->agent ? *s->agent : holder(s->conversation_id);
                    if (!target.empty()) out.emplace_back(target, dumpJson(f));
                    to_supervisors.push_back(dumpJson(f));
                    at_risk[{s->conversation_id, std::string(routing::toString(s->milestone))}] =
                        f;
                    changed = true;
                } else if (const auto* mm = std::get_if<routing::MilestoneMet>(&action)) {
                    auto milestone = std::string(routing::toString(mm->milestone));
                    at_risk.erase({mm->conversation_id, milestone});
                    if (auto h = holder(mm->conversation_id); !h.empty())
                        out.emplace_back(h, dumpJson(updatedFrame(mm->conversation_id,
                                                                  "milestone_met",
                                                                  {{"milestone", milestone},
                                                                   {"late", mm->late}})));
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
                    out.emplace_back(st->agent,
                                     dumpJson(json{{"type", "presence"},
                                                   {"presence", routing::toString(st->presence)}}));
                    changed = true;
                } else if (std::holds_alternative<routing::ConversationRouted>(action)) {
                    changed = true;
                }
            }
        }
        for (auto& [agent, frame] : out) deliverTo(agent, std::move(frame));
        for (const auto& frame : to_supervisors) {
            for (const auto& s : supervisors()) deliver(s, frame);
        }
        for (const auto& o : new_offers) {
            auto details = lookup ? lookup(o.conversation_id) : ConsoleHub::OfferDetails{};
            if (details.record) {
                sendOffer(o, dumpJson(offerFrame(o, details.routing ? &*details.routing : nullptr,
                                                 details.record, routing::Clock::now())));
            } else {
                readAndSendOffer(o);
            }
        }
        if (changed) board_dirty = true;
    }

    /// Sends an offer frame unless the offer was revoked or answered meanwhile.
    void sendOffer(const routing::OfferMade& o, std::string frame) {
        auto agent = agentState(o.agent);
        // Posting under the lock keeps the offer ahead of a revocation decided after this
        // check (the listener posts those after taking the lock).
        std::lock_guard lock(state_mutex);
        if (!offers.count({o.conversation_id, o.agent})) return;
        deliver(agent, std::move(frame));
    }

    /// Reads the conversation's routing state and history, then sends the offer.
    void readAndSendOffer(const routing::OfferMade& o) {
        auto self = shared_from_this();
        deps.engine.conversation(
            o.conversation_id,
            guard("offer", [self, o](std::optional<routing::ConversationSnapshot> snap) {
                self->deps.store.getConversation(
                    o.conversation_id,
                    guard("offer", [self, o, snap = std::move(snap)](
                                       store::StoreResult<std::optional<store::ConversationRecord>>
                                           res) {
                        const store::ConversationRecord* record =
                            res.value && *res.value ? &**res.value : nullptr;
                        self->sendOffer(o, dumpJson(offerFrame(o, snap ? &*snap : nullptr,
                                                               record, routing::Clock::now())));
                    }));
            }));
    }

    // ---- supervisor board -------------------------------------------------------------------

    void armBoard() {
        if (stopped) return;
        board_timer.expires_after(std::chrono::milliseconds(250));
        auto self = shared_from_this();
        board_timer.async_wait(asio::bind_executor(
            board_strand, guard("board", [self](const boost::system::error_code& ec) {
                if (ec || self->stopped) return;
                auto now = std::chrono::steady_clock::now();
                bool due = now - self->last_board >= self->options.board_interval ||
                           (self->board_dirty && now - self->last_board >= std::chrono::milliseconds(200));
                if (due) {
                    self->last_board = now;
                    self->board_dirty = false;
                    self->pushBoard();
                }
                self->armBoard();
            })));
    }

    void pushBoard() {
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

    void stop() {
        if (stopped.exchange(true)) return;
        auto self = shared_from_this();
        asio::post(board_strand, guard("stop", [self] { self->board_timer.cancel(); }));
        std::lock_guard lock(agents_mutex);
        for (const auto& [name, a] : agents) {
            asio::post(a->strand, guard("stop", [a] {
                ++a->epoch;
                a->grace_timer.cancel();
                if (a->client) a->client->connection->close(1001, "ccd is shutting down");
                a->client.reset();
                a->online = false;
            }));
        }
    }
};

std::shared_ptr<ConsoleHub> ConsoleHub::create(boost::asio::io_context& ioc, ConsoleHubDeps deps,
                                               ConsoleHubOptions options) {
    auto impl = std::make_shared<Impl>(ioc, std::move(deps), options);
    return std::shared_ptr<ConsoleHub>(new ConsoleHub(std::move(impl)));
}

ConsoleHub::ConsoleHub(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConsoleHub::~ConsoleHub() { impl_->stop(); }

void ConsoleHub::start() {
    asio::post(impl_->board_strand, [impl = impl_] { impl->armBoard(); });
}

void ConsoleHub::stop() { impl_->stop(); }

void ConsoleHub::onEngineActions(const routing::Event& event,
                                 const std::vector<routing::Action>& actions,
                                 const OfferLookup& lookup) {
    try {
        impl_->onEngine(event, actions, lookup);
    } catch (const std::exception& e) {
        spdlog::error("console: engine actions: {}", e.what());
    }
}

std::optional<Principal> ConsoleHub::authenticate(std::string_view token) const {
    if (!impl_->deps.authenticate || token.empty()) return std::nullopt;
    return impl_->deps.authenticate(token);
}

std::shared_ptr<ConsoleHub::Client> ConsoleHub::connected(
    std::shared_ptr<ConsoleConnection> connection, std::optional<Principal> principal,
    std::optional<std::uint64_t> last_seq) {
    auto c = std::make_shared<Client>(std::move(connection));
    if (principal) {
        impl_->attach(c, *principal, last_seq);
        return c;
    }
    auto timer = std::make_shared<asio::steady_timer>(impl_->ioc, impl_->options.auth_timeout);
    timer->async_wait(guard("auth timeout", [c, timer](const boost::system::error_code& ec) {
        if (!ec && !c->authenticated && !c->closed)
            c->connection->close(4001, "no auth within the time allowed");
    }));
    return c;
}

void ConsoleHub::received(const std::shared_ptr<Client>& client, std::string_view frame) {
    try {
        impl_->received(client, frame);
    } catch (const std::exception& e) {
        spdlog::error("console: frame: {}", e.what());
        client->connection->send(errorFrame("internal", "the command failed"));
    }
}

void ConsoleHub::disconnected(const std::shared_ptr<Client>& client) {
    try {
        impl_->detach(client);
    } catch (const std::exception& e) {
        spdlog::error("console: disconnect: {}", e.what());
    }
}

std::size_t ConsoleHub::connectedAgents() const {
    std::lock_guard lock(impl_->agents_mutex);
    std::size_t n = 0;
    for (const auto& [name, a] : impl_->agents) n += a->online ? 1 : 0;
    return n;
}

}  // namespace ccd::daemon::console
