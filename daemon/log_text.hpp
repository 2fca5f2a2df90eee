#pragma once
// Text from clients as it may appear in a log line. A header value or a name typed by anyone
// could otherwise forge log lines (CR, LF), drive a terminal (ESC sequences) or fill the log:
// control characters and bytes outside printable ASCII are written as \xNN, and the text is cut.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace ccd::daemon {

/// `text` escaped for a log line: printable ASCII kept (a backslash doubled), every other byte
/// as \xNN; at most `max` bytes of `text` are shown, followed by "..." when it was longer.
inline std::string forLog(std::string_view text, std::size_t max = 128) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::min(text.size(), max) + 8);
    for (unsigned char c : text.substr(0, max)) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    if (text.size() > max) out += "...";
    return out;
}

}  // namespace ccd::daemon
