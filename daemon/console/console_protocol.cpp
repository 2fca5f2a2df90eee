#include "daemon/console/console_protocol.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"

namespace ccd::daemon::console {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<std::string_view, CommandType>, 13> kTypes{{
    {"auth", CommandType::Auth},
    {"presence", CommandType::Presence},
    {"accept", CommandType::Accept},
    {"decline", CommandType::Decline},
    {"reply", CommandType::Reply},
    {"note", CommandType::Note},
    {"transfer", CommandType::Transfer},
    {"wrap_up", CommandType::WrapUp},
    {"resolve", CommandType::Resolve},
    {"typing", CommandType::Typing},
    {"open", CommandType::Open},
    {"subscribe", CommandType::Subscribe},
    {"unsubscribe", CommandType::Unsubscribe},
}};

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// Reads the command's fields; returns the name of the first bad field, or empty.
struct Reader {
    const json& j;
    std::string bad;   // field name
    std::string why;

    bool fail(const char* field, const char* reason) {
        if (bad.empty()) {
            bad = field;
            why = reason;
        }
        return false;
    }
    bool tooLong(const char* field, std::size_t max) {
        if (bad.empty()) {
            bad = field;
            why = "is longer than " + std::to_string(max) + " bytes";
        }
        return false;
    }
    bool string(const char* field, std::string& out, bool required, std::size_t max,
                bool non_empty = true) {
        auto it = j.find(field);
        if (it == j.end() || it->is_null()) {
            return required ? fail(field, "is required") : true;
        }
        if (!it->is_string()) return fail(field, "must be a string");
        if (it->get_ref<const std::string&>().size() > max) return tooLong(field, max);
        out = it->get<std::string>();
        if (non_empty && out.empty()) return fail(field, "must not be empty");
        return true;
    }
    bool optionalString(const char* field, std::optional<std::string>& out, std::size_t max) {
        std::string v;
        auto it = j.find(field);
        if (it == j.end() || it->is_null()) return true;
        if (!string(field, v, true, max)) return false;
        out = std::move(v);
        return true;
    }
    bool conversation(std::int64_t& out) {
        auto it = j.find("conversation_id");
        if (it == j.end() || it->is_null()) return fail("conversation_id", "is required");
        if (!it->is_number_integer() || it->get<std::int64_t>() <= 0)
            return fail("conversation_id", "must be a positive integer");
        out = it->get<std::int64_t>();
        return true;
    }
};

}  // namespace

std::string_view toString(CommandType type) {
    for (const auto& [name, t] : kTypes) {
        if (t == type) return name;
    }
    return "?";
}

ParseOutcome parseCommand(std::string_view frame) {
    ParseOutcome out;
    // Strict: one value, nothing after it, no NUL byte (nlohmann's parser stops at a NUL, so
    // `{...}\0garbage` was read as the command).
    auto parsed = channels::parseJsonBody(frame);
    if (parsed.error) {
        out.error = {"bad_json", "the frame is not valid JSON (" + parsed.error->reason + ")", ""};
        return out;
    }
    json& j = parsed.value;
    if (!j.is_object()) {
        out.error = {"bad_request", "a command is a JSON object", ""};
        return out;
    }
    std::string id;
    if (auto it = j.find("id"); it != j.end()) {
        if (it->is_string()) id = it->get<std::string>();
        else if (it->is_number_integer()) id = std::to_string(it->get<std::int64_t>());
        else {
            out.error = {"bad_request", "id must be a string or an integer", ""};
            return out;
        }
        if (id.size() > 128) {
            out.error = {"bad_request", "id is longer than 128 characters", ""};
            return out;
        }
    }
    auto type_it = j.find("type");
    if (type_it == j.end() || !type_it->is_string()) {
        out.error = {"bad_request", "type is required and must be a string", id};
        return out;
    }
    auto type_name = type_it->get<std::string>();
    std::optional<CommandType> type;
    for (const auto& [name, t] : kTypes) {
        if (name == type_name) type = t;
    }
    if (!type) {
        out.error = {"unknown_type", "unknown command type \"" + type_name.substr(0, 64) + "\"", id};
        return out;
    }

    Command c;
    c.type = *type;
    c.id = id;
    Reader r{j, {}, {}};
    switch (c.type) {
        case CommandType::Auth: {
            r.string("token", c.token, true, kMaxTokenBytes);
            auto it = j.find("last_seq");
            if (it != j.end() && !it->is_null()) {
                if (!it->is_number_unsigned()) r.fail("last_seq", "must be a non-negative integer");
                else c.last_seq = it->get<std::uint64_t>();
            }
            break;
        }
        case CommandType::Presence:
            if (r.string("presence", c.presence, true, kMaxNameBytes) &&
                c.presence != "available" && c.presence != "away" && c.presence != "offline" &&
                c.presence != "busy")
                r.fail("presence", "must be available, away, busy or offline");
            break;
        case CommandType::Accept:
        case CommandType::Decline:
        case CommandType::Typing:
        case CommandType::Open:
            r.conversation(c.conversation_id);
            break;
        case CommandType::Reply: {
            if (!r.conversation(c.conversation_id)) break;
            if (auto it = j.find("window_template"); it != j.end() && !it->is_null()) {
                if (!it->is_boolean()) {
                    r.fail("window_template", "must be true or false");
                    break;
                }
                c.window_template = it->get<bool>();
            }
            r.optionalString("template", c.template_id, kMaxNameBytes);
            if (c.template_id) {
                auto it = j.find("vars");
                if (it != j.end() && !it->is_null()) {
                    if (!it->is_object()) {
                        r.fail("vars", "must be an object");
                        break;
                    }
                    static_assert(kMaxVars == 32 && kMaxVarNameBytes == 64 &&
                                      kMaxVarValueBytes == 1024,
                                  "the reasons below name these limits");
                    if (it->size() > kMaxVars) {
                        r.fail("vars", "has more than 32 entries");
                        break;
                    }
                    for (const auto& [k, v] : it->items()) {
                        if (k.size() > kMaxVarNameBytes) {
                            r.fail("vars", "names are at most 64 bytes");
                            break;
                        }
                        if (v.is_string()) {
                            if (v.get_ref<const std::string&>().size() > kMaxVarValueBytes) {
                                r.fail("vars", "values are at most 1024 bytes");
                                break;
                            }
                            c.vars[k] = v.get<std::string>();
                        } else if (v.is_number() || v.is_boolean()) {
                            c.vars[k] = v.dump();
                        } else {
                            r.fail("vars", "values must be strings, numbers or booleans");
                        }
                    }
                }
                r.string("text", c.text, false, kMaxTextBytes, false);
            } else {
                r.string("text", c.text, !c.window_template, kMaxTextBytes, !c.window_template);
            }
            break;
        }
        case CommandType::Note:
            if (r.conversation(c.conversation_id)) r.string("text", c.text, true, kMaxTextBytes);
            break;
        case CommandType::Transfer:
            if (!r.conversation(c.conversation_id)) break;
            r.optionalString("to_agent", c.to_agent, kMaxNameBytes);
            r.optionalString("to_queue", c.to_queue, kMaxNameBytes);
            r.string("note", c.note, false, kMaxNoteBytes, false);
            if (r.bad.empty() && c.to_agent.has_value() == c.to_queue.has_value())
                r.fail("to_agent", "give exactly one of to_agent and to_queue");
            break;
        case CommandType::WrapUp:
            r.string("disposition", c.disposition, true, kMaxDispositionBytes);
            if (j.contains("conversation_id")) r.conversation(c.conversation_id);
            break;
        case CommandType::Resolve:
            if (r.conversation(c.conversation_id))
                r.string("disposition", c.disposition, true, kMaxDispositionBytes);
            break;
        case CommandType::Subscribe:
        case CommandType::Unsubscribe:
            if (r.string("stream", c.stream, true, kMaxNameBytes) && c.stream != "supervisor" &&
                c.stream != "queues")
                r.fail("stream", "is \"supervisor\" or \"queues\"");
            break;
    }
    if (!r.bad.empty()) {
        out.error = {"bad_request", r.bad + " " + r.why, id};
        return out;
    }
    out.command = std::move(c);
    return out;
}

std::string errorFrame(std::string_view code, std::string_view reason, std::string_view id,
                       std::int64_t conversation_id) {
    json j{{"type", "error"}, {"code", code}, {"reason", reason}};
    if (!id.empty()) j["id"] = id;
    if (conversation_id > 0) j["conversation_id"] = conversation_id;
    return dump(j);
}

std::string withSeq(const std::string& frame, std::uint64_t seq) {
    // Frames built here are compact JSON objects: splice the field in rather than re-parsing.
    if (frame.size() < 2 || frame.front() != '{') return frame;
    std::string out = "{\"seq\":" + std::to_string(seq);
    if (frame.size() > 2) out += ',';
    out.append(frame, 1, std::string::npos);
    return out;
}

}  // namespace ccd::daemon::console
