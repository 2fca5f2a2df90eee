// Fuzz target: the body of POST /v1/auth/login (from anyone, before any authentication). Any
// input gives credentials within the limits or an HTTP error answer with a JSON reason.

#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/console/login_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ccd::channels::WebRequest request;
    request.method = "POST";
    request.target = "/v1/auth/login";
    // A first byte '~' tries a content type with parameters; the rest is the body.
    bool params = size > 0 && data[0] == '~';
    request.headers.emplace_back("Content-Type",
                                 params ? "application/json; charset=utf-8" : "application/json");
    request.body.assign(reinterpret_cast<const char*>(data), size);
    std::optional<ccd::channels::WebResponse> error;
    auto creds = ccd::daemon::console::parseLoginBody(request, error);
    if (creds) {
        if (error || creds->name.empty() ||
            creds->name.size() > ccd::daemon::console::kMaxLoginNameBytes ||
            creds->password.size() > ccd::daemon::console::kMaxLoginPasswordBytes)
            __builtin_trap();
    } else {
        if (!error || error->status < 400 || error->status > 499 || error->body.empty() ||
            error->body.front() != '{')
            __builtin_trap();
    }
    return 0;
}
