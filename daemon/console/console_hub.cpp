#include "daemon/console/console_hub.hpp"

#include "daemon/console/console_hub_impl.hpp"
#include "daemon/metrics.hpp"

namespace ccd::daemon::console {

AgentPtr ConsoleHub::Impl::agentState(const std::string& name) {
    std::lock_guard lock(agents_mutex);
    auto& s = agents[name];
    if (!s) s = std::make_shared<ConsoleAgentState>(ioc, name, options.outbox_frames);
    return s;
}

AgentPtr ConsoleHub::Impl::knownAgent(const std::string& name) const {
    std::lock_guard lock(agents_mutex);
    auto it = agents.find(name);
    return it == agents.end() ? nullptr : it->second;
}

std::vector<AgentPtr> ConsoleHub::Impl::supervisors() const {
    std::vector<AgentPtr> out;
    std::lock_guard lock(agents_mutex);
    for (const auto& [name, s] : agents) {
        if (s->supervisor) out.push_back(s);
    }
    return out;
}

void ConsoleHub::Impl::deliver(const AgentPtr& a, std::string frame, bool sequenced) {
    auto* steps = deps.steps;
    const auto posted = std::chrono::steady_clock::now();
    asio::post(a->strand, guard("deliver", [a, frame = std::move(frame), sequenced, steps,
                                            posted]() mutable {
                   const bool live = a->client && a->ready;
                   if (live && steps) steps->console_agent.observe(secondsSince(posted));
                   if (sequenced) {
                       auto text = withSeq(frame, a->outbox.lastSeq() + 1);
                       a->outbox.push(text);
                       if (live) a->client->connection->send(std::move(text));
                   } else if (live) {
                       a->client->connection->send(std::move(frame));
                   }
               }));
}

void ConsoleHub::Impl::deliverTo(const std::string& agent, std::string frame) {
    deliver(agentState(agent), std::move(frame));
}

void ConsoleHub::Impl::ack(const AgentPtr& a, const CommandRef& c, json extra) {
    json j{{"type", "ack"}, {"command", toString(c.type)}};
    j["id"] = c.id.empty() ? json(nullptr) : json(c.id);
    if (c.conversation_id > 0) j["conversation_id"] = c.conversation_id;
    for (auto& [k, v] : extra.items()) j[k] = v;
    deliver(a, dumpJson(j));
    audited(a, c, "ok");
}

void ConsoleHub::Impl::fail(const AgentPtr& a, const CommandRef& c, std::string_view code,
                            std::string_view reason) {
    deliver(a, errorFrame(code, reason, c.id, c.conversation_id));
    audited(a, c,
            code == "not_assigned" || code == "forbidden" ? "denied"
            : code == "not_found"                         ? "not_found"
                                                          : "failed",
            code);
}

void ConsoleHub::Impl::storeFailed(const AgentPtr& a, const CommandRef& c,
                                   const store::StoreError& error) {
    spdlog::error("console: {} of {} (conversation {}): the store failed: {}", toString(c.type),
                  a->name, c.conversation_id, error.message);
    fail(a, c, "store_unavailable", "the store is unavailable; try again shortly");
}

void ConsoleHub::Impl::attach(const ClientPtr& c, const Principal& p,
                              std::optional<std::uint64_t> last_seq) {
    auto a = agentState(p.name);
    // Before any frame of the session is sent (hello is posted below).
    if (c->masking) c->masking->on = deps.mask_pii(p.role);
    c->principal = p;
    c->agent = a;
    c->authenticated = true;
    a->supervisor = isSupervisor(p.role);
    a->online = true;
    auto self = shared_from_this();
    asio::post(a->strand, guard("attach", [self, a, c, role = p.role, token = p.token_id,
                                           last_seq] {
                   ++a->epoch;
                   a->grace_timer.cancel();
                   if (a->client && a->client != c)
                       a->client->connection->close(4000, "replaced by a newer connection");
                   a->client = c;
                   a->ready = false;
                   a->role = role;
                   // Subscriptions carry over to a resume of the same session only: a new
                   // login (or a connection that does not resume) starts with none.
                   if (!last_seq || a->token_id != token) {
                       a->supervisor_stream = false;
                       a->queue_stream = false;
                   }
                   a->token_id = token;
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
                                          if (last_seq)
                                              missed = a->outbox.since(*last_seq, complete);
                                          if (!last_seq || !complete) {
                                              // Only what came after attaching: the rest is
                                              // lost to this client (resume_gap).
                                              bool ignored = true;
                                              missed = a->outbox.since(attached_at, ignored);
                                          }
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

void ConsoleHub::Impl::detach(const ClientPtr& c) {
    c->closed = true;
    if (c->auth_timer) {
        // The timer's own strand-less completion may race with this; cancel() is idempotent
        // and the handler checks `closed`.
        auto timer = c->auth_timer;
        asio::post(ioc, [timer] { timer->cancel(); });
    }
    auto a = c->agent;
    if (!a) return;
    auto self = shared_from_this();
    asio::post(
        a->strand, guard("detach", [self, a, c] {
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
                    spdlog::info(
                        "console: {} did not come back within {} ms; their work is "
                        "handed back to the engine",
                        a->name, self->options.grace.count());
                    self->deps.engine.submit(routing::AgentLost{a->name}, nullptr);
                })));
        }));
}

void ConsoleHub::Impl::revoke(const std::string& name, const std::string& token_id) {
    auto a = knownAgent(name);
    if (!a) return;
    asio::post(a->strand, guard("revoke", [a, token_id] {
                   auto c = a->client;
                   if (!c || !c->principal) return;
                   if (!token_id.empty() && c->principal->token_id != token_id) return;
                   c->refused = true;
                   c->authenticated = false;
                   spdlog::info("console: closing {}'s connection: their session ended", a->name);
                   c->connection->close(4001, "the session ended; log in again");
               }));
}

void ConsoleHub::Impl::stop() {
    if (stopped.exchange(true)) return;
    auto self = shared_from_this();
    asio::post(board_strand, guard("stop", [self] { self->board_timer.cancel(); }));
    std::lock_guard lock(agents_mutex);
    for (const auto& entry : agents) {
        // Not a structured binding: C++17 lambdas cannot capture one (clang refuses it).
        const auto& a = entry.second;
        asio::post(a->strand, guard("stop", [a] {
                       ++a->epoch;
                       a->grace_timer.cancel();
                       if (a->client) a->client->connection->close(1001, "ccd is shutting down");
                       a->client.reset();
                       a->online = false;
                   }));
    }
}

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
    std::shared_ptr<MaskingConnection> masking;
    if (impl_->deps.mask_pii) {
        masking = std::make_shared<MaskingConnection>(std::move(connection));
        connection = masking;
    }
    auto c = std::make_shared<Client>(std::move(connection), std::move(masking));
    if (principal) {
        impl_->attach(c, *principal, last_seq);
        return c;
    }
    c->auth_timer = std::make_shared<asio::steady_timer>(impl_->ioc, impl_->options.auth_timeout);
    std::weak_ptr<Client> weak = c;
    c->auth_timer->async_wait(guard("auth timeout", [weak](const boost::system::error_code& ec) {
        auto c = weak.lock();
        if (!ec && c && !c->authenticated && !c->closed)
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

void ConsoleHub::revoke(const std::string& name, const std::string& token_id) {
    try {
        impl_->revoke(name, token_id);
    } catch (const std::exception& e) {
        spdlog::error("console: revoke: {}", e.what());
    }
}

void ConsoleHub::disconnected(const std::shared_ptr<Client>& client) {
    try {
        impl_->detach(client);
    } catch (const std::exception& e) {
        spdlog::error("console: disconnect: {}", e.what());
    }
}

void ConsoleHub::customerTyping(const std::string& agent, std::int64_t conversation_id) {
    auto a = impl_->knownAgent(agent);
    if (!a) return;
    impl_->deliver(a,
                   dumpJson(json{{"type", "customer_typing"}, {"conversation_id", conversation_id}}),
                   /*sequenced=*/false);
}

std::size_t ConsoleHub::connectedAgents() const {
    std::lock_guard lock(impl_->agents_mutex);
    std::size_t n = 0;
    for (const auto& [name, a] : impl_->agents) n += a->online ? 1 : 0;
    return n;
}

}  // namespace ccd::daemon::console
