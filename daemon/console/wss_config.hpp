#pragma once
// The console's wss:// configuration for websocketpp. Include only from console_server.cpp: it
// pulls in websocketpp and Asio's SSL.

#include <memory>

#include <websocketpp/config/asio.hpp>

#include "daemon/websocket_config.hpp"

namespace ccd::daemon::console {

/// websocketpp's TLS socket, but closing without the TLS shutdown: after the closing handshake
/// the TCP connection is shut down at once, as for ws://. websocketpp's TLS shutdown starts
/// while its read of the next frame is still pending on the same SSL stream, which Asio does
/// not allow: when the peer's close_notify came first (a client that closes and goes), the
/// read took it, the shutdown waited out its timeout, and then the pending read used buffers
/// OpenSSL had released (AddressSanitizer: heap-use-after-free in SSL_read). The WebSocket close
/// frame, authenticated by TLS, already marks the end of the data, so no truncation goes
/// unnoticed without close_notify.
class TlsSocketConnection : public websocketpp::transport::asio::tls_socket::connection {
public:
    using type = TlsSocketConnection;
    using ptr = std::shared_ptr<type>;

protected:
    void async_shutdown(websocketpp::transport::asio::socket::shutdown_handler callback) {
        boost::system::error_code ec;
        get_raw_socket().lowest_layer().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
        callback(ec == boost::asio::error::not_connected ? boost::system::error_code() : ec);
    }
};

class TlsSocketEndpoint : public websocketpp::transport::asio::tls_socket::endpoint {
public:
    using socket_con_type = TlsSocketConnection;
    using socket_con_ptr = TlsSocketConnection::ptr;
};

struct TlsWsConfig : BoundedClose<websocketpp::config::asio_tls> {
    using type = TlsWsConfig;
    struct transport_config : BoundedClose<websocketpp::config::asio_tls>::transport_config {
        using socket_type = TlsSocketEndpoint;
    };
    using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

}  // namespace ccd::daemon::console
