#include "daemon/http/router.hpp"

#include <atomic>

#include "daemon/metrics.hpp"

namespace ccd::daemon::http {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j;
    }
    return out;
}

}  // namespace

struct Responder::State {
    SendFn send;
    std::atomic<bool> sent{false};

    ~State() {
        if (!sent.exchange(true) && send) {
            send(channels::WebResponse::error(500, "internal_error",
                                              "the request was dropped without an answer"));
        }
    }
};

Responder::Responder(SendFn send) : state_(std::make_shared<State>()) {
    state_->send = std::move(send);
}

void Responder::send(channels::WebResponse response) const {
    if (state_->sent.exchange(true)) return;
    state_->send(std::move(response));
}

std::string_view RoutedRequest::param(std::string_view name) const {
    for (const auto& [k, v] : params) {
        if (k == name) return v;
    }
    return {};
}

Router::Router(Metrics* metrics) : metrics_(metrics) {
    if (metrics_) {
        unmatched_index_ = metrics_->requests.addRoute("any", "unmatched");
        protocol_index_ = metrics_->requests.addRoute("any", "malformed");
    }
}

void Router::add(std::string method, std::string pattern, Handler handler) {
    Route r;
    r.method = std::move(method);
    r.pattern = std::move(pattern);
    for (auto s : splitPath(r.pattern)) r.segments.emplace_back(s);
    r.handler = std::move(handler);
    if (metrics_) r.metric_index = metrics_->requests.addRoute(r.method, r.pattern);
    routes_.push_back(std::move(r));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments,
                   std::vector<std::pair<std::string, std::string>>& params) {
    if (route.segments.size() != segments.size()) return false;
    params.clear();
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string& want = route.segments[i];
        if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
            if (segments[i].empty()) return false;
            params.emplace_back(want.substr(1, want.size() - 2), std::string(segments[i]));
        } else if (want != segments[i]) {
            return false;
        }
    }
    return true;
}

Responder Router::counted(Responder inner, std::size_t metric_index) const {
    if (!metrics_) return inner;
    Metrics* metrics = metrics_;
    return Responder([inner, metrics, metric_index](channels::WebResponse r) {
        metrics->requests.count(metric_index, r.status);
        inner.send(std::move(r));
    });
}

void Router::setRelay(Handler relay, std::function<bool(const channels::WebRequest&)> serve_here) {
    relay_ = std::move(relay);
    serve_here_ = std::move(serve_here);
    if (metrics_) relayed_index_ = metrics_->requests.addRoute("any", "relayed");
}

void Router::dispatch(channels::WebRequest request, Responder responder) const {
    auto relay = [&] {
        relay_(RoutedRequest{std::move(request), {}}, counted(std::move(responder), relayed_index_));
    };
    if (relay_ && serve_here_ && !serve_here_(request)) return relay();
    auto segments = splitPath(request.path());
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;
    for (const auto& route : routes_) {
        if (!match(route, segments, params)) continue;
        if (route.method == request.method) {
            RoutedRequest routed{std::move(request), std::move(params)};
            route.handler(std::move(routed), counted(std::move(responder), route.metric_index));
            return;
        }
        if (!allow.empty()) allow += ", ";
        allow += route.method;
    }
    if (relay_) return relay();
    auto out = counted(std::move(responder), unmatched_index_);
    if (!allow.empty()) {
        auto r = channels::WebResponse::error(405, "method_not_allowed",
                                              request.method + " is not allowed here; use " + allow);
        r.headers.emplace_back("Allow", allow);
        out.send(std::move(r));
        return;
    }
    if (unmatched_response_) return out.send(channels::WebResponse(*unmatched_response_));
    out.send(channels::WebResponse::error(404, "not_found",
                                          "no such resource: " + std::string(request.path())));
}

void Router::countProtocolResponse(int status) const {
    if (metrics_) metrics_->requests.count(protocol_index_, status);
}

}  // namespace ccd::daemon::http
