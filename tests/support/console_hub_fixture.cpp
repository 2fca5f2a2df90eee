#include "tests/support/console_hub_fixture.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/test/unit_test.hpp>

namespace ccd::testing::hub {

using namespace ccd::daemon::console;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// ---- FakeStore ----

void FakeStore::ingest(routing::InboundMessage, IngestCallback done) {
    done(store::StoreResult<store::IngestResult>::fail("not in this test"));
}

void FakeStore::appendOutbound(store::OutboundMessage m,
                               std::function<void(store::StoreResult<std::int64_t>)> done) {
    // Callbacks run without the lock, as the real store's do: they may queue more work.
    std::string failure;
    std::int64_t id = 0;
    {
        std::lock_guard lock(mutex);
        failure = fail_with;
        if (failure.empty()) {
            outbound.push_back(m);
            id = static_cast<std::int64_t>(outbound.size());
        }
    }
    if (!failure.empty()) return done(store::StoreResult<std::int64_t>::fail(failure));
    done(store::StoreResult<std::int64_t>::ok(id));
}

void FakeStore::appendEvents(std::vector<store::EventRecord> e,
                             std::function<void(store::StoreResult<bool>)> done) {
    std::string failure;
    {
        std::lock_guard lock(mutex);
        failure = fail_with;
        if (failure.empty()) events.insert(events.end(), e.begin(), e.end());
    }
    if (!done) return;
    done(failure.empty() ? store::StoreResult<bool>::ok(true)
                         : store::StoreResult<bool>::fail(failure));
}

void FakeStore::getConversation(std::int64_t id, ConversationCallback done) {
    std::string failure;
    {
        std::lock_guard lock(mutex);
        failure = fail_with;
    }
    if (!failure.empty())
        return done(store::StoreResult<std::optional<store::ConversationRecord>>::fail(failure));
    store::ConversationRecord r;
    r.id = id;
    r.channel = "api";
    r.status = "open";
    r.contact.id = 7;
    r.contact.name = "Ann";
    r.contact.tier = "gold";
    store::MessageRecord m;
    m.id = 1;
    m.direction = "in";
    m.channel = "api";
    m.author = "c1";
    m.text = "my printer is broken";
    m.created_at_ms = 1700000000000;
    r.messages.push_back(m);
    done(store::StoreResult<std::optional<store::ConversationRecord>>::ok(r));
}

void FakeStore::putContact(store::ContactUpdate,
                           std::function<void(store::StoreResult<store::ContactPutResult>)> done) {
    done(store::StoreResult<store::ContactPutResult>::fail("not in this test"));
}

void FakeStore::putContacts(std::vector<store::ContactUpdate>,
                            std::function<void(store::StoreResult<std::size_t>)> done) {
    done(store::StoreResult<std::size_t>::fail("not in this test"));
}

void FakeStore::getContact(
    std::string,
    std::function<void(store::StoreResult<std::optional<store::ContactDetails>>)> done) {
    done(store::StoreResult<std::optional<store::ContactDetails>>::fail("not in this test"));
}

void FakeStore::getContactHistory(
    store::ContactHistoryQuery q,
    std::function<void(store::StoreResult<std::optional<store::ContactHistory>>)> done) {
    using Result = store::StoreResult<std::optional<store::ContactHistory>>;
    if (q.key || q.contact_id != 7) return done(Result::ok(std::nullopt));
    store::ContactHistory h;
    h.contact_id = 7;
    store::HistoryConversation earlier;
    earlier.id = 3;
    earlier.channel = "email";
    earlier.channel_instance = "email";
    earlier.status = "closed";
    earlier.created_at_ms = 1690000000000;
    earlier.category = "complaint";
    earlier.subtype = "staff";
    earlier.complaint = true;
    earlier.rating = 2;
    earlier.subject = "the toner leaks";
    if (q.exclude_conversation != earlier.id) {
        h.conversations.push_back(earlier);
        h.conversations_total = h.complaints = h.ratings = 1;
        h.rating_sum = 2;
    }
    done(Result::ok(std::move(h)));
}

void FakeStore::applyRouting(store::RoutingUpdate,
                             std::function<void(store::StoreResult<store::RoutingApplied>)> done) {
    done(store::StoreResult<store::RoutingApplied>::fail("not in this test"));
}

void FakeStore::loadRouting(std::function<void(store::StoreResult<store::RoutingRecovery>)> done) {
    done(store::StoreResult<store::RoutingRecovery>::fail("not in this test"));
}

void FakeStore::ingestBatch(store::InboundBatch,
                            std::function<void(store::StoreResult<store::BatchIngested>)> done) {
    done(store::StoreResult<store::BatchIngested>::fail("not in this test"));
}

void FakeStore::claimOutbox(std::string, std::size_t, std::int64_t,
                            std::function<void(store::StoreResult<store::OutboxClaim>)> done) {
    done(store::StoreResult<store::OutboxClaim>::fail("not in this test"));
}

void FakeStore::completeOutbox(
    std::vector<store::OutboxResult>,
    std::function<void(store::StoreResult<std::vector<store::DeliveryChange>>)> done) {
    done(store::StoreResult<std::vector<store::DeliveryChange>>::fail("not in this test"));
}

void FakeStore::resumeOutbox(std::function<void(store::StoreResult<std::size_t>)> done) {
    done(store::StoreResult<std::size_t>::fail("not in this test"));
}

void FakeStore::outboxCounts(
    std::function<void(store::StoreResult<std::map<std::string, store::OutboxCounts>>)> done) {
    done(store::StoreResult<std::map<std::string, store::OutboxCounts>>::fail("not in this test"));
}

void FakeStore::deliveryTarget(
    std::int64_t,
    std::function<void(store::StoreResult<std::optional<store::DeliveryTarget>>)> done) {
    done(store::StoreResult<std::optional<store::DeliveryTarget>>::fail("not in this test"));
}

void FakeStore::getAttachment(
    std::int64_t, std::int64_t, std::size_t,
    std::function<void(store::StoreResult<std::optional<store::AttachmentFile>>)> done) {
    done(store::StoreResult<std::optional<store::AttachmentFile>>::fail("not in this test"));
}

void FakeStore::readChannelState(
    std::string, std::function<void(store::StoreResult<std::map<std::string, std::string>>)> done) {
    done(store::StoreResult<std::map<std::string, std::string>>::fail("not in this test"));
}

void FakeStore::loadApiKeys(
    std::function<void(store::StoreResult<std::vector<store::ApiKeyRecord>>)> done) {
    done(store::StoreResult<std::vector<store::ApiKeyRecord>>::fail("not in this test"));
}

void FakeStore::appendAudit(std::vector<store::AuditRecord> entries,
                            std::function<void(store::StoreResult<bool>)> done) {
    {
        std::lock_guard lock(mutex);
        for (auto& e : entries) audit.push_back(std::move(e));
    }
    if (done) done(store::StoreResult<bool>::ok(true));
}

void FakeStore::queryAudit(store::AuditQuery,
                           std::function<void(store::StoreResult<store::AuditPage>)> done) {
    done(store::StoreResult<store::AuditPage>::fail("not in this test"));
}

void FakeStore::eraseContact(
    std::string, store::AuditRecord,
    std::function<void(store::StoreResult<std::optional<store::ErasureResult>>)> done) {
    done(store::StoreResult<std::optional<store::ErasureResult>>::fail("not in this test"));
}

void FakeStore::exportContact(
    std::string,
    std::function<void(store::StoreResult<std::optional<store::ContactExport>>)> done) {
    done(store::StoreResult<std::optional<store::ContactExport>>::fail("not in this test"));
}

void FakeStore::runRetention(store::RetentionRequest,
                             std::function<void(store::StoreResult<store::RetentionReport>)> done) {
    done(store::StoreResult<store::RetentionReport>::fail("not in this test"));
}

// ---- FakeEngine ----

FakeEngine::FakeEngine(asio::io_context& ioc) : strand(asio::make_strand(ioc)) {}

void FakeEngine::submit(routing::Event event, SubmitDone done) {
    asio::post(strand, [this, event = std::move(event), done = std::move(done)] {
        Actions actions;
        {
            std::lock_guard lock(mutex);
            submitted.push_back(event);
            if (script) actions = script(event);
        }
        if (listener) listener(event, actions);
        if (done) done(true, actions);
        cv.notify_all();
    });
}

void FakeEngine::conversation(
    std::int64_t id, std::function<void(std::optional<routing::ConversationSnapshot>)> done) {
    asio::post(strand, [this, id, done = std::move(done)] {
        std::optional<routing::ConversationSnapshot> s;
        {
            std::lock_guard lock(mutex);
            if (auto it = holders.find(id); it != holders.end()) {
                s.emplace();
                s->id = id;
                s->category = "fault";
                s->subtype = "no_power";
                s->language = "en";
                s->priority = 2;
                s->queue = "general";
                if (!it->second.empty()) s->agent = it->second;
                s->stage = it->second.empty() ? "waiting" : "assigned";
            }
        }
        done(s);
    });
}

void FakeEngine::conversationsOf(std::string agent,
                                 std::function<void(std::vector<std::int64_t>)> done) {
    asio::post(strand, [this, agent, done = std::move(done)] {
        std::vector<std::int64_t> out;
        {
            std::lock_guard lock(mutex);
            for (const auto& [id, a] : holders) {
                if (a == agent) out.push_back(id);
            }
        }
        done(out);
    });
}

void FakeEngine::board(
    std::function<void(std::vector<routing::QueueStats>, std::vector<routing::AgentStats>)> done) {
    asio::post(strand, [done = std::move(done)] {
        done({{"general", 3, std::chrono::milliseconds(4200)}},
             {{"alice", routing::Presence::Available, 0.2, 1}});
    });
}

void FakeEngine::waiting(std::vector<std::string> agents, std::size_t limit,
                         std::function<void(std::vector<routing::QueueWaiting>,
                                            std::map<std::string, std::vector<std::string>>)>
                             done) {
    {
        std::lock_guard lock(mutex);
        waiting_calls.push_back(agents);
    }
    asio::post(strand, [agents = std::move(agents), limit, done = std::move(done)] {
        routing::QueueWaiting technical{"technical", 2, std::chrono::milliseconds(9000), {}};
        technical.first.push_back({41, 1, routing::ChannelKind::Email, "fault", "en",
                                   std::chrono::milliseconds(9000), "leak"});
        technical.first.push_back({42, 3, routing::ChannelKind::Api, "usage", "zh-Hans",
                                   std::chrono::milliseconds(1000), ""});
        if (technical.first.size() > limit) technical.first.resize(limit);
        routing::QueueWaiting billing{"billing", 0, std::chrono::milliseconds(0), {}};
        std::map<std::string, std::vector<std::string>> of;
        for (const auto& a : agents) {
            if (a == "alice")
                of[a] = {"technical"};
            else
                of[a] = {};
        }
        done({technical, billing}, of);
    });
}

void FakeEngine::emit(routing::Event event, Actions actions) {
    asio::post(strand, [this, event = std::move(event), actions = std::move(actions)] {
        if (listener) listener(event, actions);
    });
}

bool FakeEngine::waitFor(const std::function<bool(const routing::Event&)>& pred,
                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] {
        for (const auto& e : submitted) {
            if (pred(e)) return true;
        }
        return false;
    });
}

// ---- Client ----

struct Client::Connection {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws{ioc};
};

Client::Client(std::uint16_t port, std::string target, Headers headers, const std::string& source,
               bool small_buffer)
    : connection_(std::make_unique<Connection>()) {
    auto& ws = connection_->ws;
    auto& socket = beast::get_lowest_layer(ws).socket();
    socket.open(asio::ip::tcp::v4());
    if (!source.empty()) socket.bind({asio::ip::make_address(source), 0});
    if (small_buffer) socket.set_option(asio::socket_base::receive_buffer_size(4096));
    beast::error_code connect_ec;
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), connect_ec);
    if (connect_ec) return;
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& r) {
        for (const auto& [k, v] : headers) r.set(k, v);
    }));
    websocket::response_type res;
    beast::error_code ec;
    ws.handshake(res, "127.0.0.1", target, ec);
    status = res.result_int();
    open = !ec;
}

Client::~Client() = default;

void Client::send(const json& j) { connection_->ws.write(asio::buffer(j.dump())); }

bool Client::trySend(const json& j) {
    beast::error_code ec;
    connection_->ws.write(asio::buffer(j.dump()), ec);
    return !ec;
}

void Client::sendRaw(const std::string& s) { connection_->ws.write(asio::buffer(s)); }

std::optional<json> Client::read(std::chrono::milliseconds timeout) {
    auto& [ioc, ws] = *connection_;
    beast::flat_buffer buffer;
    std::optional<beast::error_code> result;
    ws.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
    ioc.restart();
    ioc.run_for(timeout);
    if (!result) {
        beast::get_lowest_layer(ws).cancel();
        ioc.restart();
        ioc.run();
        open = false;
        error = "timeout";
        return std::nullopt;
    }
    if (*result) {
        open = false;
        close_code = ws.reason().code;
        error = result->message();
        return std::nullopt;
    }
    return json::parse(beast::buffers_to_string(buffer.data()));
}

std::optional<json> Client::readType(const std::string& type) {
    for (int i = 0; i < 50; ++i) {
        auto f = read();
        if (!f) return std::nullopt;
        if ((*f)["type"] == type) return f;
        if ((*f)["type"] != "board") skipped.push_back(*f);
    }
    return std::nullopt;
}

void Client::close() {
    beast::error_code ec;
    connection_->ws.close(websocket::close_code::normal, ec);
}

int upgradeStatus(std::uint16_t port, Client::Headers headers) {
    namespace http = beast::http;
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, "/", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(http::field::sec_websocket_version, "13");
    for (const auto& [k, v] : headers) req.set(k, v);
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(socket, buffer, res, ec);
    return res.result_int();
}

// ---- Console ----

Console::Console(std::chrono::milliseconds grace, std::size_t max_frame,
                 const std::function<void(ConsoleServerOptions&)>& tweak)
    : work(asio::make_work_guard(ioc)), engine(ioc) {
    ConsoleHubOptions o;
    o.grace = grace;
    o.board_interval = std::chrono::milliseconds(300);
    o.auth_timeout = std::chrono::seconds(2);
    hub = ConsoleHub::create(
        ioc,
        ConsoleHubDeps{
            engine, store,
            [](std::string_view token) -> std::optional<Principal> {
                if (token == "alice-token") return Principal{"alice", Role::Agent, "a"};
                if (token == "bob-token") return Principal{"bob", Role::Agent, "b"};
                if (token == "sam-token") return Principal{"sam", Role::Supervisor, "s"};
                return std::nullopt;
            },
            [this](const std::string& name) -> std::optional<routing::Agent> {
                return profile ? profile(name) : std::nullopt;
            },
            [](std::int64_t, const std::string& tpl, const std::map<std::string, std::string>& vars,
               const std::string&) -> RenderedReply {
                if (tpl != "greeting") return {std::nullopt, "no template " + tpl};
                auto it = vars.find("name");
                return {"Hello " + (it == vars.end() ? "" : it->second), ""};
            },
            nullptr, nullptr, &audit},
        o);
    engine.listener = [h = hub](const routing::Event& e, const Actions& a) {
        h->onEngineActions(e, a);
    };
    ConsoleServerOptions so;
    so.listen = {"127.0.0.1", 0};
    so.allowed_origins = {"http://127.0.0.1:8080"};
    so.max_frame_bytes = max_frame;
    if (tweak) tweak(so);
    server = std::make_unique<ConsoleServer>(ioc, hub, so);
    server->start();
    hub->start();
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
}

Console::~Console() {
    server->stop();
    hub->stop();
    // Let the closing handshakes finish and the cancelled accept complete, as the daemon
    // does before it stops its threads: a connection object still in flight when the
    // io_context stops is never freed (LeakSanitizer reported the pending accept's).
    for (int i = 0; i < 500 && !server->idle(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // Then let the io_context run out of work by itself (what the hub and the server
    // posted while closing runs), and stop it only if that takes too long.
    work.reset();
    for (int i = 0; i < 500 && !ioc.stopped(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ioc.stop();
    for (auto& t : threads) t.join();
}

std::unique_ptr<Client> Console::agent(const std::string& token, const std::string& target) {
    auto c = std::make_unique<Client>(
        server->port(), target,
        std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + token}});
    BOOST_REQUIRE(c->open);
    auto hello = c->readType("hello");
    BOOST_REQUIRE(hello);
    c->skipped.push_back(*hello);
    return c;
}

routing::OfferMade offer(std::int64_t conv, const std::string& agent) {
    return {conv, agent, "general", 2, routing::Clock::now() + std::chrono::seconds(30)};
}

routing::MessageReceived customerMessage(std::int64_t conv, const std::string& text) {
    routing::MessageReceived m;
    m.conversation_id = conv;
    m.message_id = 99;
    m.message.text = text;
    m.message.from.id = "c1";
    m.message.received_at = routing::Clock::now();
    return m;
}

Actions script(FakeEngine& engine, const routing::Event& e) {
    if (const auto* a = std::get_if<routing::OfferAnswered>(&e)) {
        if (a->conversation_id == 404)
            return {routing::Rejected{404, a->agent, "not_found", "no such"}};
        if (!a->accepted) return {routing::OfferRevoked{a->conversation_id, a->agent, "declined"}};
        engine.holders[a->conversation_id] = a->agent;
        return {routing::Assigned{a->conversation_id, a->agent}};
    }
    if (const auto* r = std::get_if<routing::ResolveRequested>(&e)) {
        engine.holders.erase(r->conversation_id);
        return {routing::ConversationResolved{r->conversation_id, r->agent, r->disposition}};
    }
    if (const auto* t = std::get_if<routing::TransferRequested>(&e)) {
        engine.holders[t->conversation_id] = "";
        return {
            routing::Queued{t->conversation_id, t->to_queue.value_or("general"), 2, 1, "transfer"}};
    }
    return {};
}

}  // namespace ccd::testing::hub
