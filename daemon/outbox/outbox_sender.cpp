#include "daemon/json_time.hpp"
#include "daemon/outbox/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cmath>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "daemon/metrics.hpp"
#include "daemon/outbox/http_client.hpp"

namespace ccd::daemon::outbox {

namespace asio = boost::asio;
using channels::SendOutcome;
using SteadyClock = std::chrono::steady_clock;

std::chrono::milliseconds backoff(const channels::RetryPolicy& policy, int attempt, double unit) {
    double base = static_cast<double>(policy.initial.count()) *
                  std::pow(2.0, std::max(0, std::min(attempt, 40) - 1));
    base = std::min(base, static_cast<double>(policy.max.count()));
    double factor = 0.75 + 0.5 * std::clamp(unit, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(base * factor));
}

namespace {

channels::OutgoingMessage toMessage(const store::OutboxItem& i) {
    channels::OutgoingMessage m;
    m.outbox_id = i.outbox_id;
    m.message_id = i.message_id;
    m.conversation_id = i.conversation_id;
    m.text = i.text;
    m.subject = i.subject;
    m.html = i.html;
    m.template_id = i.template_id;
    m.locale = i.locale;
    m.author = i.author;
    m.to = i.to;
    if (i.last_inbound_at_ms)
        m.last_inbound_at = routing::TimePoint(std::chrono::milliseconds(*i.last_inbound_at_ms));
    m.idempotency_key = i.idempotency_key;
    m.attempt = i.attempt;
    m.window_template = i.window_template;
    m.created_at_ms = i.created_at_ms;
    m.customer_message_id = i.customer_message_id;
    m.customer_refs = i.customer_refs;
    m.customer_subject = i.customer_subject;
    m.dial = i.dial;
    return m;
}

}  // namespace

struct OutboxSender::Impl : std::enable_shared_from_this<OutboxSender::Impl> {
    Impl(asio::io_context& io, store::Store& s, Metrics& m, HttpClient& h, Channels c,
         SenderOptions o, Deliveries d)
        : strand(asio::make_strand(io)),
          timer(strand),
          counts_timer(strand),
          store(s),
          metrics(m),
          http(h),
          channels(std::move(c)),
          options(o),
          deliveries(std::move(d)),
          rng(std::random_device{}()),
          sent(m.labeled("ccd_outbox_sent_total", "Outbound messages the provider accepted.",
                         "counter", "instance")),
          retries(m.labeled("ccd_outbox_retries_total",
                            "Sends that will be tried again (provider down, throttled, 5xx).",
                            "counter", "instance")),
          failed(m.labeled("ccd_outbox_failed_total", "Outbound messages that failed for good.",
                           "counter", "instance")),
          in_flight_gauge(m.labeled("ccd_outbox_in_flight", "Sends under way.", "gauge",
                                    "instance")),
          pending_gauge(m.labeled("ccd_outbox_pending",
                                  "Outbound messages waiting for their (next) try.", "gauge",
                                  "instance")),
          duplicates(m.labeled("ccd_outbox_possible_duplicates_total",
                               "Messages whose send was in flight when ccd stopped without "
                               "its outcome: sent again, so the customer may get them twice.",
                               "counter", "cause")) {}

    /// One channel instance's sending state.
    struct Lane {
        std::size_t in_flight = 0;
        bool claiming = false;
        SteadyClock::time_point paused_until{};
        std::optional<channels::AccessToken> token;
        bool fetching_token = false;
        std::vector<store::OutboxItem> waiting_token;
    };

    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;         // the next wake-up: a due retry, a pause's end, the poll
    asio::steady_timer counts_timer;  // refreshes the pending gauge
    SteadyClock::time_point wake_at = SteadyClock::time_point::max();
    store::Store& store;
    Metrics& metrics;
    HttpClient& http;
    Channels channels;
    SenderOptions options;
    Deliveries deliveries;
    std::mt19937_64 rng;
    LabeledValues& sent;
    LabeledValues& retries;
    LabeledValues& failed;
    LabeledValues& in_flight_gauge;
    LabeledValues& pending_gauge;
    LabeledValues& duplicates;

    std::map<std::string, Lane> lanes;  // strand only
    std::vector<store::OutboxResult> results;
    bool flushing = false;
    std::atomic<bool> stopping{false};
    std::atomic<bool> started{false};
    std::atomic<std::size_t> total_in_flight{0};
    std::atomic<std::size_t> unflushed{0};  // outcomes not stored yet
    SteadyClock::time_point last_claim_error{};

    template <class F>
    void onStrand(F f) {
        asio::post(strand, [self = shared_from_this(), f = std::move(f)]() mutable {
            try {
                f();
            } catch (const std::exception& e) {
                spdlog::error("outbox: {}", e.what());
            }
        });
    }

    // ---- taking messages -------------------------------------------------------------

    void pump() {
        // Before start() has put what a crash left `sending` back in line, a claim could take
        // a message that the resume then releases while it is in flight.
        if (stopping || !started) return;
        auto set = channels();
        if (!set) return;
        auto now = SteadyClock::now();
        for (const auto& inst : set->all()) {
            if (!inst->outbound->pushes()) continue;
            auto& lane = lanes[inst->name()];
            if (lane.claiming) continue;
            if (now < lane.paused_until) {
                wakeAt(lane.paused_until);
                continue;
            }
            std::size_t max = inst->settings->max_in_flight;
            if (lane.in_flight >= max) continue;
            std::size_t free = max - lane.in_flight;
            // A claim is a store write: take messages in batches, not one per freed slot.
            if (lane.in_flight > 0 && free < std::max<std::size_t>(1, max / 4)) continue;
            std::size_t limit = std::min(free, options.claim_batch);
            lane.claiming = true;
            auto self = shared_from_this();
            store.claimOutbox(inst->name(), limit, nowUnixMillis(),
                              [self, name = inst->name(), limit](
                                  store::StoreResult<store::OutboxClaim> r) {
                                  self->onStrand([self, name, limit, r = std::move(r)]() mutable {
                                      self->claimed(name, limit, std::move(r));
                                  });
                              });
        }
    }

    void claimed(const std::string& name, std::size_t limit,
                 store::StoreResult<store::OutboxClaim> r) {
        auto& lane = lanes[name];
        lane.claiming = false;
        if (!r) {
            if (SteadyClock::now() - last_claim_error > std::chrono::seconds(10)) {
                spdlog::error("outbox: cannot read {}'s outbox: {}", name, r.error->message);
                last_claim_error = SteadyClock::now();
            }
            wakeAt(SteadyClock::now() + std::chrono::seconds(1));
            return;
        }
        auto set = channels();
        auto inst = set ? set->find(name) : nullptr;
        auto claim = std::move(*r.value);
        for (auto& item : claim.items) {
            ++lane.in_flight;
            ++total_in_flight;
            in_flight_gauge.at(name).fetch_add(1, std::memory_order_relaxed);
            if (!inst) {
                // The instance went away in a reload between the claim and now.
                finish(name, item, SendOutcome::retry("channel instance " + name +
                                                      " is not configured",
                                                      std::chrono::minutes(1)));
                continue;
            }
            send(inst, std::move(item));
        }
        if (claim.items.size() >= limit) {
            pump();
        } else if (claim.next_due_ms) {
            auto in = std::chrono::milliseconds(*claim.next_due_ms - nowUnixMillis());
            if (in.count() > 0) wakeAt(SteadyClock::now() + in);
        }
    }

    // ---- sending -----------------------------------------------------------------------

    void send(const channels::ChannelInstancePtr& inst, store::OutboxItem item) {
        auto& lane = lanes[inst->name()];
        const auto& out = *inst->outbound;
        auto now = routing::Clock::now();
        if (out.tokenRequest()) {
            if (!lane.token || lane.token->expires_at <= now) {
                lane.waiting_token.push_back(std::move(item));
                fetchToken(inst);
                return;
            }
        }
        auto message = toMessage(item);
        channels::BuiltSend built;
        try {
            built = out.build(message, lane.token ? &*lane.token : nullptr, now);
        } catch (const std::exception& e) {
            built.outcome = SendOutcome::failed(std::string("cannot build the request: ") + e.what());
        }
        if (built.outcome || !built.call) {
            return finish(inst->name(), item,
                          built.outcome ? *built.outcome
                                        : SendOutcome::failed("the channel built no request"));
        }
        auto self = shared_from_this();
        auto sent_at = SteadyClock::now();
        http.submit(std::move(*built.call), inst->settings->send_timeout,
                    [self, inst, item = std::move(item), message = std::move(message),
                     sent_at](channels::HttpAnswer answer) mutable {
                        self->onStrand([self, inst, item = std::move(item),
                                        message = std::move(message), answer = std::move(answer),
                                        sent_at]() mutable {
                            self->metrics.outbox_send_seconds.observe(
                                std::chrono::duration<double>(SteadyClock::now() - sent_at)
                                    .count());
                            SendOutcome outcome;
                            try {
                                outcome = inst->outbound->classify(message, answer);
                            } catch (const std::exception& e) {
                                outcome = SendOutcome::retry(
                                    std::string("cannot read the provider's answer: ") + e.what());
                            }
                            self->finish(inst->name(), item, outcome);
                        });
                    });
    }

    void fetchToken(const channels::ChannelInstancePtr& inst) {
        auto& lane = lanes[inst->name()];
        if (lane.fetching_token) return;
        lane.fetching_token = true;
        auto self = shared_from_this();
        http.submit(*inst->outbound->tokenRequest(), inst->settings->send_timeout,
                    [self, inst](channels::HttpAnswer answer) {
                        self->onStrand([self, inst, answer = std::move(answer)] {
                            self->tokenFetched(inst, answer);
                        });
                    });
    }

    void tokenFetched(const channels::ChannelInstancePtr& inst, const channels::HttpAnswer& a) {
        auto& lane = lanes[inst->name()];
        lane.fetching_token = false;
        std::string error;
        auto token = inst->outbound->parseToken(a, routing::Clock::now(), error);
        auto waiting = std::move(lane.waiting_token);
        lane.waiting_token.clear();
        if (token) {
            lane.token = std::move(token);
            for (auto& item : waiting) send(inst, std::move(item));
            return;
        }
        spdlog::error("outbox: {}: {}", inst->name(), error);
        for (auto& item : waiting) finish(inst->name(), item, SendOutcome::retry(error));
    }

    // ---- outcomes ----------------------------------------------------------------------

    void finish(const std::string& name, const store::OutboxItem& item, SendOutcome outcome) {
        auto& lane = lanes[name];
        if (lane.in_flight > 0) --lane.in_flight;
        --total_in_flight;
        in_flight_gauge.at(name).fetch_sub(1, std::memory_order_relaxed);
        store::OutboxResult r;
        r.outbox_id = item.outbox_id;
        switch (outcome.kind) {
            case SendOutcome::Kind::Sent:
                r.kind = store::OutboxResult::Kind::Sent;
                r.provider_message_id = outcome.provider_message_id;
                sent.at(name).fetch_add(1, std::memory_order_relaxed);
                break;
            case SendOutcome::Kind::Failed:
                r.kind = store::OutboxResult::Kind::Failed;
                r.reason = outcome.reason;
                failed.at(name).fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("outbox: {}: message {} of conversation {} failed: {}", name,
                             item.message_id, item.conversation_id, outcome.reason);
                break;
            case SendOutcome::Kind::Retry:
                retry(name, lane, item, outcome, r);
                break;
        }
        results.push_back(std::move(r));
        ++unflushed;
        flush();
        pump();
    }

    void retry(const std::string& name, Lane& lane, const store::OutboxItem& item,
               const SendOutcome& outcome, store::OutboxResult& r) {
        if (outcome.refresh_token) lane.token.reset();
        auto set = channels();
        auto inst = set ? set->find(name) : nullptr;
        channels::RetryPolicy policy = inst ? inst->settings->retry : channels::RetryPolicy{};
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        auto delay = outcome.retry_after.value_or(backoff(policy, item.attempt, unit(rng)));
        if (outcome.pause_instance) {
            auto pause = outcome.retry_after.value_or(delay);
            lane.paused_until = std::max(lane.paused_until, SteadyClock::now() + pause);
            wakeAt(lane.paused_until);
        }
        auto now = nowUnixMillis();
        bool too_many = item.attempt >= policy.max_attempts;
        bool too_old = now + delay.count() > item.created_at_ms + policy.give_up_after.count();
        if (too_many || too_old) {
            r.kind = store::OutboxResult::Kind::Failed;
            r.reason = "gave up after " + std::to_string(item.attempt) +
                       (item.attempt == 1 ? " try" : " tries") + ": " + outcome.reason;
            failed.at(name).fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("outbox: {}: message {} of conversation {} failed: {}", name,
                         item.message_id, item.conversation_id, r.reason);
            return;
        }
        r.kind = store::OutboxResult::Kind::Retry;
        r.next_attempt_ms = now + delay.count();
        r.reason = outcome.reason;
        retries.at(name).fetch_add(1, std::memory_order_relaxed);
        spdlog::debug("outbox: {}: message {} again in {} ms: {}", name, item.message_id,
                      delay.count(), outcome.reason);
        wakeAt(SteadyClock::now() + delay);
    }

    // Outcomes are stored in batches: whatever ended while the previous batch was committing.
    void flush() {
        if (flushing || results.empty()) return;
        flushing = true;
        auto batch = std::make_shared<std::vector<store::OutboxResult>>(std::move(results));
        results.clear();
        auto self = shared_from_this();
        store.completeOutbox(
            *batch, [self, batch](store::StoreResult<std::vector<store::DeliveryChange>> r) {
                self->onStrand([self, batch, r = std::move(r)]() mutable {
                    self->flushing = false;
                    if (!r) {
                        // Kept and written again: the sends happened, their outcome must stay.
                        spdlog::error("outbox: storing {} outcomes failed: {}", batch->size(),
                                      r.error->message);
                        self->results.insert(self->results.begin(), batch->begin(), batch->end());
                        self->retryFlushLater();
                        return;
                    }
                    self->unflushed -= batch->size();
                    if (self->deliveries && !r.value->empty()) self->deliveries(std::move(*r.value));
                    self->flush();
                    // A stored outcome may free the next message of its conversation.
                    self->pump();
                });
            });
    }

    void retryFlushLater() {
        flushing = true;  // nothing else flushes meanwhile
        auto t = std::make_shared<asio::steady_timer>(strand, std::chrono::seconds(1));
        t->async_wait([self = shared_from_this(), t](const boost::system::error_code&) {
            self->flushing = false;
            self->flush();
        });
    }

    // ---- timers --------------------------------------------------------------------------

    void wakeAt(SteadyClock::time_point at) {
        if (stopping || at >= wake_at) return;
        wake_at = at;
        timer.expires_at(at);
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec) return;
            self->wake_at = SteadyClock::time_point::max();
            self->pump();
            self->wakeAt(SteadyClock::now() + self->options.poll_interval);
        });
    }

    void refreshCounts() {
        if (stopping) return;
        auto self = shared_from_this();
        store.outboxCounts(
            [self](store::StoreResult<std::map<std::string, store::OutboxCounts>> r) {
                if (!r) return;
                self->onStrand([self, counts = std::move(*r.value)] {
                    for (const auto& [name, lane] : self->lanes)
                        self->pending_gauge.at(name).store(0, std::memory_order_relaxed);
                    for (const auto& [name, c] : counts)
                        self->pending_gauge.at(name).store(static_cast<std::int64_t>(c.pending),
                                                           std::memory_order_relaxed);
                });
            });
        counts_timer.expires_after(std::chrono::seconds(5));
        counts_timer.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) self->refreshCounts();
        });
    }
};

OutboxSender::OutboxSender(asio::io_context& ioc, store::Store& store, Metrics& metrics,
                           HttpClient& http, Channels channels, SenderOptions options,
                           Deliveries deliveries)
    : impl_(std::make_shared<Impl>(ioc, store, metrics, http, std::move(channels), options,
                                   std::move(deliveries))) {}

OutboxSender::~OutboxSender() { impl_->stopping = true; }

void OutboxSender::start() {
    std::promise<store::StoreResult<std::size_t>> resumed;
    impl_->store.resumeOutbox(
        [&resumed](store::StoreResult<std::size_t> r) { resumed.set_value(std::move(r)); });
    auto r = resumed.get_future().get();
    if (!r) throw std::runtime_error("cannot resume the outbox: " + r.error->message);
    if (*r.value > 0) {
        spdlog::warn("outbox: {} messages were being sent when ccd stopped; they are sent again "
                     "(a customer may get one of them twice)",
                     *r.value);
        impl_->duplicates.at("in_flight_at_start").fetch_add(static_cast<std::int64_t>(*r.value));
    }
    impl_->started = true;
    impl_->onStrand([self = impl_] {
        self->pump();
        self->wakeAt(SteadyClock::now() + self->options.poll_interval);
        self->refreshCounts();
    });
}

void OutboxSender::stop(std::chrono::milliseconds grace) {
    if (impl_->stopping.exchange(true)) return;
    auto deadline = SteadyClock::now() + grace;
    while ((impl_->total_in_flight > 0 || impl_->unflushed > 0) && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (impl_->total_in_flight > 0)
        spdlog::warn("outbox: {} sends still in flight at shutdown; they are resumed at the next "
                     "start",
                     impl_->total_in_flight.load());
    std::promise<void> cancelled;
    impl_->onStrand([self = impl_, &cancelled] {
        self->timer.cancel();
        self->counts_timer.cancel();
        cancelled.set_value();
    });
    cancelled.get_future().wait_for(std::chrono::seconds(2));
}

void OutboxSender::poke() {
    impl_->onStrand([self = impl_] { self->pump(); });
}

void OutboxSender::typing(std::int64_t conversation_id) {
    auto self = impl_;
    self->store.deliveryTarget(
        conversation_id, [self](store::StoreResult<std::optional<store::DeliveryTarget>> r) {
            if (!r || !*r.value) return;
            self->onStrand([self, target = **r.value] {
                auto set = self->channels();
                auto inst = set ? set->find(target.channel_instance) : nullptr;
                if (!inst || self->stopping) return;
                auto& lane = self->lanes[inst->name()];
                auto call = inst->outbound->typing(target.to, lane.token ? &*lane.token : nullptr);
                if (!call) return;
                // Best effort: a lost typing indicator is not worth a retry.
                self->http.submit(std::move(*call), std::chrono::seconds(5),
                                  [](channels::HttpAnswer) {});
            });
        });
}

std::size_t OutboxSender::inFlight() const { return impl_->total_in_flight.load(); }

}  // namespace ccd::daemon::outbox
