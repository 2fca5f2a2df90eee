#include "daemon/webchat/webchat_frames.hpp"

#include <algorithm>

#include "channels/api/contact_fields.hpp"
#include "templates/pattern.hpp"

namespace ccd::daemon::webchat {

using nlohmann::json;

namespace {

// An optional string field of at most `max` bytes; sets `error` when it is not one.
std::optional<std::string> optionalText(const json& frame, const char* key, std::size_t max,
                                        ProfileRead& out) {
    auto it = frame.find(key);
    if (it == frame.end() || it->is_null()) return std::nullopt;
    if (!it->is_string() || it->get_ref<const std::string&>().size() > max) {
        if (out.error.empty()) {
            out.error = std::string(key) + " is text of at most " + std::to_string(max) + " bytes";
            out.field = key;
        }
        return std::nullopt;
    }
    auto s = it->get<std::string>();
    if (s.empty()) return std::nullopt;
    return s;
}

}  // namespace

ProfileRead readProfile(const json& frame, const channels::webchat::WebchatSettings& settings) {
    ProfileRead out;
    out.value.name = optionalText(frame, "name", 100, out);
    out.value.email = optionalText(frame, "email", 254, out);
    out.value.phone = optionalText(frame, "phone", 32, out);
    out.value.order = optionalText(frame, "order", 100, out);
    auto locale = optionalText(frame, "locale", 16, out);
    if (!out.error.empty()) return out;
    auto control = [](const std::optional<std::string>& v) {
        return v ? channels::api::checkName(*v) : std::nullopt;
    };
    if (!out.value.name) {
        out.error = "name is required";
        out.field = "name";
    } else if (auto bad = control(out.value.name)) {
        out.error = "name " + *bad;
        out.field = "name";
    } else if (auto bad_order = control(out.value.order)) {
        out.error = "order " + *bad_order;
        out.field = "order";
    } else if (out.value.email && (out.value.email->find('@') == std::string::npos ||
                                   out.value.email->find_first_of(" <>\"") != std::string::npos)) {
        out.error = "email is not an email address";
        out.field = "email";
    } else if (out.value.phone &&
               out.value.phone->find_first_not_of("+0123456789 -()") != std::string::npos) {
        out.error = "phone has only digits, spaces, +, -, ( and )";
        out.field = "phone";
    } else if (locale && *locale != "en" && *locale != "zh-Hans" && *locale != "zh-Hant") {
        out.error = "locale is en, zh-Hans or zh-Hant";
        out.field = "locale";
    } else if (settings.order_field.empty() && out.value.order) {
        out.error = "this chat asks for no order field";
        out.field = "order";
    } else if (settings.order_required && !out.value.order) {
        out.error = settings.order_field + " is required";
        out.field = "order";
    }
    if (locale) out.value.locale = *locale;
    return out;
}

json profileJson(const Profile& p) {
    json j{{"sender", p.sender}, {"locale", p.locale}};
    if (p.name) j["name"] = *p.name;
    if (p.email) j["email"] = *p.email;
    if (p.phone) j["phone"] = *p.phone;
    if (p.order) j["order"] = *p.order;
    return j;
}

Profile profileFromJson(const json& j) {
    Profile p;
    p.sender = j.value("sender", "");
    p.locale = j.value("locale", "en");
    auto opt = [&j](const char* key) -> std::optional<std::string> {
        auto it = j.find(key);
        if (it == j.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
    };
    p.name = opt("name");
    p.email = opt("email");
    p.phone = opt("phone");
    p.order = opt("order");
    return p;
}

json errorFrame(std::string_view code, std::string_view reason, std::string_view field,
                std::string_view id) {
    json f{{"type", "error"}, {"code", code}, {"reason", reason}};
    if (!field.empty()) f["field"] = field;
    if (!id.empty()) f["id"] = id;
    return f;
}

std::string clientId(const json& frame) {
    auto it = frame.find("id");
    if (it == frame.end() || !it->is_string()) return {};
    const auto& s = it->get_ref<const std::string&>();
    bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
    return ok ? s : std::string();
}

json messageFrame(const store::MessageRecord& m, const std::string& sender) {
    json f{{"type", "message"},
           {"message_id", m.id},
           {"direction", m.direction},
           {"text", m.text},
           {"html", escapeHtml(m.text)},
           {"at_ms", m.created_at_ms}};
    if (!m.attachments.empty()) {
        json files = json::array();
        for (const auto& a : m.attachments) {
            json one{{"kind", a.kind}};
            if (a.file_name) one["name"] = *a.file_name;
            if (a.mime_type) one["type"] = *a.mime_type;
            if (a.size) one["size"] = *a.size;
            files.push_back(std::move(one));
        }
        f["attachments"] = std::move(files);
    }
    if (m.channel == "email") f["via"] = "email";  // a conversation carried on by email
    if (m.direction == "in") {
        f["author"] = "customer";
        // The provider id is "<sender>:<client id>" (channels/webchat requestBody).
        if (m.provider_id && m.provider_id->rfind(sender + ":", 0) == 0)
            f["client_id"] = m.provider_id->substr(sender.size() + 1);
    } else if (m.author.rfind("agent:", 0) == 0) {
        f["author"] = "agent";
        f["agent"] = m.author.substr(6);
    } else {
        f["author"] = "auto";
    }
    return f;
}

std::string escapeHtml(std::string_view text) {
    auto escaped = templates::escapeHtml(std::string(text));
    std::string out;
    out.reserve(escaped.size());
    for (char c : escaped) {
        if (c == '\n') out += "<br>";
        else out += c;
    }
    return out;
}

}  // namespace ccd::daemon::webchat
