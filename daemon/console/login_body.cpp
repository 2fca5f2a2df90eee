#include "daemon/console/login_body.hpp"

#include <initializer_list>
#include <string_view>

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"

namespace ccd::daemon::console {

using channels::WebResponse;
using nlohmann::json;

namespace {

// The body as a JSON object whose members are all in `allowed`; nullopt with `error` set.
std::optional<json> readObject(const channels::WebRequest& req,
                               std::initializer_list<std::string_view> allowed,
                               std::optional<WebResponse>& error) {
    if (!channels::isJsonContentType(req.header("Content-Type"))) {
        error = WebResponse::error(415, "unsupported_media_type",
                                   "Content-Type must be application/json");
        return std::nullopt;
    }
    // Strict: nothing after the value, no NUL byte (`{...}\0garbage` was read as the body).
    auto parsed = channels::parseJsonBody(req.body);
    if (parsed.error) {
        error = WebResponse::error(400, "invalid_json", parsed.error->reason);
        return std::nullopt;
    }
    if (!parsed.value.is_object()) {
        error = WebResponse::error(422, "invalid_body", "the body must be a JSON object");
        return std::nullopt;
    }
    for (const auto& item : parsed.value.items()) {
        bool known = false;
        for (auto key : allowed) known = known || item.key() == key;
        if (!known) {
            error = WebResponse::error(422, "unknown_field", "unknown field " + item.key(),
                                       item.key());
            return std::nullopt;
        }
    }
    return std::move(parsed.value);
}

// Member `key` as a string of at most `max` bytes into `into`: false with `error` set when it is
// something else, or absent and `required`.
bool readString(const json& body, const std::string& key, std::size_t max, bool required,
                std::string& into, std::optional<WebResponse>& error) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) {
        if (required) error = WebResponse::error(422, "missing_field", "missing field " + key, key);
        return !required;
    }
    if (!it->is_string()) {
        error = WebResponse::error(422, "invalid_field", key + " must be a string", key);
        return false;
    }
    into = it->get<std::string>();
    if (into.size() > max) {
        into.clear();
        error = WebResponse::error(
            422, "invalid_field", key + " is longer than " + std::to_string(max) + " bytes", key);
        return false;
    }
    return true;
}

}  // namespace

std::optional<Credentials> parseLoginBody(const channels::WebRequest& req,
                                          std::optional<WebResponse>& error) {
    auto body = readObject(req, {"name", "password", "code", "challenge"}, error);
    if (!body) return std::nullopt;
    Credentials out;
    bool second_step = body->contains("challenge") && !(*body)["challenge"].is_null();
    if (!readString(*body, "name", kMaxLoginNameBytes, true, out.name, error) ||
        !readString(*body, "challenge", kMaxLoginChallengeBytes, false, out.challenge, error) ||
        !readString(*body, "password", kMaxLoginPasswordBytes, !second_step, out.password,
                    error) ||
        !readString(*body, "code", kMaxLoginCodeBytes, second_step, out.code, error))
        return std::nullopt;
    if (out.name.empty()) {
        error = WebResponse::error(422, "invalid_field", "name must not be empty", "name");
        return std::nullopt;
    }
    if (second_step && body->contains("password")) {
        error = WebResponse::error(422, "invalid_field",
                                   "send either a password or a challenge, not both", "password");
        return std::nullopt;
    }
    if (second_step && out.challenge.empty()) {
        error = WebResponse::error(422, "invalid_field", "challenge must not be empty",
                                   "challenge");
        return std::nullopt;
    }
    if (body->contains("code") && out.code.empty()) {
        error = WebResponse::error(422, "invalid_field", "code must not be empty", "code");
        return std::nullopt;
    }
    return out;
}

std::optional<std::string> parseCodeBody(const channels::WebRequest& req,
                                         std::optional<WebResponse>& error) {
    auto body = readObject(req, {"code"}, error);
    if (!body) return std::nullopt;
    std::string code;
    if (!readString(*body, "code", kMaxLoginCodeBytes, true, code, error)) return std::nullopt;
    if (code.empty()) {
        error = WebResponse::error(422, "invalid_field", "code must not be empty", "code");
        return std::nullopt;
    }
    return code;
}

}  // namespace ccd::daemon::console
