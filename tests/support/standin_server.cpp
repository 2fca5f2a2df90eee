#include "tests/support/standin_server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tests/support/standin_control.hpp"
#include "tests/support/standin_dialects.hpp"
#include "tests/support/standin_script.hpp"

namespace ccd::standin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
// Concrete executor types: no type erasure on the per-request path.
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::basic_stream_socket<tcp, Strand>;
using Acceptor = asio::basic_socket_acceptor<tcp, Strand>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Strand>;
using SignalSet = asio::basic_signal_set<Strand>;

namespace {

void logError(const char* what, const std::string& detail) {
    std::fprintf(stderr, "provider_standin: %s: %s\n", what, detail.c_str());
}

}  // namespace

class Session;

/// What the acceptor, the sessions and the control API share. The acceptor, the reopen timer
/// and the signals live on `strand`; the recorder, script and provider state lock for
/// themselves; the session registry has its own mutex.
struct Core : std::enable_shared_from_this<Core> {
    Core(asio::io_context& ioc, ServerOptions opts)
        : ioc(ioc),
          options(std::move(opts)),
          strand(asio::make_strand(ioc)),
          acceptor(strand),
          reopen_timer(strand),
          signals(strand, SIGINT, SIGTERM),
          recorder(options.record),
          providers(options.wechat_apps),
          delay_ms(options.delay_ms) {}

    void listen(beast::error_code& ec);
    void accept();
    void onAccept(beast::error_code ec, Socket socket);
    /// Closes the listener and every connection but `except`, reopens after `ms`; `closed`
    /// runs once every connection is closed.
    void goDown(std::chrono::milliseconds ms, Session* except, std::function<void()> closed);
    void reopen();
    void shutdown();
    void forget(Session* s);
    std::vector<std::shared_ptr<Session>> liveSessions(Session* except);

    asio::io_context& ioc;
    const ServerOptions options;
    Strand strand;
    Acceptor acceptor;
    Timer reopen_timer;
    SignalSet signals;
    tcp::endpoint endpoint;

    Recorder recorder;
    Script script;
    ProviderState providers;
    std::atomic<int> delay_ms;
    std::atomic<bool> down{false};
    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> next_conn{0};

    std::mutex sessions_mutex;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

/// One connection. Every handler runs on its strand; a request is read only after the previous
/// answer is written, so answers keep the order of requests and one write is outstanding at most.
class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(Socket&& socket, std::shared_ptr<Core> core, std::uint64_t id)
        : socket_(std::move(socket)),
          timer_(socket_.get_executor()),
          core_(std::move(core)),
          id_(id) {
        core_->recorder.connectionOpened();
    }

    ~Session() {
        core_->recorder.connectionClosed();
        core_->forget(this);
    }

    void start() {
        asio::dispatch(socket_.get_executor(),
                       [self = shared_from_this()] { self->readRequest(); });
    }

    /// Closes the connection at once with a reset (the stand-in goes down or stops); any thread.
    /// `guard` is released once it is closed.
    void closeFromServer(std::shared_ptr<void> guard) {
        asio::post(socket_.get_executor(),
                   [self = shared_from_this(), guard = std::move(guard)] { self->close(true); });
    }

  private:
    void readRequest() {
        if (closed_) return;
        if (core_->down || core_->stopping) return close(true);
        parser_.emplace();
        parser_->body_limit(core_->options.body_limit);
        parser_->header_limit(64 * 1024);
        http::async_read(socket_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::onRead, shared_from_this()));
    }

    void onRead(beast::error_code ec, std::size_t) {
        if (ec) {
            if (ec == http::error::body_limit) {
                keep_alive_ = false;
                Answer a = jsonAnswer(413, nlohmann::ordered_json{{"error", "body too large"}});
                return write(std::move(a));
            }
            return close(false);
        }
        // Between going down and the connection's close: the provider is gone.
        if (core_->down || core_->stopping) return close(true);
        auto msg = parser_->release();
        keep_alive_ = msg.keep_alive();
        version_ = msg.version();
        Request req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        req.headers.reserve(8);
        for (const auto& field : msg) {
            req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        req.body = std::move(msg.body());
        try {
            if (isControl(req.target)) return control(req);
            provider(std::move(req));
        } catch (const std::exception& e) {
            // A bug in a dialect must not take the stand-in down: say so, and in the answer.
            logError("request failed", e.what());
            Answer a;
            a.status = 500;
            a.content_type = "text/plain";
            a.body = std::string("provider_standin: ") + e.what() + "\n";
            answer(std::move(a));
        }
    }

    void control(const Request& req) {
        ControlContext ctx{core_->recorder, core_->script, core_->providers, core_->delay_ms};
        ControlResult result = handleControl(req, ctx);
        if (!result.down_for) return write(std::move(result.answer));
        keep_alive_ = false;
        auto self = shared_from_this();
        core_->goDown(*result.down_for, this, [self, a = std::move(result.answer)]() mutable {
            asio::post(self->socket_.get_executor(),
                       [self, a = std::move(a)]() mutable { self->write(std::move(a)); });
        });
    }

    void provider(Request req) {
        Dialect dialect = dialectOf(req.target);
        pending_seq_ = core_->recorder.arrived(req, dialect, id_);
        std::optional<ScriptAnswer> step = core_->script.next(req.target);
        int delay = step && step->delay_ms ? *step->delay_ms : core_->delay_ms.load();
        auto kind = step ? step->kind : ScriptAnswer::Kind::kNormal;
        switch (kind) {
            case ScriptAnswer::Kind::kHang:
                core_->recorder.hung(pending_seq_);
                hanging_ = true;
                return awaitClose();
            case ScriptAnswer::Kind::kDrop:
                return after(delay, [this] {
                    core_->recorder.dropped(pending_seq_);
                    pending_seq_ = 0;
                    close(false);
                });
            case ScriptAnswer::Kind::kError:
                return after(delay, [this, a = errorAnswer(dialect, step->error,
                                                           core_->providers)]() mutable {
                    answer(std::move(a));
                });
            case ScriptAnswer::Kind::kNormal:
                break;
        }
        // Computed now, so that ids follow the order in which requests arrived.
        after(delay, [this, a = normalAnswer(dialect, req, core_->providers)]() mutable {
            answer(std::move(a));
        });
    }

    /// Runs `fn` after `ms` on this strand (at once when 0), unless the connection closes first.
    template <class Fn>
    void after(int ms, Fn fn) {
        if (ms <= 0) return fn();
        timer_.expires_after(std::chrono::milliseconds(ms));
        timer_.async_wait(
            [self = shared_from_this(), fn = std::move(fn)](beast::error_code ec) mutable {
                if (ec || self->closed_) return;
                fn();
            });
    }

    void answer(Answer a) {
        if (pending_seq_) {
            core_->recorder.answered(pending_seq_, a.status);
            pending_seq_ = 0;
        }
        write(std::move(a));
    }

    void write(Answer a) {
        if (closed_) return;
        res_ = {};
        res_.version(version_);
        res_.result(static_cast<unsigned>(a.status));
        res_.set(http::field::server, "provider-standin");
        res_.set(http::field::content_type, a.content_type);
        for (auto& [k, v] : a.headers) res_.set(k, v);
        res_.body() = std::move(a.body);
        res_.keep_alive(keep_alive_ && !core_->down && !core_->stopping);
        res_.prepare_payload();
        http::async_write(socket_, res_,
                          beast::bind_front_handler(&Session::onWrite, shared_from_this()));
    }

    void onWrite(beast::error_code ec, std::size_t) {
        if (ec) return close(false);
        if (!res_.keep_alive()) {
            beast::error_code ignored;
            socket_.shutdown(tcp::socket::shutdown_send, ignored);
            return close(false);
        }
        readRequest();
    }

    // A hung request: read (and discard) until the client gives up, so that its close is seen.
    void awaitClose() {
        socket_.async_read_some(asio::buffer(scratch_),
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec || self->closed_) return self->close(false);
                                    self->awaitClose();
                                });
    }

    void close(bool reset) {
        if (closed_) return;
        closed_ = true;
        if (pending_seq_) {
            if (hanging_) {
                core_->recorder.released(pending_seq_);
            } else {
                core_->recorder.dropped(pending_seq_);
            }
            pending_seq_ = 0;
        }
        beast::error_code ignored;
        timer_.cancel();
        // A reset, so that clients see what they see when a provider's host goes away.
        if (reset) socket_.set_option(asio::socket_base::linger(true, 0), ignored);
        socket_.close(ignored);
    }

    Socket socket_;
    Timer timer_;
    std::shared_ptr<Core> core_;
    const std::uint64_t id_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
    std::array<char, 512> scratch_{};
    std::uint64_t pending_seq_ = 0;  ///< the recorded request not yet answered
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool hanging_ = false;
    bool closed_ = false;
};

void Core::listen(beast::error_code& ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    acceptor.open(endpoint.protocol(), ec);
    if (ec) return;
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return;
    acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(4096, ec);
    if (ec) {
        acceptor.close(ignored);
        return;
    }
    endpoint = acceptor.local_endpoint(ec);
}

void Core::accept() {
    acceptor.async_accept(Strand(ioc.get_executor()),
                          beast::bind_front_handler(&Core::onAccept, shared_from_this()));
}

void Core::onAccept(beast::error_code ec, Socket socket) {
    if (ec == asio::error::operation_aborted || stopping || down || !acceptor.is_open()) return;
    if (ec) {
        // Out of descriptors and the like: keep serving what is open, try again shortly.
        logError("accept failed", ec.message());
        reopen_timer.expires_after(std::chrono::milliseconds(50));
        reopen_timer.async_wait([self = shared_from_this()](beast::error_code wec) {
            if (!wec && !self->down && !self->stopping) self->accept();
        });
        return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket), shared_from_this(), ++next_conn);
    {
        std::lock_guard lock(sessions_mutex);
        sessions[session.get()] = session;
    }
    session->start();
    accept();
}

void Core::forget(Session* s) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(s);
}

std::vector<std::shared_ptr<Session>> Core::liveSessions(Session* except) {
    std::vector<std::shared_ptr<Session>> out;
    std::lock_guard lock(sessions_mutex);
    out.reserve(sessions.size());
    for (auto& [ptr, weak] : sessions) {
        if (ptr == except) continue;
        if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
}

void Core::goDown(std::chrono::milliseconds ms, Session* except, std::function<void()> closed) {
    asio::post(strand, [self = shared_from_this(), ms, except, closed = std::move(closed)] {
        self->down = true;
        beast::error_code ignored;
        self->acceptor.close(ignored);
        self->reopen_timer.cancel();
        // `closed` runs when the last connection's close has run and released its copy.
        std::shared_ptr<void> guard(nullptr, [closed](void*) { closed(); });
        // The vector's sessions are released after sessions_mutex is (their destructor takes it).
        auto live = self->liveSessions(except);
        for (auto& s : live) s->closeFromServer(guard);
        guard.reset();
        if (self->stopping) return;
        self->reopen_timer.expires_after(ms);
        self->reopen_timer.async_wait([self](beast::error_code ec) {
            if (!ec) self->reopen();
        });
    });
}

void Core::reopen() {
    if (stopping) return;
    beast::error_code ec;
    listen(ec);
    if (ec) {
        logError("cannot listen again", ec.message() + "; trying again in 100 ms");
        reopen_timer.expires_after(std::chrono::milliseconds(100));
        reopen_timer.async_wait([self = shared_from_this()](beast::error_code wec) {
            if (!wec) self->reopen();
        });
        return;
    }
    down = false;
    accept();
}

void Core::shutdown() {
    asio::post(strand, [self = shared_from_this()] {
        self->stopping = true;
        beast::error_code ignored;
        self->acceptor.close(ignored);
        self->reopen_timer.cancel();
        self->signals.cancel();
        auto live = self->liveSessions(nullptr);
        for (auto& s : live) s->closeFromServer(nullptr);
    });
}

struct Server::Impl {
    explicit Impl(ServerOptions options) : core(std::make_shared<Core>(ioc, std::move(options))) {}
    // Declared first, destroyed last: handlers still queued hold the core and its sockets.
    asio::io_context ioc;
    std::shared_ptr<Core> core;
};

Server::Server(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

Server::~Server() = default;

std::uint16_t Server::start() {
    auto& core = *impl_->core;
    core.endpoint = tcp::endpoint(asio::ip::make_address(core.options.address), core.options.port);
    beast::error_code ec;
    core.listen(ec);
    if (ec)
        throw std::system_error(ec, "cannot listen on " + core.options.address + ":" +
                                        std::to_string(core.options.port));
    core.accept();
    core.signals.async_wait([core = impl_->core](beast::error_code ec, int) {
        if (!ec) core->shutdown();
    });
    return core.endpoint.port();
}

void Server::run() {
    auto work = [this] {
        for (;;) {
            try {
                impl_->ioc.run();
                return;
            } catch (const std::exception& e) {
                logError("handler failed", e.what());
            }
        }
    };
    std::vector<std::thread> threads;
    for (int i = 1; i < impl_->core->options.threads; ++i) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
}

void Server::stop() { impl_->core->shutdown(); }

}  // namespace ccd::standin
