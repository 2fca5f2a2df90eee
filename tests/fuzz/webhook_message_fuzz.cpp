// Fuzz target: a signed generic webhook request. The first bytes choose the timestamp header
// and whether the signature is right, so the fuzzer reaches both the check and the body parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "channels/webhook/webhook_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ccd::channels::webhook::WebhookInbound channel([] {
        ccd::channels::webhook::WebhookSettings s;
        s.secret = ccd::config::Secret("fuzz-secret-of-enough-length", "inline");
        return s;
    }());
    if (size < 1) return 0;
    const bool sign = data[0] & 1;
    std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    auto nl = rest.find('\n');
    std::string ts = nl == std::string::npos ? "1700000000" : rest.substr(0, nl);
    std::string body = nl == std::string::npos ? rest : rest.substr(nl + 1);
    ccd::channels::WebRequest r;
    r.method = "POST";
    r.target = "/webhooks/webhook/fuzz";
    r.body = body;
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("X-Signature-Timestamp", ts);
    r.headers.emplace_back("X-Signature-256",
                           sign ? ccd::channels::webhook::sign("fuzz-secret-of-enough-length", ts, body)
                                : std::string("sha256=00"));
    auto now = ccd::routing::TimePoint(std::chrono::seconds(1700000000));
    auto out = channel.parse(r, {now, ""});
    if (!sign && !out.rejection) __builtin_trap();  // an unsigned request never passes
    if (out.rejection) {
        if (out.rejection->status < 400 || out.rejection->status > 499 || !out.empty())
            __builtin_trap();
    } else if (out.messages.size() != 1 || out.replay_key.empty()) {
        __builtin_trap();
    }
    return 0;
}
