#pragma once
// The HTTP/1.1 listener (Boost.Beast, keep-alive). Only this header's .cpp includes Beast.
// It reads requests within the configured limits and timeouts, hands each to the Router, and
// writes the answer; it makes no decisions of its own.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/daemon_config.hpp"

namespace boost::asio {
class io_context;
}

namespace ccd::daemon {
class Metrics;
class TlsContextSource;
}

namespace ccd::daemon::http {

class Router;

/// Thread safety: start() and stop() are called from one control thread; connections run on the
/// io_context's threads, each on its own strand.
class HttpServer {
public:
    /// `limits` is read for every new request, so a configuration reload applies at once.
    /// With `tls`, every connection is HTTPS (its context taken at accept, answers carry
    /// Strict-Transport-Security); without, plain HTTP.
    HttpServer(boost::asio::io_context& ioc, const Router& router, Metrics& metrics,
               std::function<config::ServerLimits()> limits,
               std::shared_ptr<TlsContextSource> tls = nullptr);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds and starts accepting. Throws std::runtime_error naming the address on failure.
    void start(const config::ListenAddress& address);

    /// The bound port (useful when the configured port is 0).
    std::uint16_t port() const;

    /// Stops accepting; idle connections are closed, a request in progress is answered with
    /// `Connection: close` and then its connection is closed.
    void stop();

    /// Connections still open.
    std::size_t openConnections() const;

    /// Defined in the .cpp; public only so that connection objects there can name it.
    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon::http
