#include "daemon/cluster/leader_relay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "daemon/outbox/http_client.hpp"

namespace ccd::daemon::cluster {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A relayed request may be a report or an export: give it time, and room for its answer.
constexpr std::chrono::seconds kRelayTimeout{120};
constexpr std::size_t kMaxAnswerBytes = 64 * 1024 * 1024;
// Marks a request a follower relayed.
constexpr const char* kRelayedHeader = "X-Ccd-Relayed";

// Hop-by-hop headers (RFC 9110 7.6.1) and those the client or the server sets itself.
bool hopByHop(std::string_view name) {
    for (const char* h : {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
                          "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                          "Host", "Content-Length", "Expect"})
        if (channels::equalsIgnoreCase(name, h)) return true;
    return false;
}

// Named by the Connection header: hop-by-hop too.
bool namedByConnection(std::string_view connection, std::string_view name) {
    while (!connection.empty()) {
        auto comma = connection.find(',');
        auto token = connection.substr(0, comma);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
        if (!token.empty() && channels::equalsIgnoreCase(token, name)) return true;
        if (comma == std::string_view::npos) break;
        connection.remove_prefix(comma + 1);
    }
    return false;
}

channels::WebResponse notLeader(const std::string& reason) {
    auto r = channels::WebResponse::error(503, "not_leader", reason);
    r.headers.emplace_back("Retry-After", "1");
    return r;
}

}  // namespace

bool servedByFollower(const channels::WebRequest& request) {
    auto path = request.path();
    if (path.rfind("/webhooks/", 0) == 0) return true;
    if (request.method == "POST" && path == "/v1/messages") return true;
    return request.method == "GET" &&
           (path == "/healthz" || path == "/healthz/leader" || path == "/metrics");
}

http::Handler httpRelay(outbox::HttpClient& client, LeaderLookup leader,
                        std::function<void()> unreachable) {
    return [&client, leader = std::move(leader), unreachable = std::move(unreachable)](
               http::RoutedRequest&& req, http::Responder r) {
        auto address = leader();
        if (!address)
            return r.send(notLeader(
                "this node follows and no leader has said where it is yet; try again"));
        auto& in = req.http;
        // Relayed once already: a follower never relays a relayed request again (a row that
        // still names a node that follows now would make a loop).
        if (in.hasHeader(kRelayedHeader))
            return r.send(notLeader("this node follows, and a relayed request is not relayed "
                                    "again; the leader's address is not known yet"));
        if (in.target.empty() || in.target.front() != '/')
            return r.send(channels::WebResponse::error(400, "bad_target",
                                                       "the request target must be a path"));
        channels::HttpCall call;
        call.method = in.method;
        call.url = address->httpBase() + in.target;
        call.max_answer_bytes = kMaxAnswerBytes;
        auto connection = in.header("Connection");
        std::string forwarded_for;
        for (auto& [name, value] : in.headers) {
            if (channels::equalsIgnoreCase(name, "X-Forwarded-For")) {
                forwarded_for += (forwarded_for.empty() ? "" : ", ") + value;
                continue;
            }
            if (hopByHop(name) || namedByConnection(connection, name)) continue;
            call.headers.emplace_back(name, value);
        }
        // The connection's peer: this node's own client, or a load balancer (its client is in
        // the X-Forwarded-For kept above).
        const std::string& peer = in.peer_address.empty() ? in.remote_address : in.peer_address;
        if (!peer.empty()) forwarded_for += (forwarded_for.empty() ? "" : ", ") + peer;
        if (!forwarded_for.empty()) call.headers.emplace_back("X-Forwarded-For", forwarded_for);
        call.headers.emplace_back(kRelayedHeader, "1");
        if (auto host = in.header("Host"); !host.empty())
            call.headers.emplace_back("X-Forwarded-Host", std::string(host));
        call.body = std::move(in.body);
        auto base = address->httpBase();
        client.submit(std::move(call), kRelayTimeout,
                      [r, base, unreachable](channels::HttpAnswer a) {
                          if (a.status == 0) {
                              spdlog::warn("relay: the leader at {} cannot be reached: {}", base,
                                           a.transport_error);
                              if (unreachable) unreachable();
                              return r.send(notLeader("this node follows, and the leader at " +
                                                      base + " cannot be reached: " +
                                                      a.transport_error));
                          }
                          if (!a.transport_error.empty())  // cut at the size limit
                              return r.send(channels::WebResponse::error(
                                  502, "bad_gateway",
                                  "the leader's answer could not be relayed: " +
                                      a.transport_error));
                          channels::WebResponse out;
                          out.status = a.status;
                          auto type = a.header("Content-Type");
                          out.content_type =
                              type.empty() ? "application/octet-stream" : std::string(type);
                          auto conn = a.header("Connection");
                          for (auto& [name, value] : a.headers) {
                              if (hopByHop(name) || namedByConnection(conn, name) ||
                                  channels::equalsIgnoreCase(name, "Content-Type") ||
                                  channels::equalsIgnoreCase(name, "Server") ||
                                  channels::equalsIgnoreCase(name, "Date") ||
                                  channels::equalsIgnoreCase(name, "Strict-Transport-Security"))
                                  continue;
                              out.headers.emplace_back(std::move(name), std::move(value));
                          }
                          out.body = std::move(a.body);
                          r.send(std::move(out));
                      });
    };
}

// The longest upgrade request whose head is read whole to add the client's address.
constexpr std::size_t kMaxRequestHead = 16 * 1024;

// Whether `head` (the first bytes a client sent) starts, or may still start, a GET request: a
// websocket upgrade in plain text. A TLS handshake (wss) starts with 0x16 and passes as it is.
bool mayBeUpgrade(std::string_view head) {
    constexpr std::string_view get = "GET ";
    return get.substr(0, std::min(head.size(), get.size())) ==
           head.substr(0, std::min(head.size(), get.size()));
}

// One relayed connection: the client's socket and the upstream's, on one strand; one read and
// one write outstanding per direction.
struct Pipe : std::enable_shared_from_this<Pipe> {
    tcp::socket client;
    tcp::socket upstream;
    tcp::resolver resolver;
    std::array<char, 16 * 1024> up{};
    std::array<char, 16 * 1024> down{};
    std::string address;  // the client's, for the per-address limit
    std::string head;     // the client's first bytes, until its upgrade request's head is whole
    std::function<void(Pipe*)> closed_fn;
    bool closed = false;

    Pipe(tcp::socket c, std::string addr, std::function<void(Pipe*)> on_closed)
        : client(std::move(c)),
          upstream(client.get_executor()),
          resolver(client.get_executor()),
          address(std::move(addr)),
          closed_fn(std::move(on_closed)) {}

    void start(const TcpRelay::Endpoint& to, std::function<void()> unreachable) {
        resolver.async_resolve(
            to.host, std::to_string(to.port),
            [self = shared_from_this(), unreachable, to](const boost::system::error_code& ec,
                                                         tcp::resolver::results_type found) {
                if (ec || self->closed) {
                    if (ec && unreachable) unreachable();
                    return self->close();
                }
                asio::async_connect(
                    self->upstream, found,
                    [self, unreachable, to](const boost::system::error_code& ec,
                                            const tcp::endpoint&) {
                        if (ec || self->closed) {
                            if (ec) {
                                spdlog::warn("relay: cannot connect to the leader at {}:{}: {}",
                                             to.host, to.port, ec.message());
                                if (unreachable) unreachable();
                            }
                            return self->close();
                        }
                        boost::system::error_code ignored;
                        self->upstream.set_option(tcp::no_delay(true), ignored);
                        self->client.set_option(tcp::no_delay(true), ignored);
                        self->readHead();
                        self->pump(self->upstream, self->client, self->down);
                    });
            });
    }

    // A plain websocket upgrade's head is read whole and goes on with an X-Forwarded-For line
    // naming the client, after any the client (or a load balancer before this node) sent: the
    // leader, with this node in server.trusted_proxies, counts and limits each client by its
    // own address rather than all of them by this node's. Anything else (TLS, a head longer
    // than kMaxRequestHead) passes as it is.
    void readHead() {
        client.async_read_some(
            asio::buffer(up), [self = shared_from_this()](const boost::system::error_code& ec,
                                                          std::size_t n) {
                if (ec || self->closed) return self->close();
                auto& head = self->head;
                head.append(self->up.data(), n);
                if (mayBeUpgrade(head)) {
                    auto end = head.find("\r\n\r\n");
                    if (end == std::string::npos && head.size() < kMaxRequestHead)
                        return self->readHead();
                    if (end != std::string::npos)
                        head.insert(end + 2, "X-Forwarded-For: " + self->address + "\r\n");
                }
                asio::async_write(self->upstream, asio::buffer(head),
                                  [self](const boost::system::error_code& ec, std::size_t) {
                                      if (ec || self->closed) return self->close();
                                      self->head.clear();
                                      self->head.shrink_to_fit();
                                      self->pump(self->client, self->upstream, self->up);
                                  });
            });
    }

    void pump(tcp::socket& from, tcp::socket& to, std::array<char, 16 * 1024>& buf) {
        from.async_read_some(
            asio::buffer(buf),
            [self = shared_from_this(), &from, &to, &buf](const boost::system::error_code& ec,
                                                          std::size_t n) {
                if (ec || self->closed) return self->close();
                asio::async_write(to, asio::buffer(buf.data(), n),
                                  [self, &from, &to, &buf](const boost::system::error_code& ec,
                                                           std::size_t) {
                                      if (ec || self->closed) return self->close();
                                      self->pump(from, to, buf);
                                  });
            });
    }

    // On the strand. Either side gone: both closed, so the client reconnects.
    void close() {
        if (closed) return;
        closed = true;
        boost::system::error_code ignored;
        resolver.cancel();
        client.shutdown(tcp::socket::shutdown_both, ignored);
        client.close(ignored);
        upstream.shutdown(tcp::socket::shutdown_both, ignored);
        upstream.close(ignored);
        if (closed_fn) closed_fn(this);
    }
};

struct TcpRelay::Impl : std::enable_shared_from_this<TcpRelay::Impl> {
    asio::io_context& ioc;
    std::string name;
    Upstream upstream;
    Limits limits;
    std::function<void()> unreachable;
    tcp::acceptor acceptor;
    asio::steady_timer retry;
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> stopping{false};
    mutable std::mutex mutex;
    std::map<Pipe*, std::weak_ptr<Pipe>> pipes;
    std::map<std::string, std::size_t> per_address;

    Impl(asio::io_context& io, std::string n, Upstream up, Limits l, std::function<void()> un)
        : ioc(io),
          name(std::move(n)),
          upstream(std::move(up)),
          limits(l),
          unreachable(std::move(un)),
          acceptor(asio::make_strand(io)),
          retry(acceptor.get_executor()) {}

    void accept() {
        acceptor.async_accept(
            asio::make_strand(ioc),
            [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
                if (self->stopping) return;
                if (ec) {
                    if (ec == asio::error::operation_aborted) return;
                    spdlog::warn("relay {}: accept: {}", self->name, ec.message());
                    self->retry.expires_after(std::chrono::milliseconds(100));
                    self->retry.async_wait([self](const boost::system::error_code& e) {
                        if (!e && !self->stopping) self->accept();
                    });
                    return;
                }
                self->admit(std::move(socket));
                self->accept();
            });
    }

    void admit(tcp::socket socket) {
        boost::system::error_code ec;
        auto remote = socket.remote_endpoint(ec);
        if (ec) return;
        auto address = remote.address().to_string();
        auto to = upstream();
        std::shared_ptr<Pipe> pipe;
        {
            std::lock_guard lock(mutex);
            if (!to || pipes.size() >= limits.max_connections ||
                per_address[address] >= limits.max_connections_per_address) {
                if (per_address[address] == 0) per_address.erase(address);
                socket.close(ec);  // no leader known, or over a limit: the client retries
                return;
            }
            std::weak_ptr<Impl> owner = shared_from_this();
            pipe = std::make_shared<Pipe>(std::move(socket), address, [owner](Pipe* p) {
                if (auto o = owner.lock()) o->forget(p);
            });
            pipes.emplace(pipe.get(), pipe);
            ++per_address[address];
        }
        asio::dispatch(pipe->client.get_executor(),
                       [pipe, to = *to, un = unreachable] { pipe->start(to, un); });
    }

    void forget(Pipe* p) {
        std::lock_guard lock(mutex);
        auto it = pipes.find(p);
        if (it == pipes.end()) return;
        pipes.erase(it);
        auto a = per_address.find(p->address);
        if (a != per_address.end() && --a->second == 0) per_address.erase(a);
    }

    void closeAll() {
        std::vector<std::shared_ptr<Pipe>> open;
        {
            std::lock_guard lock(mutex);
            for (auto& [raw, weak] : pipes)
                if (auto p = weak.lock()) open.push_back(std::move(p));
        }
        for (auto& p : open) asio::post(p->client.get_executor(), [p] { p->close(); });
    }
};

TcpRelay::TcpRelay(asio::io_context& ioc, std::string name, Upstream upstream, Limits limits,
                   std::function<void()> unreachable)
    : impl_(std::make_shared<Impl>(ioc, std::move(name), std::move(upstream), limits,
                                   std::move(unreachable))) {}

TcpRelay::~TcpRelay() { stop(); }

void TcpRelay::start(const config::ListenAddress& listen) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(listen.host, ec);
    if (ec) throw std::runtime_error("relay " + impl_->name + ": bad address " + listen.host);
    tcp::endpoint ep(ip, listen.port);
    auto& a = impl_->acceptor;
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("relay " + impl_->name + ": cannot listen on " + listen.host +
                                 ":" + std::to_string(listen.port) + ": " + ec.message());
    impl_->port = a.local_endpoint().port();
    spdlog::info("relay {}: listening on {}:{}, relayed to the leader", impl_->name, listen.host,
                 impl_->port.load());
    asio::dispatch(a.get_executor(), [impl = impl_] { impl->accept(); });
}

std::uint16_t TcpRelay::port() const { return impl_->port; }

void TcpRelay::closeAll() { impl_->closeAll(); }

void TcpRelay::stop() {
    if (impl_->stopping.exchange(true)) return;
    asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
        boost::system::error_code ignored;
        impl->retry.cancel();
        impl->acceptor.close(ignored);
    });
    impl_->closeAll();
}

std::size_t TcpRelay::openConnections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->pipes.size();
}

}  // namespace ccd::daemon::cluster
