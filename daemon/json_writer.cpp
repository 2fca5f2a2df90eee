#include "daemon/json_writer.hpp"

#include <nlohmann/json.hpp>

#include "routing/utf8.hpp"

namespace ccd::daemon {

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_) out_ += ',';
    first_ = false;
}

JsonWriter& JsonWriter::open(char c) {
    separate();
    out_ += c;
    first_ = true;
    return *this;
}

JsonWriter& JsonWriter::close(char c) {
    out_ += c;
    first_ = false;
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    value(name);
    out_ += ':';
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    if (!routing::isValidUtf8(text)) {  // rare: nlohmann's replacement, byte for byte
        out_ += nlohmann::json(std::string(text))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return *this;
    }
    out_ += '"';
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"': out_ += "\\\""; break;
            case '\\': out_ += "\\\\"; break;
            case '\b': out_ += "\\b"; break;
            case '\f': out_ += "\\f"; break;
            case '\n': out_ += "\\n"; break;
            case '\r': out_ += "\\r"; break;
            case '\t': out_ += "\\t"; break;
            default:
                if (c < 0x20) {
                    static constexpr char kHex[] = "0123456789abcdef";
                    out_ += "\\u00";
                    out_ += kHex[c >> 4];
                    out_ += kHex[c & 0xF];
                } else {
                    out_ += ch;
                }
        }
    }
    out_ += '"';
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
    separate();
    out_ += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(double number) {
    separate();
    out_ += nlohmann::json(number).dump();
    return *this;
}

JsonWriter& JsonWriter::value(const std::vector<std::string>& texts) {
    beginArray();
    for (const auto& t : texts) value(std::string_view(t));
    return endArray();
}

}  // namespace ccd::daemon
