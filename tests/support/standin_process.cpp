#include "tests/support/standin_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <thread>

#include "tests/support/ccd_process.hpp"

#ifndef CCD_STANDIN_EXECUTABLE
#define CCD_STANDIN_EXECUTABLE "provider_standin"
#endif

namespace ccd::testing {

using Clock = std::chrono::steady_clock;

namespace {

std::string describeStatus(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

/// Whether a TCP connection to 127.0.0.1:port is accepted right now.
bool accepts(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::string standinExecutable() {
    if (const char* env = std::getenv("CCD_STANDIN"); env && *env) return env;
    return CCD_STANDIN_EXECUTABLE;
}

StandinProcess::StandinProcess(StandinOptions options) {
    std::string binary = options.binary.empty() ? standinExecutable() : options.binary;
    std::vector<std::string> args{binary,
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--delay-ms",
                                  std::to_string(options.delay_ms),
                                  "--threads",
                                  std::to_string(options.threads),
                                  "--record",
                                  options.record};
    for (const auto& app : options.wechat_apps) {
        args.push_back("--wechat-app");
        args.push_back(app);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("standin: pipe failed");
    int err = -1;
    if (!options.log_path.empty()) {
        err = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (err < 0) {
            ::close(out[0]);
            ::close(out[1]);
            throw std::runtime_error("standin: cannot open " + options.log_path);
        }
    }
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
        // Never outlive a test that crashed. (Tied to the forking thread: start it from the
        // test's main thread.)
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(126);
        int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, 0);
        ::dup2(out[1], 1);
        if (err >= 0) ::dup2(err, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    if (err >= 0) ::close(err);
    if (pid_ < 0) {
        ::close(out[0]);
        throw std::runtime_error("standin: fork failed");
    }

    // The first line is `listening on 127.0.0.1:PORT`.
    std::string line;
    auto deadline = Clock::now() + options.start_timeout;
    std::string failure;
    while (line.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            failure = "did not print its port within " +
                      std::to_string(options.start_timeout.count()) + " ms";
            break;
        }
        pollfd p{out[0], POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        char buf[256];
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            failure = "closed its output before printing its port";
            break;
        }
        line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    static const std::regex kListening(R"(^listening on 127\.0\.0\.1:(\d+)\n)");
    std::smatch m;
    if (failure.empty() && std::regex_search(line, m, kListening)) {
        port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
        return;
    }
    if (failure.empty()) failure = "printed \"" + line + "\" instead of its port";
    std::string how = stop(std::chrono::seconds(2));
    std::string log = options.log_path.empty() ? std::string() : "\n" + readFile(options.log_path);
    throw std::runtime_error("standin (" + binary + ") " + failure +
                             (how.empty() ? "" : " (" + how + ")") + log);
}

StandinProcess::~StandinProcess() { stop(); }

std::string StandinProcess::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

nlohmann::json StandinProcess::call(const std::string& method, const std::string& target,
                                    const std::string& body) const {
    HttpResult r = httpRequest(port_, method, target, body, {}, std::chrono::seconds(10));
    if (r.status != 200) {
        throw std::runtime_error("standin: " + method + " " + target + " answered " +
                                 std::to_string(r.status) + ": " + r.text);
    }
    if (r.body.is_discarded())
        throw std::runtime_error("standin: " + method + " " + target +
                                 " answered no JSON: " + r.text);
    return r.body;
}

nlohmann::json StandinProcess::requests(std::uint64_t since, const std::string& match) const {
    std::string target = "/_standin/requests?since=" + std::to_string(since);
    if (!match.empty()) {
        static const char* kHex = "0123456789ABCDEF";
        std::string encoded;
        for (unsigned char c : match) {
            if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
                encoded.push_back(static_cast<char>(c));
            } else {
                encoded += '%';
                encoded += kHex[c >> 4];
                encoded += kHex[c & 15];
            }
        }
        target += "&match=" + encoded;
    }
    return call("GET", target);
}

nlohmann::json StandinProcess::stats() const { return call("GET", "/_standin/stats"); }

void StandinProcess::script(const nlohmann::json& script) {
    call("POST", "/_standin/script", script.dump());
}

nlohmann::json StandinProcess::currentScript() const { return call("GET", "/_standin/script"); }

void StandinProcess::down(double seconds) {
    call("POST", "/_standin/down", nlohmann::json{{"seconds", seconds}}.dump());
}

bool StandinProcess::waitUntilUp(std::chrono::milliseconds timeout) const {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (accepts(port_)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return accepts(port_);
}

void StandinProcess::expireTokens() { call("POST", "/_standin/expire_tokens", "{}"); }

void StandinProcess::reset() { call("POST", "/_standin/reset", "{}"); }

void StandinProcess::setDelay(int ms) {
    call("POST", "/_standin/delay", nlohmann::json{{"ms", ms}}.dump());
}

nlohmann::json StandinProcess::waitForRequests(std::size_t count, const std::string& match,
                                               std::uint64_t since,
                                               std::chrono::milliseconds timeout) const {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        auto got = requests(since, match);
        if (got.size() >= count) return got;
        if (Clock::now() >= deadline) {
            throw std::runtime_error("standin: waited " + std::to_string(timeout.count()) +
                                     " ms for " + std::to_string(count) + " requests matching \"" +
                                     match + "\", got " + std::to_string(got.size()) + ": " +
                                     got.dump());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string StandinProcess::stop(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return {};
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "the stand-in exited during the test (" + describeStatus(status) + ")";
    }
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
            return "the stand-in did not exit cleanly on SIGTERM (" + describeStatus(status) + ")";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return "the stand-in did not exit within " + std::to_string(timeout.count()) + " ms of SIGTERM";
}

}  // namespace ccd::testing
