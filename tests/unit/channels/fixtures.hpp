#pragma once
// Reading the providers' fixtures (tests/data/providers/<kind>/<file>) and building requests.

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "channels/channel.hpp"

namespace ccd::testing {

/// The fixture's bytes; throws when it is missing, so a renamed fixture fails loudly.
inline std::string fixture(const std::string& kind, const std::string& file) {
    std::string path = std::string(CCD_SOURCE_DIR) + "/tests/data/providers/" + kind + "/" + file;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("missing fixture " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A POST with a body and headers.
inline channels::WebRequest request(
    std::string method, std::string target, std::string body,
    std::initializer_list<std::pair<std::string, std::string>> headers = {}) {
    channels::WebRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    for (const auto& h : headers) r.headers.push_back(h);
    return r;
}

/// A provider's answer with this status and body.
inline channels::HttpAnswer answer(int status, std::string body) {
    channels::HttpAnswer a;
    a.status = status;
    a.body = std::move(body);
    return a;
}

}  // namespace ccd::testing
