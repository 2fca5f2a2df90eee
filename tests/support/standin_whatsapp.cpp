// WhatsApp Cloud API (Graph API): `POST /<version>/<phone_number_id>/messages` with
// `Authorization: Bearer <token>`. Errors are Graph errors:
// `{"error":{"message":"(#CODE) Title","type":"OAuthException","code":CODE,
//  "error_data":{"messaging_product":"whatsapp","details":"..."},"fbtrace_id":"..."}}`
// (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).

#include "tests/support/standin_dialects.hpp"

namespace ccd::standin {

namespace {

using json = nlohmann::ordered_json;

struct KnownError {
    long code;
    int status;
    const char* title;
    const char* details;
};

// Titles and details as Meta's error code reference words them.
constexpr KnownError kKnownErrors[] = {
    {100, 400, "Invalid parameter",
     "The request included one or more unsupported or misspelled parameters."},
    {190, 401, "Access token has expired", "Invalid OAuth access token."},
    {10, 403, "Permission denied", "Permission is either not granted or has been removed."},
    {130429, 429, "Rate limit hit", "Cloud API message throughput has been reached."},
    {131000, 500, "Something went wrong", "Message failed to send due to an unknown error."},
    {131005, 403, "Access denied", "Permission is either not granted or has been removed."},
    {131008, 400, "Required parameter is missing", "The request is missing a required parameter."},
    {131009, 400, "Parameter value is not valid", "One or more parameter values are invalid."},
    {131026, 400, "Message Undeliverable", "Message Undeliverable."},
    {131047, 400, "Re-engagement message",
     "Message failed to send because more than 24 hours have passed since the customer last "
     "replied to this number."},
    {131048, 400, "Spam rate limit hit",
     "Message failed to send because there are restrictions on how many messages can be sent "
     "from this phone number."},
    {131051, 400, "Unsupported message type", "Unsupported message type."},
    {131056, 400, "(Business Account, Consumer Account) pair rate limit hit",
     "Too many messages sent from the sender phone number to the same recipient phone number in "
     "a short period of time."},
    {132000, 400, "Number of parameters does not match the expected number of params",
     "The number of variable parameter values included in the request did not match the number "
     "of variable parameters defined in the template."},
    {132001, 404, "Template name does not exist in the translation",
     "The template does not exist in the specified language or the template has not been "
     "approved."},
    {133010, 400, "Account not registered", "The phone number is not registered on WhatsApp."},
};

const KnownError* known(long code) {
    for (const auto& e : kKnownErrors) {
        if (e.code == code) return &e;
    }
    return nullptr;
}

long defaultCode(int status) {
    switch (status) {
        case 401:
            return 190;
        case 403:
            return 10;
        case 404:
            return 100;
        case 429:
            return 130429;
        default:
            break;
    }
    return status >= 500 ? 131000 : 100;
}

Answer graphError(int status, long code, const std::string& message, const std::string& details,
                  ProviderState& state) {
    json error{{"message", message},
               {"type", "OAuthException"},
               {"code", code},
               {"fbtrace_id", state.randomId(23)}};
    if (!details.empty())
        error["error_data"] = json{{"messaging_product", "whatsapp"}, {"details", details}};
    return jsonAnswer(status, json{{"error", std::move(error)}});
}

Answer invalidParameter(const std::string& message, ProviderState& state) {
    return graphError(400, 100, "(#100) " + message, {}, state);
}

bool nonEmptyString(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() && !it->get<std::string>().empty();
}

}  // namespace

Answer whatsappAnswer(const Request& req, ProviderState& state) {
    auto auth = req.header("Authorization");
    bool bearer =
        auth.size() > 7 && (auth.rfind("Bearer ", 0) == 0 || auth.rfind("bearer ", 0) == 0);
    if (!bearer) {
        return graphError(401, 190, "Invalid OAuth access token - Cannot parse access token", {},
                          state);
    }
    if (req.method != "POST") {
        return graphError(400, 100,
                          "Unsupported get request. Please read the Graph API documentation at "
                          "https://developers.facebook.com/docs/graph-api",
                          {}, state);
    }
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) {
        return invalidParameter("The parameter messaging_product is required.", state);
    }
    if (!body.contains("messaging_product"))
        return invalidParameter("The parameter messaging_product is required.", state);
    if (body["messaging_product"] != "whatsapp")
        return invalidParameter("Param messaging_product must be one of {WHATSAPP} - got \"" +
                                    body["messaging_product"].dump() + "\".",
                                state);
    // Marking a received message as read (and the typing indicator that rides on it).
    if (body.value("status", std::string()) == "read") {
        if (!nonEmptyString(body, "message_id"))
            return invalidParameter("The parameter message_id is required.", state);
        return jsonAnswer(200, json{{"success", true}});
    }
    if (!nonEmptyString(body, "to"))
        return invalidParameter("The parameter to is required.", state);
    std::string to = body["to"].get<std::string>();
    std::string type = body.value("type", std::string("text"));
    static const char* kTypes[] = {"text",     "template",    "image",   "document",
                                   "audio",    "video",       "sticker", "location",
                                   "contacts", "interactive", "reaction"};
    bool known_type = false;
    for (const char* t : kTypes) known_type = known_type || type == t;
    if (!known_type) {
        return graphError(400, 131009, "(#131009) Parameter value is not valid",
                          "Parameter type is invalid: " + type, state);
    }
    if (!body.contains(type) || !body[type].is_object())
        return invalidParameter("The parameter " + type + " is required.", state);
    const json& payload = body[type];
    if (type == "text" && !nonEmptyString(payload, "body"))
        return invalidParameter("The parameter text['body'] is required.", state);
    if (type == "template") {
        if (!nonEmptyString(payload, "name"))
            return invalidParameter("The parameter template['name'] is required.", state);
        if (!payload.contains("language") || !payload["language"].is_object() ||
            !nonEmptyString(payload["language"], "code"))
            return invalidParameter("The parameter template['language'] is required.", state);
    }
    json message{{"id", state.nextWamid()}};
    if (type == "template") message["message_status"] = "accepted";
    return jsonAnswer(200, json{{"messaging_product", "whatsapp"},
                                {"contacts", json::array({json{{"input", to}, {"wa_id", to}}})},
                                {"messages", json::array({message})}});
}

Answer whatsappError(const ErrorSpec& spec, ProviderState& state) {
    long code = spec.code.value_or(defaultCode(spec.status));
    const KnownError* k = known(code);
    int status = spec.status ? spec.status : (k ? k->status : 400);
    std::string title = k ? k->title : reasonPhrase(status);
    std::string message = spec.description.value_or("(#" + std::to_string(code) + ") " + title);
    std::string details = k ? k->details : std::string();
    if (code == 190) details.clear();  // OAuth errors carry no WhatsApp details
    Answer a = graphError(status, code, message, details, state);
    if (spec.retry_after) a.headers.emplace_back("Retry-After", std::to_string(*spec.retry_after));
    return a;
}

}  // namespace ccd::standin
