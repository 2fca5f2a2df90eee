#include "daemon/http/transfer_coding.hpp"

#include <cctype>

namespace ccd::daemon::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The codings named, in order, lower-cased, without their parameters ("gzip;q=1" -> "gzip").
std::vector<std::string> codings(const std::vector<std::string_view>& values) {
    std::vector<std::string> out;
    for (auto value : values) {
        while (!value.empty()) {
            auto comma = value.find(',');
            auto item = trim(value.substr(0, comma));
            item = trim(item.substr(0, item.find(';')));
            if (!item.empty()) out.push_back(lower(item));
            if (comma == std::string_view::npos) break;
            value.remove_prefix(comma + 1);
        }
    }
    return out;
}

FramingError bad(std::string reason) { return {400, "bad_request", std::move(reason)}; }

}  // namespace

std::optional<FramingError> checkTransferEncoding(const std::vector<std::string_view>& values,
                                                  bool has_content_length, unsigned version) {
    if (values.empty()) return std::nullopt;
    auto list = codings(values);
    if (version < 11) return bad("Transfer-Encoding is not allowed in an HTTP/1.0 request");
    if (has_content_length)
        return bad("a request must not have both Transfer-Encoding and Content-Length");
    if (list.empty() || list.back() != "chunked")
        return bad("the last transfer coding must be chunked");
    for (std::size_t i = 0; i + 1 < list.size(); ++i) {
        if (list[i] == "chunked") return bad("chunked must be the last transfer coding, once");
    }
    if (list.size() > 1)
        return FramingError{501, "not_implemented",
                            "transfer coding " + list.front().substr(0, 32) + " is not supported"};
    return std::nullopt;
}

}  // namespace ccd::daemon::http
