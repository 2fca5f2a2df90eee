#include "channels/email/header_params.hpp"

#include <cctype>
#include <map>

#include "channels/email/charset.hpp"
#include "channels/email/header_text.hpp"

namespace ccd::channels::email {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

struct RawParam {
    std::string value;
    bool quoted = false;
};

// key (lower case) -> value as written, quotes removed. The first of duplicates wins.
std::map<std::string, RawParam> splitParams(std::string_view s) {
    std::map<std::string, RawParam> out;
    std::size_t i = s.find(';');
    while (i != std::string_view::npos && i < s.size()) {
        ++i;
        std::size_t eq = i;
        while (eq < s.size() && s[eq] != '=' && s[eq] != ';') ++eq;
        if (eq >= s.size() || s[eq] == ';') {
            i = eq < s.size() ? eq : std::string_view::npos;
            continue;
        }
        std::string key = lower(trim(s.substr(i, eq - i)));
        std::size_t v = eq + 1;
        while (v < s.size() && std::isspace(static_cast<unsigned char>(s[v]))) ++v;
        RawParam p;
        if (v < s.size() && s[v] == '"') {
            p.quoted = true;
            ++v;
            while (v < s.size() && s[v] != '"') {
                if (s[v] == '\\' && v + 1 < s.size()) ++v;
                p.value += s[v++];
            }
            // Skip to the next ';' (past the closing quote and any junk).
            std::size_t semi = s.find(';', v);
            i = semi;
        } else {
            std::size_t semi = s.find(';', v);
            p.value = trim(
                s.substr(v, semi == std::string_view::npos ? std::string_view::npos : semi - v));
            i = semi;
        }
        if (!key.empty()) out.emplace(key, std::move(p));
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percentDecode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
            out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Splits "charset'lang'value" into charset and the rest.
void splitExtended(std::string_view v, std::string& charset, std::string& rest) {
    std::size_t q1 = v.find('\'');
    std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) {
        rest = std::string(v);
        return;
    }
    charset = std::string(v.substr(0, q1));
    rest = std::string(v.substr(q2 + 1));
}

std::string fromBytes(const std::string& bytes, const std::string& charset,
                      const std::vector<std::string>& fallbacks, std::vector<std::string>& notes) {
    auto d = decodeText(bytes, charset, fallbacks);
    if (!d.note.empty()) notes.push_back("parameter: " + d.note);
    return d.utf8;
}

}  // namespace

std::string headerMainValue(std::string_view raw) {
    std::string u = unfold(raw);
    return lower(trim(std::string_view(u).substr(0, u.find(';'))));
}

std::string headerParameter(std::string_view raw, std::string_view name,
                            const std::vector<std::string>& fallbacks,
                            std::vector<std::string>& notes) {
    const std::string u = unfold(raw);
    const auto params = splitParams(u);
    const std::string key = lower(name);

    if (auto it = params.find(key + "*"); it != params.end()) {
        std::string charset, rest;
        splitExtended(it->second.value, charset, rest);
        return fromBytes(percentDecode(rest), charset, fallbacks, notes);
    }
    if (params.count(key + "*0") || params.count(key + "*0*")) {
        std::string bytes, charset;
        for (int n = 0; n < 1000; ++n) {
            std::string base = key + "*" + std::to_string(n);
            if (auto it = params.find(base + "*"); it != params.end()) {
                std::string rest = it->second.value;
                if (n == 0) splitExtended(it->second.value, charset, rest);
                bytes += percentDecode(rest);
            } else if (auto jt = params.find(base); jt != params.end()) {
                bytes += jt->second.value;
            } else {
                break;
            }
        }
        // Unextended continuations may carry encoded words (Outlook does).
        if (charset.empty()) return decodeHeaderText(bytes, fallbacks, notes);
        return fromBytes(bytes, charset, fallbacks, notes);
    }
    if (auto it = params.find(key); it != params.end())
        return decodeHeaderText(it->second.value, fallbacks, notes);
    return "";
}

}  // namespace ccd::channels::email
