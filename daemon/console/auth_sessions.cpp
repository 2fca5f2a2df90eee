// AuthService's sessions in the store (daemon/store/session_store.hpp), so that a console token
// outlives the process that issued it: loaded at start-up, written before a login's token is
// returned, deleted on logout and revocation. validate() never reads the store: it looks in
// memory, which holds every session the store has.

#include <future>

#include "daemon/console/auth.hpp"
#include "daemon/console/auth_impl.hpp"

namespace ccd::daemon::console {
namespace {

std::int64_t millisOf(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::time_point timeOf(std::int64_t ms) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms)));
}

// Waits for the answer of a store call, which `call` starts with the callback it is given.
// Only on threads that may block (login workers, start-up): the store answers on its own.
template <class T>
store::StoreResult<T> awaitStore(
    const std::function<void(std::function<void(store::StoreResult<T>)>)>& call,
    std::chrono::seconds timeout) {
    auto promise = std::make_shared<std::promise<store::StoreResult<T>>>();
    auto answer = promise->get_future();
    call([promise](store::StoreResult<T> r) { promise->set_value(std::move(r)); });
    if (answer.wait_for(timeout) != std::future_status::ready)
        return store::StoreResult<T>::fail("the store did not answer in time");
    return answer.get();
}

}  // namespace

store::SessionRow AuthService::Impl::rowOf(const std::string& token_hash, const Session& s) {
    store::SessionRow row;
    row.token_hash = token_hash;
    row.name = s.name;
    row.role = std::string(toString(s.role));
    row.token_id = s.token_id;
    row.credential = s.credential;
    row.expires_at_ms = millisOf(s.expires_at);
    row.enrolment_only = s.enrolment_only;
    row.created_at_ms = millisOf(s.created_at);
    return row;
}

void AuthService::Impl::storeSessions(std::vector<store::SessionRow> rows,
                                      Clock::time_point sweep_at) {
    store::SessionStore* sessions;
    {
        std::lock_guard lock(mutex);
        sessions = session_store;
    }
    if (!sessions || rows.empty()) return;
    sessions->putSessions(
        std::move(rows), millisOf(sweep_at), [](store::StoreResult<std::size_t> r) {
            if (!r) spdlog::error("sessions: cannot store a session change: {}", r.error->message);
        });
}

void AuthService::Impl::forgetSessions(std::vector<std::string> token_hashes,
                                       std::function<void(bool)> done) {
    store::SessionStore* sessions;
    {
        std::lock_guard lock(mutex);
        sessions = session_store;
    }
    if (!sessions || token_hashes.empty()) {
        if (done) done(true);
        return;
    }
    sessions->deleteSessions(std::move(token_hashes),
                             [done = std::move(done)](store::StoreResult<std::size_t> r) {
                                 if (!r)
                                     spdlog::error(
                                         "sessions: cannot delete ended sessions from the store "
                                         "(they come back at the next start): {}",
                                         r.error->message);
                                 if (done) done(static_cast<bool>(r));
                             });
}

LoginResult AuthService::persisted(LoginResult result, Clock::time_point now) {
    if (!result.token) return result;
    const std::string hash = sha256Hex(*result.token);
    store::SessionStore* sessions;
    store::SessionRow row;
    {
        std::lock_guard lock(impl_->mutex);
        sessions = impl_->session_store;
        auto it = impl_->sessions.find(hash);
        if (!sessions || it == impl_->sessions.end()) return result;
        row = Impl::rowOf(hash, it->second);
    }
    auto written = awaitStore<std::size_t>(
        [&](auto done) { sessions->putSessions({row}, millisOf(now), std::move(done)); },
        kSessionWriteTimeout);
    bool kept;
    {
        std::lock_guard lock(impl_->mutex);
        kept = impl_->sessions.count(hash) > 0;
        if (!written) impl_->sessions.erase(hash);
    }
    if (written && kept) return result;
    // Not stored (or maybe stored late), or revoked by a reload while it was being written:
    // no token, and nothing left in the store that a later start would load.
    impl_->forgetSessions({hash});
    LoginResult failed;
    if (written) {
        failed.error = "invalid_credentials";
        spdlog::warn("login: {}: token {} revoked while it was stored", row.name, row.token_id);
    } else {
        failed.error = "session_unavailable";
        spdlog::error("login: {}: token {} not given: the session cannot be stored: {}", row.name,
                      row.token_id, written.error->message);
    }
    return failed;
}

std::size_t AuthService::useSessionStore(store::SessionStore* sessions, Clock::time_point now) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->session_store = sessions;
    }
    if (!sessions) return 0;
    auto swept = awaitStore<std::size_t>(
        [&](auto done) { sessions->putSessions({}, millisOf(now), std::move(done)); },
        kSessionWriteTimeout);
    auto loaded = awaitStore<std::vector<store::SessionRow>>(
        [&](auto done) { sessions->loadSessions(millisOf(now), std::move(done)); },
        kSessionWriteTimeout);
    if (!swept || !loaded) {
        spdlog::error(
            "sessions: cannot load agents' sessions from the store (they log in "
            "again): {}",
            (!swept ? swept.error : loaded.error)->message);
        return 0;
    }
    std::vector<std::string> ended;
    std::size_t kept = 0;
    {
        std::lock_guard lock(impl_->mutex);
        for (auto& r : *loaded.value) {
            const auto* account = impl_->accounts->find(r.name);
            // An account removed, or its password changed or removed, while no ccd ran.
            if (!account || account->password_hash.empty() ||
                credentialOf(*account) != r.credential) {
                spdlog::info("sessions: token {} of {} ended ({})", r.token_id, forLog(r.name, 64),
                             !account ? "account removed" : "password changed");
                ended.push_back(r.token_hash);
                continue;
            }
            Impl::Session s{account->name,           roleOf(*account), r.token_id,
                            timeOf(r.expires_at_ms), r.enrolment_only, r.credential,
                            timeOf(r.created_at_ms)};
            impl_->sessions.emplace(r.token_hash, std::move(s));
            ++kept;
        }
    }
    impl_->forgetSessions(std::move(ended));
    spdlog::info("sessions: {} agents' sessions loaded from the store ({} expired ones deleted)",
                 kept, *swept.value);
    return kept;
}

}  // namespace ccd::daemon::console
