#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>

#include <sys/socket.h>
#include <sys/time.h>

namespace ccd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string HttpReply::header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (beast::iequals(k, name)) return v;
    }
    return {};
}

struct HttpClient::Impl {
    explicit Impl(std::uint16_t port) : port(port), socket(ioc) {}
    void connect() {
        beast::error_code ec;
        socket.close(ec);
        socket = tcp::socket(ioc);
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        buffer.clear();
        open = true;
    }
    std::uint16_t port;
    asio::io_context ioc;
    tcp::socket socket;
    beast::flat_buffer buffer;
    bool open = false;
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
HttpClient::~HttpClient() = default;

bool HttpClient::connected() const { return impl_->open; }

HttpReply HttpClient::request(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
    if (!impl_->open) impl_->connect();
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT") req.prepare_payload();
    http::write(impl_->socket, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(impl_->socket, impl_->buffer, parser);
    auto res = parser.release();
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res) reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    reply.body = res.body();
    reply.keep_alive = res.keep_alive();
    if (!reply.keep_alive) {
        beast::error_code ec;
        impl_->socket.close(ec);
        impl_->open = false;
    }
    return reply;
}

HttpReply HttpClient::postJson(const std::string& target, const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
    auto h = headers;
    h.emplace_back("Content-Type", "application/json");
    return request("POST", target, body, h);
}

std::string HttpClient::raw(std::uint16_t port, const std::string& bytes, int timeout_ms) {
    return exchange(port, bytes, timeout_ms).received;
}

RawExchange HttpClient::exchange(std::uint16_t port, const std::string& bytes, int timeout_ms,
                                 const std::string& source) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    if (!source.empty()) {
        s.open(tcp::v4());
        s.bind(tcp::endpoint(asio::ip::make_address(source), 0));
    }
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    beast::error_code ec;
    asio::write(s, asio::buffer(bytes), ec);
    RawExchange out;
    char buf[4096];
    for (;;) {
        auto n = ::recv(s.native_handle(), buf, sizeof buf, 0);
        if (n > 0) {
            out.received.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        // 0: an orderly close; ECONNRESET: closed with bytes unread. EAGAIN: our timeout.
        out.closed = n == 0 || errno == ECONNRESET;
        break;
    }
    return out;
}

}  // namespace ccd::testing
