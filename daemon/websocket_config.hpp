#pragma once
// websocketpp's configurations as ccd's websocket servers use them (the console and web chat).
// Include only from the translation units that include websocketpp: it is heavy to compile.

#include <websocketpp/config/asio_no_tls.hpp>

namespace ccd::daemon {

/// websocketpp's `Base` configuration with the closing handshake bounded well within the
/// daemon's default shutdown grace (5 s). websocketpp's own bound is 5 s too: a client that did
/// not answer the close frame sent at shutdown kept its connection alive exactly as long as
/// the daemon waited, and the daemon could stop its threads with the connection still alive.
template <class Base>
struct BoundedClose : Base {
    using type = BoundedClose;
    /// A peer that does not answer our close frame within this is dropped.
    static const long timeout_close_handshake = 2000;
};

/// ws://; the console's wss:// is built on BoundedClose<websocketpp::config::asio_tls>.
using PlainWsConfig = BoundedClose<websocketpp::config::asio>;

}  // namespace ccd::daemon
