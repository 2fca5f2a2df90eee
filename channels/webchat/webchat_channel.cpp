#include "channels/webchat/webchat_channel.hpp"

#include <nlohmann/json.hpp>

#include "channels/api/api_channel.hpp"
#include "channels/common/text_limits.hpp"
#include "channels/webchat/webchat_upload.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::webchat {

namespace {

// An Origin as a browser sends it: scheme://host[:port], nothing after.
bool validOrigin(const std::string& o) {
    auto scheme = o.find("://");
    if (scheme == std::string::npos) return false;
    auto s = o.substr(0, scheme);
    if (s != "http" && s != "https") return false;
    auto rest = o.substr(scheme + 3);
    return !rest.empty() && rest.find_first_of("/?# ") == std::string::npos;
}

void read(const config::NodeRef& item, WebchatSettings& s) {
    if (auto h = item["host"].nonEmptyString()) s.host = *h;
    if (auto p = item["port"].integer(0, 65535)) s.port = static_cast<std::uint16_t>(*p);
    if (auto list = item["allowed_origins"].stringList()) {
        std::size_t i = 0;
        for (const auto& o : *list) {
            if (!validOrigin(o))
                item["allowed_origins"][i].error(
                    "an origin is scheme://host[:port] as a browser sends it, e.g. "
                    "https://shop.example (got \"" + o + "\")");
            ++i;
        }
        s.allowed_origins = *list;
    }
    if (auto n = item["max_frame_bytes"].byteSize()) {
        if (*n < 1024 || *n > 1024 * 1024) item["max_frame_bytes"].error("must be 1KiB to 1MiB");
        else s.max_frame_bytes = *n;
    }
    if (auto n = item["max_text_chars"].integer(1, 64000)) s.max_text_chars = static_cast<std::size_t>(*n);
    if (auto n = item["messages_per_minute"].integer(1, 6000))
        s.messages_per_minute = static_cast<std::size_t>(*n);
    if (auto n = item["sessions_per_address_per_hour"].integer(1, 100000))
        s.sessions_per_address_per_hour = static_cast<std::size_t>(*n);
    if (auto n = item["max_connections_per_address"].integer(1, 100000))
        s.max_connections_per_address = static_cast<std::size_t>(*n);
    if (auto n = item["max_connections"].integer(1, 1000000))
        s.max_connections = static_cast<std::size_t>(*n);
    if (auto d = item["session_ttl"].duration()) {
        if (d->count() < 1000) item["session_ttl"].error("must be at least 1s");
        else s.session_ttl = *d;
    }
    if (auto f = item["order_field"].nonEmptyString()) s.order_field = *f;
    if (auto n = item["max_upload_bytes"].byteSize()) {
        if (*n < 1 || *n > 64 * 1024 * 1024) item["max_upload_bytes"].error("must be 1B to 64MiB");
        else s.max_upload_bytes = *n;
    }
    if (auto types = item["upload_types"].stringList()) {
        std::size_t i = 0;
        for (const auto& t : *types) {
            auto slash = t.find('/');
            if (slash == std::string::npos || slash == 0 || slash + 1 == t.size() ||
                t.find_first_of(" ;,ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
                item["upload_types"][i].error("a media type in lower case, e.g. image/png (got \"" +
                                              t + "\")");
            else if (t.rfind("image/", 0) == 0 &&
                     t != "image/jpeg" && t != "image/png" && t != "image/gif" && t != "image/webp")
                item["upload_types"][i].error("ccd checks the content of image/jpeg, image/png, "
                                              "image/gif and image/webp only (got \"" + t + "\")");
            ++i;
        }
        s.upload_types = *types;
    }
    if (auto e = item["email_instance"].nonEmptyString()) {
        s.email_instance = *e;
        s.references.push_back({"email_instance", *e, "email"});
    }
    if (auto r = item["order_required"].boolean()) {
        s.order_required = *r;
        if (*r && s.order_field.empty())
            item["order_required"].error("needs order_field (the label the form shows)");
    }
}

}  // namespace

std::string requestBody(const CustomerMessage& m) {
    nlohmann::json from{{"id", m.sender}};
    if (m.name) from["name"] = *m.name;
    if (m.email) from["email"] = *m.email;
    if (m.phone) from["phone"] = *m.phone;
    nlohmann::json body{{"from", std::move(from)},
                        {"text", m.text},
                        {"external_id", m.sender + ":" + m.client_id}};
    if (m.locale) body["locale"] = *m.locale;
    if (m.order) body["channel_ref"] = *m.order;
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ParseOutcome WebchatInbound::parse(const WebRequest& request, const ParseContext& context) const {
    if (request.hasHeader(kFileNameHeader)) return parseUpload(request, context);
    auto out = api::parseMessageBody(request, context, routing::ChannelKind::Webchat);
    if (out.rejection) return out;
    const bool notice = request.hasHeader(kNoticeHeader);
    for (auto& m : out.messages) {
        if (notice) m.classify_text = std::string();
        if (utf16Length(m.text) > settings_.max_text_chars)
            return ParseOutcome::reject(422, "too_long",
                                        "a message is at most " + std::to_string(settings_.max_text_chars) +
                                            " characters",
                                        "text");
    }
    return out;
}

ParseOutcome WebchatInbound::parseUpload(const WebRequest& request,
                                         const ParseContext& context) const {
    auto checked = checkUpload(request.header("Content-Type"), request.header(kFileNameHeader),
                               request.body, settings_);
    if (auto* r = std::get_if<Rejection>(&checked)) return ParseOutcome::reject(*r);
    const auto& file = std::get<CheckedUpload>(checked);
    std::string sender(request.header(kSenderHeader));
    std::string id(request.header(kClientIdHeader));
    if (sender.empty() || id.empty())
        return ParseOutcome::reject(400, "missing_field", "the session and the file's id are needed");
    routing::InboundMessage m;
    m.channel = routing::ChannelKind::Webchat;
    m.provider_id = sender + ":" + id;
    m.from.id = sender;
    m.received_at = context.now;
    routing::Attachment a;
    a.kind = file.kind;
    a.provider_file_id = "webchat:" + m.provider_id;
    a.mime_type = file.mime_type;
    a.file_name = file.file_name;
    a.size = static_cast<std::int64_t>(request.body.size());
    a.stored = true;
    m.attachments.push_back(std::move(a));
    ParseOutcome out;
    out.messages.push_back(std::move(m));
    out.attachment_contents.push_back({0, 1, request.body});
    return out;
}

WebResponse WebchatInbound::answer(const IntakeReceipt& receipt) const {
    return api::acceptedAnswer(receipt);
}

BuiltSend WebchatOutbound::build(const OutgoingMessage&, const AccessToken*,
                                 routing::TimePoint) const {
    BuiltSend b;
    b.outcome = SendOutcome::sent();
    return b;
}

SendOutcome WebchatOutbound::classify(const OutgoingMessage&, const HttpAnswer&) const {
    return SendOutcome::sent();
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<WebchatSettings, WebchatInbound, WebchatOutbound>(
        "webchat", routing::ChannelKind::Webchat,
        {"host", "port", "allowed_origins", "max_frame_bytes", "max_text_chars",
         "messages_per_minute", "sessions_per_address_per_hour", "max_connections_per_address",
         "max_connections", "session_ttl", "order_field", "order_required", "max_upload_bytes",
         "upload_types", "email_instance"},
        read);
}

}  // namespace ccd::channels::webchat
