#include "daemon/console/mfa.hpp"

#define BOOST_TEST_MODULE mfa_test
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "config/config_error.hpp"
#include "daemon/console/auth.hpp"
#include "daemon/console/login_body.hpp"
#include "daemon/console/mfa_file.hpp"
#include "daemon/console/totp.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ccd;
using namespace ccd::daemon::console;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;

namespace {

const Clock::time_point t0 = Clock::time_point(seconds(1'700'000'010));

std::int64_t unix(Clock::time_point t) {
    return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

std::string codeAt(const MfaEnrolment& e, Clock::time_point t) {
    return totp::code(*totp::base32Decode(e.secret), unix(t));
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// An MfaService on a temp folder with `name` enrolled at t0; `codes` gets the recovery codes.
struct Enrolled {
    testing::TempDir dir;
    std::shared_ptr<MfaService> mfa = std::make_shared<MfaService>(dir.file("mfa.yaml"), "ccd");
    MfaEnrolment enrolment;
    std::vector<std::string> codes;

    explicit Enrolled(const std::string& name = "sam") {
        BOOST_REQUIRE(mfa->begin(name, t0, enrolment) == MfaOutcome::Ok);
        BOOST_REQUIRE(mfa->confirm(name, codeAt(enrolment, t0), t0, codes) == MfaOutcome::Ok);
    }
};

const std::string& hash() {
    static const std::string h = AuthService::hashPassword("correct horse");
    return h;
}

config::AgentsConfigPtr accounts() {
    auto cfg = std::make_shared<config::AgentsConfig>();
    for (auto [name, role] : {std::pair{"alice", "agent"}, {"sam", "supervisor"}}) {
        config::AgentAccount a;
        a.name = name;
        a.role = role;
        a.password_hash = hash();
        cfg->accounts.push_back(a);
    }
    return cfg;
}

channels::WebRequest jsonRequest(const std::string& body) {
    channels::WebRequest r;
    r.method = "POST";
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body;
    return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(enrolment_needs_a_current_code_before_mfa_is_on) {
    testing::TempDir dir;
    MfaService mfa(dir.file("var/mfa.yaml"), "Acme");
    MfaEnrolment e;
    BOOST_TEST(!mfa.state("sam")->enabled);
    BOOST_REQUIRE(mfa.begin("sam", t0, e) == MfaOutcome::Ok);
    BOOST_TEST(totp::base32Decode(e.secret)->size() == 20u);  // 160 bits
    BOOST_TEST(e.secret.find('=') == std::string::npos);
    BOOST_TEST(e.otpauth_uri == "otpauth://totp/Acme:sam?secret=" + e.secret +
                                    "&issuer=Acme&algorithm=SHA1&digits=6&period=30");
    BOOST_TEST(e.qr_svg.rfind("<svg", 0) == 0);
    BOOST_TEST(!mfa.state("sam")->enabled);  // not before the code

    std::vector<std::string> codes;
    auto wrong = codeAt(e, t0 + seconds(300));
    BOOST_TEST((mfa.confirm("sam", wrong, t0, codes) == MfaOutcome::WrongCode));
    BOOST_TEST(!mfa.state("sam")->enabled);
    BOOST_TEST((mfa.confirm("alice", codeAt(e, t0), t0, codes) == MfaOutcome::NoEnrolment));
    BOOST_TEST((mfa.confirm("sam", codeAt(e, t0), t0, codes) == MfaOutcome::Ok));
    BOOST_TEST(mfa.state("sam")->enabled);
    BOOST_TEST(codes.size() == MfaService::kRecoveryCodes);
    BOOST_TEST(mfa.state("sam")->recovery_codes_left == MfaService::kRecoveryCodes);
    MfaEnrolment again;
    BOOST_TEST((mfa.begin("sam", t0, again) == MfaOutcome::AlreadyEnabled));

    // The file: private, with the secret and hashes only (never a recovery code in clear).
    struct stat st {};
    BOOST_REQUIRE(::stat(dir.file("var/mfa.yaml").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    auto text = slurp(dir.file("var/mfa.yaml"));
    BOOST_TEST(text.find(e.secret) != std::string::npos);
    for (const auto& c : codes) {
        BOOST_TEST(text.find(c) == std::string::npos);
        BOOST_TEST(text.find(MfaService::normalizeCode(c)) == std::string::npos);
    }
    BOOST_TEST(loadMfaFile(dir.file("var/mfa.yaml")).at("sam").recovery_hashes.size() == 10u);
}

BOOST_AUTO_TEST_CASE(an_enrolment_expires) {
    testing::TempDir dir;
    MfaService mfa(dir.file("mfa.yaml"), "ccd");
    MfaEnrolment e;
    BOOST_REQUIRE(mfa.begin("sam", t0, e) == MfaOutcome::Ok);
    auto later = t0 + MfaService::kEnrolmentTtl + seconds(1);
    std::vector<std::string> codes;
    BOOST_TEST((mfa.confirm("sam", codeAt(e, later), later, codes) == MfaOutcome::NoEnrolment));
}

BOOST_AUTO_TEST_CASE(a_code_works_once_and_the_confirming_code_is_spent) {
    Enrolled s;
    // The code that confirmed the enrolment cannot log in.
    BOOST_TEST((s.mfa->verify("sam", codeAt(s.enrolment, t0), t0) == MfaOutcome::Replayed));
    auto t1 = t0 + seconds(30);
    auto code = codeAt(s.enrolment, t1);
    BOOST_TEST((s.mfa->verify("sam", code, t1) == MfaOutcome::Ok));
    BOOST_TEST((s.mfa->verify("sam", code, t1 + seconds(5)) == MfaOutcome::Replayed));
    if (code != "000000") BOOST_TEST((s.mfa->verify("sam", "000000", t1) == MfaOutcome::WrongCode));
    BOOST_TEST((s.mfa->verify("sam", "12345", t1) == MfaOutcome::WrongCode));
    BOOST_TEST((s.mfa->verify("alice", code, t1) == MfaOutcome::NotEnabled));
    // A second service on the same file (another process, a restart) refuses the replay too.
    MfaService other(s.mfa->path(), "ccd");
    BOOST_TEST((other.verify("sam", code, t1) == MfaOutcome::Replayed));
    // Typed with a space, as apps show it.
    auto t2 = t1 + seconds(30);
    auto spaced = codeAt(s.enrolment, t2).insert(3, " ");
    BOOST_TEST((other.verify("sam", spaced, t2) == MfaOutcome::Ok));
}

BOOST_AUTO_TEST_CASE(a_recovery_code_works_once) {
    Enrolled s;
    BOOST_TEST(s.codes[0].size() == 14u);  // xxxx-xxxx-xxxx
    BOOST_TEST((s.mfa->verify("sam", s.codes[3], t0) == MfaOutcome::RecoveryCodeUsed));
    BOOST_TEST(s.mfa->state("sam")->recovery_codes_left == 9u);
    BOOST_TEST((s.mfa->verify("sam", s.codes[3], t0) == MfaOutcome::WrongCode));
    std::string upper = s.codes[4];
    for (auto& c : upper) c = static_cast<char>(std::toupper(c));
    BOOST_TEST((s.mfa->verify("sam", upper, t0) == MfaOutcome::RecoveryCodeUsed));
    BOOST_TEST((s.mfa->verify("sam", "aaaa-bbbb-cccc", t0) == MfaOutcome::WrongCode));
    BOOST_TEST(s.mfa->state("sam")->recovery_codes_left == 8u);
}

BOOST_AUTO_TEST_CASE(disabling_needs_a_current_totp_code) {
    Enrolled s;
    auto t1 = t0 + seconds(60);
    BOOST_TEST((s.mfa->disable("sam", "123", t1) == MfaOutcome::WrongCode));
    BOOST_TEST((s.mfa->disable("sam", s.codes[0], t1) == MfaOutcome::WrongCode));  // not recovery
    BOOST_TEST(s.mfa->state("sam")->enabled);
    BOOST_TEST((s.mfa->disable("sam", codeAt(s.enrolment, t1), t1) == MfaOutcome::Ok));
    BOOST_TEST(!s.mfa->state("sam")->enabled);
    BOOST_TEST((s.mfa->disable("sam", codeAt(s.enrolment, t1), t1) == MfaOutcome::NotEnabled));
}

BOOST_AUTO_TEST_CASE(reset_removes_one_account_and_keeps_the_others) {
    Enrolled s;
    MfaEnrolment e;
    std::vector<std::string> codes;
    BOOST_REQUIRE(s.mfa->begin("alice", t0, e) == MfaOutcome::Ok);
    BOOST_REQUIRE(s.mfa->confirm("alice", codeAt(e, t0), t0, codes) == MfaOutcome::Ok);
    BOOST_TEST(MfaService::reset(s.mfa->path(), "sam"));
    BOOST_TEST(!MfaService::reset(s.mfa->path(), "sam"));
    BOOST_TEST(!s.mfa->state("sam")->enabled);  // a running service sees it at once
    BOOST_TEST(s.mfa->state("alice")->enabled);
}

BOOST_AUTO_TEST_CASE(a_broken_file_fails_closed_and_says_where) {
    testing::TempDir dir;
    std::ofstream(dir.file("mfa.yaml")) << "accounts:\n  sam:\n    secret: \"not base32!\"\n";
    MfaService mfa(dir.file("mfa.yaml"), "ccd");
    BOOST_TEST(!mfa.state("sam").has_value());
    BOOST_TEST((mfa.verify("sam", "123456", t0) == MfaOutcome::Unavailable));
    try {
        loadMfaFile(dir.file("mfa.yaml"));
        BOOST_FAIL("no error");
    } catch (const config::ConfigError& e) {
        std::string what = e.what();
        BOOST_TEST(what.find("mfa.yaml:3:") != std::string::npos);
        BOOST_TEST(what.find("not base32!") == std::string::npos);  // the value is not repeated
    }
    BOOST_TEST(parseMfaFile(formatMfaFile({}), "x").empty());
}

BOOST_AUTO_TEST_CASE(login_with_mfa_needs_the_challenge_and_a_code) {
    Enrolled s;
    AuthService auth(accounts());
    auth.setMfa(s.mfa, {});
    auto t1 = t0 + seconds(30);
    auto first = auth.login("sam", "correct horse", "10.0.0.1", t1);
    BOOST_TEST(!first.token.has_value());
    BOOST_TEST(first.error == "mfa_required");
    BOOST_REQUIRE(first.challenge);
    // A wrong code, a code from elsewhere, another name: refused; the right code completes it.
    BOOST_TEST(auth.completeLogin("sam", *first.challenge, "000001", "10.0.0.1", t1).error ==
               (codeAt(s.enrolment, t1) == "000001" ? "" : "invalid_code"));
    auto code = codeAt(s.enrolment, t1);
    BOOST_TEST(auth.completeLogin("sam", *first.challenge, code, "10.0.0.2", t1).error ==
               "invalid_challenge");
    BOOST_TEST(auth.completeLogin("alice", *first.challenge, code, "10.0.0.1", t1).error ==
               "invalid_challenge");
    auto done = auth.completeLogin("sam", *first.challenge, code, "10.0.0.1", t1);
    BOOST_REQUIRE(done.token);
    BOOST_TEST(auth.validate(*done.token, t1)->name == "sam");
    // The challenge is spent; the code too.
    BOOST_TEST(auth.completeLogin("sam", *first.challenge, code, "10.0.0.1", t1).error ==
               "invalid_challenge");
    auto again = auth.login("sam", "correct horse", "10.0.0.1", t1);
    BOOST_TEST(auth.completeLogin("sam", *again.challenge, code, "10.0.0.1", t1).error ==
               "code_used");
    // One step: password and code together; a recovery code too.
    auto t2 = t1 + seconds(30);
    BOOST_TEST(auth.login("sam", "correct horse", "10.0.0.1", t2, codeAt(s.enrolment, t2)).token.has_value());
    auto rec = auth.login("sam", "correct horse", "10.0.0.1", t2, s.codes[0]);
    BOOST_REQUIRE(rec.token);
    BOOST_TEST(*rec.recovery_codes_left == 9u);
    // A wrong password with a right code is a wrong password.
    BOOST_TEST(auth.login("sam", "wrong", "10.0.0.1", t2, s.codes[1]).error ==
               "invalid_credentials");
    // Accounts without MFA log in as before.
    BOOST_TEST(auth.login("alice", "correct horse", "10.0.0.1", t2).token.has_value());
}

BOOST_AUTO_TEST_CASE(wrong_codes_count_toward_the_login_throttle) {
    Enrolled s;
    AuthService auth(accounts());
    auth.setMfa(s.mfa, {});
    auto t1 = t0 + seconds(30);
    auto first = auth.login("sam", "correct horse", "10.0.0.1", t1);
    BOOST_REQUIRE(first.challenge);
    // pair_failures (5) wrong codes lock the name for this address, even with a right code.
    for (int i = 0; i < 4; ++i)
        BOOST_TEST(auth.completeLogin("sam", *first.challenge, "abcdef", "10.0.0.1", t1).error ==
                   "invalid_code");
    auto second = auth.login("sam", "correct horse", "10.0.0.1", t1);  // password right: no reset
    BOOST_REQUIRE(second.challenge);
    BOOST_TEST(auth.completeLogin("sam", *second.challenge, "abcdef", "10.0.0.1", t1).error ==
               "invalid_code");
    auto locked =
        auth.completeLogin("sam", *second.challenge, codeAt(s.enrolment, t1), "10.0.0.1", t1);
    BOOST_TEST(locked.error == "throttled");
    BOOST_TEST(!locked.token.has_value());
    BOOST_TEST(auth.login("sam", "correct horse", "10.0.0.1", t1).error == "throttled");
}

BOOST_AUTO_TEST_CASE(a_challenge_takes_a_few_wrong_codes_only) {
    Enrolled s;
    ThrottlePolicy lenient;
    lenient.pair_failures = 100;
    lenient.address_failures = 100;
    AuthService auth(accounts(), std::chrono::hours(1), lenient);
    auth.setMfa(s.mfa, {});
    auto t1 = t0 + seconds(30);
    auto first = auth.login("sam", "correct horse", "10.0.0.1", t1);
    for (int i = 0; i < AuthService::kChallengeAttempts; ++i)
        auth.completeLogin("sam", *first.challenge, "abcdef", "10.0.0.1", t1);
    BOOST_TEST(auth.completeLogin("sam", *first.challenge, codeAt(s.enrolment, t1), "10.0.0.1",
                                  t1)
                   .error == "invalid_challenge");
    auto late = auth.login("sam", "correct horse", "10.0.0.1", t1);
    auto after = t1 + AuthService::kChallengeTtl + seconds(1);
    BOOST_TEST(auth.completeLogin("sam", *late.challenge, codeAt(s.enrolment, after), "10.0.0.1",
                                  after)
                   .error == "invalid_challenge");
}

BOOST_AUTO_TEST_CASE(policy_gives_roles_without_mfa_a_session_that_may_only_enrol) {
    testing::TempDir dir;
    auto mfa = std::make_shared<MfaService>(dir.file("mfa.yaml"), "ccd");
    AuthService auth(accounts());
    auth.setMfa(mfa, MfaPolicy{{Role::Supervisor, Role::Admin}});
    auto agent = auth.login("alice", "correct horse", "10.0.0.1", t0);
    BOOST_REQUIRE(agent.token);
    BOOST_TEST(!agent.principal->enrolment_only);
    auto sup = auth.login("sam", "correct horse", "10.0.0.1", t0);
    BOOST_REQUIRE(sup.token);
    BOOST_TEST(sup.principal->enrolment_only);
    BOOST_TEST((sup.expires_at == t0 + AuthService::kEnrolmentSessionTtl));
    BOOST_TEST(!auth.validate(*sup.token, t0).has_value());  // not for the console nor the API
    BOOST_TEST(auth.validateForEnrolment(*sup.token, t0)->enrolment_only);

    MfaEnrolment e;
    std::vector<std::string> codes;
    BOOST_REQUIRE(mfa->begin("sam", t0, e) == MfaOutcome::Ok);
    BOOST_REQUIRE(mfa->confirm("sam", codeAt(e, t0), t0, codes) == MfaOutcome::Ok);
    auth.endEnrolmentOnly(*sup.token, t0);
    BOOST_TEST(auth.validate(*sup.token, t0)->name == "sam");
    // From now on a code is needed.
    BOOST_TEST(auth.login("sam", "correct horse", "10.0.0.1", t0).error == "mfa_required");
}

BOOST_AUTO_TEST_CASE(login_body_reads_codes_and_challenges) {
    std::optional<channels::WebResponse> error;
    auto one = parseLoginBody(jsonRequest(R"({"name":"sam","password":"pw","code":"123456"})"),
                              error);
    BOOST_REQUIRE(one);
    BOOST_TEST(one->code == "123456");
    auto two = parseLoginBody(jsonRequest(R"({"name":"sam","challenge":"ab","code":"1"})"), error);
    BOOST_REQUIRE(two);
    BOOST_TEST(two->challenge == "ab");
    BOOST_TEST(two->password.empty());
    auto refused = [](const std::string& body, const std::string& field) {
        std::optional<channels::WebResponse> e;
        bool parsed = parseLoginBody(jsonRequest(body), e).has_value();
        return !parsed && e && e->status == 422 &&
               e->body.find("\"field\":\"" + field + "\"") != std::string::npos;
    };
    BOOST_TEST(refused(R"({"name":"sam","challenge":"ab"})", "code"));
    BOOST_TEST(refused(R"({"name":"sam","challenge":"ab","code":"1","password":"x"})",
                       "password"));
    BOOST_TEST(refused(R"({"name":"sam","password":"pw","code":""})", "code"));
    BOOST_TEST(refused(R"({"name":"sam","password":"pw","code":123456})", "code"));
    BOOST_TEST(refused(R"({"name":"sam","password":"pw","code":")" + std::string(33, '1') +
                           "\"}",
                       "code"));
    BOOST_TEST(refused(R"({"name":"sam","challenge":"","code":"1"})", "challenge"));
    BOOST_TEST(refused(R"({"name":"sam"})", "password"));
    BOOST_TEST(*parseCodeBody(jsonRequest(R"({"code":"123 456"})"), error) == "123 456");
    BOOST_TEST(!parseCodeBody(jsonRequest(R"({"code":"1","x":1})"), error).has_value());
    BOOST_TEST(error->status == 422);
    BOOST_TEST(!parseCodeBody(jsonRequest(R"({})"), error).has_value());
}
