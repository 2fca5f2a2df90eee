// Fuzz target: a Twilio voice webhook (form body, X-Twilio-Signature). The first byte chooses
// whether the request is signed right (bit 0) and its query string (bits 1-3: none, the phone
// menu's menu=1 or menu=2, or a bad menu=x; a queue's enqueue=wait or enqueue=result, or a bad
// enqueue=x, or both kinds); the signature is computed over the fuzzed
// parameters as parsed, so the fuzzer reaches the field readers behind the check.
#include <cstddef>
#include <cstdint>
#include <string>

#include "channels/common/url.hpp"
#include "channels/twilio/twilio_channel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string kToken = "fuzz-auth-token-0123456789abcdef";
    static const ccd::channels::twilio::TwilioInbound channel([] {
        ccd::channels::twilio::TwilioSettings s;
        s.name = "fuzz";
        s.account_sid = "AC00000000000000000000000000000001";
        s.auth_token = ccd::config::Secret(kToken, "inline");
        s.public_url = "https://ccd.example.com/webhooks/twilio/fuzz";
        return s;
    }());
    if (size < 1) return 0;
    const bool sign = data[0] & 1;
    static const char* const kQueries[] = {"",           "menu=1",         "menu=2",
                                           "menu=x",     "enqueue=wait",   "enqueue=result",
                                           "enqueue=x",  "menu=1&enqueue=wait"};
    const std::string query = kQueries[(data[0] >> 1) & 7];
    ccd::channels::WebRequest r;
    r.method = "POST";
    r.target = "/webhooks/twilio/fuzz" + (query.empty() ? "" : "?" + query);
    r.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    auto params = ccd::channels::parseQuery(r.body);
    std::string sig = "bm90IGEgc2lnbmF0dXJl";
    if (sign && params)
        sig = ccd::channels::twilio::signature(
            kToken, "https://ccd.example.com/webhooks/twilio/fuzz" + (query.empty() ? "" : "?" + query),
            *params);
    r.headers.emplace_back("X-Twilio-Signature", sig);
    auto out = channel.parse(r, {ccd::routing::TimePoint(std::chrono::seconds(1700000000)), ""});
    if (!sign && !out.rejection) __builtin_trap();  // an unsigned request never passes
    if (out.rejection) {
        if (out.rejection->status < 400 || out.rejection->status > 499 || !out.empty())
            __builtin_trap();
        return 0;
    }
    if (out.calls.size() != 1 || out.messages.size() > 1) __builtin_trap();
    // Only the call's first request, the menu's key and a queue's waitUrl and leaving wait for
    // a routing decision; everything else is answered.
    const bool menu_key = out.calls[0].type == "call.digits" && !query.empty();
    const bool queue_step =
        out.calls[0].type == "call.waiting" || out.calls[0].type == "call.dequeued";
    if (queue_step && query.find("enqueue=") == std::string::npos) __builtin_trap();
    if (out.messages.empty() && !out.stored_answer && !menu_key && !queue_step) __builtin_trap();
    if (menu_key && query == "menu=x") __builtin_trap();  // only menu=1 or menu=2 is a key
    if (menu_key && out.calls[0].provider_id != out.calls[0].call_id + ":digits:" + query.substr(5))
        __builtin_trap();  // one step per playing of the menu
    return 0;
}
