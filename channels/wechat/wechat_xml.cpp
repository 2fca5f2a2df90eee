// Reading a WeChat XML message with pugixml: DTDs and entity declarations are refused, and
// nothing external is ever fetched (pugixml does not).
#include <pugixml.hpp>

#include <algorithm>
#include <cctype>

#include "channels/wechat/wechat_channel.hpp"

namespace ccd::channels::wechat {
namespace {

std::string field(const pugi::xml_node& root, const char* name) {
    return root.child(name).text().as_string();
}

bool containsIgnoreCase(std::string_view hay, std::string_view needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) ==
                                                      std::toupper(static_cast<unsigned char>(b)); });
    return it != hay.end();
}

}  // namespace

ParseOutcome parseXmlMessage(std::string_view body, routing::TimePoint now) {
    // WeChat never sends a DTD: one here is an attack (entity expansion, external entities).
    if (containsIgnoreCase(body, "<!DOCTYPE") || containsIgnoreCase(body, "<!ENTITY"))
        return ParseOutcome::reject(400, "invalid_xml", "XML with a DTD or entity is refused");
    pugi::xml_document doc;
    auto result = doc.load_buffer(body.data(), body.size(),
                                  pugi::parse_default & ~pugi::parse_doctype, pugi::encoding_utf8);
    if (!result)
        return ParseOutcome::reject(400, "invalid_xml",
                                    std::string("malformed XML at byte ") +
                                        std::to_string(result.offset) + ": " +
                                        result.description());
    auto root = doc.child("xml");
    if (!root) return ParseOutcome::reject(400, "invalid_xml", "expected an <xml> root element");
    std::string from = field(root, "FromUserName");
    std::string type = field(root, "MsgType");
    if (from.empty() || from.size() > 128)
        return ParseOutcome::reject(400, "missing_field", "missing field FromUserName",
                                    "FromUserName");
    if (type.empty())
        return ParseOutcome::reject(400, "missing_field", "missing field MsgType", "MsgType");
    std::string create_time = field(root, "CreateTime");

    ParseOutcome out;
    if (type == "event") {
        std::string event = field(root, "Event");
        if (event != "subscribe" && event != "unsubscribe") {
            // SCAN, LOCATION, CLICK, VIEW, TEMPLATESENDJOBFINISH...: nothing a customer wrote.
            out.ignored = 1;
            return out;
        }
        ContactEvent e;
        // Events have no MsgId: WeChat's own advice is FromUserName + CreateTime.
        e.provider_id = from + ":" + create_time + ":" + event;
        e.type = event;
        e.from.id = from;
        e.at = now;
        out.contact_events.push_back(std::move(e));
        return out;
    }

    routing::InboundMessage in;
    in.channel = routing::ChannelKind::WeChat;
    in.from.id = from;
    in.reply_address = from;
    in.received_at = now;
    std::string msg_id = field(root, "MsgId");
    in.provider_id = msg_id.empty() ? from + ":" + create_time : msg_id;
    if (!msg_id.empty()) in.provider_ref = msg_id;
    if (type == "text") {
        in.text = field(root, "Content");
    } else if (type == "image") {
        routing::Attachment a;
        a.kind = "image";
        a.provider_file_id = field(root, "MediaId");
        if (auto url = field(root, "PicUrl"); !url.empty()) a.url = url;
        in.attachments.push_back(std::move(a));
    } else if (type == "voice") {
        routing::Attachment a;
        a.kind = "voice";
        a.provider_file_id = field(root, "MediaId");
        if (auto format = field(root, "Format"); !format.empty()) a.mime_type = "audio/" + format;
        // WeChat's speech recognition, when the account has it on: classified like text.
        in.text = field(root, "Recognition");
        if (!in.text.empty()) a.caption = in.text;
        in.attachments.push_back(std::move(a));
    } else if (type == "video" || type == "shortvideo") {
        routing::Attachment a;
        a.kind = "video";
        a.provider_file_id = field(root, "MediaId");
        in.attachments.push_back(std::move(a));
    } else if (type == "location") {
        routing::Attachment a;
        a.kind = "location";
        a.caption = field(root, "Location_X") + "," + field(root, "Location_Y");
        if (auto label = field(root, "Label"); !label.empty()) *a.caption += " " + label;
        in.attachments.push_back(std::move(a));
    } else if (type == "link") {
        in.text = field(root, "Title");
        if (auto d = field(root, "Description"); !d.empty()) in.text += "\n" + d;
        if (auto u = field(root, "Url"); !u.empty()) in.text += "\n" + u;
    } else {
        out.ignored = 1;
        return out;
    }
    if (in.text.empty() && in.attachments.empty()) {
        out.ignored = 1;
        return out;
    }
    out.messages.push_back(std::move(in));
    return out;
}

}  // namespace ccd::channels::wechat
