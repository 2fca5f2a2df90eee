// The receiving end of ccd's generic signed webhook: `POST /callback/<anything>` answers
// 200 `{"id":"cb-<n>"}`, n counting up from 1 across all callbacks.

#include "tests/support/standin_dialects.hpp"

namespace ccd::standin {

Answer webhookAnswer(const Request& req, ProviderState& state) {
    if (req.method != "POST") {
        Answer a = jsonAnswer(405, nlohmann::ordered_json{{"error", "method not allowed"}});
        a.headers.emplace_back("Allow", "POST");
        return a;
    }
    return jsonAnswer(
        200, nlohmann::ordered_json{{"id", "cb-" + std::to_string(state.nextCallbackId())}});
}

}  // namespace ccd::standin
