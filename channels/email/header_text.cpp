#include "channels/email/header_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "channels/email/charset.hpp"

namespace ccd::channels::email {
namespace {

struct EncodedWord {
    std::string charset;
    std::string bytes;  // decoded from B or Q, still in `charset`
    std::size_t end = 0;
};

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decodeQ(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 &&
                   hexValue(in[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// An encoded word starting at `pos` ("=?charset?B?text?="), or nullopt.
std::optional<EncodedWord> encodedWordAt(std::string_view s, std::size_t pos) {
    if (s.compare(pos, 2, "=?") != 0) return std::nullopt;
    // Bounded searches: a header full of "=?" that never close must stay linear. RFC 2047
    // words are at most 75 characters; broken senders write longer ones, not this long.
    constexpr std::size_t kMaxCharset = 64, kMaxWord = 500;
    std::size_t q1 = s.substr(0, std::min(s.size(), pos + 2 + kMaxCharset)).find('?', pos + 2);
    if (q1 == std::string_view::npos || q1 == pos + 2 || q1 + 2 >= s.size() || s[q1 + 2] != '?')
        return std::nullopt;
    std::string_view charset = s.substr(pos + 2, q1 - pos - 2);
    for (char c : charset)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '=') return std::nullopt;
    char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
    if (enc != 'B' && enc != 'Q') return std::nullopt;
    std::size_t text_start = q1 + 3;
    std::size_t close =
        s.substr(0, std::min(s.size(), text_start + kMaxWord)).find("?=", text_start);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view text = s.substr(text_start, close - text_start);
    // Whitespace inside a word is not allowed; seeing it means this was not a word after all.
    for (char c : text)
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return std::nullopt;
    EncodedWord w;
    w.charset = std::string(charset);
    if (auto star = w.charset.find('*'); star != std::string::npos) w.charset.resize(star);
    w.bytes = enc == 'B' ? decodeBase64Lenient(text) : decodeQ(text);
    w.end = close + 2;
    return w;
}

bool sameCharset(const std::string& a, const std::string& b) {
    return canonicalCharset(a) == canonicalCharset(b);
}

void appendDecoded(std::string& out, std::string_view bytes, const std::string& charset,
                   const std::vector<std::string>& fallbacks, std::vector<std::string>& notes) {
    auto d = decodeText(bytes, charset, fallbacks);
    if (!d.note.empty()) notes.push_back("header: " + d.note);
    out += d.utf8;
}

}  // namespace

std::string unfold(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
        if (c == '\n') {
            // A bare line break that is not folding is not legal; keep it as a space.
            if (i + 1 < raw.size() && (raw[i + 1] == ' ' || raw[i + 1] == '\t')) continue;
            out += ' ';
            continue;
        }
        if (c == '\r') {
            out += ' ';
            continue;
        }
        out += c;
    }
    return out;
}

std::string decodeBase64Lenient(std::string_view in, bool* clean) {
    std::string out;
    unsigned int acc = 0;
    int bits = 0;
    bool ok = true;
    bool padding = false;
    std::size_t data_chars = 0;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=') {
            padding = true;
            continue;
        } else {
            if (!std::isspace(static_cast<unsigned char>(c))) ok = false;
            continue;
        }
        if (padding) ok = false;  // data after '='
        ++data_chars;
        acc = (acc << 6) | static_cast<unsigned int>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    if (data_chars % 4 == 1) ok = false;
    if (clean) *clean = ok;
    return out;
}

bool base64IsClean(std::string_view in) {
    enum : unsigned char { kOther, kData, kPad, kSpace };
    static const auto kClass = [] {
        std::array<unsigned char, 256> t{};
        for (int c = 0; c < 256; ++c) {
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '+' || c == '/')
                t[static_cast<std::size_t>(c)] = kData;
            else if (c == '=')
                t[static_cast<std::size_t>(c)] = kPad;
            else if (std::isspace(c))
                t[static_cast<std::size_t>(c)] = kSpace;
        }
        return t;
    }();
    bool padding = false;
    std::size_t data_chars = 0;
    for (char ch : in) {
        switch (kClass[static_cast<unsigned char>(ch)]) {
            case kData:
                if (padding) return false;  // data after '='
                ++data_chars;
                break;
            case kPad:
                padding = true;
                break;
            case kSpace:
                break;
            default:
                return false;
        }
    }
    return data_chars % 4 != 1;
}

std::string decodeHeaderText(std::string_view raw, const std::vector<std::string>& fallbacks,
                             std::vector<std::string>& notes) {
    const std::string s = unfold(raw);
    std::string out;
    std::string plain;    // unencoded run not yet decoded
    std::string pending;  // bytes of adjacent encoded words in one charset
    std::string pending_cs;
    std::string gap;  // white space after an encoded word, dropped if another follows
    bool have_pending = false;

    auto flushPlain = [&] {
        if (plain.empty()) return;
        appendDecoded(out, plain, "", fallbacks, notes);
        plain.clear();
    };
    auto flushPending = [&] {
        if (!have_pending) return;
        appendDecoded(out, pending, pending_cs, fallbacks, notes);
        pending.clear();
        have_pending = false;
    };

    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] == '=' && i + 1 < s.size() && s[i + 1] == '?') {
            if (auto w = encodedWordAt(s, i)) {
                if (have_pending && plain.empty() && sameCharset(pending_cs, w->charset)) {
                    pending += w->bytes;  // the gap between two words is not text
                } else {
                    flushPending();
                    flushPlain();
                    pending_cs = w->charset;
                    pending = w->bytes;
                    have_pending = true;
                }
                gap.clear();
                i = w->end;
                continue;
            }
        }
        if (have_pending && plain.empty() && (s[i] == ' ' || s[i] == '\t')) {
            gap += s[i];
            ++i;
            continue;
        }
        if (have_pending) {
            flushPending();
            out += gap;
            gap.clear();
        }
        plain += s[i];
        ++i;
    }
    flushPlain();
    flushPending();

    std::size_t b = out.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    std::size_t e = out.find_last_not_of(" \t");
    return out.substr(b, e - b + 1);
}

}  // namespace ccd::channels::email
