#include "daemon/json_writer.hpp"

#include <algorithm>

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
    // Keys are the program's own names: printable ASCII without quotes or backslashes, copied
    // as they are. Any other key is escaped as a value is.
    const bool plain = std::all_of(name.begin(), name.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c >= 0x20 && c < 0x80 && ch != '"' && ch != '\\';
    });
    if (plain) {
        separate();
        out_ += '"';
        out_.append(name.data(), name.size());
        out_ += "\":";
    } else {
        value(name);
        out_ += ':';
    }
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
    if (!ascii && !routing::isValidUtf8(text)) {  // rare: nlohmann's replacement, byte for byte
        out_ += nlohmann::json(std::string(text))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return *this;
    }
    out_ += '"';
    std::size_t run = 0;  // the start of the bytes not yet copied: copied in runs, not one by one
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && ch != '"' && ch != '\\') continue;
        out_.append(text.data() + run, i - run);
        run = i + 1;
        switch (ch) {
            case '"': out_ += "\\\""; break;
            case '\\': out_ += "\\\\"; break;
            case '\b': out_ += "\\b"; break;
            case '\f': out_ += "\\f"; break;
            case '\n': out_ += "\\n"; break;
            case '\r': out_ += "\\r"; break;
            case '\t': out_ += "\\t"; break;
            default: {
                static constexpr char kHex[] = "0123456789abcdef";
                out_ += "\\u00";
                out_ += kHex[c >> 4];
                out_ += kHex[c & 0xF];
            }
        }
    }
    out_.append(text.data() + run, text.size() - run);
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

JsonWriter& JsonWriter::null() {
    separate();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::value(const std::vector<std::string>& texts) {
    beginArray();
    for (const auto& t : texts) value(std::string_view(t));
    return endArray();
}

}  // namespace ccd::daemon
