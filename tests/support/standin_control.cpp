#include "tests/support/standin_control.hpp"

#include <cmath>
#include <limits>

namespace ccd::standin {

namespace {

using nlohmann::json;

Answer ok(json body) {
    Answer a;
    a.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return a;
}

Answer refuse(int status, const std::string& why) {
    return jsonAnswer(status, nlohmann::ordered_json{{"error", why}});
}

std::optional<std::uint64_t> number(const std::string& s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

}  // namespace

bool isControl(std::string_view target) { return target.rfind("/_standin/", 0) == 0; }

ControlResult handleControl(const Request& req, ControlContext& ctx) {
    auto path = req.path();
    const bool get = req.method == "GET";
    const bool post = req.method == "POST";
    if (path == "/_standin/requests" && get) {
        auto q = req.query();
        std::uint64_t since = 0;
        std::size_t limit = std::numeric_limits<std::size_t>::max();
        if (auto it = q.find("since"); it != q.end()) {
            auto n = number(it->second);
            if (!n) return {refuse(400, "since must be a sequence number"), std::nullopt};
            since = *n;
        }
        if (auto it = q.find("limit"); it != q.end()) {
            auto n = number(it->second);
            if (!n) return {refuse(400, "limit must be a number"), std::nullopt};
            limit = static_cast<std::size_t>(*n);
        }
        return {ok(ctx.recorder.requests(since, limit, q["match"])), std::nullopt};
    }
    if (path == "/_standin/stats" && get) {
        json stats = ctx.recorder.stats();
        stats["delay_ms"] = ctx.delay_ms.load();
        return {ok(std::move(stats)), std::nullopt};
    }
    if (path == "/_standin/script" && get) return {ok(ctx.script.describe()), std::nullopt};
    if (path == "/_standin/script" && post) {
        json spec = json::parse(req.body, nullptr, false);
        if (spec.is_discarded()) return {refuse(400, "the script is not JSON"), std::nullopt};
        if (auto error = ctx.script.replace(spec)) return {refuse(400, *error), std::nullopt};
        return {ok(json{{"ok", true}, {"rules", spec["rules"].size()}}), std::nullopt};
    }
    if (path == "/_standin/down" && post) {
        json spec = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
        if (!spec.is_object() || !spec.contains("seconds") || !spec["seconds"].is_number() ||
            !std::isfinite(spec["seconds"].get<double>()) || spec["seconds"].get<double>() < 0 ||
            spec["seconds"].get<double>() > 3600)
            return {refuse(400, "down needs {\"seconds\":N} with 0 <= N <= 3600"), std::nullopt};
        auto ms = std::chrono::milliseconds(
            static_cast<long long>(std::llround(spec["seconds"].get<double>() * 1000)));
        return {ok(json{{"ok", true}, {"down_ms", ms.count()}}), ms};
    }
    if (path == "/_standin/expire_tokens" && post) {
        return {ok(json{{"ok", true}, {"expired", ctx.providers.expireWeChatTokens()}}),
                std::nullopt};
    }
    if (path == "/_standin/reset" && post) {
        ctx.recorder.reset();
        ctx.script.clear();
        return {ok(json{{"ok", true}}), std::nullopt};
    }
    if (path == "/_standin/delay" && post) {
        json spec = json::parse(req.body, nullptr, false);
        if (!spec.is_object() || !spec.contains("ms") || !spec["ms"].is_number_integer() ||
            spec["ms"].get<long long>() < 0 || spec["ms"].get<long long>() > 3'600'000)
            return {refuse(400, "delay needs {\"ms\":N} with 0 <= N <= 3600000"), std::nullopt};
        ctx.delay_ms = static_cast<int>(spec["ms"].get<long long>());
        return {ok(json{{"ok", true}, {"delay_ms", ctx.delay_ms.load()}}), std::nullopt};
    }
    return {refuse(404, "no control endpoint " + req.method + " " + std::string(path)),
            std::nullopt};
}

}  // namespace ccd::standin
