#include "channels/whatsapp/whatsapp_channel.hpp"

#include "channels/common/crypto.hpp"
#include "channels/common/settings_reader.hpp"
#include "channels/common/url.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::whatsapp {

ParseOutcome WhatsAppInbound::parse(const WebRequest& request, const ParseContext& context) const {
    if (request.method == "GET") {
        // The subscription handshake: echo the challenge when the verify token matches.
        auto q = parseQuery(request.query());
        if (!q) return ParseOutcome::reject(400, "invalid_query", "malformed query string");
        auto mode = queryValue(*q, "hub.mode");
        auto token = queryValue(*q, "hub.verify_token");
        auto challenge = queryValue(*q, "hub.challenge");
        if (mode != std::optional<std::string>("subscribe") || !token || !challenge)
            return ParseOutcome::reject(400, "invalid_query",
                                        "expected hub.mode=subscribe, hub.verify_token and "
                                        "hub.challenge");
        if (!constantTimeEquals(*token, verify_token_))
            return ParseOutcome::reject(403, "forbidden", "hub.verify_token does not match");
        WebResponse r;
        r.status = 200;
        r.content_type = "text/plain";
        r.body = *challenge;
        return ParseOutcome::answer(std::move(r));
    }
    std::string_view sig = request.header("X-Hub-Signature-256");
    constexpr std::string_view kPrefix = "sha256=";
    if (sig.substr(0, kPrefix.size()) != kPrefix ||
        !constantTimeEquals(sig.substr(kPrefix.size()), hmacSha256Hex(app_secret_, request.body)))
        return ParseOutcome::reject(401, "unauthorized",
                                    "X-Hub-Signature-256 is missing or does not match the body");
    return parseNotification(request.body, phone_number_id_, context.now);
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<WhatsAppSettings, WhatsAppInbound, WhatsAppOutbound>(
        "whatsapp", routing::ChannelKind::WhatsApp,
        {"app_secret", "verify_token", "access_token", "phone_number_id", "api_base",
         "api_version", "window_template"},
        [](const config::NodeRef& item, WhatsAppSettings& s) {
            s.app_secret = requiredSecret(item["app_secret"]);
            s.verify_token = requiredSecret(item["verify_token"]);
            s.access_token = requiredSecret(item["access_token"]);
            if (item["phone_number_id"].require()) {
                if (auto id = item["phone_number_id"].nonEmptyString()) {
                    bool digits = id->size() <= 32;
                    for (char c : *id) digits = digits && c >= '0' && c <= '9';
                    if (!digits)
                        item["phone_number_id"].error(
                            "expected the number's id from the app's WhatsApp settings (digits), "
                            "not the phone number");
                    else s.phone_number_id = *id;
                }
            }
            s.api_base = baseUrl(item["api_base"], s.api_base);
            if (auto v = item["api_version"].nonEmptyString()) {
                if (v->size() < 2 || (*v)[0] != 'v') item["api_version"].error("expected e.g. v21.0");
                else s.api_version = *v;
            }
            auto t = item["window_template"];
            if (t.present() && !t.isNull() && t.expectMap({"name", "language", "text_parameter"})) {
                WindowTemplate w;
                if (t["name"].require()) w.name = t["name"].nonEmptyString().value_or("");
                if (t["language"].require()) w.language = t["language"].nonEmptyString().value_or("");
                if (auto p = t["text_parameter"].boolean()) w.text_parameter = *p;
                s.window_template = w;
            }
        });
}

}  // namespace ccd::channels::whatsapp
