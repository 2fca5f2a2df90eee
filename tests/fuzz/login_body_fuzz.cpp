// Fuzz target: the body of POST /v1/auth/login (from anyone, before any authentication), with
// its second factor's code and challenge, and the {"code"} body of the MFA endpoints. Any input
// gives credentials within the limits or an HTTP error answer with a JSON reason.

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
    namespace console = ccd::daemon::console;
    auto refused = [](const std::optional<ccd::channels::WebResponse>& error) {
        return error && error->status >= 400 && error->status <= 499 && !error->body.empty() &&
               error->body.front() == '{';
    };
    std::optional<ccd::channels::WebResponse> error;
    auto creds = console::parseLoginBody(request, error);
    if (creds) {
        bool second_step = !creds->challenge.empty();
        if (error || creds->name.empty() || creds->name.size() > console::kMaxLoginNameBytes ||
            creds->password.size() > console::kMaxLoginPasswordBytes ||
            creds->code.size() > console::kMaxLoginCodeBytes ||
            creds->challenge.size() > console::kMaxLoginChallengeBytes ||
            (second_step && (creds->code.empty() || !creds->password.empty())))
            __builtin_trap();
    } else if (!refused(error)) {
        __builtin_trap();
    }
    std::optional<ccd::channels::WebResponse> code_error;
    auto code = console::parseCodeBody(request, code_error);
    if (code) {
        if (code_error || code->empty() || code->size() > console::kMaxLoginCodeBytes)
            __builtin_trap();
    } else if (!refused(code_error)) {
        __builtin_trap();
    }
    return 0;
}
