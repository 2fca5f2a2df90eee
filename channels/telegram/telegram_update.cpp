// Reading a Telegram Update: the messages, edits and files it carries.
#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "channels/common/text_limits.hpp"
#include "channels/telegram/telegram_channel.hpp"

namespace ccd::channels::telegram {
namespace {

using nlohmann::json;

// The largest size of a photo (Telegram sends several), by file_size, else the last listed.
const json* largestPhoto(const json& sizes) {
    const json* best = nullptr;
    std::int64_t best_size = -1;
    for (const auto& p : sizes) {
        if (!p.is_object() || !jsonString(p, "file_id")) continue;
        auto size = jsonInt(p, "file_size").value_or(0);
        if (!best || size >= best_size) {
            best = &p;
            best_size = size;
        }
    }
    return best;
}

routing::Attachment fileOf(const json& f, std::string kind) {
    routing::Attachment a;
    a.kind = std::move(kind);
    a.provider_file_id = jsonString(f, "file_id").value_or("");
    a.mime_type = jsonString(f, "mime_type");
    a.file_name = jsonString(f, "file_name");
    a.size = jsonInt(f, "file_size");
    return a;
}

std::vector<routing::Attachment> attachmentsOf(const json& m) {
    std::vector<routing::Attachment> out;
    if (const auto* photo = jsonArray(m, "photo")) {
        if (const auto* p = largestPhoto(*photo)) out.push_back(fileOf(*p, "photo"));
    }
    for (const char* kind : {"document", "voice", "audio", "video", "video_note", "animation",
                             "sticker"}) {
        // An animation is also sent as a document: keep one of the two.
        if (std::string_view(kind) == "document" && m.contains("animation")) continue;
        if (const auto* f = jsonObject(m, kind); f && jsonString(*f, "file_id")) {
            auto a = fileOf(*f, kind);
            if (std::string_view(kind) == "sticker") a.caption = jsonString(*f, "emoji");
            out.push_back(std::move(a));
        }
    }
    if (const auto* loc = jsonObject(m, "location")) {
        routing::Attachment a;
        a.kind = "location";
        auto lat = loc->find("latitude"), lon = loc->find("longitude");
        if (lat != loc->end() && lon != loc->end() && lat->is_number() && lon->is_number())
            a.caption = lat->dump() + "," + lon->dump();
        out.push_back(std::move(a));
    }
    if (const auto* c = jsonObject(m, "contact")) {
        routing::Attachment a;
        a.kind = "contact";
        a.caption = jsonString(*c, "phone_number");
        a.file_name = jsonString(*c, "first_name");
        out.push_back(std::move(a));
    }
    if (auto caption = jsonString(m, "caption")) {
        for (auto& a : out) {
            if (!a.caption) a.caption = caption;
        }
    }
    return out;
}

std::string fullName(const json& user) {
    std::string name = jsonString(user, "first_name").value_or("");
    if (auto last = jsonString(user, "last_name"); last && !last->empty())
        name += (name.empty() ? "" : " ") + *last;
    if (name.empty()) name = jsonString(user, "username").value_or("");
    if (name.empty()) name = jsonString(user, "title").value_or("");
    return name;
}

}  // namespace

ParseOutcome parseUpdate(std::string_view body, routing::TimePoint now) {
    auto parsed = parseJsonBody(body);
    if (parsed.error) return ParseOutcome::reject(std::move(*parsed.error));
    const json& update = parsed.value;
    if (!update.is_object())
        return ParseOutcome::reject(400, "invalid_body", "an Update is a JSON object");
    auto update_id = jsonInt(update, "update_id");
    if (!update_id)
        return ParseOutcome::reject(400, "missing_field", "missing field update_id", "update_id");

    ParseOutcome out;
    const json* m = jsonObject(update, "message");
    const json* edited = m ? nullptr : jsonObject(update, "edited_message");
    const json* msg = m ? m : edited;
    if (!msg) {
        // callback_query, my_chat_member, channel_post...: nothing a customer asked.
        out.ignored = 1;
        return out;
    }
    const char* field = m ? "message" : "edited_message";
    const json* chat = jsonObject(*msg, "chat");
    auto chat_id = chat ? jsonId(*chat, "id") : std::nullopt;
    auto message_id = jsonId(*msg, "message_id");
    if (!chat_id)
        return ParseOutcome::reject(400, "missing_field",
                                    std::string("missing field ") + field + ".chat.id",
                                    std::string(field) + ".chat.id");
    if (!message_id)
        return ParseOutcome::reject(400, "missing_field",
                                    std::string("missing field ") + field + ".message_id",
                                    std::string(field) + ".message_id");
    const json* from = jsonObject(*msg, "from");
    if (from && from->value("is_bot", false)) {
        // Another bot in a group: never a customer, and answering it could loop.
        out.ignored = 1;
        return out;
    }
    std::string text = jsonString(*msg, "text").value_or(jsonString(*msg, "caption").value_or(""));
    std::string ref = *chat_id + ":" + *message_id;

    if (edited) {
        if (text.empty()) {
            out.ignored = 1;
            return out;
        }
        InboundEdit e;
        e.provider_id = std::to_string(*update_id);
        e.provider_ref = ref;
        e.channel = routing::ChannelKind::Telegram;
        e.sender = jsonId(from ? *from : *chat, "id").value_or(*chat_id);
        e.text = std::move(text);
        e.edited_at = now;
        out.edits.push_back(std::move(e));
        return out;
    }

    routing::InboundMessage in;
    in.channel = routing::ChannelKind::Telegram;
    in.provider_id = std::to_string(*update_id);
    in.provider_ref = ref;
    in.received_at = now;
    in.attachments = attachmentsOf(*msg);
    in.text = std::move(text);
    if (in.text.empty() && in.attachments.empty()) {
        // A service message (someone joined, a pin): nothing to answer.
        out.ignored = 1;
        return out;
    }
    const json& who = from ? *from : *chat;
    in.from.id = jsonId(who, "id").value_or(*chat_id);
    if (auto name = fullName(who); !name.empty()) in.from.name = name;
    if (from) {
        if (auto lang = jsonString(*from, "language_code"); lang && isLanguageTag(*lang))
            in.locale = lang;
    }
    in.reply_address = *chat_id;
    out.messages.push_back(std::move(in));
    return out;
}

}  // namespace ccd::channels::telegram
