#include "daemon/cluster/leader_address.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "daemon/thread_name.hpp"

namespace ccd::daemon::cluster {

namespace {

constexpr const char* kInstance = "";  // no channel instance has an empty name
constexpr const char* kKey = "cluster.leader";

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::string LeaderAddress::httpBase() const {
    const bool v6 = host.find(':') != std::string::npos;
    return std::string(http_tls ? "https" : "http") + "://" + (v6 ? "[" + host + "]" : host) +
           ":" + std::to_string(http_port);
}

std::string leaderAddressJson(const LeaderAddress& a) {
    nlohmann::json webchat = nlohmann::json::object();
    for (const auto& [name, port] : a.webchat) webchat[name] = port;
    return nlohmann::json{{"host", a.host},
                          {"http_port", a.http_port},
                          {"http_tls", a.http_tls},
                          {"console_port", a.console_port},
                          {"webchat", std::move(webchat)}}
        .dump();
}

std::optional<LeaderAddress> readLeaderAddress(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    auto port = [](const nlohmann::json& v) -> std::optional<std::uint16_t> {
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 65535) return std::nullopt;
        return static_cast<std::uint16_t>(v.get<std::uint64_t>());
    };
    LeaderAddress a;
    auto host = j.find("host");
    auto http = j.find("http_port");
    if (host == j.end() || !host->is_string() || host->get<std::string>().empty() ||
        http == j.end() || !port(*http) || *port(*http) == 0)
        return std::nullopt;
    a.host = host->get<std::string>();
    a.http_port = *port(*http);
    if (auto tls = j.find("http_tls"); tls != j.end() && tls->is_boolean()) a.http_tls = *tls;
    if (auto c = j.find("console_port"); c != j.end() && port(*c)) a.console_port = *port(*c);
    if (auto w = j.find("webchat"); w != j.end() && w->is_object())
        for (const auto& [name, p] : w->items())
            if (port(p)) a.webchat[name] = *port(p);
    return a;
}

void publishLeaderAddress(const store::postgres::ConnectOptions& connect,
                          const LeaderAddress& address) {
    auto options = connect;
    options.application_name = "ccd leader address";
    store::postgres::Connection db(options);
    db.execute(
        "INSERT INTO channel_state (channel_instance, key, value, updated_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (channel_instance, key) DO UPDATE "
        "SET value = excluded.value, updated_at = excluded.updated_at",
        {kInstance, kKey, leaderAddressJson(address), nowMs()});
}

struct LeaderDirectory::Impl {
    store::postgres::ConnectOptions connect;
    Changed changed;
    std::chrono::milliseconds every;
    mutable std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    bool poked = false;
    std::shared_ptr<const LeaderAddress> current;
    std::unique_ptr<store::postgres::Connection> db;
    std::thread thread;

    // One read; a failure keeps the address known and drops the connection.
    void readOnce() {
        std::optional<std::string> value;
        try {
            if (!db) db = std::make_unique<store::postgres::Connection>(connect);
            value = db->queryValue(
                "SELECT value FROM channel_state WHERE channel_instance = $1 AND key = $2",
                {kInstance, kKey});
        } catch (const std::exception& e) {
            db.reset();
            spdlog::debug("leader address: cannot read it: {}", e.what());
            return;
        }
        std::optional<LeaderAddress> read;
        if (value) read = readLeaderAddress(*value);
        if (value && !read) spdlog::warn("leader address: cannot read the row: {}", *value);
        if (!read) return;
        bool is_new = false;
        {
            std::lock_guard lock(mutex);
            if (!current || *current != *read) {
                current = std::make_shared<const LeaderAddress>(std::move(*read));
                is_new = true;
            }
        }
        if (!is_new) return;
        spdlog::info("leader address: {} (console port {})", current->httpBase(),
                     current->console_port);
        if (changed) changed();
    }

    void run() {
        std::unique_lock lock(mutex);
        while (!stopping) {
            wake.wait_for(lock, every, [this] { return stopping || poked; });
            if (stopping) break;
            poked = false;
            lock.unlock();
            readOnce();
            lock.lock();
        }
    }
};

LeaderDirectory::LeaderDirectory(store::postgres::ConnectOptions connect, Changed changed,
                                 std::chrono::milliseconds every)
    : impl_(std::make_unique<Impl>()) {
    impl_->connect = std::move(connect);
    impl_->connect.application_name = "ccd leader address";
    impl_->changed = std::move(changed);
    impl_->every = every;
}

LeaderDirectory::~LeaderDirectory() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void LeaderDirectory::start() {
    impl_->readOnce();
    impl_->thread = namedThread("ccd-leader-addr", [this] { impl_->run(); });
}

std::shared_ptr<const LeaderAddress> LeaderDirectory::current() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->current;
}

void LeaderDirectory::refresh() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->poked = true;
    }
    impl_->wake.notify_all();
}

}  // namespace ccd::daemon::cluster
