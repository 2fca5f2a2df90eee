#include "channels/webhook/webhook_channel.hpp"

#include <nlohmann/json.hpp>

#include "channels/api/api_channel.hpp"
#include "channels/common/crypto.hpp"
#include "channels/common/json_body.hpp"
#include "channels/common/send_outcome.hpp"
#include "channels/common/settings_reader.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::webhook {

using nlohmann::json;

std::string sign(std::string_view secret, std::string_view timestamp, std::string_view body) {
    std::string data;
    data.reserve(timestamp.size() + 1 + body.size());
    data.append(timestamp).append(".").append(body);
    return "sha256=" + hmacSha256Hex(secret, data);
}

ParseOutcome WebhookInbound::parse(const WebRequest& request, const ParseContext& context) const {
    std::string_view ts = request.header("X-Signature-Timestamp");
    std::string_view sig = request.header("X-Signature-256");
    if (ts.empty() || sig.empty())
        return ParseOutcome::reject(401, "unauthorized",
                                    "X-Signature-Timestamp and X-Signature-256 are required");
    bool digits = ts.size() <= 12;
    for (char c : ts) digits = digits && c >= '0' && c <= '9';
    if (!digits)
        return ParseOutcome::reject(401, "unauthorized",
                                    "X-Signature-Timestamp is not Unix seconds");
    if (!constantTimeEquals(sig, sign(secret_, ts, request.body)))
        return ParseOutcome::reject(401, "unauthorized",
                                    "X-Signature-256 does not match the timestamp and body");
    // In seconds, not as a time point: a far-off timestamp must not overflow the clock's
    // nanoseconds (found by the fuzzer).
    const std::int64_t at = std::stoll(std::string(ts));
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(context.now.time_since_epoch()).count();
    const std::int64_t skew = at > now ? at - now : now - at;
    if (skew > std::chrono::duration_cast<std::chrono::seconds>(tolerance_).count())
        return ParseOutcome::reject(
            401, "stale_signature",
            "X-Signature-Timestamp is more than " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(tolerance_).count()) +
                " s from now: a replayed or delayed request");
    auto out = api::parseMessageBody(request, context, routing::ChannelKind::Webhook);
    out.replay_key = std::string(sig);
    return out;
}

WebResponse WebhookInbound::answer(const IntakeReceipt& receipt) const {
    return api::acceptedAnswer(receipt);
}

BuiltSend WebhookOutbound::build(const OutgoingMessage& m, const AccessToken*,
                                 routing::TimePoint now) const {
    json body{{"type", "message"},
              {"conversation_id", m.conversation_id},
              {"message_id", m.message_id},
              {"to", m.to},
              {"author", m.author},
              {"text", m.text}};
    if (m.subject) body["subject"] = *m.subject;
    if (m.html) body["html"] = *m.html;
    if (m.template_id) body["template"] = *m.template_id;
    if (m.locale) body["locale"] = *m.locale;
    HttpCall c;
    c.url = url_;
    c.body = dumpJson(body);
    auto ts = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    c.headers.emplace_back("Content-Type", "application/json");
    c.headers.emplace_back("X-Signature-Timestamp", ts);
    c.headers.emplace_back("X-Signature-256", sign(secret_, ts, c.body));
    // The same key on every try of one message: the receiver can drop a repeat.
    c.headers.emplace_back("Idempotency-Key", m.idempotency_key);
    return {std::move(c), std::nullopt};
}

SendOutcome WebhookOutbound::classify(const OutgoingMessage&, const HttpAnswer& a) const {
    auto out = classifyHttp(a, routing::Clock::now());
    if (out.kind == SendOutcome::Kind::Sent) {
        auto body = parseJsonBody(a.body);
        if (!body.error) out.provider_message_id = jsonId(body.value, "id").value_or("");
    }
    return out;
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<WebhookSettings, WebhookInbound, WebhookOutbound>(
        "webhook", routing::ChannelKind::Webhook, {"secret", "callback_url", "tolerance"},
        [](const config::NodeRef& item, WebhookSettings& s) {
            s.secret = requiredSecret(item["secret"]);
            if (!s.secret.empty() && s.secret.reveal().size() < 16)
                item["secret"].error("use a secret of at least 16 characters");
            if (item["callback_url"].require()) s.callback_url = baseUrl(item["callback_url"], "");
            if (auto d = item["tolerance"].duration()) {
                if (d->count() <= 0 || *d > std::chrono::hours(1))
                    item["tolerance"].error("must be between 1s and 1h");
                else s.tolerance = *d;
            }
        });
}

}  // namespace ccd::channels::webhook
