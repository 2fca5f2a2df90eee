#include "daemon/leader_link.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/store/postgres/pg_routing.hpp"
#include "daemon/thread_name.hpp"

namespace ccd::daemon {

namespace pg = store::postgres;

namespace {

// PostgreSQL refuses payloads of 8,000 bytes or more; a margin for the last item.
constexpr std::size_t kPayloadBudget = 7000;
constexpr auto kReconnectEvery = std::chrono::seconds(1);

nlohmann::json changeJson(const store::DeliveryChange& c) {
    return {{"c", c.conversation_id},
            {"m", c.message_id},
            {"s", routing::toString(c.state)},
            {"r", c.reason},
            {"a", c.author}};
}

}  // namespace

std::vector<std::string> leaderPayloads(const std::vector<std::int64_t>& ids,
                                        const std::vector<store::DeliveryChange>& changes) {
    std::vector<std::string> out;
    nlohmann::json j = nlohmann::json::object();
    std::size_t size = 0;
    auto flush = [&] {
        if (j.empty()) return;
        out.push_back(j.dump());
        j = nlohmann::json::object();
        size = 0;
    };
    for (auto id : ids) {
        if (size > kPayloadBudget) flush();
        j["m"].push_back(id);
        size += 21;
    }
    for (const auto& c : changes) {
        auto item = changeJson(c);
        auto bytes = item.dump().size() + 1;
        if (size + bytes > kPayloadBudget) flush();
        if (bytes > kPayloadBudget) {  // a provider's very long reason: cut, never dropped
            item["r"] = c.reason.substr(0, 1000);
            bytes = item.dump().size() + 1;
        }
        j["d"].push_back(std::move(item));
        size += bytes;
    }
    flush();
    return out;
}

bool readLeaderPayload(std::string_view payload, std::vector<std::int64_t>& ids,
                       std::vector<store::DeliveryChange>& changes) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object()) return false;
    try {
        if (auto m = j.find("m"); m != j.end())
            for (const auto& id : *m) ids.push_back(id.get<std::int64_t>());
        if (auto d = j.find("d"); d != j.end()) {
            for (const auto& item : *d) {
                store::DeliveryChange c;
                c.conversation_id = item.at("c").get<std::int64_t>();
                c.message_id = item.at("m").get<std::int64_t>();
                auto state = routing::deliveryStateFromString(item.at("s").get<std::string>());
                if (!state) return false;
                c.state = *state;
                c.reason = item.value("r", "");
                c.author = item.value("a", "");
                changes.push_back(std::move(c));
            }
        }
    } catch (const nlohmann::json::exception&) {
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------

struct LeaderForwarder::Impl {
    pg::ConnectOptions connect;
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<std::int64_t> ids;
    std::vector<store::DeliveryChange> changes;
    bool stopping = false;
    std::thread thread;

    void run() {
        std::unique_ptr<pg::Connection> db;
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [this] { return stopping || !ids.empty() || !changes.empty(); });
            if (ids.empty() && changes.empty()) return;  // stopping, all sent
            auto payloads = leaderPayloads(ids, changes);
            auto taken_ids = std::move(ids);
            auto taken_changes = std::move(changes);
            ids.clear();
            changes.clear();
            lock.unlock();
            bool sent = false;
            try {
                if (!db || db->broken()) db = std::make_unique<pg::Connection>(connect);
                for (const auto& p : payloads)
                    db->query("SELECT pg_notify($1, $2)", {kLeaderChannel, p});
                sent = true;
            } catch (const std::exception& e) {
                db.reset();
                spdlog::warn("leader link: cannot notify the leader ({}); trying again", e.what());
            }
            lock.lock();
            if (sent) continue;
            // Kept for the next try; the leader's sweep finds the messages meanwhile anyway.
            ids.insert(ids.begin(), taken_ids.begin(), taken_ids.end());
            changes.insert(changes.begin(), taken_changes.begin(), taken_changes.end());
            if (stopping) return;  // the sweep routes the messages; states stay in the store
            wake.wait_for(lock, kReconnectEvery, [this] { return stopping; });
        }
    }
};

LeaderForwarder::LeaderForwarder(pg::ConnectOptions connect) : impl_(std::make_unique<Impl>()) {
    impl_->connect = std::move(connect);
    impl_->connect.application_name = "ccd follower";
    impl_->thread = namedThread("ccd-forward", [i = impl_.get()] { i->run(); });
}

LeaderForwarder::~LeaderForwarder() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void LeaderForwarder::messages(std::vector<std::int64_t> ids) {
    if (ids.empty()) return;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->ids.insert(impl_->ids.end(), ids.begin(), ids.end());
    }
    impl_->wake.notify_one();
}

void LeaderForwarder::deliveries(std::vector<store::DeliveryChange> changes) {
    if (changes.empty()) return;
    {
        std::lock_guard lock(impl_->mutex);
        for (auto& c : changes) impl_->changes.push_back(std::move(c));
    }
    impl_->wake.notify_one();
}

// ---------------------------------------------------------------------------------------------

struct LeaderInbox::Impl {
    pg::ConnectOptions connect;
    Messages messages;
    Deliveries deliveries;
    std::chrono::milliseconds sweep_every;
    std::atomic<bool> stopping{false};
    std::thread thread;
    int wake_pipe[2] = {-1, -1};

    // Waits for input on the connection (or stop) up to `timeout`; false when stopping.
    bool waitInput(pg::Connection& db, std::chrono::milliseconds timeout) {
        pollfd fds[2] = {{PQsocket(db.handle()), POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
        ::poll(fds, 2, static_cast<int>(timeout.count()));
        return !stopping;
    }

    void route(pg::Connection& db, const std::vector<std::int64_t>* ids) {
        auto found = pg::readUnrouted(db, ids);
        if (!found.empty()) messages(std::move(found));
    }

    // Handles the notifications libpq has read; false when there were none.
    bool handleNotifications(pg::Connection& db) {
        std::vector<std::int64_t> ids;
        std::vector<store::DeliveryChange> changes;
        bool any = false;
        while (PGnotify* n = PQnotifies(db.handle())) {
            any = true;
            if (!readLeaderPayload(n->extra, ids, changes))
                spdlog::warn("leader link: an unreadable notification was ignored");
            PQfreemem(n);
        }
        if (!changes.empty()) deliveries(std::move(changes));
        if (!ids.empty()) route(db, &ids);
        return any;
    }

    void run() {
        std::unique_ptr<pg::Connection> db;
        auto next_sweep = std::chrono::steady_clock::now();
        while (!stopping) {
            try {
                if (!db || db->broken()) {
                    db = std::make_unique<pg::Connection>(connect);
                    db->exec(std::string("LISTEN ") + kLeaderChannel);
                    next_sweep = std::chrono::steady_clock::now();  // what came meanwhile
                }
                auto now = std::chrono::steady_clock::now();
                if (now >= next_sweep) {
                    route(*db, nullptr);
                    next_sweep = now + sweep_every;
                }
                // Notifications that came with an earlier answer wait in libpq, not the socket.
                if (handleNotifications(*db)) continue;
                auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                    next_sweep - std::chrono::steady_clock::now());
                if (!waitInput(*db, std::max(wait, std::chrono::milliseconds(1)))) return;
                if (!PQconsumeInput(db->handle()) || PQstatus(db->handle()) != CONNECTION_OK)
                    throw pg::PgError(PQerrorMessage(db->handle()), "", true);
            } catch (const std::exception& e) {
                db.reset();
                if (stopping) return;
                spdlog::warn("leader link: listening failed ({}); connecting again", e.what());
                pollfd fd{wake_pipe[0], POLLIN, 0};
                ::poll(&fd, 1, static_cast<int>(
                                   std::chrono::milliseconds(kReconnectEvery).count()));
            }
        }
    }
};

LeaderInbox::LeaderInbox(pg::ConnectOptions connect, Messages messages, Deliveries deliveries,
                         std::chrono::milliseconds sweep_every)
    : impl_(std::make_unique<Impl>()) {
    impl_->connect = std::move(connect);
    impl_->connect.application_name = "ccd leader";
    impl_->messages = std::move(messages);
    impl_->deliveries = std::move(deliveries);
    impl_->sweep_every = sweep_every;
    if (::pipe(impl_->wake_pipe) != 0) throw std::runtime_error("leader link: pipe() failed");
}

LeaderInbox::~LeaderInbox() {
    stop();
    ::close(impl_->wake_pipe[0]);
    ::close(impl_->wake_pipe[1]);
}

void LeaderInbox::start() {
    impl_->thread = namedThread("ccd-leader", [i = impl_.get()] { i->run(); });
}

void LeaderInbox::stop() {
    if (impl_->stopping.exchange(true)) return;
    char c = 0;
    [[maybe_unused]] auto n = ::write(impl_->wake_pipe[1], &c, 1);
    if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace ccd::daemon
