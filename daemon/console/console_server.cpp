// The only translation unit that includes websocketpp (it is heavy to compile). The listener is
// a template over websocketpp's configuration, instantiated here twice: ws:// (asio) and wss://
// (asio_tls, when the console has a certificate).
#include "daemon/console/console_server.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>
#include <websocketpp/server.hpp>

#include "daemon/console/console_protocol.hpp"
#include "daemon/console/upgrade_request.hpp"
#include "daemon/console/wss_config.hpp"
#include "daemon/console/ws_connection.hpp"
#include "daemon/http/accept_backoff.hpp"
#include "daemon/log_text.hpp"
#include "daemon/metrics.hpp"
#include "daemon/tls_context.hpp"
#include "daemon/websocket_config.hpp"

namespace ccd::daemon::console {

namespace asio = boost::asio;
using Hdl = websocketpp::connection_hdl;
using PlainConfig = PlainWsConfig;
using TlsConfig = TlsWsConfig;

/// What ConsoleServer asks of its listener, whichever configuration it is built on.
struct ConsoleServer::Impl {
    virtual ~Impl() = default;
    virtual void start() = 0;
    virtual std::uint16_t port() const = 0;
    virtual void stop() = 0;
    virtual std::size_t openConnections() const = 0;
    virtual std::uint64_t acceptFailures() const = 0;
    virtual bool idle() const = 0;
};

namespace {

template <class Cfg>
struct Listener final : ConsoleServer::Impl, std::enable_shared_from_this<Listener<Cfg>> {
    static constexpr bool kTls = std::is_same_v<Cfg, TlsConfig>;
    using WsServer = websocketpp::server<Cfg>;
    using WsConnection = console::WsConnection<Cfg>;
    using std::enable_shared_from_this<Listener<Cfg>>::shared_from_this;

    Listener(asio::io_context& io, std::shared_ptr<ConsoleHub> h, ConsoleServerOptions o)
        : ioc(io),
          hub(std::move(h)),
          options(std::move(o)),
          accept_strand(asio::make_strand(io)),
          ping_timer(accept_strand),
          retry_timer(accept_strand) {}

    // Connections whose close handler never ran (the io_context stopped first) still hold
    // their client, which holds them back.
    ~Listener() override {
        for (auto& [h, ws] : connections) ws->client.reset();
    }

    asio::io_context& ioc;
    std::shared_ptr<ConsoleHub> hub;
    ConsoleServerOptions options;
    WsServer server;
    asio::strand<asio::io_context::executor_type> accept_strand;
    // On accept_strand: its handler re-arms it there, and stop() cancels it there (a timer is
    // not safe to use from two threads at once).
    asio::steady_timer ping_timer;
    asio::steady_timer retry_timer;     // on accept_strand
    http::AcceptBackoff backoff;        // on accept_strand
    http::IntervalLog refusals{std::chrono::seconds(10)};  // under mutex
    std::atomic<std::uint64_t> accept_failures{0};
    std::atomic<std::uint16_t> bound_port{0};
    std::atomic<bool> stopped{false};

    mutable std::mutex mutex;
    std::map<Hdl, std::shared_ptr<WsConnection>, std::owner_less<Hdl>> connections;
    // Every accepted connection's address, until its close or fail handler runs, and how many
    // there are per address.
    std::map<Hdl, std::string, std::owner_less<Hdl>> accepted;
    std::unordered_map<std::string, std::size_t> per_address;
    bool accept_pending = false;  // an accept is in flight: its connection object is alive
    std::mutex accept_mutex;      // acceptNext()'s accept and stop()'s stop_listening
    // Every admitted connection until its object is gone: after its close handler a connection
    // still ends its transport (on the io threads), and must not be cut off by their stop.
    std::vector<Hdl> alive;

    // Our own accept loop instead of websocketpp's start_accept(), which retries a failed
    // accept at once: out of descriptors that spins a core. The loop also caps connections
    // per client address before any byte of theirs is read.
    void acceptNext() {
        // The acceptor is not safe to use from two threads at once: an accept is started here
        // (on the io thread of the last completion) and the listener stopped (stop(), on
        // another thread) under accept_mutex, never at the same time.
        std::lock_guard accept_lock(accept_mutex);
        if (stopped || !server.is_listening()) return;
        websocketpp::lib::error_code ec;
        auto con = server.get_connection();
        if (!con) {
            return asio::post(accept_strand, [self = shared_from_this()] {
                self->acceptFailed(websocketpp::error::make_error_code(
                    websocketpp::error::con_creation_failed));
            });
        }
        {
            std::lock_guard lock(mutex);
            accept_pending = true;
        }
        std::weak_ptr<Listener> weak = shared_from_this();
        server.async_accept(
            websocketpp::lib::static_pointer_cast<typename WsServer::transport_con_type>(con),
            [weak, con](const websocketpp::lib::error_code& aec) {
                auto self = weak.lock();
                if (!self) return;
                try {
                    self->onAccepted(con, aec);
                } catch (const std::exception& e) {
                    spdlog::warn("console: accept: {}", e.what());
                }
            },
            ec);
        if (ec) {
            std::lock_guard lock(mutex);
            accept_pending = false;
        }
    }

    void onAccepted(const typename WsServer::connection_ptr& con,
                    const websocketpp::lib::error_code& ec) {
        {
            std::lock_guard lock(mutex);
            accept_pending = false;
        }
        // A connection whose accept failed was never started: dropping it is enough.
        if (ec) {
            if (stopped || ec == websocketpp::error::operation_canceled) return;
            return asio::post(accept_strand, [self = shared_from_this(), ec] {
                self->acceptFailed(ec);
            });
        }
        asio::post(accept_strand, [self = shared_from_this()] { self->backoff.succeeded(); });
        boost::system::error_code remote_ec;
        auto& socket = con->get_raw_socket();
        auto remote = socket.remote_endpoint(remote_ec);
        std::string address = remote_ec ? std::string() : remote.address().to_string();
        if (!admit(con->get_handle(), address)) {
            boost::system::error_code ignored;
            socket.close(ignored);
        } else {
            con->start();
        }
        acceptNext();
    }

    // On accept_strand.
    void acceptFailed(const websocketpp::lib::error_code& ec) {
        accept_failures.fetch_add(1, std::memory_order_relaxed);
        // websocketpp hands on a generic transport error, not the errno: pause after every
        // failure (a client gone before its accept is rare; descriptors running out is not).
        auto d = backoff.failed(std::chrono::steady_clock::now(), /*resources=*/true);
        if (d.log)
            spdlog::warn("console: accept failed: {} ({} more since the last report); {}",
                         ec.message(), d.quiet,
                         d.pause.count()
                             ? "pausing accepts for " + std::to_string(d.pause.count()) +
                                   " ms, the open connections are served"
                             : std::string("accepting again"));
        if (d.pause.count() == 0) return acceptNext();
        retry_timer.expires_after(d.pause);
        retry_timer.async_wait([self = shared_from_this()](const boost::system::error_code& wec) {
            if (wec || self->stopped) return;
            self->acceptNext();
        });
    }

    bool admit(const Hdl& h, const std::string& address) {
        std::lock_guard lock(mutex);
        auto& n = per_address[address];
        bool ok = !stopped && accepted.size() < options.max_connections &&
                  (n < options.max_connections_per_address ||
                   config::inAny(options.trusted_proxies, address));
        if (!ok) {
            if (n == 0) per_address.erase(address);
            std::uint64_t quiet = 0;
            if (refusals.shouldLog(std::chrono::steady_clock::now(), quiet))
                spdlog::warn(
                    "console: refusing a connection from {}: {} open in all (limit {}), at most "
                    "{} from one address ({} more refused since the last report)",
                    forLog(address, 64), accepted.size(), options.max_connections,
                    options.max_connections_per_address, quiet);
            return false;
        }
        ++n;
        accepted[h] = address;
        alive.push_back(h);
        return true;
    }

    // Under mutex: the connection's place is free again.
    void releaseLocked(const Hdl& h) {
        auto it = accepted.find(h);
        if (it == accepted.end()) return;
        auto pa = per_address.find(it->second);
        if (pa != per_address.end() && --pa->second == 0) per_address.erase(pa);
        accepted.erase(it);
    }

    // A connection destroyed without its close or fail handler (websocketpp skips them for
    // a handshake cancelled at shutdown) gives its place back here.
    void sweepAccepted() {
        std::lock_guard lock(mutex);
        std::vector<Hdl> gone;
        for (const auto& [h, address] : accepted) {
            if (h.expired()) gone.push_back(h);
        }
        for (const auto& h : gone) releaseLocked(h);
        alive.erase(std::remove_if(alive.begin(), alive.end(),
                                   [](const Hdl& h) { return h.expired(); }),
                    alive.end());
    }

    std::shared_ptr<WsConnection> find(Hdl h) {
        std::lock_guard lock(mutex);
        auto it = connections.find(h);
        return it == connections.end() ? nullptr : it->second;
    }

    bool validate(Hdl h) {
        auto con = server.get_con_from_hdl(h);
        {
            std::lock_guard lock(mutex);
            if (stopped || connections.size() >= options.max_connections) {
                con->set_status(websocketpp::http::status_code::service_unavailable);
                return false;
            }
        }
        const auto& origin = con->get_request_header("Origin");
        if (!origin.empty()) {
            bool allowed = false;
            for (const auto& o : options.allowed_origins) allowed = allowed || o == origin;
            if (!allowed) {
                spdlog::warn("console: refused a websocket from origin {}", forLog(origin));
                con->set_status(websocketpp::http::status_code::forbidden);
                return false;
            }
        }
        auto ws = std::make_shared<WsConnection>(con, options);
        const auto& authorization = con->get_request_header("Authorization");
        if (!authorization.empty()) {
            auto token = bearerToken(authorization);
            ws->principal = token.empty() ? std::nullopt : hub->authenticate(token);
            if (!ws->principal) {
                con->set_status(websocketpp::http::status_code::unauthorized);
                return false;
            }
        }
        ws->last_seq = lastSeqOf(con->get_resource());
        std::lock_guard lock(mutex);
        connections[h] = std::move(ws);
        return true;
    }

    void opened(Hdl h) {
        auto ws = find(h);
        if (!ws) return;
        ws->client = hub->connected(ws, ws->principal, ws->last_seq);
    }

    void message(Hdl h, const typename WsServer::message_ptr& msg) {
        auto ws = find(h);
        if (!ws || !ws->client || ws->closing() || !ws->takeFrame()) return;
        if (msg->get_opcode() != websocketpp::frame::opcode::text) {
            ws->send(errorFrame("bad_request", "commands are JSON text frames"));
            return;
        }
        hub->received(ws->client, msg->get_payload());
    }

    void closed(Hdl h) {
        std::shared_ptr<WsConnection> ws;
        {
            std::lock_guard lock(mutex);
            releaseLocked(h);
            auto it = connections.find(h);
            if (it == connections.end()) return;
            ws = std::move(it->second);
            connections.erase(it);
        }
        // The connection and its client point at each other: drop the client's side here or
        // neither is ever freed.
        auto client = std::move(ws->client);
        if (client) hub->disconnected(client);
    }

    void armPing() {
        if (stopped) return;
        ping_timer.expires_after(options.ping_interval);
        ping_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            try {
                std::vector<std::shared_ptr<WsConnection>> all;
                {
                    std::lock_guard lock(self->mutex);
                    for (const auto& [h, ws] : self->connections) all.push_back(ws);
                }
                for (const auto& ws : all) ws->ping();
                self->sweepAccepted();
            } catch (const std::exception& e) {
                spdlog::warn("console: ping: {}", e.what());
            }
            self->armPing();
        });
    }
    // Handlers hold the listener weakly: it may go while websocketpp still holds them.
    void setup() {
        auto& s = server;
        s.clear_access_channels(websocketpp::log::alevel::all);
        s.clear_error_channels(websocketpp::log::elevel::all);
        s.init_asio(&ioc);
        s.set_reuse_addr(true);
        s.set_max_message_size(options.max_frame_bytes);
        s.set_pong_timeout(static_cast<long>(options.ping_interval.count()));
        std::weak_ptr<Listener> weak = shared_from_this();
        // Small frames go out at once: without TCP_NODELAY a frame sent while the previous one
        // is unacknowledged waits for the client's delayed ACK (up to 40 ms; measured by
        // tests/bench/console).
        s.set_socket_init_handler([](Hdl, auto& socket) {
            boost::system::error_code ignored;
            socket.lowest_layer().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        });
        // Each connection takes the context current at its accept: a renewed certificate
        // reaches new connections; open ones keep theirs. The handshake is bounded by
        // websocketpp's timeout_socket_post_init (5 s); a failed one ends in the fail handler,
        // which gives the connection's place back.
        if constexpr (kTls) {
            s.set_tls_init_handler([tls = options.tls](Hdl) { return tls->current(); });
        }
        s.set_validate_handler([weak](Hdl h) {
            try {
                auto self = weak.lock();
                return self && self->validate(h);
            } catch (const std::exception& e) {
                spdlog::warn("console: upgrade: {}", e.what());
                return false;
            }
        });
        s.set_open_handler([weak](Hdl h) {
            try {
                if (auto self = weak.lock()) self->opened(h);
            } catch (const std::exception& e) {
                spdlog::warn("console: open: {}", e.what());
            }
        });
        s.set_message_handler([weak](Hdl h, typename WsServer::message_ptr msg) {
            try {
                if (auto self = weak.lock()) self->message(h, msg);
            } catch (const std::exception& e) {
                spdlog::warn("console: message: {}", e.what());
            }
        });
        auto closed = [weak](Hdl h) {
            try {
                if (auto self = weak.lock()) self->closed(h);
            } catch (const std::exception& e) {
                spdlog::warn("console: close: {}", e.what());
            }
        };
        s.set_close_handler(closed);
        s.set_fail_handler(closed);
        s.set_pong_timeout_handler([weak](Hdl h, std::string) {
            try {
                auto self = weak.lock();
                if (!self) return;
                if (auto ws = self->find(h)) ws->close(1001, "no pong: the connection is dead");
            } catch (const std::exception& e) {
                spdlog::warn("console: pong timeout: {}", e.what());
            }
        });
    }

    void start() override {
        auto& a = options.listen;
        boost::system::error_code ec;
        websocketpp::lib::error_code wec;
        auto address = asio::ip::make_address(a.host, ec);
        if (!ec) server.listen(asio::ip::tcp::endpoint(address, a.port), wec);
        if (ec || wec)
            throw std::runtime_error("console: cannot listen on " + a.host + ":" +
                                     std::to_string(a.port) + ": " +
                                     (ec ? ec.message() : wec.message()));
        auto local = server.get_local_endpoint(ec);
        bound_port = ec ? a.port : local.port();
        acceptNext();
        armPing();
        spdlog::info("console: websocket listening on {}://{}:{}/", kTls ? "wss" : "ws", a.host,
                     port());
    }

    std::uint16_t port() const override { return bound_port; }

    void stop() override {
        if (stopped.exchange(true)) return;
        {
            std::lock_guard accept_lock(accept_mutex);
            websocketpp::lib::error_code wec;
            if (server.is_listening()) server.stop_listening(wec);
        }
        asio::post(accept_strand, [self = shared_from_this()] {
            self->ping_timer.cancel();
            self->retry_timer.cancel();
        });
        std::vector<std::shared_ptr<WsConnection>> all;
        {
            std::lock_guard lock(mutex);
            for (const auto& [h, ws] : connections) all.push_back(ws);
        }
        for (const auto& ws : all) ws->close(1001, "ccd is shutting down");
    }

    std::uint64_t acceptFailures() const override { return accept_failures.load(); }

    bool idle() const override {
        std::lock_guard lock(mutex);
        if (!stopped || !connections.empty() || accept_pending) return false;
        // Connections in their opening handshake or still ending after their close handler are
        // in flight too: `alive` holds every admitted one until its object is gone.
        return std::all_of(alive.begin(), alive.end(), [](const Hdl& h) { return h.expired(); });
    }

    std::size_t openConnections() const override {
        std::lock_guard lock(mutex);
        return connections.size();
    }
};

template <class Cfg>
std::shared_ptr<ConsoleServer::Impl> makeListener(asio::io_context& ioc,
                                                  std::shared_ptr<ConsoleHub> hub,
                                                  ConsoleServerOptions options) {
    auto l = std::make_shared<Listener<Cfg>>(ioc, std::move(hub), std::move(options));
    l->setup();
    return l;
}

}  // namespace

ConsoleServer::ConsoleServer(asio::io_context& ioc, std::shared_ptr<ConsoleHub> hub,
                             ConsoleServerOptions options)
    : impl_(options.tls ? makeListener<TlsConfig>(ioc, std::move(hub), std::move(options))
                        : makeListener<PlainConfig>(ioc, std::move(hub), std::move(options))) {}

ConsoleServer::~ConsoleServer() { stop(); }

void ConsoleServer::start() { impl_->start(); }
std::uint16_t ConsoleServer::port() const { return impl_->port(); }
void ConsoleServer::stop() { impl_->stop(); }
std::uint64_t ConsoleServer::acceptFailures() const { return impl_->acceptFailures(); }
bool ConsoleServer::idle() const { return impl_->idle(); }
std::size_t ConsoleServer::openConnections() const { return impl_->openConnections(); }

}  // namespace ccd::daemon::console
