// The only translation unit of the web chat that includes websocketpp (heavy to compile).
#include "daemon/webchat/webchat_server.hpp"

#include <algorithm>
#include <chrono>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>
#include <websocketpp/server.hpp>

#include "channels/webchat/webchat_channel.hpp"
#include "channels/common/url.hpp"
#include "daemon/http/router.hpp"
#include "daemon/log_text.hpp"
#include "daemon/webchat/chat_routes.hpp"
#include "daemon/webchat/webchat_hub.hpp"
#include "daemon/websocket_config.hpp"
#include "daemon/ws_peer.hpp"

namespace ccd::daemon::webchat {

namespace asio = boost::asio;
using Hdl = websocketpp::connection_hdl;
using WsServer = websocketpp::server<PlainWsConfig>;

namespace {

constexpr auto kPingInterval = std::chrono::seconds(25);

/// One customer's websocket for the hub: send() and close() post to the connection's strand.
class Connection final : public WebchatConnection,
                         public WsPeer<PlainWsConfig>,
                         public std::enable_shared_from_this<Connection> {
public:
    explicit Connection(WsServer::connection_ptr c) : WsPeer(std::move(c), "webchat") {}

    void send(std::string frame) override {
        if (closing_) return;
        post([self = shared_from_this(), frame = std::move(frame)] {
            // A customer who does not read: closed rather than buffered without end.
            if (self->con_->get_buffered_amount() > 1024 * 1024) {
                websocketpp::lib::error_code ec;
                self->con_->close(websocketpp::close::status::policy_violation,
                                  "too many unread frames", ec);
                return;
            }
            websocketpp::lib::error_code ec = self->con_->send(frame, websocketpp::frame::opcode::text);
            if (ec) spdlog::debug("webchat: send: {}", ec.message());
        });
    }
    void close(int code, std::string reason) override { closeWith(code, std::move(reason)); }

    std::shared_ptr<WebchatHub::Client> client;
    std::string address;
};

/// One instance's listener.
struct Listener : std::enable_shared_from_this<Listener> {
    Listener(asio::io_context& io, std::string n, channels::webchat::WebchatSettings s,
             std::shared_ptr<WebchatHub> h, std::vector<config::IpNetwork> trusted)
        : ioc(io),
          name(std::move(n)),
          settings(std::move(s)),
          hub(std::move(h)),
          trusted_proxies(std::move(trusted)),
          strand(asio::make_strand(io)),
          ping_timer(strand),
          retry_timer(strand) {}

    asio::io_context& ioc;
    std::string name;
    channels::webchat::WebchatSettings settings;
    std::shared_ptr<WebchatHub> hub;
    std::vector<config::IpNetwork> trusted_proxies;
    WsServer server;
    // The ping timer's strand: its handler re-arms it there, and stop() cancels it there (a
    // timer is not safe to use from two threads at once).
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer ping_timer;
    asio::steady_timer retry_timer;  // on strand: the next accept after a failed one
    // The acceptor is not safe to use from two threads at once: an accept is started (on the
    // io thread of the last accept's completion) and the listener stopped (by a reload or at
    // shutdown, on another thread) under this mutex, never at the same time. websocketpp's own
    // accept loop (start_accept) restarted the accept from its completion handler with no
    // such guard, and a stop at that moment crashed in the reactor.
    std::mutex accept_mutex;
    std::atomic<std::uint16_t> bound_port{0};
    std::atomic<bool> stopped{false};
    mutable std::mutex mutex;
    std::map<Hdl, std::shared_ptr<Connection>, std::owner_less<Hdl>> connections;
    std::unordered_map<std::string, std::size_t> per_address;

    std::shared_ptr<Connection> find(Hdl h) {
        std::lock_guard lock(mutex);
        auto it = connections.find(h);
        return it == connections.end() ? nullptr : it->second;
    }

    bool validate(Hdl h) {
        auto con = server.get_con_from_hdl(h);
        const auto& origin = con->get_request_header("Origin");
        if (!origin.empty()) {
            bool allowed = false;
            for (const auto& o : settings.allowed_origins) allowed = allowed || o == origin;
            if (!allowed) {
                spdlog::warn("webchat {}: refused a websocket from origin {}", name, forLog(origin));
                con->set_status(websocketpp::http::status_code::forbidden);
                return false;
            }
        }
        boost::system::error_code ec;
        auto remote = con->get_raw_socket().remote_endpoint(ec);
        std::string address = ec ? std::string() : remote.address().to_string();
        // Through a trusted proxy (a load balancer): the client it names.
        if (!address.empty() && config::inAny(trusted_proxies, address)) {
            const auto& forwarded = con->get_request_header("X-Forwarded-For");
            std::vector<std::string_view> headers;
            if (!forwarded.empty()) headers.emplace_back(forwarded);
            address = config::clientAddress(address, headers, trusted_proxies);
        }
        auto ws = std::make_shared<Connection>(con);
        ws->address = address;
        std::lock_guard lock(mutex);
        auto& n = per_address[address];
        if (stopped || connections.size() >= settings.max_connections ||
            n >= settings.max_connections_per_address) {
            if (n == 0) per_address.erase(address);
            con->set_status(websocketpp::http::status_code::service_unavailable);
            return false;
        }
        ++n;
        connections[h] = std::move(ws);
        return true;
    }

    void opened(Hdl h) {
        if (auto ws = find(h)) ws->client = hub->connected(ws, ws->address);
    }

    void message(Hdl h, const WsServer::message_ptr& msg) {
        auto ws = find(h);
        if (!ws || !ws->client || ws->closing()) return;
        if (msg->get_opcode() != websocketpp::frame::opcode::text) {
            ws->close(1003, "frames are JSON text");
            return;
        }
        hub->received(ws->client, msg->get_payload());
    }

    void closed(Hdl h) {
        std::shared_ptr<Connection> ws;
        {
            std::lock_guard lock(mutex);
            auto it = connections.find(h);
            if (it == connections.end()) return;
            ws = std::move(it->second);
            connections.erase(it);
            auto pa = per_address.find(ws->address);
            if (pa != per_address.end() && --pa->second == 0) per_address.erase(pa);
        }
        auto client = std::move(ws->client);  // the two point at each other
        if (client) hub->disconnected(client);
    }

    void acceptNext() {
        std::lock_guard lock(accept_mutex);
        if (stopped || !server.is_listening()) return;
        auto con = server.get_connection();
        if (!con) return retryAccept("the connection could not be created");
        std::weak_ptr<Listener> weak = shared_from_this();
        websocketpp::lib::error_code ec;
        server.async_accept(
            websocketpp::lib::static_pointer_cast<WsServer::transport_con_type>(con),
            [weak, con](const websocketpp::lib::error_code& aec) {
                auto self = weak.lock();
                if (!self) return;
                try {
                    self->accepted(con, aec);
                } catch (const std::exception& e) {
                    spdlog::warn("webchat {}: accept: {}", self->name, e.what());
                }
            },
            ec);
        if (ec) spdlog::warn("webchat {}: accept not started: {}", name, ec.message());
    }

    // On the accepted connection's strand. A connection whose accept failed was never
    // started: dropping it is enough.
    void accepted(const WsServer::connection_ptr& con, const websocketpp::lib::error_code& ec) {
        if (ec) {
            if (stopped || ec == websocketpp::error::operation_canceled) return;
            return retryAccept(ec.message());
        }
        con->start();
        acceptNext();
    }

    // An accept that failed at once (descriptors running out) would fail again at once: the
    // next one waits a tenth of a second, and the open connections are served meanwhile.
    void retryAccept(const std::string& why) {
        spdlog::warn("webchat {}: accept failed: {}; accepting again in 100 ms", name, why);
        asio::post(strand, [self = shared_from_this()] {
            if (self->stopped) return;
            self->retry_timer.expires_after(std::chrono::milliseconds(100));
            self->retry_timer.async_wait([self](const boost::system::error_code& wec) {
                if (wec || self->stopped) return;
                self->acceptNext();
            });
        });
    }

    void armPing() {
        if (stopped) return;
        ping_timer.expires_after(kPingInterval);
        ping_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            std::vector<std::shared_ptr<Connection>> all;
            {
                std::lock_guard lock(self->mutex);
                for (const auto& [h, ws] : self->connections) all.push_back(ws);
            }
            for (const auto& ws : all) ws->ping();
            self->armPing();
        });
    }

    template <class F>
    static auto guard(std::weak_ptr<Listener> weak, const char* what, F f) {
        return [weak, what, f](auto&&... args) {
            try {
                if (auto self = weak.lock()) return f(*self, args...);
            } catch (const std::exception& e) {
                spdlog::warn("webchat: {}: {}", what, e.what());
            }
            using R = decltype(f(std::declval<Listener&>(), args...));
            if constexpr (!std::is_void_v<R>) return R{};
        };
    }

    void start() {
        server.clear_access_channels(websocketpp::log::alevel::all);
        server.clear_error_channels(websocketpp::log::elevel::all);
        server.init_asio(&ioc);
        server.set_reuse_addr(true);
        // A larger frame closes the connection with 1009 (message too big).
        server.set_max_message_size(settings.max_frame_bytes);
        server.set_pong_timeout(10000);
        std::weak_ptr<Listener> weak = shared_from_this();
        server.set_socket_init_handler([](Hdl, auto& socket) {
            boost::system::error_code ignored;
            socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        });
        server.set_validate_handler(
            guard(weak, "upgrade", [](Listener& l, Hdl h) { return l.validate(h); }));
        server.set_open_handler(guard(weak, "open", [](Listener& l, Hdl h) { l.opened(h); }));
        server.set_message_handler(guard(
            weak, "message", [](Listener& l, Hdl h, WsServer::message_ptr m) { l.message(h, m); }));
        auto closed = guard(weak, "close", [](Listener& l, Hdl h) { l.closed(h); });
        server.set_close_handler(closed);
        server.set_fail_handler(closed);
        boost::system::error_code ec;
        websocketpp::lib::error_code wec;
        auto address = asio::ip::make_address(settings.host, ec);
        if (!ec) server.listen(asio::ip::tcp::endpoint(address, settings.port), wec);
        if (ec || wec)
            throw std::runtime_error("webchat " + name + ": cannot listen on " + settings.host +
                                     ":" + std::to_string(settings.port) + ": " +
                                     (ec ? ec.message() : wec.message()));
        auto local = server.get_local_endpoint(ec);
        bound_port = ec ? settings.port : local.port();
        acceptNext();
        armPing();
        spdlog::info("webchat {}: listening on ws://{}:{}/", name, settings.host, bound_port.load());
    }

    void stop() {
        if (stopped.exchange(true)) return;
        asio::post(strand, [self = shared_from_this()] {
            self->ping_timer.cancel();
            self->retry_timer.cancel();
        });
        {
            std::lock_guard lock(accept_mutex);
            websocketpp::lib::error_code wec;
            if (server.is_listening()) server.stop_listening(wec);
        }
        std::vector<std::shared_ptr<Connection>> all;
        {
            std::lock_guard lock(mutex);
            for (const auto& [h, ws] : connections) all.push_back(ws);
        }
        for (const auto& ws : all) ws->close(1001, "ccd is shutting down");
    }

    std::size_t open() const {
        std::lock_guard lock(mutex);
        return connections.size();
    }
};

class Runtime final : public WebchatRuntime {
public:
    Runtime(const channels::ChannelSet& set, WebchatServices s) : services_(std::move(s)) {
        addChatRoutes(
            services_.router, services_.files_dir,
            [this](const std::string& name) { return widgetSettings(name); },
            [this](const std::string& name, http::RoutedRequest&& req, http::Responder r) {
                upload(name, std::move(req), std::move(r));
            });
        // One engine listener for every hub there is, then and after reloads (the engine takes
        // listeners before it starts only).
        if (services_.engine)
            services_.engine->addListener([hubs = hubs_](const EngineHost::Notification& n) {
                for (const auto& hub : hubs->all()) hub->onEngine(n);
            });
        for (const auto& inst : set.all()) {
            if (inst->type() == "webchat") add(*inst);
        }
    }
    ~Runtime() override { stop(); }

    void start() override {
        std::lock_guard lock(mutex_);
        started_ = true;
        for (auto& l : listeners_) {
            l->hub->load();
            l->start();
        }
    }
    void stop() override {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (auto& l : listeners_) l->stop();
    }
    std::size_t openConnections() const override {
        std::size_t n = 0;
        for (const auto& l : all(true)) n += l->open();
        return n;
    }
    std::size_t maxConnections() const override {
        std::size_t n = 0;
        for (const auto& l : all()) n += l->settings.max_connections;
        return n;
    }
    std::uint16_t port(const std::string& instance) const override {
        auto l = find(instance);
        return l ? l->bound_port.load() : 0;
    }
    void agentTyping(std::int64_t conversation_id) override {
        for (auto& l : all()) l->hub->agentTyping(conversation_id);
    }

    // Instances the reload added get a hub and a listener; removed ones stop (their customers
    // are closed with 1001, their sessions stay in the store for a later return). A changed
    // instance keeps its listener and settings until the next start.
    void sync(const channels::ChannelSet& set) override {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        std::vector<std::shared_ptr<Listener>> kept;
        for (auto& l : listeners_) {
            auto inst = set.find(l->name);
            if (inst && inst->type() == "webchat") {
                kept.push_back(l);
                continue;
            }
            spdlog::info("webchat {}: removed by the reload; its listener stops", l->name);
            l->stop();
            retired_.push_back(l);
            hubs_->remove(l->hub);
        }
        listeners_ = std::move(kept);
        for (const auto& inst : set.all()) {
            if (inst->type() != "webchat" || findLocked(inst->name())) continue;
            auto l = add(*inst);
            if (!started_) continue;
            try {
                l->hub->load();
                l->start();
            } catch (const std::exception& e) {
                spdlog::error("reload: {}; the instance has no listener", e.what());
                l->stop();
                listeners_.pop_back();
                hubs_->remove(l->hub);
            }
        }
    }

    // POST (and its preflight) /chat/upload/{instance}?id=<client id>&name=<file name>, with
    // Authorization: Bearer <session token>.
    void upload(const std::string& name, http::RoutedRequest&& req, http::Responder r) {
        using channels::WebResponse;
        auto l = find(name);
        if (!l) return r.send(WebResponse::error(404, "not_found", "no web chat instance " + name));
        std::string origin(req.http.header("Origin"));
        const auto& allowed = l->settings.allowed_origins;
        bool cors = !origin.empty() && std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
        auto withCors = [cors, origin](WebResponse res) {
            if (cors) {
                res.headers.emplace_back("Access-Control-Allow-Origin", origin);
                res.headers.emplace_back("Vary", "Origin");
            }
            return res;
        };
        if (req.http.method == "OPTIONS") {
            WebResponse res;
            res.status = 204;
            res.content_type.clear();
            res.headers.emplace_back("Access-Control-Allow-Methods", "POST");
            res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
            res.headers.emplace_back("Access-Control-Max-Age", "600");
            return r.send(withCors(std::move(res)));
        }
        auto query = channels::parseQuery(req.http.query());
        auto id = query ? channels::queryValue(*query, "id") : std::nullopt;
        auto file = query ? channels::queryValue(*query, "name") : std::nullopt;
        std::string_view auth = req.http.header("Authorization");
        std::string token = auth.size() > 7 && auth.substr(0, 7) == "Bearer " ? std::string(auth.substr(7))
                                                                             : std::string();
        channels::WebRequest request;
        request.remote_address = req.http.remote_address;
        request.headers.emplace_back("Content-Type", std::string(req.http.header("Content-Type")));
        request.headers.emplace_back(std::string(channels::webchat::kFileNameHeader),
                                     channels::percentEncode(file.value_or("")));
        request.body = std::move(req.http.body);
        l->hub->upload(token, id.value_or(""), std::move(request),
                       [r, withCors](WebResponse res) { r.send(withCors(std::move(res))); });
    }

    // An instance whose listener is not bound (not started, or it failed to bind): not offered.
    std::optional<nlohmann::json> widgetSettings(const std::string& name) const {
        auto l = find(name);
        if (!l || !l->bound_port) return std::nullopt;
        return nlohmann::json{{"instance", name},
                              {"websocket_port", l->bound_port.load()},
                              {"websocket_path", "/"},
                              {"order_field", l->settings.order_field},
                              {"order_required", l->settings.order_required},
                              // transcripts and answers by email are offered
                              {"email", !l->settings.email_instance.empty() &&
                                            services_.email_templates != nullptr}};
    }

private:
    /// The hubs the engine's notifications go to; shared with the engine's listener, which may
    /// outlive the runtime.
    class Hubs {
    public:
        std::vector<std::shared_ptr<WebchatHub>> all() const {
            std::lock_guard lock(mutex_);
            return hubs_;
        }
        void add(std::shared_ptr<WebchatHub> hub) {
            std::lock_guard lock(mutex_);
            hubs_.push_back(std::move(hub));
        }
        void remove(const std::shared_ptr<WebchatHub>& hub) {
            std::lock_guard lock(mutex_);
            hubs_.erase(std::remove(hubs_.begin(), hubs_.end(), hub), hubs_.end());
        }

    private:
        mutable std::mutex mutex_;
        std::vector<std::shared_ptr<WebchatHub>> hubs_;
    };

    // Under mutex_ (or in the constructor).
    std::shared_ptr<Listener> add(const channels::ChannelInstance& inst) {
        const auto& settings =
            static_cast<const channels::webchat::WebchatSettings&>(*inst.settings);
        auto hub = WebchatHub::create(inst.name(), settings,
                                      {services_.store, services_.intake, services_.channels,
                                       services_.customer_typing, services_.email_templates});
        hubs_->add(hub);
        listeners_.push_back(std::make_shared<Listener>(services_.ioc, inst.name(), settings, hub,
                                                        services_.trusted_proxies));
        return listeners_.back();
    }
    std::shared_ptr<Listener> findLocked(const std::string& name) const {
        for (const auto& l : listeners_)
            if (l->name == name) return l;
        return nullptr;
    }
    std::shared_ptr<Listener> find(const std::string& name) const {
        std::lock_guard lock(mutex_);
        return findLocked(name);
    }
    // The listeners in force; with `retired`, also those a reload removed (still closing).
    std::vector<std::shared_ptr<Listener>> all(bool retired = false) const {
        std::lock_guard lock(mutex_);
        auto out = listeners_;
        if (retired) out.insert(out.end(), retired_.begin(), retired_.end());
        return out;
    }

    WebchatServices services_;
    std::shared_ptr<Hubs> hubs_ = std::make_shared<Hubs>();
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Listener>> listeners_;
    std::vector<std::shared_ptr<Listener>> retired_;  // removed by a reload
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace

std::unique_ptr<WebchatRuntime> addWebchat(const channels::ChannelSet& channels,
                                           WebchatServices services) {
    return std::make_unique<Runtime>(channels, std::move(services));
}

}  // namespace ccd::daemon::webchat
