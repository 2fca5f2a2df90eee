// Restoring conversations after a restart, and what the daemon reads: snapshots, queue and
// agent figures, who may see a conversation.
#include "routing/engine_impl.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

namespace ccd::routing {

using namespace engine_detail;

namespace engine_detail {

std::string_view stageName(Stage s) {
    switch (s) {
        case Stage::SelfService: return "self_service";
        case Stage::Menu: return "menu";
        case Stage::Waiting: return "waiting";
        case Stage::Offered: return "offered";
        case Stage::Assigned: return "assigned";
        case Stage::Resolved: return "resolved";
    }
    return "waiting";
}

Stage stageFromName(std::string_view s) {
    if (s == "self_service") return Stage::SelfService;
    if (s == "offered") return Stage::Offered;
    if (s == "assigned") return Stage::Assigned;
    if (s == "resolved") return Stage::Resolved;
    return Stage::Waiting;
}

}  // namespace engine_detail

void Engine::restoreHandleTime(const std::string& queue, std::chrono::milliseconds duration) {
    // Another node's clock may run behind: a resolution before its assignment says nothing.
    if (duration.count() > 0) impl_->keepHandleTime(queue, duration);
}

void Engine::restore(const ConversationSnapshot& snapshot, TimePoint now,
                     std::chrono::milliseconds agent_return) {
    Impl& d = *impl_;
    Impl::Conv c;
    c.snap = snapshot;
    c.stage = stageFromName(snapshot.stage);
    if (!d.knownQueue(c.snap.queue)) c.snap.queue = d.cfg->defaults.queue;
    std::vector<Action> ignored;
    auto [it, inserted] = d.convs.emplace(snapshot.id, std::move(c));
    if (!inserted) return;
    Impl::Conv& conv = it->second;
    switch (conv.stage) {
        case Stage::SelfService:
            break;
        case Stage::Resolved:
            if (conv.snap.resolved_at) {
                const auto& p = d.cfg->auto_replies;
                conv.survey_sent = p.on_resolution.has_value();
                d.timers.emplace(*conv.snap.resolved_at + p.survey_window,
                                 Timer{conv.snap.id, TimerKind::Close, Milestone::Resolution,
                                       *conv.snap.resolved_at});
            }
            break;
        default:
            d.scheduleClocks(conv);
            if (conv.stage == Stage::Assigned && conv.snap.agent) {
                // Still theirs: their console reconnects (to any node) and finds it in its
                // hello. Held for them until they are back or agent_return passes.
                const std::string& agent = *conv.snap.agent;
                auto& held = d.held_for[agent];
                if (held.empty()) d.held_until.emplace(now + agent_return, agent);  // one each
                held.push_back(conv.snap.id);
                if (d.dispatcher->agent(agent)) d.adoptHeld(agent);
                break;
            }
            // Waiting or offered: the work waits, and the agent it was offered to gets it first.
            d.enqueue(ignored, conv,
                      conv.snap.queued_at == TimePoint{} ? now : conv.snap.queued_at,
                      "restored", conv.snap.agent);
            break;
    }
    d.changed.erase(snapshot.id);
}

std::vector<QueueStats> Engine::queueStats(TimePoint now) const {
    std::vector<QueueStats> out;
    for (const auto& def : impl_->cfg->queues) {
        QueueStats q;
        q.name = def.name;
        out.push_back(q);
    }
    for (const auto& [id, c] : impl_->convs) {
        if (c.stage != Stage::Waiting && c.stage != Stage::Offered) continue;
        for (auto& q : out) {
            if (q.name != c.snap.queue) continue;
            ++q.waiting;
            auto since = std::max(c.snap.queued_at, c.snap.opened_at);
            auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
            q.oldest_wait = std::max(q.oldest_wait, wait);
        }
    }
    return out;
}

std::vector<QueueWaiting> Engine::waitingLists(TimePoint now, std::size_t limit) const {
    std::vector<QueueWaiting> out;
    std::map<std::string, std::size_t> index;
    for (const auto& def : impl_->cfg->queues) {
        index[def.name] = out.size();
        out.push_back(QueueWaiting{def.name, 0, std::chrono::milliseconds(0), {}});
    }
    // (priority, since, id) per queue: the order the dispatcher serves them in.
    using Key = std::tuple<int, TimePoint, std::int64_t>;
    std::vector<std::vector<Key>> keys(out.size());
    for (const auto& [id, c] : impl_->convs) {
        if (c.stage != Stage::Waiting && c.stage != Stage::Offered) continue;
        auto it = index.find(c.snap.queue);
        if (it == index.end()) continue;
        auto& q = out[it->second];
        ++q.waiting;
        auto since = std::max(c.snap.queued_at, c.snap.opened_at);
        q.oldest_wait = std::max(
            q.oldest_wait, std::chrono::duration_cast<std::chrono::milliseconds>(now - since));
        if (c.stage == Stage::Waiting) keys[it->second].emplace_back(c.snap.priority, since, id);
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto& k = keys[i];
        auto n = std::min(limit, k.size());
        std::partial_sort(k.begin(), k.begin() + static_cast<std::ptrdiff_t>(n), k.end());
        for (std::size_t j = 0; j < n; ++j) {
            const auto& c = impl_->convs.at(std::get<2>(k[j]));
            out[i].first.push_back(WaitingConversation{
                c.snap.id, c.snap.priority, c.snap.channel, c.snap.category, c.snap.language,
                std::chrono::duration_cast<std::chrono::milliseconds>(now - std::get<1>(k[j])),
                c.snap.subtype});
        }
    }
    return out;
}

std::vector<std::string> Engine::queuesOf(const std::string& agent) const {
    std::vector<std::string> out;
    const Agent* a = impl_->dispatcher->agent(agent);
    if (!a) return out;
    for (const auto& def : impl_->cfg->queues) {
        if (std::includes(a->skills.begin(), a->skills.end(), def.required_skills.begin(),
                          def.required_skills.end()))
            out.push_back(def.name);
    }
    return out;
}

std::optional<std::chrono::milliseconds> Engine::estimatedWait(const std::string& queue,
                                                               std::size_t position,
                                                               TimePoint now) const {
    auto it = impl_->handle_times.find(queue);
    if (it == impl_->handle_times.end() || it->second.empty()) return std::nullopt;
    std::chrono::milliseconds sum{0};
    for (auto t : it->second) sum += t;
    auto mean = sum / static_cast<std::int64_t>(it->second.size());
    // Agents who can take the queue's work now share the line ahead.
    std::int64_t serving = 0;
    for (const auto& [id, profile] : impl_->agents) {
        const Agent* a = impl_->dispatcher->agent(id);
        if (!a || !a->reachable(now)) continue;
        auto queues = queuesOf(id);
        if (std::find(queues.begin(), queues.end(), queue) != queues.end()) ++serving;
    }
    return mean * static_cast<std::int64_t>(position) / std::max<std::int64_t>(1, serving);
}

std::optional<TimePoint> Engine::nextOpening(TimePoint now) const {
    auto it = impl_->calendars.find(impl_->cfg->defaults.calendar);
    if (it == impl_->calendars.end()) return std::nullopt;
    return it->second.nextOpening(now);
}

std::vector<AgentStats> Engine::agentStats() const {
    std::map<std::string, std::size_t> held;
    for (const auto& [id, c] : impl_->convs) {
        if (c.stage == Stage::Assigned && c.snap.agent) ++held[*c.snap.agent];
        if (c.stage == Stage::Offered) ++held[c.offered_to];
    }
    std::vector<AgentStats> out;
    for (const auto& [name, profile] : impl_->agents) {
        const Agent* a = impl_->dispatcher->agent(name);
        if (!a) continue;
        AgentStats s;
        s.id = name;
        s.presence = a->presence;
        s.occupancy = a->occupancy();
        auto it = held.find(name);
        s.conversations = it == held.end() ? 0 : it->second;
        out.push_back(s);
    }
    return out;
}

std::optional<std::size_t> Engine::queuePosition(std::int64_t id) const {
    return impl_->dispatcher->positionOf(id);
}

std::optional<ConversationSnapshot> Engine::conversation(std::int64_t id) const {
    auto it = impl_->convs.find(id);
    if (it == impl_->convs.end()) return std::nullopt;
    ConversationSnapshot s = it->second.snap;
    s.stage = std::string(stageName(it->second.stage));
    return s;
}

std::vector<ConversationSnapshot> Engine::takeChanged() {
    std::vector<ConversationSnapshot> out;
    for (auto id : impl_->changed) {
        if (auto s = conversation(id)) out.push_back(std::move(*s));
    }
    impl_->changed.clear();
    return out;
}

bool Engine::visibleTo(std::int64_t conversation_id, const std::string& agent) const {
    auto it = impl_->convs.find(conversation_id);
    if (it == impl_->convs.end()) return false;
    const auto& c = it->second;
    if (c.snap.agent == agent || c.offered_to == agent) return true;
    if (c.stage != Stage::Waiting) return false;
    auto queues = queuesOf(agent);
    return std::find(queues.begin(), queues.end(), c.snap.queue) != queues.end();
}

std::vector<std::int64_t> Engine::conversationsOf(const std::string& agent) const {
    std::vector<std::int64_t> out;
    for (const auto& [id, c] : impl_->convs) {
        if ((c.stage == Stage::Assigned && c.snap.agent == agent) ||
            (c.stage == Stage::Offered && c.offered_to == agent))
            out.push_back(id);
    }
    return out;
}

}  // namespace ccd::routing
