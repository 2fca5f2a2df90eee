#pragma once
// Maps (method, path pattern) to handlers. Transport-neutral: tested without sockets.
// Patterns are literal segments and `{name}` parameters: "/v1/conversations/{id}".

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/web_types.hpp"

namespace ccd::daemon {
class Metrics;
}

namespace ccd::daemon::http {

/// Sends the one response of a request. Copyable; only the first send() counts. If every copy
/// is dropped without a send, a 500 is sent, so no client is ever left waiting.
/// Thread safety: send() may be called from any thread.
class Responder {
public:
    using SendFn = std::function<void(channels::WebResponse)>;
    explicit Responder(SendFn send);
    void send(channels::WebResponse response) const;

private:
    struct State;
    std::shared_ptr<State> state_;
};

/// A request matched to a route, with the pattern's parameters.
struct RoutedRequest {
    channels::WebRequest http;
    std::vector<std::pair<std::string, std::string>> params;

    /// The value of `{name}` in the matched pattern, or empty.
    std::string_view param(std::string_view name) const;
};

using Handler = std::function<void(RoutedRequest&&, Responder)>;

/// Routes requests; answers 404 for an unknown path and 405 (with Allow) for a known path with
/// another method. Add every route before serving; dispatch() is then thread-safe.
class Router {
public:
    /// `metrics` (may be null) counts requests by route and status.
    explicit Router(Metrics* metrics);

    void add(std::string method, std::string pattern, Handler handler);
    /// What answers a path no route has (instead of 404): a follower's "ask the leader".
    void setUnmatched(channels::WebResponse response) { unmatched_response_ = std::move(response); }
    /// A follower's relay to the leader: a request for which `serve_here` is false, or that no
    /// route answers here (unknown path, or a method this node has no route for), goes to
    /// `relay`, counted as route "relayed".
    void setRelay(Handler relay, std::function<bool(const channels::WebRequest&)> serve_here);

    /// Hands the request to its route's handler, or answers it.
    void dispatch(channels::WebRequest request, Responder responder) const;

    /// Counts a response the server produced itself (malformed request, size limits).
    void countProtocolResponse(int status) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        Handler handler;
        std::size_t metric_index = 0;
    };
    static bool match(const Route& route, const std::vector<std::string_view>& segments,
                      std::vector<std::pair<std::string, std::string>>& params);
    Responder counted(Responder inner, std::size_t metric_index) const;

    Metrics* metrics_;
    std::vector<Route> routes_;
    std::size_t unmatched_index_ = 0;
    std::size_t protocol_index_ = 0;
    std::optional<channels::WebResponse> unmatched_response_;
    Handler relay_;
    std::function<bool(const channels::WebRequest&)> serve_here_;
    std::size_t relayed_index_ = 0;
};

}  // namespace ccd::daemon::http
