#include "daemon/console/auth.hpp"

#define BOOST_TEST_MODULE auth_sessions_test
#include <boost/test/unit_test.hpp>

#include "tests/support/fake_session_store.hpp"

// AuthService's sessions kept in a store (AuthService::useSessionStore), over a fake store: what
// is written when, what a second AuthService (a restart, the node that takes over) loads, and
// what a store that fails does to a login.

using namespace ccd;
using daemon::console::AuthService;
using daemon::console::Role;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

namespace {

const std::string& hashOf(const std::string& password) {
    static std::map<std::string, std::string> hashes;
    auto& h = hashes[password];
    if (h.empty()) h = AuthService::hashPassword(password);
    return h;
}

config::AgentsConfigPtr accounts(const std::string& alice_password = "correct horse",
                                 const std::string& sam_role = "supervisor") {
    auto cfg = std::make_shared<config::AgentsConfig>();
    config::AgentAccount alice;
    alice.name = "alice";
    alice.password_hash = hashOf(alice_password);
    config::AgentAccount sam;
    sam.name = "sam";
    sam.role = sam_role;
    sam.password_hash = hashOf("battery staple");
    cfg->accounts = {alice, sam};
    return cfg;
}

const Clock::time_point t0 = Clock::time_point(seconds(1'700'000'000));

}  // namespace

BOOST_AUTO_TEST_CASE(a_login_is_stored_and_a_second_service_validates_its_token) {
    testing::FakeSessionStore store;
    AuthService first(accounts(), std::chrono::hours(1));
    BOOST_TEST(first.useSessionStore(&store, t0) == 0u);
    auto r = first.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_REQUIRE(r.token);
    auto rows = store.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    const auto& row = rows.begin()->second;
    BOOST_TEST(row.token_hash.size() == 64u);
    BOOST_TEST(row.token_hash != *r.token);  // never the token itself
    BOOST_TEST(row.name == "alice");
    BOOST_TEST(row.role == "agent");
    BOOST_TEST(row.token_id == AuthService::tokenId(*r.token));
    BOOST_TEST(row.expires_at_ms ==
               (t0 + std::chrono::hours(1)).time_since_epoch() / std::chrono::milliseconds(1));
    BOOST_TEST(!row.enrolment_only);

    AuthService second(accounts(), std::chrono::hours(1));
    BOOST_TEST(second.useSessionStore(&store, t0 + seconds(5)) == 1u);
    auto who = second.validate(*r.token, t0 + seconds(5));
    BOOST_REQUIRE(who);
    BOOST_TEST(who->name == "alice");
    BOOST_TEST(who->token_id == row.token_id);
    BOOST_TEST(!second.validate(*r.token, t0 + std::chrono::hours(1)));  // expires as before
}

BOOST_AUTO_TEST_CASE(a_store_that_fails_gives_no_token) {
    testing::FakeSessionStore store;
    AuthService auth(accounts(), std::chrono::hours(1));
    auth.useSessionStore(&store, t0);
    store.fail_writes = true;
    auto r = auth.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_TEST(!r.token);
    BOOST_TEST(r.error == "session_unavailable");
    store.fail_writes = false;
    auto again = auth.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_TEST(again.token.has_value());  // not counted as a failed login
}

BOOST_AUTO_TEST_CASE(logout_and_revocations_reach_the_store) {
    testing::FakeSessionStore store;
    AuthService auth(accounts(), std::chrono::hours(1));
    auth.useSessionStore(&store, t0);
    auto alice = auth.login("alice", "correct horse", "10.0.0.1", t0);
    auto alice2 = auth.login("alice", "correct horse", "10.0.0.1", t0);
    auto sam = auth.login("sam", "battery staple", "10.0.0.2", t0);
    BOOST_REQUIRE(alice.token && alice2.token && sam.token);
    BOOST_TEST(store.rows().size() == 3u);

    bool stored = false;
    BOOST_TEST(auth.logout(*alice2.token, [&](bool ok) { stored = ok; }));
    BOOST_TEST(stored);
    BOOST_TEST(store.rows().size() == 2u);

    // sam becomes an admin: his row follows; alice's password changes: her session ends.
    auth.reload(accounts("new password", "admin"));
    auto rows = store.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows.begin()->second.name == "sam");
    BOOST_TEST(rows.begin()->second.role == "admin");

    AuthService next(accounts("new password", "admin"), std::chrono::hours(1));
    BOOST_TEST(next.useSessionStore(&store, t0) == 1u);
    BOOST_TEST(!next.validate(*alice.token, t0));
    auto who = next.validate(*sam.token, t0);
    BOOST_REQUIRE(who);
    BOOST_TEST((who->role == Role::Admin));
}

BOOST_AUTO_TEST_CASE(a_password_changed_while_stopped_ends_the_session_at_load) {
    testing::FakeSessionStore store;
    std::string token;
    {
        AuthService before(accounts(), std::chrono::hours(1));
        before.useSessionStore(&store, t0);
        token = before.login("alice", "correct horse", "10.0.0.1", t0).token.value();
        BOOST_REQUIRE(before.login("sam", "battery staple", "10.0.0.2", t0).token);
    }
    auto changed = std::make_shared<config::AgentsConfig>(*accounts("changed while stopped"));
    changed->accounts.pop_back();  // and sam removed
    AuthService after(changed, std::chrono::hours(1));
    BOOST_TEST(after.useSessionStore(&store, t0) == 0u);
    BOOST_TEST(!after.validate(token, t0));
    BOOST_TEST(store.rows().empty());  // deleted, not loaded again
}

BOOST_AUTO_TEST_CASE(expired_sessions_are_swept_not_loaded) {
    testing::FakeSessionStore store;
    AuthService auth(accounts(), std::chrono::hours(1));
    auth.useSessionStore(&store, t0);
    BOOST_REQUIRE(auth.login("alice", "correct horse", "10.0.0.1", t0).token);
    AuthService later(accounts(), std::chrono::hours(1));
    BOOST_TEST(later.useSessionStore(&store, t0 + std::chrono::hours(2)) == 0u);
    BOOST_TEST(store.rows().empty());
}
