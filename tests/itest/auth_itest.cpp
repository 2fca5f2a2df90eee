#include "daemon/console/auth_routes.hpp"

#define BOOST_TEST_MODULE auth_itest
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "daemon/console/auth.hpp"
#include "daemon/daemon.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "channels/api/api_channel.hpp"

using namespace ccd;
using nlohmann::json;
using testing::HttpClient;
using testing::HttpReply;

namespace {

const std::string& hashOf(const std::string& password) {
    static std::map<std::string, std::string> cache;
    auto& h = cache[password];
    if (h.empty()) h = daemon::console::AuthService::hashPassword(password);
    return h;
}

/// A real daemon on port 0 with an agents file: alice (agent), sam (supervisor), ada (admin).
struct AuthDaemon {
    AuthDaemon() {
        std::ofstream(dir.file("agents.yaml")) << R"(accounts:
  - name: alice
    skills: [general]
    password_hash: ")" << hashOf("alice password") << R"("
  - name: sam
    role: supervisor
    password_hash: ")" << hashOf("sam password") << R"("
  - name: ada
    role: admin
    password_hash: ")" << hashOf("ada password") << R"("
  - name: newbie
)";
        auto cfg = std::make_shared<config::DaemonConfig>();
        // The API without keys (api_keys_e2e tests the keys).
        auto api = std::make_shared<channels::api::ApiSettings>();
        api->name = "api";
        api->type = "api";
        api->is_public = true;
        cfg->channels.push_back(api);
        cfg->server.listen.host = "127.0.0.1";
        cfg->server.listen.port = 0;
        cfg->storage.sqlite.path = dir.file("ccd.db");
        cfg->agents_path = dir.file("agents.yaml");
        // Logins still queued when a test ends are not waited for.
        cfg->server.shutdown_grace = std::chrono::milliseconds(200);
        daemon = std::make_unique<daemon::Daemon>(cfg);
        daemon->start();
        port = daemon->port();
    }
    testing::TempDir dir;
    std::unique_ptr<daemon::Daemon> daemon;
    std::uint16_t port = 0;
};

HttpReply login(HttpClient& c, const std::string& name, const std::string& password) {
    return c.postJson("/v1/auth/login", json{{"name", name}, {"password", password}}.dump());
}

std::vector<std::pair<std::string, std::string>> bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

json bodyOf(const HttpReply& r) { return json::parse(r.body); }

}  // namespace

BOOST_AUTO_TEST_CASE(login_me_logout_then_the_token_is_refused) {
    AuthDaemon d;
    HttpClient c(d.port);
    auto r = login(c, "sam", "sam password");
    BOOST_REQUIRE(r.status == 200);
    BOOST_TEST(r.header("Cache-Control") == "no-store");
    auto j = bodyOf(r);
    auto token = j["token"].get<std::string>();
    BOOST_TEST(token.size() == 64u);
    BOOST_TEST(j["name"] == "sam");
    BOOST_TEST(j["role"] == "supervisor");
    BOOST_TEST(j["expires_at"].get<std::string>().size() == 24u);  // 2024-01-01T00:00:00.000Z

    auto me = c.request("GET", "/v1/auth/me", "", bearer(token));
    BOOST_REQUIRE(me.status == 200);
    BOOST_TEST(bodyOf(me)["name"] == "sam");
    BOOST_TEST(bodyOf(me)["role"] == "supervisor");
    BOOST_TEST(bodyOf(me)["token_id"] == daemon::console::AuthService::tokenId(token));

    auto out = c.request("POST", "/v1/auth/logout", "", bearer(token));
    BOOST_TEST(out.status == 204);
    BOOST_TEST(out.body.empty());
    auto again = c.request("GET", "/v1/auth/me", "", bearer(token));
    BOOST_TEST(again.status == 401);
    BOOST_TEST(again.header("WWW-Authenticate").find("Bearer") == 0u);
    BOOST_TEST(c.request("POST", "/v1/auth/logout", "", bearer(token)).status == 401);
    auto none = c.get("/v1/auth/me");
    BOOST_TEST(none.status == 401);
    BOOST_TEST(none.header("WWW-Authenticate") == R"(Bearer realm="ccd")");
}

BOOST_AUTO_TEST_CASE(bad_logins_answer_the_same_401_and_bad_bodies_their_codes) {
    AuthDaemon d;
    HttpClient c(d.port);
    auto wrong = login(c, "alice", "not it");
    auto unknown = login(c, "nobody", "not it");
    auto nopw = login(c, "newbie", "anything");
    BOOST_TEST(wrong.status == 401);
    BOOST_TEST(unknown.status == 401);
    BOOST_TEST(nopw.status == 401);
    BOOST_TEST(wrong.body == unknown.body);
    BOOST_TEST(wrong.body == nopw.body);
    BOOST_TEST(bodyOf(wrong)["error"] == "invalid_credentials");

    auto malformed = c.postJson("/v1/auth/login", "{\"name\":");
    BOOST_TEST(malformed.status == 400);
    BOOST_TEST(bodyOf(malformed)["error"] == "invalid_json");
    // Issue 15, defect 11: a valid body, a NUL byte and garbage (nlohmann stops at the NUL).
    auto nul = c.postJson("/v1/auth/login",
                          std::string(R"({"name":"alice","password":"x"})") +
                              std::string("\0garbage", 8));
    BOOST_TEST(nul.status == 400);
    BOOST_TEST(bodyOf(nul)["error"] == "invalid_json");
    auto missing = c.postJson("/v1/auth/login", R"({"name":"alice"})");
    BOOST_TEST(missing.status == 422);
    BOOST_TEST(bodyOf(missing)["field"] == "password");
    auto missing_name = c.postJson("/v1/auth/login", R"({"password":"x"})");
    BOOST_TEST(bodyOf(missing_name)["field"] == "name");
    auto wrong_type = c.postJson("/v1/auth/login", R"({"name":"alice","password":5})");
    BOOST_TEST(wrong_type.status == 422);
    BOOST_TEST(bodyOf(wrong_type)["error"] == "invalid_field");
    auto extra = c.postJson("/v1/auth/login", R"({"name":"a","password":"b","otp":1})");
    BOOST_TEST(extra.status == 422);
    BOOST_TEST(bodyOf(extra)["field"] == "otp");
    auto form = c.request("POST", "/v1/auth/login", "name=alice&password=x",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(form.status == 415);
    BOOST_TEST(bodyOf(form)["error"] == "unsupported_media_type");
}

BOOST_AUTO_TEST_CASE(repeated_failures_get_429_with_retry_after) {
    AuthDaemon d;
    HttpClient c(d.port);
    for (int i = 0; i < 5; ++i) BOOST_TEST(login(c, "alice", "guess").status == 401);
    auto locked = login(c, "alice", "alice password");
    BOOST_TEST(locked.status == 429);
    auto retry = std::stoi(locked.header("Retry-After"));
    BOOST_TEST(retry > 0);
    BOOST_TEST(retry <= 60);
    BOOST_TEST(bodyOf(locked)["error"] == "too_many_attempts");
    // Other accounts still log in from this address (5 failures are below its limit).
    BOOST_TEST(login(c, "sam", "sam password").status == 200);
}

BOOST_AUTO_TEST_CASE(conversations_need_a_supervisor_token) {
    AuthDaemon d;
    HttpClient c(d.port);
    auto posted = c.postJson("/v1/messages", R"({"from":{"id":"c1"},"text":"my printer is broken"})");
    BOOST_REQUIRE(posted.status == 202);
    auto path = "/v1/conversations/" + bodyOf(posted)["conversation_id"].dump();

    auto anonymous = c.get(path);
    BOOST_TEST(anonymous.status == 401);
    BOOST_TEST(anonymous.header("WWW-Authenticate").find("Bearer") == 0u);
    BOOST_TEST(c.request("GET", path, "", bearer(std::string(64, '0'))).status == 401);

    auto alice = bodyOf(login(c, "alice", "alice password"))["token"].get<std::string>();
    auto as_agent = c.request("GET", path, "", bearer(alice));
    BOOST_TEST(as_agent.status == 403);
    BOOST_TEST(bodyOf(as_agent)["error"] == "forbidden");
    // An agent cannot tell a missing conversation from a hidden one.
    BOOST_TEST(c.request("GET", "/v1/conversations/999", "", bearer(alice)).status == 403);

    for (const char* who : {"sam", "ada"}) {
        auto token = bodyOf(login(c, who, std::string(who) + " password"))["token"].get<std::string>();
        auto read = c.request("GET", path, "", bearer(token));
        BOOST_TEST(read.status == 200);
        BOOST_TEST(bodyOf(read)["messages"][0]["text"] == "my printer is broken");
        BOOST_TEST(c.request("GET", "/v1/conversations/999", "", bearer(token)).status == 404);
    }
}

BOOST_AUTO_TEST_CASE(reload_takes_new_accounts_and_revokes_removed_ones) {
    AuthDaemon d;
    HttpClient c(d.port);
    auto alice = bodyOf(login(c, "alice", "alice password"))["token"].get<std::string>();
    auto sam = bodyOf(login(c, "sam", "sam password"))["token"].get<std::string>();
    std::ofstream(d.dir.file("agents.yaml")) << "accounts:\n  - name: sam\n    role: admin\n"
                                                "    password_hash: \""
                                             << hashOf("sam password") << "\"\n";
    d.daemon->reload(std::make_shared<config::DaemonConfig>(*d.daemon->currentConfig()));
    BOOST_TEST(c.request("GET", "/v1/auth/me", "", bearer(alice)).status == 401);
    auto me = c.request("GET", "/v1/auth/me", "", bearer(sam));
    BOOST_TEST(me.status == 200);
    BOOST_TEST(bodyOf(me)["role"] == "admin");
    BOOST_TEST(login(c, "alice", "alice password").status == 401);
}

namespace {

/// A login request sent from a loopback address of its own, answered later (or not at all).
class PendingLogin {
public:
    PendingLogin(std::uint16_t port, const std::string& source, const std::string& name) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in from{};
        from.sin_family = AF_INET;
        ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
            ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
            throw std::runtime_error("cannot connect from " + source);
        std::string body = json{{"name", name}, {"password", "guess"}}.dump();
        std::string req = "POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                          "application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
        if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
            throw std::runtime_error("cannot send from " + source);
    }
    ~PendingLogin() { ::close(fd_); }
    PendingLogin(const PendingLogin&) = delete;
    PendingLogin& operator=(const PendingLogin&) = delete;

    /// Whether an answer (or the end of the connection) has arrived.
    bool answered() const {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, 0) > 0;
    }

private:
    int fd_ = -1;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_known_address_logs_in_ahead_of_a_flood_of_bogus_logins) {
    AuthDaemon d;
    HttpClient c(d.port);
    BOOST_REQUIRE(login(c, "alice", "alice password").status == 200);  // 127.0.0.1 is known now
    // Bogus logins from many addresses (each guessing a different name, so no throttle answers
    // them early): more than the login queue holds.
    std::vector<std::unique_ptr<PendingLogin>> bogus;
    for (int i = 0; i < 90; ++i)
        bogus.push_back(std::make_unique<PendingLogin>(d.port, "127.0.1." + std::to_string(i + 1),
                                                       "ghost" + std::to_string(i)));
    // Some are answered at once (busy): the queue is full.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto answered = [&] {
        int n = 0;
        for (const auto& b : bogus) n += b->answered() ? 1 : 0;
        return n;
    };
    while (answered() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    BOOST_REQUIRE(answered() > 0);

    auto r = login(c, "alice", "alice password");
    BOOST_TEST(r.status == 200);
    // alice went ahead of the bogus logins that were waiting before her.
    BOOST_TEST(static_cast<int>(bogus.size()) - answered() >= 10);
}
