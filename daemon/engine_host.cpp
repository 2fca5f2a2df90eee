#include "daemon/engine_host.hpp"
#include "daemon/json_time.hpp"

#include "routing/engine.hpp"
#include "templates/variables.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <unordered_set>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/call_back_dial.hpp"
#include "daemon/metrics.hpp"
#include "daemon/reports/kpi_metrics.hpp"
#include "daemon/routing_json.hpp"
#include "daemon/store/store.hpp"
#include "templates/catalog.hpp"
#include "templates/survey_answer.hpp"

namespace ccd::daemon {

namespace asio = boost::asio;
using routing::Action;

struct EngineHost::Impl : std::enable_shared_from_this<EngineHost::Impl> {
    Impl(asio::io_context& io, store::Store& s, Metrics& m, routing::RoutingConfigPtr config,
         CatalogProvider c)
        : ioc(io),
          strand(asio::make_strand(io)),
          timer(strand),
          store(s),
          metrics(m),
          engine(std::move(config)),
          catalog(std::move(c)) {
        metrics.addSection([k = kpis](std::string& out) { k->render(out); });
    }

    asio::io_context& ioc;
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    store::Store& store;
    Metrics& metrics;
    routing::Engine engine;  // strand only
    CatalogProvider catalog;
    std::function<std::string(const std::string&)> sip_of;  // set before start()
    std::shared_ptr<reports::KpiMetrics> kpis = std::make_shared<reports::KpiMetrics>();
    std::vector<Listener> listeners;
    std::atomic<bool> stopped{false};
    std::atomic<std::uint64_t> events_handled{0};
    std::atomic<std::uint64_t> auto_replies{0};
    std::atomic<std::size_t> waiting{0};
    // Inbound messages handled lately (strand only), so that one replayed while, or after, it
    // was routed here is not routed again; the oldest are forgotten past kHandledKept.
    static constexpr std::size_t kHandledKept = 200000;
    std::unordered_set<std::int64_t> handled;
    std::deque<std::int64_t> handled_order;

    // False for a message handled before; remembers it otherwise.
    bool firstTime(const routing::Event& event) {
        const auto* m = std::get_if<routing::MessageReceived>(&event);
        if (!m || m->message_id == 0) return true;
        if (!handled.insert(m->message_id).second) return false;
        handled_order.push_back(m->message_id);
        if (handled_order.size() > kHandledKept) {
            handled.erase(handled_order.front());
            handled_order.pop_front();
        }
        return true;
    }

    // The variables a template may use, from what the engine knows now.
    templates::Vars contextFor(const routing::AutoReply& a, const std::vector<Action>& actions,
                               const std::optional<routing::ConversationSnapshot>& conv,
                               const routing::ContactProfile* contact, routing::TimePoint now) {
        templates::Vars v;
        v["ticket"] = std::to_string(a.conversation_id);
        if (contact && contact->name) v["contact_name"] = *contact->name;
        if (contact) v["contact_tier"] = contact->tier;
        v["company_name"] = std::string("Customer Service");
        if (conv) {
            v["category"] = conv->category;
            v["priority"] = routing::priorityName(conv->priority);
            v["channel"] = std::string(routing::toString(conv->channel));
            if (conv->agent) v["agent_name"] = *conv->agent;
            for (const auto& d : conv->deadlines) {
                if (d.milestone == routing::Milestone::FirstResponse) v["first_response_due"] = d.due_at;
                if (d.milestone == routing::Milestone::Plan) v["plan_due"] = d.due_at;
            }
        }
        for (const auto& act : actions) {
            if (const auto* q = std::get_if<routing::Queued>(&act);
                q && q->conversation_id == a.conversation_id) {
                v["queue_position"] = static_cast<std::int64_t>(q->position);
                // A rough promise: a few minutes per conversation ahead, never below 1.
                v["estimated_wait_minutes"] =
                    static_cast<std::int64_t>(std::max<std::size_t>(1, q->position * 3));
            }
        }
        if (auto next = engine.nextOpening(now)) v["next_opening"] = *next;
        // A service case's variables, typed as the template context documents them.
        for (const auto& [name, text] : a.params) {
            const auto* spec = templates::findVariable(name);
            if (!spec) continue;
            if (spec->type == templates::VarType::Time) {
                if (auto t = parseRfc3339(text)) v[name] = *t;
            } else if (spec->type == templates::VarType::String) {
                v[name] = text;
            } else {
                v[name] = static_cast<std::int64_t>(std::strtoll(text.c_str(), nullptr, 10));
            }
        }
        return v;
    }

    std::string timeZone(const routing::ContactProfile* contact) const {
        if (contact) {
            auto it = contact->attributes.find("time_zone");
            if (it != contact->attributes.end()) return it->second;
        }
        const auto& cfg = engine.config();
        auto it = cfg.calendars.find(cfg.defaults.calendar);
        return it == cfg.calendars.end() ? std::string("UTC") : it->second.time_zone;
    }

    // Turns the engine's actions into one store write. Runs on the strand.
    store::RoutingUpdate buildUpdate(const routing::Event& event, const std::vector<Action>& actions,
                                     routing::TimePoint now) {
        store::RoutingUpdate u;
        u.conversations = engine.takeChanged();
        const routing::ContactProfile* contact = nullptr;
        if (const auto* m = std::get_if<routing::MessageReceived>(&event)) {
            u.routed_upto.emplace_back(m->conversation_id, m->message_id);
            contact = &m->contact;
        }
        const std::int64_t now_ms = routing::unixMillis(now);
        if (const auto* t = std::get_if<routing::TransferRequested>(&event);
            t && std::none_of(actions.begin(), actions.end(), [](const Action& a) {
                return std::holds_alternative<routing::Rejected>(a);
            })) {
            // The hand-over itself, with the note for the next agent, is a step of the record.
            nlohmann::json j{{"from", t->agent}, {"note", t->note}};
            if (t->to_agent) j["to_agent"] = *t->to_agent;
            if (t->to_queue) j["to_queue"] = *t->to_queue;
            u.events.push_back(store::EventRecord{t->conversation_id, "transfer", j.dump(), now_ms});
        }
        auto cat = catalog ? catalog() : nullptr;
        for (const auto& action : actions) {
            // A refused command is answered to whoever sent it, not a step of the conversation
            // (which may not even exist: an agent can name any id).
            if (std::holds_alternative<routing::Rejected>(action)) continue;
            // A delivery state is recorded on its message already; only a failure is a step of
            // the conversation's record.
            if (const auto* d = std::get_if<routing::DeliveryChanged>(&action);
                d && d->state != routing::DeliveryState::Failed)
                continue;
            std::int64_t conv = conversationOf(action);
            if (std::holds_alternative<routing::MilestoneMet>(action)) {  // needs queue, channel
                auto snapshot = engine.conversation(conv);
                kpis->observe(action, snapshot ? &*snapshot : nullptr);
            } else {
                kpis->observe(action, nullptr);
            }
            if (std::holds_alternative<routing::OfferMade>(action) &&
                std::find(u.read_back.begin(), u.read_back.end(), conv) == u.read_back.end())
                u.read_back.push_back(conv);
            u.events.push_back(store::EventRecord{conv, std::string(routing::actionName(action)),
                                                  actionText(action), now_ms});
            if (const auto* c = std::get_if<routing::ConversationClosed>(&action)) {
                u.closed.push_back(c->conversation_id);
            } else if (const auto* r = std::get_if<routing::RatingRecorded>(&action)) {
                u.ratings.emplace_back(r->conversation_id, r->rating);
            } else if (const auto* as = std::get_if<routing::Assigned>(&action)) {
                // An accepted call-back or voice follow-up: the phone system is asked to call.
                auto snapshot = engine.conversation(as->conversation_id);
                if (auto dial = snapshot ? dialOnAccept(*snapshot, as->agent, sip_of, now_ms)
                                         : std::nullopt)
                    u.outbound.push_back(std::move(*dial));
            } else if (const auto* a = std::get_if<routing::AutoReply>(&action)) {
                if (!cat) continue;
                auto snapshot = engine.conversation(a->conversation_id);
                auto channel = snapshot ? snapshot->channel : routing::ChannelKind::Api;
                auto rendered = cat->render(a->template_id, a->locale,
                                            templates::variantFor(channel),
                                            contextFor(*a, actions, snapshot, contact, now),
                                            timeZone(contact));
                if (!rendered.ok()) {
                    spdlog::error("auto-reply {} for conversation {}: {}", a->template_id,
                                  a->conversation_id, rendered.error);
                    continue;
                }
                store::OutboundMessage out;
                out.conversation_id = a->conversation_id;
                out.author = "auto";
                out.text = rendered.value->text;
                out.subject = rendered.value->subject;
                out.html = rendered.value->html;
                out.template_id = a->template_id;
                out.locale = rendered.value->locale;
                out.idempotency_key =
                    "auto:" + std::to_string(a->conversation_id) + ":" +
                    (a->in_reply_to ? std::to_string(a->in_reply_to) : a->reason + ":" +
                                                                            std::to_string(now_ms)) +
                    ":" + a->template_id;
                u.outbound.push_back(std::move(out));
                auto_replies.fetch_add(1, std::memory_order_relaxed);
            }
        }
        return u;
    }

    void handle(routing::Event event, std::function<void(bool, const Actions&)> done) {
        if (stopped) {
            if (done) done(false, {});
            return;
        }
        if (!firstTime(event)) {  // routed already: nothing more to store
            if (done) done(true, {});
            return;
        }
        // A message's steps are timed (MessageSteps); the other events' are not.
        const bool timed = std::holds_alternative<routing::MessageReceived>(event);
        const auto started = std::chrono::steady_clock::now();
        auto now = routing::Clock::now();
        Actions actions;
        try {
            actions = engine.handle(event, now);
        } catch (const std::exception& e) {
            spdlog::error("engine: event failed: {}", e.what());
            if (done) done(false, {});
            return;
        }
        events_handled.fetch_add(1, std::memory_order_relaxed);
        auto update = buildUpdate(event, actions, now);
        if (std::holds_alternative<routing::Tick>(event)) {
            // The gauge is refreshed once a second: counting is linear in the waiting work.
            std::size_t n = 0;
            for (const auto& q : engine.queueStats(now)) n += q.waiting;
            waiting = n;
        }
        if (timed) metrics.steps.engine.observe(secondsSince(started));
        if (update.conversations.empty() && update.events.empty() && update.routed_upto.empty()) {
            notify(event, actions, {}, timed);
            if (done) done(true, actions);
            return;
        }
        auto self = shared_from_this();
        auto shared_event = std::make_shared<routing::Event>(std::move(event));
        auto shared_actions = std::make_shared<Actions>(std::move(actions));
        const auto handed = std::chrono::steady_clock::now();
        store.applyRouting(std::move(update), [self, shared_event, shared_actions, done, timed,
                                               handed](store::StoreResult<store::RoutingApplied> r) {
            bool ok = static_cast<bool>(r);
            if (!ok) spdlog::error("engine: storing decisions failed: {}", r.error->message);
            auto offered = std::make_shared<std::vector<store::ConversationRecord>>();
            if (ok) *offered = std::move(r.value->conversations);
            const auto stored = std::chrono::steady_clock::now();
            if (timed) {
                self->metrics.steps.decisions_commit.observe(
                    std::chrono::duration<double>(stored - handed).count());
            }
            asio::post(self->strand, [self, shared_event, shared_actions, offered, done, ok,
                                      timed, stored] {
                if (timed) self->metrics.steps.engine_return.observe(secondsSince(stored));
                if (ok) self->notify(*shared_event, *shared_actions, *offered, timed);
                if (done) done(ok, *shared_actions);
            });
        });
    }

    void notify(const routing::Event& event, const Actions& actions,
                const std::vector<store::ConversationRecord>& offered, bool timed = false) {
        const auto started = std::chrono::steady_clock::now();
        const Notification n{event, actions, engine, offered};
        for (const auto& l : listeners) {
            try {
                l(n);
            } catch (const std::exception& e) {
                spdlog::error("engine listener failed: {}", e.what());
            }
        }
        if (timed) metrics.steps.listeners.observe(secondsSince(started));
    }

    void scheduleTick() {
        if (stopped) return;
        timer.expires_after(std::chrono::seconds(1));
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            self->handle(routing::Tick{}, nullptr);
            self->scheduleTick();
        });
    }

    static std::int64_t conversationOf(const Action& a) {
        return std::visit(
            [](const auto& x) -> std::int64_t {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, routing::AgentStateChanged>) {
                    return 0;
                } else {
                    return x.conversation_id;
                }
            },
            a);
    }
};

EngineHost::EngineHost(asio::io_context& ioc, store::Store& store, Metrics& metrics,
                       routing::RoutingConfigPtr config, CatalogProvider catalog)
    : impl_(std::make_shared<Impl>(ioc, store, metrics, std::move(config), std::move(catalog))) {
    auto* d = impl_.get();
    metrics.addGauge("ccd_conversations_waiting", "Conversations waiting for an agent.",
                     [d] { return static_cast<double>(d->waiting.load()); });
    metrics.addGauge("ccd_engine_events_total", "Events handled by the routing engine.",
                     [d] { return static_cast<double>(d->events_handled.load()); });
    metrics.addGauge("ccd_auto_replies_total", "Automatic replies queued for sending.",
                     [d] { return static_cast<double>(d->auto_replies.load()); });
}

EngineHost::~EngineHost() { stop(); }

void EngineHost::start(std::chrono::milliseconds agent_return) {
    auto self = impl_;
    std::promise<store::StoreResult<store::RoutingRecovery>> loaded;
    auto future = loaded.get_future();
    self->store.loadRouting([&loaded](store::StoreResult<store::RoutingRecovery> r) {
        loaded.set_value(std::move(r));
    });
    auto recovery = future.get();
    if (!recovery) throw std::runtime_error("cannot restore routing: " + recovery.error->message);
    auto data = std::make_shared<store::RoutingRecovery>(std::move(*recovery.value));
    std::promise<void> restored;
    asio::post(self->strand, [self, data, &restored, agent_return] {
        auto now = routing::Clock::now();
        for (const auto& s : data->conversations) self->engine.restore(s, now, agent_return);
        for (const auto& h : data->handle_times) self->engine.restoreHandleTime(h.queue, h.duration);
        restored.set_value();
    });
    restored.get_future().wait();
    if (!data->conversations.empty() || !data->unrouted.empty() || !data->handle_times.empty())
        spdlog::info("engine: restored {} open conversations, replaying {} unrouted messages; {} "
                     "handle times for the queues' wait estimates",
                     data->conversations.size(), data->unrouted.size(), data->handle_times.size());
    replay(std::move(data->unrouted));
    asio::post(self->strand, [self] { self->scheduleTick(); });
}

void EngineHost::replay(std::vector<store::UnroutedMessage> messages) {
    for (auto& u : messages) {
        routing::MessageReceived e;
        e.conversation_id = u.conversation_id;
        e.message_id = u.message_id;
        e.new_conversation = u.new_conversation;
        e.auto_submitted = u.message.auto_submitted;
        e.message = std::move(u.message);
        e.contact = std::move(u.contact);
        e.survey_rating = templates::parseSurveyRating(e.message.textToClassify());
        submit(std::move(e));
    }
}

void EngineHost::stop() {
    if (impl_->stopped.exchange(true)) return;
    auto self = impl_;
    asio::post(self->strand, [self] { self->timer.cancel(); });
}

void EngineHost::submit(routing::Event event, std::function<void(bool, const Actions&)> done) {
    auto self = impl_;
    const auto handed = std::chrono::steady_clock::now();
    asio::post(self->strand, [self, handed, event = std::move(event),
                              done = std::move(done)]() mutable {
        if (std::holds_alternative<routing::MessageReceived>(event))
            self->metrics.steps.engine_queue.observe(secondsSince(handed));
        self->handle(std::move(event), std::move(done));
    });
}

void EngineHost::query(std::function<void(const routing::Engine&)> fn) {
    auto self = impl_;
    asio::post(self->strand, [self, fn = std::move(fn)] {
        try {
            fn(self->engine);
        } catch (const std::exception& e) {
            spdlog::error("engine query failed: {}", e.what());
        }
    });
}

void EngineHost::addListener(Listener listener) { impl_->listeners.push_back(std::move(listener)); }

void EngineHost::setSipDirectory(std::function<std::string(const std::string&)> sip_of) {
    impl_->sip_of = std::move(sip_of);
}

void EngineHost::reconfigure(routing::RoutingConfigPtr config,
                             std::function<void(bool, const std::string&)> done) {
    auto self = impl_;
    // Compiled here (the classifier's training takes a while), so the strand only swaps and
    // messages are not held up by a reload.
    std::shared_ptr<routing::Engine::Prepared> prepared;
    try {
        prepared = routing::Engine::prepare(std::move(config));
    } catch (const std::exception& e) {
        spdlog::error("reload: the routing engine refused the new rules: {}", e.what());
        if (done) done(false, e.what());
        return;
    }
    asio::post(self->strand, [self, prepared, done = std::move(done)] {
        try {
            self->engine.reconfigure(prepared);
            if (done) done(true, {});
        } catch (const std::exception& e) {
            spdlog::error("reload: the routing engine refused the new rules: {}", e.what());
            if (done) done(false, e.what());
        }
    });
}

}  // namespace ccd::daemon
