#include "channels/api/api_channel.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "channels/common/json_body.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::api {
namespace {

using nlohmann::json;

bool isBlank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    });
}

// A locale tag as BCP 47 writes it: letters, digits and '-' / '_', 2 to 35 characters.
bool isLocaleTag(std::string_view s) {
    if (s.size() < 2 || s.size() > 35) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_';
    });
}

// Reads an optional string member; sets `error` when present but not a non-empty string.
std::optional<std::string> optionalString(const json& obj, const char* key, const std::string& path,
                                          std::size_t max_len, std::optional<ParseOutcome>& error) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
        error = ParseOutcome::reject(422, "invalid_field", path + " must be a string", path);
        return std::nullopt;
    }
    auto value = it->get<std::string>();
    if (value.empty() || isBlank(value)) {
        error = ParseOutcome::reject(422, "invalid_field", path + " must not be empty", path);
        return std::nullopt;
    }
    if (value.size() > max_len) {
        error = ParseOutcome::reject(422, "invalid_field",
                                     path + " is longer than " + std::to_string(max_len) + " bytes",
                                     path);
        return std::nullopt;
    }
    return value;
}

std::optional<ParseOutcome> rejectUnknown(const json& obj, const std::string& prefix,
                                          std::initializer_list<std::string_view> known) {
    for (const auto& item : obj.items()) {
        if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
            std::string path = prefix.empty() ? item.key() : prefix + "." + item.key();
            return ParseOutcome::reject(422, "unknown_field", "unknown field " + path, path);
        }
    }
    return std::nullopt;
}

}  // namespace

ParseOutcome parseMessageBody(const WebRequest& request, const ParseContext& context,
                              routing::ChannelKind kind) {
    std::string_view ct = request.header("Content-Type");
    if (!isJsonContentType(ct)) {
        return ParseOutcome::reject(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    }
    auto parsed = parseJsonBody(request.body);
    if (parsed.error) return ParseOutcome::reject(std::move(*parsed.error));
    json& body = parsed.value;
    if (!body.is_object()) {
        return ParseOutcome::reject(422, "invalid_body", "the body must be a JSON object");
    }
    if (auto bad = rejectUnknown(body, "", {"from", "text", "external_id", "locale", "channel_ref"}))
        return *bad;

    routing::InboundMessage msg;
    msg.channel = kind;
    msg.received_at = context.now;
    msg.api_client = context.client;
    std::optional<ParseOutcome> error;

    auto from = body.find("from");
    if (from == body.end() || from->is_null())
        return ParseOutcome::reject(422, "missing_field", "missing field from", "from");
    if (!from->is_object())
        return ParseOutcome::reject(422, "invalid_field", "from must be an object", "from");
    if (auto bad = rejectUnknown(*from, "from", {"id", "name", "email", "phone"})) return *bad;
    if (!from->contains("id") || (*from)["id"].is_null())
        return ParseOutcome::reject(422, "missing_field", "missing field from.id", "from.id");
    auto id = optionalString(*from, "id", "from.id", kMaxIdLength, error);
    if (error) return *error;
    msg.from.id = context.client.empty() ? *id : context.client + ":" + *id;
    msg.from.name = optionalString(*from, "name", "from.name", 512, error);
    if (error) return *error;
    msg.from.email = optionalString(*from, "email", "from.email", 320, error);
    if (error) return *error;
    if (msg.from.email && msg.from.email->find('@') == std::string::npos)
        return ParseOutcome::reject(422, "invalid_field", "from.email is not an email address",
                                    "from.email");
    msg.from.phone = optionalString(*from, "phone", "from.phone", 64, error);
    if (error) return *error;

    auto text = body.find("text");
    if (text == body.end() || text->is_null())
        return ParseOutcome::reject(422, "missing_field", "missing field text", "text");
    if (!text->is_string())
        return ParseOutcome::reject(422, "invalid_field", "text must be a string", "text");
    msg.text = text->get<std::string>();
    if (isBlank(msg.text))
        return ParseOutcome::reject(422, "invalid_field", "text must not be empty", "text");
    if (msg.text.size() > kMaxTextBytes)
        return ParseOutcome::reject(422, "invalid_field",
                                    "text is longer than " + std::to_string(kMaxTextBytes) +
                                        " bytes",
                                    "text");

    auto external_id = optionalString(body, "external_id", "external_id", kMaxIdLength, error);
    if (error) return *error;
    if (external_id) {
        msg.provider_id = *external_id;
    } else if (request.hasHeader("Idempotency-Key")) {
        std::string key(request.header("Idempotency-Key"));
        if (key.empty() || key.size() > kMaxIdLength)
            return ParseOutcome::reject(422, "invalid_header",
                                        "Idempotency-Key must be 1 to 256 bytes",
                                        "Idempotency-Key");
        msg.provider_id = std::move(key);
    }
    msg.locale = optionalString(body, "locale", "locale", 35, error);
    if (error) return *error;
    if (msg.locale && !isLocaleTag(*msg.locale))
        return ParseOutcome::reject(422, "invalid_field", "locale is not a language tag", "locale");
    msg.channel_ref = optionalString(body, "channel_ref", "channel_ref", kMaxIdLength, error);
    if (error) return *error;

    ParseOutcome out;
    out.messages.push_back(std::move(msg));
    return out;
}

ParseOutcome ApiChannel::parse(const WebRequest& request, const ParseContext& context) const {
    return parseMessageBody(request, context, routing::ChannelKind::Api);
}

WebResponse acceptedAnswer(const IntakeReceipt& receipt) {
    // One message per request: its ids (a batch would list them; the API takes one).
    json body = json::object();
    if (!receipt.messages.empty()) {
        const auto& m = receipt.messages.front();
        if (m.conflict)
            return WebResponse::error(409, "conflict",
                                      "this sender already sent another message with this "
                                      "external_id (or Idempotency-Key); nothing was stored",
                                      "external_id");
        // Written as dump() writes it (sorted keys): every accepted message is answered so.
        char text[96];
        std::snprintf(text, sizeof text,
                      "{\"conversation_id\":%lld,\"duplicate\":%s,\"message_id\":%lld}",
                      static_cast<long long>(m.conversation_id), m.duplicate ? "true" : "false",
                      static_cast<long long>(m.message_id));
        return WebResponse::json(202, text);
    }
    return WebResponse::json(202, dumpJson(body));
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<ApiSettings, ApiChannel, ApiOutbound>(
        "api", routing::ChannelKind::Api, {"public", "clients"},
        [](const config::NodeRef& item, ApiSettings& s) {
            if (auto p = item["public"].boolean()) s.is_public = *p;
            if (auto c = item["clients"].stringList()) s.clients = *c;
        });
}

}  // namespace ccd::channels::api
