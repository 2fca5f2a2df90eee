#include "daemon/console/login_body.hpp"

#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"

namespace ccd::daemon::console {

using channels::WebResponse;
using nlohmann::json;

std::optional<Credentials> parseLoginBody(const channels::WebRequest& req,
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
    json& body = parsed.value;
    if (!body.is_object()) {
        error = WebResponse::error(422, "invalid_body", "the body must be a JSON object");
        return std::nullopt;
    }
    for (const auto& item : body.items()) {
        if (item.key() != "name" && item.key() != "password") {
            error = WebResponse::error(422, "unknown_field", "unknown field " + item.key(),
                                       item.key());
            return std::nullopt;
        }
    }
    Credentials out;
    struct Field {
        const char* key;
        std::size_t max;
        std::string* into;
    };
    for (const Field& f : {Field{"name", kMaxLoginNameBytes, &out.name},
                           Field{"password", kMaxLoginPasswordBytes, &out.password}}) {
        auto it = body.find(f.key);
        std::string key = f.key;
        if (it == body.end() || it->is_null()) {
            error = WebResponse::error(422, "missing_field", "missing field " + key, key);
            return std::nullopt;
        }
        if (!it->is_string()) {
            error = WebResponse::error(422, "invalid_field", key + " must be a string", key);
            return std::nullopt;
        }
        *f.into = it->get<std::string>();
        if (f.into->size() > f.max) {
            error = WebResponse::error(
                422, "invalid_field",
                key + " is longer than " + std::to_string(f.max) + " bytes", key);
            return std::nullopt;
        }
    }
    if (out.name.empty()) {
        error = WebResponse::error(422, "invalid_field", "name must not be empty", "name");
        return std::nullopt;
    }
    return out;
}

}  // namespace ccd::daemon::console
