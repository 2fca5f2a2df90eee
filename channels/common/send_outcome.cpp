#include "channels/common/send_outcome.hpp"

#include <ctime>

namespace ccd::channels {

std::string_view HttpAnswer::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (equalsIgnoreCase(k, name)) return v;
    }
    return {};
}

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         routing::TimePoint now) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    constexpr std::chrono::milliseconds kCap = std::chrono::hours(1);
    bool digits = true;
    for (char c : value) digits = digits && c >= '0' && c <= '9';
    if (digits) {
        if (value.size() > 6) return kCap;
        return std::min<std::chrono::milliseconds>(
            kCap, std::chrono::seconds(std::stol(std::string(value))));
    }
    std::tm tm{};
    std::string text(value);
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
    if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
    auto at = routing::Clock::from_time_t(timegm(&tm));
    if (at <= now) return std::chrono::milliseconds(0);
    return std::min<std::chrono::milliseconds>(
        kCap, std::chrono::duration_cast<std::chrono::milliseconds>(at - now));
}

std::string describeAnswer(const HttpAnswer& answer) {
    if (answer.status == 0)
        return answer.transport_error.empty() ? std::string("no answer") : answer.transport_error;
    std::string body = answer.body.substr(0, 200);
    for (auto& c : body) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    return "HTTP " + std::to_string(answer.status) + (body.empty() ? "" : ": " + body);
}

SendOutcome classifyHttp(const HttpAnswer& answer, routing::TimePoint now) {
    const int s = answer.status;
    if (s >= 200 && s < 300) return SendOutcome::sent();
    if (s == 0 || s == 408 || s == 425 || s >= 500) {
        return SendOutcome::retry(describeAnswer(answer),
                                  parseRetryAfter(answer.header("Retry-After"), now));
    }
    if (s == 429) {
        auto out = SendOutcome::retry(describeAnswer(answer),
                                      parseRetryAfter(answer.header("Retry-After"), now));
        out.pause_instance = true;
        return out;
    }
    return SendOutcome::failed(describeAnswer(answer));
}

}  // namespace ccd::channels
