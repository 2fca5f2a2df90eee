#include "tests/support/ccd_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ccd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<char*> argvOf(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return argv;
}

std::string describeStatus(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

}  // namespace

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void writeFile(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string replaceLine(const std::string& text, const std::string& prefix,
                        const std::string& line) {
    std::size_t start = text.rfind(prefix, 0) == 0 ? 0 : std::string::npos;
    if (start == std::string::npos) {
        auto pos = text.find("\n" + prefix);
        if (pos != std::string::npos) start = pos + 1;
    }
    if (start == std::string::npos)
        throw std::runtime_error("no line starting with \"" + prefix + "\" to replace");
    auto end = text.find('\n', start);
    return text.substr(0, start) + line + (end == std::string::npos ? "" : text.substr(end));
}

void copyShippedConfig(const fs::path& root, const fs::path& dir) {
    fs::create_directories(dir / "config");
    fs::create_directories(dir / "templates");
    for (const auto& entry : fs::directory_iterator(root / "config")) {
        // The YAML files and the classification corpus routing.yaml names beside it.
        if (entry.path().extension() == ".yaml" || entry.path().extension() == ".jsonl")
            fs::copy_file(entry.path(), dir / "config" / entry.path().filename(),
                          fs::copy_options::overwrite_existing);
    }
    fs::copy(root / "templates" / "default", dir / "templates" / "default",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

std::string shippedConfigForTest(const fs::path& root, const fs::path& dir) {
    copyShippedConfig(root, dir);
    std::string text = readFile(dir / "config" / "ccd.yaml");
    text = replaceLine(text, "  listen: \"127.0.0.1:8080\"", "  listen: \"127.0.0.1:0\"");
    text = replaceLine(text, "  listen: \"127.0.0.1:8081\"", "  listen: \"127.0.0.1:0\"");
    text = replaceLine(text, "    path: ../var/ccd.db",
                       "    path: \"" + (dir / "ccd.db").string() + "\"");
    return replaceLine(text, "  static_dir: ",
                       "  static_dir: \"" + (root / "console" / "www").string() + "\"");
}

std::string passwordHash(const std::string& binary, const fs::path& ccd_yaml,
                         const fs::path& data_dir, const std::string& name,
                         const std::string& password, const std::string& log) {
    int rc = runWithInput({binary, "agent", "passwd", name, "--config", ccd_yaml.string()},
                          password + "\n", log);
    if (rc != 0)
        throw std::runtime_error("ccd agent passwd exited " + std::to_string(rc) + ":\n" +
                                 readFile(log));
    // It writes to the data directory (beside ccd.db), never to agents.yaml.
    const std::regex hash("\"" + name + R"re(": ("\$argon2id[^"]+"))re");
    std::smatch m;
    std::string written = readFile(data_dir / "passwords.yaml");
    if (!std::regex_search(written, m, hash))
        throw std::runtime_error("no hash for " + name + " in passwords.yaml:\n" + written);
    return m[1];
}

int runWithInput(const std::vector<std::string>& args, const std::string& input,
                 const std::string& log) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) {
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        throw std::runtime_error("cannot open " + log);
    }
    auto argv = argvOf(args);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pipefd[0], 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(pipefd[0]);
    ::close(out);
    if (pid < 0) {
        ::close(pipefd[1]);
        throw std::runtime_error("fork failed");
    }
    std::size_t done = 0;
    while (done < input.size()) {
        ssize_t n = ::write(pipefd[1], input.data() + done, input.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(pipefd[1]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void writeAccounts(const std::string& binary, const std::filesystem::path& ccd_yaml,
                   const std::vector<std::pair<std::string, std::string>>& accounts,
                   const std::string& password, const std::string& log) {
    std::string text = "accounts:\n";
    for (const auto& [name, role] : accounts)
        text += "  - name: " + name + "\n    role: " + role +
                "\n    skills: [general]\n    languages: [en]\n";
    writeFile(ccd_yaml.parent_path() / "agents.yaml", text);
    for (const auto& account : accounts) {
        int rc = runWithInput({binary, "agent", "passwd", account.first, "--config", ccd_yaml.string()},
                              password + "\n", log);
        if (rc != 0) throw std::runtime_error("ccd agent passwd exited " + std::to_string(rc));
    }
}

HttpResult httpRequest(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& token,
                       std::chrono::milliseconds timeout,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code result = asio::error::timed_out;
    stream.expires_after(timeout);  // covers connect, write and read
    stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                         [&](beast::error_code ec) {
                             if (ec) {
                                 result = ec;
                                 return;
                             }
                             http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
                                 if (ec) {
                                     result = ec;
                                     return;
                                 }
                                 http::async_read(
                                     stream, buffer, res,
                                     [&](beast::error_code ec, std::size_t) { result = ec; });
                             });
                         });
    ioc.run();
    HttpResult r;
    if (result) {
        r.text = method + " " + target + ": " + result.message();
        return r;
    }
    r.status = static_cast<int>(res.result_int());
    r.text = res.body();
    r.content_type = std::string(res[http::field::content_type]);
    r.body = nlohmann::json::parse(r.text, nullptr, false);
    return r;
}

CcdProcess::CcdProcess(std::string binary, std::string config_path, std::string log_path)
    : binary_(std::move(binary)),
      config_path_(std::move(config_path)),
      log_path_(std::move(log_path)) {}

CcdProcess::~CcdProcess() { stop(std::chrono::seconds(5)); }

void CcdProcess::start(std::chrono::milliseconds timeout) {
    if (pid_ > 0) throw std::runtime_error("ccd is running already");
    if (!fs::exists(binary_)) throw std::runtime_error("no ccd binary at " + binary_);
    const std::vector<std::string> args{binary_, "run", "--config", config_path_};
    auto argv = argvOf(args);  // points into args
    int out = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) throw std::runtime_error("cannot open " + log_path_);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test that crashed
        if (::getppid() != parent) ::_exit(126);
        int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out);
    if (pid_ < 0) throw std::runtime_error("fork failed");

    static const std::regex kHttp(R"(listening on https?://[^ ]*:(\d+) )");
    static const std::regex kConsole(R"(console: websocket listening on wss?://[^ ]*:(\d+)/)");
    auto deadline = Clock::now() + timeout;
    for (;;) {
        std::string text = log();
        std::smatch h, c;
        if (std::regex_search(text, h, kHttp) && std::regex_search(text, c, kConsole)) {
            http_port_ = static_cast<std::uint16_t>(std::stoi(h[1]));
            console_port_ = static_cast<std::uint16_t>(std::stoi(c[1]));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("ccd exited during start-up (" + describeStatus(status) +
                                     "):\n" + text);
        }
        if (Clock::now() >= deadline) {
            stop(std::chrono::seconds(5));
            throw std::runtime_error("ccd did not log its listeners in time:\n" + log());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void CcdProcess::signal(int signo) {
    if (pid_ <= 0 || ::kill(pid_, signo) != 0)
        throw std::runtime_error("cannot signal ccd: it is not running");
}

std::string CcdProcess::stop(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return {};
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "ccd exited during the test (" + describeStatus(status) + ")";
    }
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
            return "ccd did not exit cleanly on SIGTERM (" + describeStatus(status) + ")";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return "ccd did not exit within " + std::to_string(timeout.count()) + " ms of SIGTERM";
}

}  // namespace ccd::testing
