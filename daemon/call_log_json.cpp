#include "daemon/call_log_json.hpp"

#include <map>

#include "daemon/json_time.hpp"

namespace ccd::daemon {

using nlohmann::json;

namespace {

void copyIf(json& to, const char* key, const json& from, const char* from_key) {
    auto it = from.find(from_key);
    if (it != from.end() && !to.contains(key)) to[key] = *it;
}

}  // namespace

json callLogJson(const std::vector<store::EventRecord>& events) {
    json calls = json::array();
    std::map<std::string, std::size_t> index;  // call id -> position in `calls`
    std::map<std::string, std::int64_t> answered_ms;
    for (const auto& e : events) {
        json data = json::parse(e.data_json, nullptr, false);
        if (!data.is_object()) data = json::object();
        std::string id = data.value("call_id", std::string());
        auto [it, fresh] = index.emplace(id, calls.size());
        if (fresh) {
            calls.push_back({{"call_id", id},
                             {"started_at", formatRfc3339Millis(e.created_at_ms)},
                             {"events", json::array()}});
        }
        json& call = calls[it->second];
        copyIf(call, "direction", data, "direction");
        copyIf(call, "from", data, "from");
        copyIf(call, "to", data, "to");
        copyIf(call, "customer", data, "customer");
        const std::string at = formatRfc3339Millis(e.created_at_ms);
        if (e.type == "call.answered" && !call.contains("answered_at")) {
            call["answered_at"] = at;
            answered_ms[id] = e.created_at_ms;
            if (data.contains("user")) call["answered_by"] = data["user"];
            else if (data.contains("answering_number")) call["answered_by"] = data["answering_number"];
        } else if (e.type == "call.hangup" && !call.contains("ended_at")) {
            call["ended_at"] = at;
            if (data.contains("cause")) call["cause"] = data["cause"];
            if (data.contains("duration")) {
                call["duration_s"] = data["duration"];
            } else if (auto a = answered_ms.find(id); a != answered_ms.end()) {
                call["duration_s"] = (e.created_at_ms - a->second) / 1000;
            } else {
                call["duration_s"] = 0;  // never answered: missed or abandoned
            }
        } else if (e.type == "call.recording" || e.type == "call.transcription") {
            copyIf(call, "recording_url", data, "recording_url");
            copyIf(call, "transcription", data, "text");
        }
        data.erase("call_id");
        data["type"] = e.type;
        data["at"] = at;
        call["events"].push_back(std::move(data));
    }
    return calls;
}

}  // namespace ccd::daemon
