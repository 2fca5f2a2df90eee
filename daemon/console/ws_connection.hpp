#pragma once
// The console's websocket connection as the hub sees it (ConsoleConnection), over websocketpp.
// Included by console_server.cpp only: it is the one translation unit that includes websocketpp.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <websocketpp/server.hpp>

#include "daemon/console/console_hub.hpp"
#include "daemon/console/console_server.hpp"
#include "daemon/log_text.hpp"
#include "daemon/metrics.hpp"
#include "daemon/ws_peer.hpp"

namespace ccd::daemon::console {

/// One websocket connection adapted for the hub. send() and close() post to the connection's
/// own strand, so websocketpp is only ever called from it.
template <class Cfg>
class WsConnection final : public ConsoleConnection,
                           public WsPeer<Cfg>,
                           public std::enable_shared_from_this<WsConnection<Cfg>> {
public:
    using WsServer = websocketpp::server<Cfg>;
    using std::enable_shared_from_this<WsConnection<Cfg>>::shared_from_this;
    using WsPeer<Cfg>::closing;
    using WsPeer<Cfg>::ping;

    WsConnection(typename WsServer::connection_ptr c, const ConsoleServerOptions& options)
        : WsPeer<Cfg>(std::move(c), "console"),
          max_queue_(options.max_send_queue_bytes),
          rate_(static_cast<double>(options.frame_rate)),
          burst_(static_cast<double>(std::max<std::size_t>(options.frame_burst, 1))),
          tokens_(burst_),
          refilled_(std::chrono::steady_clock::now()),
          steps_(options.steps) {
        boost::system::error_code ec;
        auto remote = con_->get_raw_socket().remote_endpoint(ec);
        if (!ec) remote_ = remote.address().to_string();
    }

    std::string remoteAddress() const override { return remote_; }

    // A client that does not read its frames makes them pile up here (and in websocketpp's
    // queue) without bound: past max_send_queue_bytes it is closed instead.
    void send(std::string frame) override {
        if (closing_) return;
        auto size = frame.size();
        if (posted_bytes_.fetch_add(size) + size > max_queue_) {
            posted_bytes_.fetch_sub(size);
            return overflow();
        }
        const auto posted = std::chrono::steady_clock::now();
        post([self = shared_from_this(), frame = std::move(frame), size, posted] {
            if (self->steps_) self->steps_->console_connection.observe(secondsSince(posted));
            self->posted_bytes_.fetch_sub(size);
            if (self->overflowed_) return;
            if (self->con_->get_buffered_amount() + self->posted_bytes_.load() + size >
                self->max_queue_)
                return self->overflow();
            websocketpp::lib::error_code ec;
            ec = self->con_->send(frame, websocketpp::frame::opcode::text);
            if (ec) spdlog::debug("console: send: {}", ec.message());
        });
    }

    void close(int code, std::string reason) override { this->closeWith(code, std::move(reason)); }

    /// One frame from the client, on the connection's strand: false when it is over the rate
    /// (`frame_burst` at once, `frame_rate` a second on average), and the connection closes.
    bool takeFrame() {
        auto now = std::chrono::steady_clock::now();
        tokens_ = std::min(
            burst_, tokens_ + rate_ * std::chrono::duration<double>(now - refilled_).count());
        refilled_ = now;
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return true;
        }
        spdlog::warn("console: closing the connection of {}: more than {} frames a second",
                     who(), rate_);
        close(1008, "too many frames");
        return false;
    }

    std::optional<Principal> principal;
    std::optional<std::uint64_t> last_seq;
    std::shared_ptr<ConsoleHub::Client> client;

private:
    std::string remote_;  ///< the peer's address, read once at the upgrade

    void overflow() {
        closing_ = true;
        if (overflowed_.exchange(true)) return;
        spdlog::warn(
            "console: closing the connection of {}: more than {} bytes of frames wait to be sent "
            "(the client does not read them)",
            who(), max_queue_);
        post([self = shared_from_this()] {
            websocketpp::lib::error_code ec;
            self->con_->close(websocketpp::close::status::policy_violation,
                              "too many unread frames", ec);
        });
    }

    // For log lines: the agent, or the client's address.
    std::string who() const {
        if (principal) return principal->name;
        try {
            return forLog(con_->get_remote_endpoint(), 64);
        } catch (const std::exception&) {
            return "a client";
        }
    }

    using WsPeer<Cfg>::post;
    using WsPeer<Cfg>::con_;
    using WsPeer<Cfg>::closing_;

    const std::size_t max_queue_;
    std::atomic<std::size_t> posted_bytes_{0};  // sent by the hub, not yet handed to websocketpp
    std::atomic<bool> overflowed_{false};  // frames already posted are dropped too
    // The frame rate's token bucket; on the connection's strand.
    const double rate_;
    const double burst_;
    double tokens_;
    std::chrono::steady_clock::time_point refilled_;
    MessageSteps* const steps_;  // may be null
};

}  // namespace ccd::daemon::console
