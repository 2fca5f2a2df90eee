#pragma once
// What the console's and the web chat's websocket connections share: the websocketpp
// connection, work posted to its strand (so websocketpp is only ever called from it), close,
// ping and the closing flag. Included only by the two translation units that include
// websocketpp (console_server.cpp through console/ws_connection.hpp, webchat_server.cpp).

#include <atomic>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <websocketpp/server.hpp>

namespace ccd::daemon {

template <class Cfg>
class WsPeer {
public:
    using ConnectionPtr = typename websocketpp::server<Cfg>::connection_ptr;

    /// Whether close was called: frames from the client are no longer read, none are sent.
    bool closing() const { return closing_; }

    void ping() {
        post([con = con_] {
            websocketpp::lib::error_code ec;
            con->ping("", ec);
        });
    }

protected:
    /// `what` names the connection in log lines ("console", "webchat").
    WsPeer(ConnectionPtr con, const char* what) : con_(std::move(con)), what_(what) {}

    /// Closes from the connection's strand; frames sent after this are dropped.
    void closeWith(int code, std::string reason) {
        closing_ = true;
        post([con = con_, code, reason = std::move(reason)] {
            websocketpp::lib::error_code ec;
            con->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
        });
    }

    /// Runs `f` on the connection's strand (at once when it has none); a throw is logged.
    template <class F>
    void post(F f) {
        auto guarded = [f = std::move(f), what = what_]() mutable {
            try {
                f();
            } catch (const std::exception& e) {
                spdlog::warn("{}: connection: {}", what, e.what());
            }
        };
        if (auto strand = con_->get_strand()) boost::asio::post(*strand, std::move(guarded));
        else guarded();
    }

    ConnectionPtr con_;
    std::atomic<bool> closing_{false};

private:
    const char* what_;
};

}  // namespace ccd::daemon
