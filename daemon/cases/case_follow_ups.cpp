// The timer of service cases: stage clocks that warn and breach, follow-ups that fall due and
// become work in a queue; and the list of follow-ups (GET /v1/follow-ups).
#include "daemon/cases/case_service_impl.hpp"

namespace ccd::daemon::cases {
namespace {

constexpr std::size_t kFollowUpCases = 5000;  // cases GET /v1/follow-ups reads at most

}  // namespace

void CaseService::Impl::schedule() {
    if (stopped) return;
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->stopped) return;
        self->poll();
        self->schedule();
    });
}

void CaseService::Impl::poll() {
    if (polling || stopped) return;
    polling = true;
    auto self = shared_from_this();
    deps.cases.dueCases(
        daemon::nowUnixMillis(), 50, [self](store::StoreResult<std::vector<store::CaseRow>> r) {
            self->onStrand([self, r = std::move(r)] {
                self->polling = false;
                if (!r) return spdlog::warn("cases: due follow-ups: {}", r.error->message);
                for (const auto& row : *r.value) self->due(row);
            });
        });
}

void CaseService::Impl::due(const store::CaseRow& stored) {
    ServiceCase c;
    if (!parse(stored, c)) return;
    const auto now = routing::Clock::now();
    bool changed = false;
    auto outcome = routing::tickCase(rules(), c, now, changed);
    auto self = shared_from_this();
    if (changed) {
        auto copy = std::make_shared<ServiceCase>(c);
        deps.cases.updateCase(row(c, stored.version), [self, copy,
                                                       outcome](store::StoreResult<bool> r) {
            if (r && *r.value)
                self->onStrand([self, copy, outcome] { self->tell(*copy, outcome.effects, ""); });
        });
        return;  // the follow-ups at the next poll, from the stored version
    }
    for (int id : routing::dueFollowUps(c, now)) {
        if (!offering.insert({c.id, id}).second) return;  // on its way
        for (const auto& fu : c.follow_ups) {
            if (fu.id == id) offer(c, fu);
        }
        return;  // one at a time: offering changes the case
    }
    // Nothing to do after all (a stale wakeup): store the right one.
    deps.cases.updateCase(row(c, stored.version), [](store::StoreResult<bool>) {});
}

void CaseService::Impl::offer(const ServiceCase& c, const routing::FollowUp& fu) {
    std::string instance = c.channel;
    if (fu.kind == "voice" && deps.voice_instance) {
        if (auto voice = deps.voice_instance()) instance = *voice;
    }
    auto kind = deps.channel_kind ? deps.channel_kind(instance) : std::nullopt;
    if (!kind) {
        spdlog::warn("case {}: follow-up {} has no channel to be worked on (\"{}\")", c.id, fu.id,
                     instance);
        kind = routing::ChannelKind::Api;
    }
    store::FollowUpConversationRequest req;
    req.contact_id = c.contact_id;
    req.channel = std::string(routing::toString(*kind));
    req.channel_instance = instance;
    auto self = shared_from_this();
    const auto ch = *kind;
    deps.cases.followUpConversation(
        req, [self, c, fu, instance, ch](store::StoreResult<std::int64_t> r) {
            if (!r) {
                spdlog::warn("case {}: follow-up conversation: {}", c.id, r.error->message);
                return self->onStrand(
                    [self, key = std::make_pair(c.id, fu.id)] { self->offering.erase(key); });
            }
            self->onStrand([self, c, fu, instance, ch, conv = *r.value] {
                routing::WorkCreated w;
                w.conversation_id = conv;
                w.contact_id = c.contact_id;
                w.channel = ch;
                w.channel_instance = instance;
                w.queue = fu.queue;
                w.priority = fu.priority;
                w.reason = "follow_up";
                w.attributes = {{"case_id", std::to_string(c.id)},
                                {"follow_up", std::to_string(fu.id)},
                                {"follow_up_policy", fu.policy}};
                w.tags = {"follow_up"};
                if (!c.owner.empty()) w.preferred_agent = c.owner;
                self->deps.engine.submit(std::move(w));
                self->apply(c.id, routing::FollowUpOffered{fu.id, conv}, "system",
                            [self, key = std::make_pair(c.id, fu.id)](CaseReply) {
                                self->onStrand([self, key] { self->offering.erase(key); });
                            });
                self->apply(c.id, routing::LinkConversation{conv}, "system", nullptr);
            });
        });
}

void CaseService::followUps(std::optional<std::string> status, ReplyFn done) {
    auto self = impl_;
    store::CaseListQuery q;
    // Every case with a follow-up to do, however old (follow-ups outlive closure: the final
    // check), up to a bound on the answer's size.
    q.pending_follow_ups = true;
    q.limit = kFollowUpCases;
    self->deps.cases.listCases(q, [self, status, done = std::move(done)](
                                      store::StoreResult<std::vector<store::CaseRow>> r) {
        if (!r) return done(unavailable(r.error->message));
        json out = json::array();
        std::vector<std::pair<std::int64_t, json>> items;
        for (const auto& row : *r.value) {
            ServiceCase c;
            if (!Impl::parse(row, c)) continue;
            for (const auto& fu : c.follow_ups) {
                if (fu.status != "scheduled" && fu.status != "offered") continue;
                if (status && fu.status != *status) continue;
                items.emplace_back(
                    routing::unixMillis(fu.due_at),
                    json{{"case_id", c.id},
                         {"id", fu.id},
                         {"policy", fu.policy},
                         {"kind", fu.kind},
                         {"queue", fu.queue},
                         {"due_at", formatRfc3339Millis(routing::unixMillis(fu.due_at))},
                         {"attempt", fu.attempt},
                         {"status", fu.status},
                         {"conversation_id",
                          fu.conversation_id ? json(fu.conversation_id) : json(nullptr)},
                         {"owner", c.owner}});
            }
        }
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [at, j] : items) out.push_back(std::move(j));
        done({200, json{{"follow_ups", std::move(out)}}});
    });
}

void CaseService::poll() {
    asio::post(impl_->strand, [self = impl_] { self->poll(); });
}

}  // namespace ccd::daemon::cases
