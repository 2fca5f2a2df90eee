#include "daemon/store/postgres/pg_read.hpp"

#include <charconv>

namespace ccd::store::postgres {

std::string textArray(const std::vector<std::optional<std::string>>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        if (!values[i]) {
            out += "NULL";
            continue;
        }
        out += '"';
        for (char c : *values[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

std::string intArray(const std::vector<std::int64_t>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        out += std::to_string(values[i]);
    }
    return out + "}";
}

std::vector<std::int64_t> parseIntArray(const std::optional<std::string>& text) {
    std::vector<std::int64_t> out;
    if (!text) return out;
    const char* p = text->data();
    const char* end = p + text->size();
    while (p < end) {
        if (*p == '-' || (*p >= '0' && *p <= '9')) {
            std::int64_t v = 0;
            auto [next, ec] = std::from_chars(p, end, v);
            if (ec != std::errc()) throw PgError("not an integer array: " + *text, "", false);
            out.push_back(v);
            p = next;
        } else {
            ++p;  // '{', ',', '}'
        }
    }
    return out;
}

}  // namespace ccd::store::postgres
