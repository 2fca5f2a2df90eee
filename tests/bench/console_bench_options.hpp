#pragma once
// console_bench's command line: the options and their parsing (usage on stderr and exit status
// 2 for a bad one).

#include <string>

namespace ccd::bench {

/// What to run against and how hard (the usage in console_bench.cpp's first comment).
struct Options {
    std::string http_host = "127.0.0.1", http_port;
    std::string ws_host = "127.0.0.1", ws_port;
    long pid = 0;
    std::string password;
    int agents = 500;
    std::string prefix = "a";
    double rate = 1000;
    double duration = 10;
    int http_connections = 64;
    double typing_rate = 200;
    int idle_typings = 1000;
    double drain = 10;
    std::string supervisor;  // also connect this account and subscribe to the board
    std::string cti;         // post CTI newCall events to this path (the phone benchmark)
};

/// The options of argv; prints the usage and exits with status 2 when one is missing, unknown
/// or out of range.
Options parseOptions(int argc, char** argv);

}  // namespace ccd::bench
