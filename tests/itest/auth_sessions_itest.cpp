#include "daemon/store/session_store.hpp"

#define BOOST_TEST_MODULE auth_sessions_itest
#include <boost/test/unit_test.hpp>

#include "daemon/console/auth.hpp"
#include "tests/support/store_makers.hpp"
#include "tests/support/test_argument.hpp"

// Agents' sessions in a real store: written at login, loaded by a second AuthService over the
// same database opened again (a restart, or on PostgreSQL the node that takes over), logout and
// revocations kept, expired ones swept. The store is an SQLite file, or a PostgreSQL database of
// the test's own when the first argument is "postgres" (auth_sessions_itest_pg).

using namespace ccd;
using namespace ccd::testing;
using daemon::console::AuthService;
using daemon::console::Role;
using Clock = std::chrono::system_clock;

namespace {

std::unique_ptr<StoreMaker> maker() {
    if (argument(1, "sqlite") == "postgres") return std::make_unique<PgMaker>();
    return std::make_unique<SqliteMaker>();
}

store::SessionStore& sessionsOf(store::Store& s) {
    auto* sessions = dynamic_cast<store::SessionStore*>(&s);
    BOOST_REQUIRE(sessions);
    return *sessions;
}

config::AgentsConfigPtr accounts(const std::string& sam_role = "agent") {
    static const std::string hash = AuthService::hashPassword("correct horse");
    auto cfg = std::make_shared<config::AgentsConfig>();
    for (const char* name : {"alice", "bob", "sam"}) {
        config::AgentAccount a;
        a.name = name;
        a.password_hash = hash;
        if (a.name == "sam") a.role = sam_role;
        cfg->accounts.push_back(a);
    }
    return cfg;
}

std::string login(AuthService& auth, const std::string& name, Clock::time_point now) {
    auto r = auth.login(name, "correct horse", "10.0.0.1", now);
    BOOST_REQUIRE_MESSAGE(r.token, "login of " << name << ": " << r.error);
    return *r.token;
}

const auto kNow = Clock::time_point(std::chrono::milliseconds(kT0));

}  // namespace

BOOST_AUTO_TEST_CASE(sessions_outlive_the_store_and_the_service_that_issued_them) {
    auto m = maker();
    BOOST_TEST_MESSAGE("store: " << m->name());
    std::string alice, bob, sam, old;
    {
        auto s = m->open();
        AuthService auth(accounts(), std::chrono::hours(8));
        BOOST_TEST(auth.useSessionStore(&sessionsOf(*s), kNow) == 0u);
        alice = login(auth, "alice", kNow);
        bob = login(auth, "bob", kNow);
        sam = login(auth, "sam", kNow);
        old = login(auth, "alice", kNow - std::chrono::hours(9));  // expired by kNow
        // The logout's callback comes from the store's thread, once the row is gone.
        std::promise<bool> stored;
        BOOST_TEST(auth.logout(bob, [&](bool ok) { stored.set_value(ok); }));
        BOOST_TEST(stored.get_future().get());
        auth.reload(accounts("supervisor"));  // sam's role changes
        auto fewer = std::make_shared<config::AgentsConfig>(*accounts("supervisor"));
        fewer->accounts.erase(fewer->accounts.begin());  // alice removed ...
        auth.reload(fewer);
        auth.reload(accounts("supervisor"));  // ... and back: her old tokens stay revoked
        s->close();
    }
    auto s = m->open();
    AuthService next(accounts("supervisor"), std::chrono::hours(8));
    BOOST_TEST(next.useSessionStore(&sessionsOf(*s), kNow + std::chrono::minutes(1)) == 1u);
    auto now = kNow + std::chrono::minutes(1);
    BOOST_TEST(!next.validate(alice, now));  // revoked by the reload
    BOOST_TEST(!next.validate(bob, now));    // logged out
    BOOST_TEST(!next.validate(old, now));    // expired
    auto who = next.validate(sam, now);
    BOOST_REQUIRE(who);
    BOOST_TEST(who->name == "sam");
    BOOST_TEST((who->role == Role::Supervisor));

    // The expired row was swept at the load: only sam's is left.
    auto rows = ok(wait<std::vector<store::SessionRow>>(
        [&](auto done) { sessionsOf(*s).loadSessions(0, done); }));
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].name == "sam");
    BOOST_TEST(rows[0].role == "supervisor");
    BOOST_TEST(rows[0].token_id == AuthService::tokenId(sam));

    // A logout through the second service reaches the store too.
    BOOST_TEST(next.logout(sam));
    AuthService third(accounts("supervisor"), std::chrono::hours(8));
    BOOST_TEST(third.useSessionStore(&sessionsOf(*s), now) == 0u);
}

BOOST_AUTO_TEST_CASE(put_replaces_a_session_and_sweeps_expired_ones) {
    auto m = maker();
    auto s = m->open();
    auto& sessions = sessionsOf(*s);
    store::SessionRow a{"aa", "alice", "agent", "a1", "c1", kT0 + 1000, true, kT0};
    store::SessionRow b{"bb", "bob", "agent", "b1", "c2", kT0 + 10, false, kT0};
    BOOST_TEST(ok(wait<std::size_t>([&](auto done) {
                   sessions.putSessions({a, b}, kT0, done);
               })) == 0u);
    a.enrolment_only = false;
    a.expires_at_ms = kT0 + 5000;
    BOOST_TEST(
        ok(wait<std::size_t>([&](auto done) { sessions.putSessions({a}, kT0 + 10, done); })) == 1u);
    auto rows = ok(
        wait<std::vector<store::SessionRow>>([&](auto done) { sessions.loadSessions(kT0, done); }));
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].token_hash == "aa");
    BOOST_TEST(!rows[0].enrolment_only);
    BOOST_TEST(rows[0].expires_at_ms == kT0 + 5000);
    BOOST_TEST(rows[0].credential == "c1");
    BOOST_TEST(ok(wait<std::size_t>([&](auto done) {
                   sessions.deleteSessions({"aa", "zz"}, done);
               })) == 1u);
    BOOST_TEST(ok(wait<std::vector<store::SessionRow>>([&](auto done) {
                   sessions.loadSessions(0, done);
               })).empty());
}
