#include "daemon/intake.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "daemon/api_keys.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"

namespace ccd::daemon {

namespace {

using channels::WebResponse;

/// Signed requests seen lately, so that the same one is not taken twice (a replay).
class ReplayGuard {
public:
    static constexpr auto kWindow = std::chrono::minutes(10);
    static constexpr std::size_t kMax = 200000;

    bool seen(const std::string& key) {
        std::lock_guard lock(mutex_);
        prune();
        return keys_.count(key) > 0;
    }
    void remember(const std::string& key) {
        std::lock_guard lock(mutex_);
        if (keys_.emplace(key, std::chrono::steady_clock::now() + kWindow).second)
            order_.push_back(key);
        while (order_.size() > kMax) {
            keys_.erase(order_.front());
            order_.pop_front();
        }
    }

private:
    void prune() {
        auto now = std::chrono::steady_clock::now();
        while (!order_.empty()) {
            auto it = keys_.find(order_.front());
            if (it != keys_.end() && it->second > now) break;
            if (it != keys_.end()) keys_.erase(it);
            order_.pop_front();
        }
    }
    std::mutex mutex_;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> keys_;
    std::deque<std::string> order_;
};

std::string_view bearer(const channels::WebRequest& r) {
    std::string_view h = r.header("Authorization");
    constexpr std::string_view kScheme = "Bearer ";
    if (h.size() <= kScheme.size() || !channels::equalsIgnoreCase(h.substr(0, kScheme.size()), kScheme))
        return {};
    return h.substr(kScheme.size());
}

WebResponse unauthorized(std::string_view reason) {
    auto r = WebResponse::error(401, "unauthorized", reason);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
}

}  // namespace

struct Intake::Impl : std::enable_shared_from_this<Intake::Impl> {
    Impl(store::Store& s, Metrics& m, ApiKeys* k, RouteMessage r, Deliveries d, RouteCall rc)
        : store(s),
          metrics(m),
          keys(k),
          route(std::move(r)),
          deliveries(std::move(d)),
          route_call(std::move(rc)),
          requests(m.labeled("ccd_channel_requests_total",
                             "Provider requests by channel instance, whatever their outcome.",
                             "counter", "instance")),
          rejected(m.labeled("ccd_channel_rejected_total",
                             "Provider requests refused (signature, key, malformed body).",
                             "counter", "instance")),
          stored(m.labeled("ccd_channel_messages_total", "New inbound messages stored.",
                           "counter", "instance")),
          ignored(m.labeled("ccd_channel_ignored_total",
                            "Provider updates that carry nothing for ccd (acknowledged).",
                            "counter", "instance")) {}

    store::Store& store;
    Metrics& metrics;
    ApiKeys* keys;
    RouteMessage route;
    Deliveries deliveries;
    RouteCall route_call;
    ReplayGuard replays;
    LabeledValues& requests;
    LabeledValues& rejected;
    LabeledValues& stored;
    LabeledValues& ignored;

    void refuse(const channels::ChannelInstancePtr& inst, const http::Responder& r,
                WebResponse response, std::string_view why, const std::string& from) {
        rejected.at(inst->name()).fetch_add(1, std::memory_order_relaxed);
        spdlog::info("intake: {}: refused a request from {}: {}", inst->name(), from, why);
        r.send(std::move(response));
    }

    void parsed(const channels::ChannelInstancePtr& inst, const channels::WebRequest& req,
                const http::Responder& r, std::string client) {
        channels::ParseOutcome out;
        try {
            out = inst->inbound->parse(req, channels::ParseContext{routing::Clock::now(), client});
        } catch (const std::exception& e) {
            // Adapters return rejections; an exception is a bug, answered without details.
            spdlog::error("intake: {}: the channel failed on a request: {}", inst->name(), e.what());
            return r.send(WebResponse::error(400, "unreadable", "the request could not be read"));
        }
        if (out.rejection) {
            const auto& rj = *out.rejection;
            return refuse(inst, r, WebResponse::error(rj.status, rj.code, rj.reason, rj.field),
                          rj.reason, req.remote_address);
        }
        if (out.immediate) return r.send(std::move(*out.immediate));
        if (!out.replay_key.empty() && replays.seen(out.replay_key))
            return refuse(inst, r,
                          WebResponse::error(409, "replayed",
                                             "this signed request was received before"),
                          "a replayed signature", req.remote_address);
        if (out.ignored) ignored.at(inst->name()).fetch_add(static_cast<std::int64_t>(out.ignored));
        if (out.empty()) {
            if (!out.replay_key.empty()) replays.remember(out.replay_key);
            return r.send(inst->inbound->answer({}));
        }
        auto self = shared_from_this();
        auto replay = std::make_shared<std::string>(std::move(out.replay_key));
        auto stored_answer = std::make_shared<std::optional<WebResponse>>(std::move(out.stored_answer));
        storeAndRoute(
            inst, std::move(out), client, {},
            [self, replay] {
                if (!replay->empty()) self->replays.remember(*replay);
            },
            [inst, r, stored_answer](std::optional<channels::IntakeReceipt> receipt) {
                if (!receipt) {
                    // Nothing was stored: the provider must send it again (and may: no replay
                    // mark).
                    auto response = WebResponse::error(503, "store_unavailable",
                                                       "the request was not stored; send it again");
                    response.headers.emplace_back("Retry-After", "1");
                    return r.send(std::move(response));
                }
                if (*stored_answer) return r.send(std::move(**stored_answer));
                r.send(inst->inbound->answer(*receipt));
            });
    }

    // The common part of every intake: store everything of the request (and the instance's
    // `state`) in one commit, hand delivery changes and new messages to the engine, and call
    // `finished` once the engine's decisions for every new message are stored (a read right
    // after the answer shows the routing), with nullopt when nothing was stored. `committed`
    // runs right after the commit.
    void storeAndRoute(const channels::ChannelInstancePtr& inst, channels::ParseOutcome out,
                       const std::string& client,
                       std::vector<std::pair<std::string, std::string>> state,
                       std::function<void()> committed,
                       std::function<void(std::optional<channels::IntakeReceipt>)> finished) {
        store::InboundBatch batch;
        batch.channel_instance = inst->name();
        for (auto& m : out.messages) {
            m.channel_instance = inst->name();
            if (m.api_client.empty()) m.api_client = client;
        }
        auto messages = std::make_shared<std::vector<routing::InboundMessage>>(out.messages);
        auto calls = std::make_shared<std::vector<channels::CallEvent>>(out.calls);
        batch.messages = std::move(out.messages);
        batch.edits = std::move(out.edits);
        batch.reports = std::move(out.reports);
        batch.contact_events = std::move(out.contact_events);
        batch.attachment_contents = std::move(out.attachment_contents);
        batch.calls = std::move(out.calls);
        batch.channel_state = std::move(state);
        auto self = shared_from_this();
        const auto handed = std::chrono::steady_clock::now();
        store.ingestBatch(std::move(batch),
                          [self, inst, messages, calls, handed, committed = std::move(committed),
                           finished = std::move(finished)](
                              store::StoreResult<store::BatchIngested> res) {
                              if (!res) {
                                  spdlog::error("intake: {}: not stored: {}", inst->name(),
                                                res.error->message);
                                  return finished(std::nullopt);
                              }
                              if (!messages->empty())
                                  self->metrics.steps.store.observe(secondsSince(handed));
                              if (committed) committed();
                              self->storedBatch(inst, *messages, *calls, std::move(*res.value),
                                                finished);
                          });
    }

    // The steps of a call whose request waits for the next decision (one a request): the
    // phone menu's key, a queued caller's poll, the caller taken out of the phone system's queue.
    static bool askingStep(const channels::CallEvent& e) {
        return e.type == "call.digits" || e.type == "call.waiting" || e.type == "call.dequeued";
    }
    // The steps of a call that routing acts on (the rest are only recorded).
    static bool routedStep(const channels::CallEvent& e) {
        return askingStep(e) || e.type == "call.hangup";
    }

    void storedBatch(const channels::ChannelInstancePtr& inst,
                     const std::vector<routing::InboundMessage>& messages,
                     const std::vector<channels::CallEvent>& calls,
                     store::BatchIngested result,
                     const std::function<void(std::optional<channels::IntakeReceipt>)>& finished) {
        if (!result.deliveries.empty() && deliveries) deliveries(std::move(result.deliveries));
        auto receipt = std::make_shared<channels::IntakeReceipt>();
        std::vector<std::size_t> fresh;
        for (std::size_t i = 0; i < result.messages.size(); ++i) {
            const auto& m = result.messages[i];
            receipt->messages.push_back(
                {m.message_id, m.conversation_id, m.duplicate, m.conflict, std::nullopt});
            if (!m.duplicate) fresh.push_back(i);
        }
        stored.at(inst->name()).fetch_add(static_cast<std::int64_t>(fresh.size()));
        std::vector<std::size_t> steps;
        for (const auto& c : calls) {
            if (askingStep(c)) receipt->call_step_type = c.type;
        }
        if (route_call) {
            for (std::size_t i = 0; i < calls.size() && i < result.calls.size(); ++i) {
                if (result.calls[i].conversation_id && routedStep(calls[i])) steps.push_back(i);
            }
        }
        if (!route) fresh.clear();
        if (fresh.empty() && steps.empty()) return finished(*receipt);
        auto left = std::make_shared<std::atomic<std::size_t>>(fresh.size() + steps.size());
        for (auto i : steps) {
            const bool asking = askingStep(calls[i]);
            route_call(*result.calls[i].conversation_id, calls[i], result.calls[i].duplicate,
                       [receipt, left, finished, asking](std::optional<channels::CallDecision> d) {
                           // The request's answer (one asking step per request).
                           if (asking) receipt->call_step = std::move(d);
                           if (left->fetch_sub(1) == 1) finished(*receipt);
                       });
        }
        for (auto i : fresh) {
            route(result.messages[i], messages[i],
                  [receipt, left, finished, i](std::optional<channels::CallDecision> call) {
                      // Each message writes its own slot; the last one to finish answers.
                      receipt->messages[i].call = std::move(call);
                      if (left->fetch_sub(1) == 1) finished(*receipt);
                  });
        }
    }
};

Intake::Intake(store::Store& store, Metrics& metrics, ApiKeys* keys, RouteMessage route,
               Deliveries deliveries, RouteCall route_call)
    : impl_(std::make_shared<Impl>(store, metrics, keys, std::move(route), std::move(deliveries),
                                   std::move(route_call))) {}

Intake::~Intake() = default;

void Intake::ingest(const channels::ChannelInstancePtr& inst, channels::ParseOutcome outcome,
                    std::vector<std::pair<std::string, std::string>> state,
                    std::function<void(bool stored)> done) {
    auto self = impl_;
    self->requests.at(inst->name()).fetch_add(1, std::memory_order_relaxed);
    if (outcome.ignored)
        self->ignored.at(inst->name()).fetch_add(static_cast<std::int64_t>(outcome.ignored));
    if (outcome.empty() && state.empty()) return done(true);
    self->storeAndRoute(inst, std::move(outcome), {}, std::move(state), nullptr,
                        [done = std::move(done)](std::optional<channels::IntakeReceipt> receipt) {
                            done(receipt.has_value());
                        });
}

void Intake::handle(const channels::ChannelInstancePtr& inst, channels::WebRequest request,
                    const http::Responder& r) {
    auto self = impl_;
    self->requests.at(inst->name()).fetch_add(1, std::memory_order_relaxed);
    if (!inst->inbound->requiresApiKey()) return self->parsed(inst, request, r, {});
    std::string key(bearer(request));
    if (key.empty())
        return self->refuse(inst, r, unauthorized("an API key is required (Authorization: Bearer)"),
                            "no API key", request.remote_address);
    if (!self->keys)
        return self->refuse(inst, r, unauthorized("API keys are not available"), "no key store",
                            request.remote_address);
    auto req = std::make_shared<channels::WebRequest>(std::move(request));
    self->keys->authenticate(key, [self, inst, req, r](std::optional<std::string> client) {
        if (!client)
            return self->refuse(inst, r, unauthorized("the API key is not valid"),
                                "an unknown or revoked API key", req->remote_address);
        auto allowed = inst->inbound->clients();
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), *client) == allowed.end())
            return self->refuse(inst, r,
                                WebResponse::error(403, "forbidden",
                                                   "client \"" + *client +
                                                       "\" may not post to this channel"),
                                "client not allowed here", req->remote_address);
        self->parsed(inst, *req, r, *client);
    });
}

}  // namespace ccd::daemon
