#include "tests/bench/console_bench_options.hpp"

#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace ccd::bench {
namespace {

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "console_bench: " << why << "\n"
              << "usage: console_bench --http HOST:PORT --ws HOST:PORT --pid PID --password PW\n"
                 "         [--agents 500] [--prefix a] [--rate 1000] [--duration 10]\n"
                 "         [--http-connections 64] [--typing-rate 200] [--idle-typings 1000]\n"
                 "         [--drain 10] [--supervisor NAME] [--cti PATH]\n";
    std::exit(2);
}

void splitHostPort(const std::string& v, std::string& host, std::string& port) {
    auto colon = v.rfind(':');
    if (colon == std::string::npos) usage("expected HOST:PORT, got " + v);
    host = v.substr(0, colon);
    port = v.substr(colon + 1);
}

}  // namespace

Options parseOptions(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) usage("missing value for " + a);
        std::string v = argv[++i];
        try {
            if (a == "--http") splitHostPort(v, o.http_host, o.http_port);
            else if (a == "--ws") splitHostPort(v, o.ws_host, o.ws_port);
            else if (a == "--pid") o.pid = std::stol(v);
            else if (a == "--password") o.password = v;
            else if (a == "--agents") o.agents = std::stoi(v);
            else if (a == "--prefix") o.prefix = v;
            else if (a == "--rate") o.rate = std::stod(v);
            else if (a == "--duration") o.duration = std::stod(v);
            else if (a == "--http-connections") o.http_connections = std::stoi(v);
            else if (a == "--typing-rate") o.typing_rate = std::stod(v);
            else if (a == "--idle-typings") o.idle_typings = std::stoi(v);
            else if (a == "--drain") o.drain = std::stod(v);
            else if (a == "--supervisor") o.supervisor = v;
            else if (a == "--cti") o.cti = v;
            else usage("unknown option " + a);
        } catch (const std::logic_error&) {
            usage("bad value for " + a + ": " + v);
        }
    }
    if (o.http_port.empty() || o.ws_port.empty() || o.password.empty())
        usage("--http, --ws and --password are required");
    if (o.agents < 1 || o.agents > 1000 || o.rate <= 0 || o.duration <= 0 ||
        o.http_connections < 1 || o.typing_rate < 0)
        usage("a value is out of range");
    return o;
}

}  // namespace ccd::bench
