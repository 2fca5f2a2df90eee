#include "daemon/console/auth.hpp"

#define BOOST_TEST_MODULE auth_test
#include <boost/test/unit_test.hpp>

#include "daemon/console/http_auth.hpp"
#include "daemon/privacy/pii_mask.hpp"
#include "tests/support/log_capture.hpp"

using namespace ccd;
using daemon::console::AuthService;
using daemon::console::Role;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

namespace {

const std::string& aliceHash() {
    static const std::string h = AuthService::hashPassword("correct horse");
    return h;
}

config::AgentsConfigPtr accounts(const std::string& sam_role = "supervisor") {
    auto cfg = std::make_shared<config::AgentsConfig>();
    config::AgentAccount alice;
    alice.name = "alice";
    alice.password_hash = aliceHash();
    config::AgentAccount sam;
    sam.name = "sam";
    sam.role = sam_role;
    sam.password_hash = aliceHash();
    config::AgentAccount nopw;
    nopw.name = "newbie";
    cfg->accounts = {alice, sam, nopw};
    return cfg;
}

const Clock::time_point t0 = Clock::time_point(seconds(1'700'000'000));

daemon::http::RoutedRequest withAuthorization(const std::string& value) {
    daemon::http::RoutedRequest r;
    r.http.method = "GET";
    r.http.target = "/x";
    if (!value.empty()) r.http.headers.emplace_back("authorization", value);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(passwords_hash_to_argon2id_and_verify) {
    auto h = AuthService::hashPassword("s3cret pass");
    BOOST_TEST(h.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0) == 0);
    BOOST_TEST(AuthService::verifyPassword(h, "s3cret pass"));
    BOOST_TEST(!AuthService::verifyPassword(h, "s3cret pasS"));
    BOOST_TEST(!AuthService::verifyPassword("", ""));
    BOOST_TEST(!AuthService::verifyPassword("not a hash", "x"));
    BOOST_TEST(AuthService::hashPassword("s3cret pass") != h);  // salted
}

BOOST_AUTO_TEST_CASE(login_issues_a_token_that_validates_until_it_expires) {
    AuthService auth(accounts(), std::chrono::hours(1));
    auto r = auth.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_REQUIRE(r.token);
    BOOST_TEST(r.error.empty());
    BOOST_TEST(r.token->size() == 64u);  // 256 bits in hex
    BOOST_TEST((r.expires_at == t0 + std::chrono::hours(1)));
    BOOST_REQUIRE(r.principal);
    BOOST_TEST(r.principal->name == "alice");
    BOOST_TEST((r.principal->role == Role::Agent));
    BOOST_TEST(r.principal->token_id == AuthService::tokenId(*r.token));
    BOOST_TEST(r.principal->token_id.size() == 8u);
    BOOST_TEST(r.principal->token_id != r.token->substr(0, 8));

    auto p = auth.validate(*r.token, t0 + std::chrono::minutes(59));
    BOOST_REQUIRE(p);
    BOOST_TEST(p->name == "alice");
    BOOST_TEST(!auth.validate(*r.token, t0 + std::chrono::hours(1)));  // expired
    BOOST_TEST(!auth.validate(std::string(64, 'a'), t0));
    BOOST_TEST(!auth.validate("short", t0));

    auto other = auth.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_TEST(*other.token != *r.token);
}

BOOST_AUTO_TEST_CASE(logout_revokes_only_that_token) {
    AuthService auth(accounts());
    auto a = auth.login("alice", "correct horse", "10.0.0.1", t0);
    auto b = auth.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_TEST(auth.logout(*a.token));
    BOOST_TEST(!auth.logout(*a.token));
    BOOST_TEST(!auth.validate(*a.token, t0));
    BOOST_TEST(auth.validate(*b.token, t0).has_value());
}

BOOST_AUTO_TEST_CASE(wrong_password_unknown_account_and_no_password_all_fail) {
    AuthService auth(accounts());
    auto wrong = auth.login("alice", "wrong horse", "10.0.0.1", t0);
    BOOST_TEST(!wrong.token);
    BOOST_TEST(wrong.error == "invalid_credentials");
    auto unknown = auth.login("mallory", "correct horse", "10.0.0.1", t0);
    BOOST_TEST(!unknown.token);
    BOOST_TEST(unknown.error == "invalid_credentials");
    auto none = auth.login("newbie", "", "10.0.0.1", t0);
    BOOST_TEST(!none.token);
    BOOST_TEST(none.error == "no_password");
}

BOOST_AUTO_TEST_CASE(failures_from_one_address_do_not_lock_the_account_for_others) {
    // Anyone could lock any account by guessing its password five times.
    AuthService auth(accounts());
    for (int i = 0; i < 8; ++i) auth.login("alice", "guess", "203.0.113.5", t0 + seconds(i));
    auto elsewhere = auth.login("alice", "correct horse", "10.9.9.9", t0 + seconds(9));
    BOOST_TEST(elsewhere.token.has_value());
    BOOST_TEST(elsewhere.error.empty());
    // The guesser is locked out of that account, even with the right password.
    auto guesser = auth.login("alice", "correct horse", "203.0.113.5", t0 + seconds(10));
    BOOST_TEST(guesser.error == "throttled");
    BOOST_TEST(guesser.retry_after.count() > 0);
}

BOOST_AUTO_TEST_CASE(failures_for_one_name_from_one_address_back_off_exponentially) {
    AuthService auth(accounts());
    auto t = t0;
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST(auth.login("alice", "guess" + std::to_string(i), "10.0.0.1", t).error ==
                   "invalid_credentials");
        t += seconds(10);
    }
    // Locked for a minute after the fifth failure (at t0 + 40 s), even with the right password.
    auto locked = auth.login("alice", "correct horse", "10.0.0.1", t0 + seconds(41));
    BOOST_TEST(locked.error == "throttled");
    BOOST_TEST(locked.retry_after.count() == 59);
    BOOST_TEST(!locked.token);
    // Another account from there is not affected.
    BOOST_TEST(auth.login("sam", "correct horse", "10.0.0.1", t0 + seconds(41)).token.has_value());
    // After the minute: one more failure locks for two minutes, the next for four.
    auto sixth = auth.login("alice", "guess", "10.0.0.1", t0 + seconds(100));
    BOOST_TEST(sixth.error == "invalid_credentials");
    BOOST_TEST(auth.login("alice", "x", "10.0.0.1", t0 + seconds(101)).retry_after.count() == 119);
    auth.login("alice", "guess", "10.0.0.1", t0 + seconds(220));
    BOOST_TEST(auth.login("alice", "x", "10.0.0.1", t0 + seconds(221)).retry_after.count() == 239);
    // Once the lock is over, the right password works and clears the count.
    auto ok = auth.login("alice", "correct horse", "10.0.0.1", t0 + seconds(461));
    BOOST_TEST(ok.token.has_value());
    auto after = auth.login("alice", "guess", "10.0.0.1", t0 + seconds(462));
    BOOST_TEST(after.error == "invalid_credentials");
    BOOST_TEST(auth.login("alice", "correct horse", "10.0.0.1", t0 + seconds(463)).token.has_value());
}

BOOST_AUTO_TEST_CASE(
    a_name_is_locked_briefly_for_failures_from_many_addresses_but_not_for_known_ones) {
    AuthService auth(accounts());
    // alice has logged in from her desk before.
    BOOST_REQUIRE(auth.login("alice", "correct horse", "10.9.9.9", t0).token);
    // A few addresses guessing are not enough to lock the name.
    for (int i = 0; i < 3; ++i)
        auth.login("alice", "guess", "198.51.100." + std::to_string(i), t0 + seconds(1));
    BOOST_TEST(
        auth.login("alice", "correct horse", "192.0.2.1", t0 + seconds(2)).token.has_value());
    // Many are: new addresses wait a short while...
    for (int i = 3; i < 20; ++i)
        auth.login("alice", "guess", "198.51.100." + std::to_string(i), t0 + seconds(3));
    auto fresh = auth.login("alice", "correct horse", "192.0.2.2", t0 + seconds(4));
    BOOST_TEST(fresh.error == "throttled");
    BOOST_TEST(fresh.retry_after.count() > 0);
    BOOST_TEST(fresh.retry_after.count() <= 60);
    // ... but alice, from where she logged in before, does not.
    BOOST_TEST(auth.login("alice", "correct horse", "10.9.9.9", t0 + seconds(4)).token.has_value());
    BOOST_TEST(
        auth.login("alice", "correct horse", "192.0.2.1", t0 + seconds(4)).token.has_value());
    // And the lock is brief.
    BOOST_TEST(
        auth.login("alice", "correct horse", "192.0.2.2", t0 + seconds(65)).token.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_names_are_logged_as_a_hash_prefix) {
    // A password typed into the name field must not land in the log.
    AuthService auth(accounts());
    ccd::testing::LogCapture log;
    auth.login("Tr0ub4dor&3", "guess", "10.0.0.1", t0);
    auth.login("alice", "guess", "10.0.0.1", t0);
    BOOST_TEST(!log.contains("Tr0ub4dor"));
    BOOST_TEST(log.contains("unknown name #"));
    BOOST_TEST(log.contains("\"alice\""));
}

BOOST_AUTO_TEST_CASE(failures_spread_out_beyond_the_window_do_not_add_up) {
    daemon::console::ThrottlePolicy policy;
    AuthService auth(accounts(), std::chrono::hours(12), policy);
    auto t = t0;
    for (int i = 0; i < 8; ++i) {
        BOOST_TEST(auth.login("alice", "guess", "10.0.0.1", t).error == "invalid_credentials");
        t += std::chrono::minutes(16);
    }
}

BOOST_AUTO_TEST_CASE(failures_throttle_the_address_across_names) {
    daemon::console::ThrottlePolicy policy;
    policy.address_failures = 3;
    AuthService auth(accounts(), std::chrono::hours(12), policy);
    for (int i = 0; i < 3; ++i)
        auth.login("user" + std::to_string(i), "guess", "192.0.2.7", t0 + seconds(i));
    auto r = auth.login("alice", "correct horse", "192.0.2.7", t0 + seconds(3));
    BOOST_TEST(r.error == "throttled");
    BOOST_TEST(r.retry_after.count() == 59);
    // The account itself is fine from elsewhere; unknown names are throttled like real ones.
    BOOST_TEST(auth.login("alice", "correct horse", "192.0.2.8", t0 + seconds(3)).token.has_value());
    for (int i = 0; i < 20; ++i)
        auth.login("ghost", "guess", "198.51.100." + std::to_string(i), t0);
    BOOST_TEST(auth.login("ghost", "guess", "203.0.113.1", t0 + seconds(1)).error == "throttled");
    // The lock ends.
    BOOST_TEST(auth.login("alice", "correct horse", "192.0.2.7", t0 + seconds(70)).token.has_value());
}

BOOST_AUTO_TEST_CASE(bearer_header_parsing) {
    BOOST_TEST(*AuthService::bearerToken("Bearer abc123") == "abc123");
    BOOST_TEST(*AuthService::bearerToken("bearer   abc123  ") == "abc123");
    BOOST_TEST(*AuthService::bearerToken("BEARER a-b.c_d~e+f/g==") == "a-b.c_d~e+f/g==");
    BOOST_TEST(!AuthService::bearerToken(""));
    BOOST_TEST(!AuthService::bearerToken("Bearer"));
    BOOST_TEST(!AuthService::bearerToken("Bearer "));
    BOOST_TEST(!AuthService::bearerToken("Bearerabc"));
    BOOST_TEST(!AuthService::bearerToken("Basic YWxpY2U6eA=="));
    BOOST_TEST(!AuthService::bearerToken("Bearer two tokens"));
    BOOST_TEST(!AuthService::bearerToken("Bearer tok\"en"));
}

BOOST_AUTO_TEST_CASE(reload_revokes_removed_accounts_and_changed_passwords_and_follows_roles) {
    AuthService auth(accounts());
    auto alice = auth.login("alice", "correct horse", "10.0.0.1", t0);
    auto sam = auth.login("sam", "correct horse", "10.0.0.1", t0);
    BOOST_TEST((auth.validate(*sam.token, t0)->role == Role::Supervisor));

    auto next = std::make_shared<config::AgentsConfig>(*accounts("admin"));
    next->accounts.erase(next->accounts.begin());  // alice removed
    auth.reload(next);
    BOOST_TEST(!auth.validate(*alice.token, t0));
    BOOST_TEST((auth.validate(*sam.token, t0)->role == Role::Admin));
    BOOST_TEST(auth.accounts()->accounts.size() == 2u);

    auto changed = std::make_shared<config::AgentsConfig>(*next);
    changed->accounts[0].password_hash = AuthService::hashPassword("a new password");
    auth.reload(changed);
    BOOST_TEST(!auth.validate(*sam.token, t0));
}

BOOST_AUTO_TEST_CASE(http_checks_answer_401_and_403) {
    AuthService auth(accounts());
    auto alice = *auth.login("alice", "correct horse", "10.0.0.1", Clock::now()).token;
    auto sam = *auth.login("sam", "correct horse", "10.0.0.1", Clock::now()).token;

    auto none = daemon::console::authenticate(withAuthorization(""), auth);
    BOOST_REQUIRE(!none);
    BOOST_TEST(none.response->status == 401);
    BOOST_REQUIRE(none.response->headers.size() == 1u);
    BOOST_TEST(none.response->headers[0].first == "WWW-Authenticate");
    BOOST_TEST(none.response->headers[0].second == R"(Bearer realm="ccd")");

    auto bad = daemon::console::authenticate(withAuthorization("Bearer " + std::string(64, 'f')), auth);
    BOOST_TEST(bad.response->status == 401);
    BOOST_TEST(bad.response->headers[0].second.find("invalid_token") != std::string::npos);
    BOOST_TEST(bad.response->body.find(R"("error":"unauthorized")") != std::string::npos);

    auto basic = daemon::console::authenticate(withAuthorization("Basic eDp5"), auth);
    BOOST_TEST(basic.response->status == 401);

    auto agent = daemon::console::authenticate(withAuthorization("Bearer " + alice), auth);
    BOOST_REQUIRE(agent);
    BOOST_TEST(agent.principal->name == "alice");

    auto refused = daemon::console::requireRole(withAuthorization("Bearer " + alice), auth,
                                                Role::Supervisor);
    BOOST_REQUIRE(!refused);
    BOOST_TEST(refused.response->status == 403);
    BOOST_TEST(refused.response->body.find("supervisor") != std::string::npos);

    auto sup = daemon::console::requireRole(withAuthorization("bearer " + sam), auth,
                                            Role::Supervisor);
    BOOST_TEST(sup.principal.has_value());
    auto admin = daemon::console::requireRole(withAuthorization("Bearer " + sam), auth, Role::Admin);
    BOOST_TEST(admin.response->status == 403);
    BOOST_TEST(daemon::console::atLeast(Role::Admin, Role::Supervisor));
    BOOST_TEST(!daemon::console::atLeast(Role::Agent, Role::Supervisor));
    BOOST_TEST((*daemon::console::roleFromString("admin") == Role::Admin));
    BOOST_TEST(!daemon::console::roleFromString("boss"));
}

// Token ids are how an operator finds a session in the log; the log masks digit runs that look
// like phone numbers, so an id must never be one (passwd_e2e failed on an all-digit id).
BOOST_AUTO_TEST_CASE(token_ids_are_never_masked_in_the_log) {
    int seven_digits = 0;  // ids that, with a digit first, would be an 8-digit run
    for (int i = 0; i < 2000; ++i) {
        std::string id = AuthService::tokenId("token-" + std::to_string(i));
        BOOST_REQUIRE(id.size() == 8u);
        BOOST_TEST((id[0] >= 'a' && id[0] <= 'f'), id);
        BOOST_TEST(id.find_first_not_of("0123456789abcdef") == std::string::npos, id);
        std::string line = "login: alice (agent) from 127.0.0.1, token " + id;
        BOOST_TEST(ccd::daemon::privacy::maskText(line) == line);
        if (id.find_first_not_of("0123456789", 1) == std::string::npos) {
            ++seven_digits;
            std::string digits_first = "token 4" + id.substr(1);
            BOOST_TEST(ccd::daemon::privacy::maskText(digits_first) != digits_first);
        }
    }
    BOOST_TEST(seven_digits > 0);
}
