#include "daemon/http/http_server.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "ccd_version.hpp"
#include "daemon/http/accept_backoff.hpp"
#include "daemon/http/router.hpp"
#include "daemon/http/transfer_coding.hpp"
#include "daemon/log_text.hpp"
#include "daemon/metrics.hpp"
#include "daemon/tls_context.hpp"

namespace ccd::daemon::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
// Concrete executor types instead of asio's type-erased any_io_executor: every async operation
// of a connection then avoids the type-erasure overhead (measured: a hot spot under load).
using Strand = asio::strand<asio::io_context::executor_type>;
using StrandSocket = asio::basic_stream_socket<tcp, Strand>;
using Stream = beast::basic_stream<tcp, Strand, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<Stream>;

/// What the listener knows of a connection, whatever its stream.
class SessionBase {
public:
    virtual ~SessionBase() = default;
    /// Called on shutdown from another thread.
    virtual void requestClose() = 0;
};

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(asio::io_context& ioc, const Router& router, Metrics& metrics,
         std::function<config::ServerLimits()> limits, std::shared_ptr<TlsContextSource> tls)
        : ioc(ioc), acceptor(asio::make_strand(ioc)), retry_timer(acceptor.get_executor()),
          router(router), metrics(metrics), limits(std::move(limits)), tls(std::move(tls)) {}

    void accept();
    void onAccept(beast::error_code ec, StrandSocket socket);
    void onAcceptFailed(const beast::error_code& ec);
    /// Takes a place for a connection from `address`; false when every place is taken or the
    /// address has all of its own.
    bool admit(const std::string& address, const config::ServerLimits& l, bool proxy);
    template <class S>
    void startSession(StrandSocket&& socket, const std::string& address,
                      std::vector<config::IpNetwork> trusted);
    /// Gives a connection's place back (its session is gone).
    void release(SessionBase* s, const std::string& address);

    asio::io_context& ioc;
    tcp::acceptor acceptor;
    asio::steady_timer retry_timer;  // on the acceptor's strand, like the backoff
    AcceptBackoff backoff;
    IntervalLog refusals{std::chrono::seconds(10)};
    const Router& router;
    Metrics& metrics;
    std::function<config::ServerLimits()> limits;
    std::shared_ptr<TlsContextSource> tls;  // null: plain HTTP
    std::atomic<bool> stopping{false};
    std::uint16_t port = 0;

    mutable std::mutex sessions_mutex;
    std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> session_refs;
    std::unordered_map<std::string, std::size_t> per_address;  // open connections by address
};

/// One connection, over `S` (Stream, or TlsStream when the listener has a certificate). All
/// its handlers run on its strand; one write at a time (a request is read only after the
/// previous response is written, so responses keep the order of requests).
template <class S>
class Session : public SessionBase, public std::enable_shared_from_this<Session<S>> {
public:
    static constexpr bool kTls = std::is_same_v<S, TlsStream>;

    /// `trusted`: the trusted proxies when the peer is one of them (empty otherwise).
    Session(StrandSocket&& socket, std::shared_ptr<HttpServer::Impl> server, std::string remote,
            std::vector<config::IpNetwork> trusted)
        : ctx_(kTls ? server->tls->current() : nullptr),
          stream_(makeStream(std::move(socket), ctx_)),
          server_(std::move(server)),
          remote_(std::move(remote)),
          trusted_(std::move(trusted)) {}

    ~Session() override { server_->release(this, remote_); }

    void start() {
        asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
            if constexpr (kTls) self->handshake();
            else self->readHeader();
        });
    }

    void requestClose() override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
            self->closing_ = true;
            if (!self->busy_) self->lowest().cancel();
        });
    }

private:
    using std::enable_shared_from_this<Session<S>>::shared_from_this;

    static S makeStream(StrandSocket&& socket, const std::shared_ptr<asio::ssl::context>& ctx) {
        if constexpr (kTls) return S(Stream(std::move(socket)), *ctx);
        else return S(std::move(socket));
    }

    Stream& lowest() { return beast::get_lowest_layer(stream_); }

    // The TLS handshake is bounded like a request: a client that starts one and never ends it
    // holds its place (and its address's share of them) for read_timeout at most.
    void handshake() {
        limits_ = server_->limits();
        lowest().expires_after(limits_.read_timeout);
        stream_.async_handshake(asio::ssl::stream_base::server,
                                [self = shared_from_this()](beast::error_code ec) {
                                    if (ec) {
                                        spdlog::debug("http: TLS handshake with {}: {}",
                                                      forLog(self->remote_, 64), ec.message());
                                        return self->closeNow();
                                    }
                                    self->readHeader();
                                });
    }

    void readHeader() {
        if (closing_ || server_->stopping.load()) return closeNow();
        limits_ = server_->limits();
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
        parser_->body_limit(limits_.max_body_bytes);
        if (buffer_.size() > 0) return startRequest();
        // Waiting for a request (the first, or the next on a kept-alive connection) is bounded
        // by the idle timeout.
        lowest().expires_after(limits_.idle_timeout);
        stream_.async_read_some(
            buffer_.prepare(4096),
            beast::bind_front_handler(&Session<S>::onFirstBytes, shared_from_this()));
    }

    void onFirstBytes(beast::error_code ec, std::size_t n) {
        if (ec) return onReadError(ec);
        buffer_.commit(n);
        startRequest();
    }

    // Once a request's first bytes are in, all of it, headers included, must arrive within the
    // read timeout: a client cannot hold the connection by sending its headers slowly.
    void startRequest() {
        lowest().expires_after(limits_.read_timeout);
        bhttp::async_read_header(stream_, buffer_, *parser_,
                                 beast::bind_front_handler(&Session<S>::onHeader, shared_from_this()));
    }

    void onHeader(beast::error_code ec, std::size_t) {
        if (ec) return onReadError(ec);
        started_ = std::chrono::steady_clock::now();
        auto& req = parser_->get();
        version_ = req.version();
        if (auto bad = framingProblem(req)) {
            return answerProtocolError(bad->status, bad->code.c_str(), bad->reason);
        }
        auto expect = req[bhttp::field::expect];
        if (!expect.empty() && beast::iequals(expect, "100-continue")) {
            if (auto len = parser_->content_length(); len && *len > limits_.max_body_bytes) {
                return answerProtocolError(413, "payload_too_large", tooLargeReason());
            }
            auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
            return bhttp::async_write(stream_, *cont,
                                      [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
                                          if (wec) return self->closeNow();
                                          self->readBody();
                                      });
        }
        readBody();
    }

    // Transfer-Encoding the server cannot frame by (RFC 9112 6.3): see transfer_coding.hpp.
    static std::optional<FramingError> framingProblem(
        const bhttp::request<bhttp::string_body>& req) {
        std::vector<std::string_view> values;
        for (auto range = req.equal_range(bhttp::field::transfer_encoding);
             range.first != range.second; ++range.first) {
            values.push_back(range.first->value());
        }
        if (values.empty()) return std::nullopt;
        return checkTransferEncoding(values, req.count(bhttp::field::content_length) > 0,
                                     req.version());
    }

    // Within the deadline set when the request started.
    void readBody() {
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session<S>::onRead, shared_from_this()));
    }

    std::string tooLargeReason() const {
        return "the body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes";
    }

    void onReadError(beast::error_code ec) {
        if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
            ec == beast::error::timeout || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            return closeNow();
        }
        if (ec == bhttp::error::body_limit) {
            return answerProtocolError(413, "payload_too_large", tooLargeReason());
        }
        if (ec == bhttp::error::header_limit) {
            return answerProtocolError(431, "headers_too_large",
                                       "the request headers are larger than " +
                                           std::to_string(limits_.max_header_bytes) + " bytes");
        }
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
            return answerProtocolError(400, "bad_request", "malformed HTTP request: " + ec.message());
        }
        closeNow();
    }

    // Answers a request the server could not read whole, then closes: the rest of the stream
    // can no longer be framed.
    void answerProtocolError(int status, const char* code, const std::string& reason) {
        server_->router.countProtocolResponse(status);
        keep_alive_ = false;
        write(channels::WebResponse::error(status, code, reason));
    }

    void onRead(beast::error_code ec, std::size_t) {
        if (ec) return onReadError(ec);
        busy_ = true;
        auto req = parser_->release();
        keep_alive_ = req.keep_alive();
        version_ = req.version();

        channels::WebRequest web;
        web.method = std::string(req.method_string());
        web.target = std::string(req.target());
        web.headers.reserve(8);
        for (const auto& field : req) {
            web.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        web.body = std::move(req.body());
        web.peer_address = remote_;
        if (trusted_.empty()) {
            web.remote_address = remote_;
        } else {
            std::vector<std::string_view> forwarded;
            for (const auto& [name, value] : web.headers) {
                if (beast::iequals(name, "X-Forwarded-For")) forwarded.push_back(value);
            }
            web.remote_address = config::clientAddress(remote_, forwarded, trusted_);
        }
        is_intake_ = web.method == "POST";

        // The handler may answer from any thread (a store thread, later the engine's strand):
        // hop back onto this connection's strand to write.
        server_->router.dispatch(
            std::move(web), Responder([self = shared_from_this()](channels::WebResponse r) {
                const auto ready = std::chrono::steady_clock::now();
                asio::post(self->stream_.get_executor(), [self, ready, r = std::move(r)]() mutable {
                    if (self->is_intake_ && r.status < 300)
                        self->server_->metrics.steps.answer.observe(secondsSince(ready));
                    self->write(std::move(r));
                });
            }));
    }

    void write(channels::WebResponse r) {
        if (is_intake_ && r.status < 300)
            server_->metrics.intake_latency_seconds.observe(secondsSince(started_));
        res_ = {};
        res_.version(version_);
        res_.result(static_cast<unsigned>(r.status));
        res_.set(bhttp::field::server, "ccd/" CCD_VERSION);
        res_.set(bhttp::field::content_type, r.content_type);
        if constexpr (kTls) {
            if (auto hsts = server_->tls->hsts(); !hsts.empty())
                res_.set(bhttp::field::strict_transport_security, hsts);
        }
        for (auto& [k, v] : r.headers) res_.set(k, v);
        res_.body() = std::move(r.body);
        res_.keep_alive(keep_alive_ && !closing_ && !server_->stopping.load());
        res_.prepare_payload();
        lowest().expires_after(limits_.read_timeout);
        bhttp::async_write(stream_, res_,
                           beast::bind_front_handler(&Session<S>::onWrite, shared_from_this()));
    }

    void onWrite(beast::error_code ec, std::size_t) {
        busy_ = false;
        is_intake_ = false;
        if (ec) return closeNow();
        if (!res_.keep_alive()) {
            if constexpr (kTls) return tlsShutdown();
            beast::error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
            return drainThenClose();
        }
        readHeader();
    }

    // Closing with unread bytes in the socket would send a reset, which may destroy the answer
    // before the client reads it (a refused request's body, the bytes after it): read and drop
    // what the client still sends, briefly, then close.
    void drainThenClose() {
        lowest().expires_after(std::min<std::chrono::milliseconds>(limits_.read_timeout,
                                                                  std::chrono::seconds(2)));
        buffer_.clear();
        stream_.async_read_some(
            buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->closeNow();
                self->drainThenClose();
            });
    }

    // close_notify, and the client's in answer (or its end of the connection), briefly.
    void tlsShutdown() {
        lowest().expires_after(std::min<std::chrono::milliseconds>(limits_.read_timeout,
                                                                   std::chrono::seconds(2)));
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->closeNow(); });
    }

    void closeNow() {
        beast::error_code ignored;
        lowest().socket().close(ignored);
    }

    // The context the connection started with (a reload swaps the listener's, not this one).
    std::shared_ptr<asio::ssl::context> ctx_;
    S stream_;
    beast::flat_buffer buffer_;
    std::shared_ptr<HttpServer::Impl> server_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bhttp::response<bhttp::string_body> res_;
    config::ServerLimits limits_;
    std::string remote_;
    std::vector<config::IpNetwork> trusted_;
    std::chrono::steady_clock::time_point started_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool busy_ = false;
    bool closing_ = false;
    bool is_intake_ = false;
};

template <class S>
void HttpServer::Impl::startSession(StrandSocket&& socket, const std::string& address,
                                    std::vector<config::IpNetwork> trusted) {
    auto session = std::make_shared<Session<S>>(std::move(socket), shared_from_this(), address,
                                                std::move(trusted));
    {
        std::lock_guard lock(sessions_mutex);
        session_refs.emplace(session.get(), session);
    }
    session->start();
}

void HttpServer::Impl::accept() {
    acceptor.async_accept(Strand(ioc.get_executor()),
                          beast::bind_front_handler(&Impl::onAccept, shared_from_this()));
}

void HttpServer::Impl::onAccept(beast::error_code ec, StrandSocket socket) {
    if (stopping.load()) return;
    if (ec) return onAcceptFailed(ec);
    backoff.succeeded();
    auto lim = limits();
    beast::error_code remote_ec;
    auto remote = socket.remote_endpoint(remote_ec);
    std::string address = remote_ec ? std::string() : remote.address().to_string();
    // One client cannot take every place: idle connections of its own are capped too.
    // A trusted proxy (a load balancer, another ccd node) carries many clients: its
    // connections count toward the total only, and its requests name their client.
    const bool proxy = config::inAny(lim.trusted_proxies, address);
    if (!admit(address, lim, proxy)) {
        std::uint64_t quiet = 0;
        if (refusals.shouldLog(std::chrono::steady_clock::now(), quiet))
            spdlog::warn(
                "http: refusing a connection from {}: {} open in all (limit {}), at most {} from "
                "one address ({} more refused since the last report)",
                forLog(address, 64), metrics.open_connections.load(), lim.max_connections,
                lim.max_connections_per_address, quiet);
        beast::error_code ignored;
        socket.close(ignored);
        return accept();
    }
    // Answers are small and written whole: send them at once, never held back by Nagle.
    beast::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    std::vector<config::IpNetwork> trusted;
    if (proxy) trusted = lim.trusted_proxies;
    if (tls) startSession<TlsStream>(std::move(socket), address, std::move(trusted));
    else startSession<Stream>(std::move(socket), address, std::move(trusted));
    accept();
}

// Out of descriptors the pending connection stays in the backlog and accepting again at once
// fails again at once: pause (longer while it goes on), and log once in a while; the open
// connections are served meanwhile.
void HttpServer::Impl::onAcceptFailed(const beast::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    metrics.accept_failures.fetch_add(1, std::memory_order_relaxed);
    bool resources = ec.category() == asio::error::get_system_category() &&
                     AcceptBackoff::outOfResources(ec.value());
    auto d = backoff.failed(std::chrono::steady_clock::now(), resources);
    if (d.log)
        spdlog::warn("http: accept failed: {} ({} more since the last report); {}", ec.message(),
                     d.quiet,
                     d.pause.count() ? "pausing accepts for " + std::to_string(d.pause.count()) +
                                           " ms, the open connections are served"
                                     : std::string("accepting again"));
    if (d.pause.count() == 0) return accept();
    retry_timer.expires_after(d.pause);
    retry_timer.async_wait([self = shared_from_this()](const beast::error_code& wait_ec) {
        if (wait_ec || self->stopping.load()) return;
        self->accept();
    });
}

bool HttpServer::Impl::admit(const std::string& address, const config::ServerLimits& l,
                             bool proxy) {
    std::lock_guard lock(sessions_mutex);
    if (static_cast<std::size_t>(metrics.open_connections.load()) >= l.max_connections)
        return false;
    auto& n = per_address[address];
    if (!proxy && n >= l.max_connections_per_address) {
        if (n == 0) per_address.erase(address);
        return false;
    }
    ++n;
    metrics.open_connections.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void HttpServer::Impl::release(SessionBase* s, const std::string& address) {
    std::lock_guard lock(sessions_mutex);
    session_refs.erase(s);
    metrics.open_connections.fetch_sub(1, std::memory_order_relaxed);
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
}

HttpServer::HttpServer(asio::io_context& ioc, const Router& router, Metrics& metrics,
                       std::function<config::ServerLimits()> limits,
                       std::shared_ptr<TlsContextSource> tls)
    : impl_(std::make_shared<Impl>(ioc, router, metrics, std::move(limits), std::move(tls))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start(const config::ListenAddress& address) {
    beast::error_code ec;
    auto ip = asio::ip::make_address(address.host, ec);
    if (ec) throw std::runtime_error("cannot listen on " + address.host + ": " + ec.message());
    tcp::endpoint ep(ip, address.port);
    auto& a = impl_->acceptor;
    std::string where = address.host + ":" + std::to_string(address.port);
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
    impl_->port = a.local_endpoint().port();
    impl_->accept();
}

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::stop() {
    if (impl_->stopping.exchange(true)) return;
    asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
        impl->retry_timer.cancel();
    });
    std::vector<std::shared_ptr<SessionBase>> live;
    {
        std::lock_guard lock(impl_->sessions_mutex);
        for (auto& [ptr, weak] : impl_->session_refs) {
            if (auto s = weak.lock()) live.push_back(std::move(s));
        }
    }
    for (auto& s : live) s->requestClose();
}

std::size_t HttpServer::openConnections() const {
    std::lock_guard lock(impl_->sessions_mutex);
    return impl_->session_refs.size();
}

}  // namespace ccd::daemon::http
