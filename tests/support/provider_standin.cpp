// provider_standin: stand-in provider APIs (Telegram Bot API, WhatsApp Cloud API, WeChat
// Official Account, generic webhook callbacks) on a loopback port, for ccd's integration tests
// and benchmarks. Records every request, answers on script. See standin_server.hpp and
// standin_control.hpp; tests/support/standin_process.hpp starts it from a test.
//
//   provider_standin [--listen 127.0.0.1:0] [--delay-ms N] [--threads N]
//                    [--record full|meta|none] [--wechat-app APPID:SECRET]...
//
// The first line on stdout is `listening on 127.0.0.1:PORT`; it then serves until SIGTERM or
// SIGINT and exits 0.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "tests/support/standin_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: provider_standin [--listen 127.0.0.1:0] [--delay-ms N] [--threads N]\n"
    "                        [--record full|meta|none] [--wechat-app APPID:SECRET]...\n";

[[noreturn]] void usage(const std::string& problem) {
    if (!problem.empty()) std::fprintf(stderr, "provider_standin: %s\n", problem.c_str());
    std::fputs(kUsage, stderr);
    std::exit(2);
}

int integer(const std::string& flag, const std::string& value, int min, int max) {
    std::size_t used = 0;
    int n = 0;
    try {
        n = std::stoi(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != value.size() || value.empty() || n < min || n > max)
        usage(flag + " needs a number from " + std::to_string(min) + " to " + std::to_string(max));
    return n;
}

ccd::standin::ServerOptions parse(int argc, char** argv) {
    ccd::standin::ServerOptions options;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) usage(flag + " needs a value");
        std::string value = argv[++i];
        if (flag == "--listen") {
            auto colon = value.rfind(':');
            if (colon == std::string::npos || colon == 0) usage("--listen needs HOST:PORT");
            options.address = value.substr(0, colon);
            options.port = static_cast<std::uint16_t>(
                integer("--listen's port", value.substr(colon + 1), 0, 65535));
        } else if (flag == "--delay-ms") {
            options.delay_ms = integer(flag, value, 0, 3'600'000);
        } else if (flag == "--threads") {
            options.threads = integer(flag, value, 1, 64);
        } else if (flag == "--record") {
            if (value == "full") {
                options.record = ccd::standin::RecordMode::kFull;
            } else if (value == "meta") {
                options.record = ccd::standin::RecordMode::kMeta;
            } else if (value == "none") {
                options.record = ccd::standin::RecordMode::kNone;
            } else {
                usage("--record is full, meta or none");
            }
        } else if (flag == "--wechat-app") {
            auto colon = value.find(':');
            if (colon == std::string::npos || colon == 0 || colon + 1 == value.size())
                usage("--wechat-app needs APPID:SECRET");
            options.wechat_apps[value.substr(0, colon)] = value.substr(colon + 1);
        } else {
            usage("unknown option " + flag);
        }
    }
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parse(argc, argv);
    // A client that closes while an answer is written must not end the process.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        ccd::standin::Server server(options);
        auto port = server.start();
        std::printf("listening on %s:%u\n", options.address.c_str(), static_cast<unsigned>(port));
        std::fflush(stdout);
        server.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "provider_standin: %s\n", e.what());
        return 1;
    }
    return 0;
}
