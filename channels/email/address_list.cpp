#include "channels/email/address_list.hpp"

#include <cctype>

#include "channels/email/charset.hpp"
#include "channels/email/header_text.hpp"

namespace ccd::channels::email {
namespace {

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

// Top-level entries: commas and group ends split, group names ("team:") are dropped.
std::vector<std::string> splitEntries(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    int comment = 0;
    bool angle = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quoted) {
            cur += c;
            if (c == '\\' && i + 1 < s.size()) {
                cur += s[++i];
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (comment > 0) {
            cur += c;
            if (c == '\\' && i + 1 < s.size())
                cur += s[++i];
            else if (c == '(')
                ++comment;
            else if (c == ')')
                --comment;
            continue;
        }
        switch (c) {
            case '"':
                quoted = true;
                break;
            case '(':
                ++comment;
                break;
            case '<':
                angle = true;
                break;
            case '>':
                angle = false;
                break;
            default:
                break;
        }
        if (!angle && (c == ',' || c == ';')) {
            out.push_back(cur);
            cur.clear();
            continue;
        }
        if (!angle && c == ':' && cur.find('@') == std::string::npos &&
            cur.find('<') == std::string::npos) {
            cur.clear();  // a group's display name
            continue;
        }
        cur += c;
    }
    out.push_back(cur);
    return out;
}

// Removes the quotes and quoted-pairs of a phrase; comments are kept out by the caller.
std::string unquote(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '"') continue;
        if (s[i] == '\\' && i + 1 < s.size()) {
            out += s[++i];
            continue;
        }
        out += s[i];
    }
    return out;
}

// Splits "addr (comment)" into the address without comments and the comment text.
void splitComments(std::string_view s, std::string& addr, std::string& comment) {
    int depth = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '(') {
            if (depth++ > 0) comment += c;
            continue;
        }
        if (c == ')' && depth > 0) {
            if (--depth > 0) comment += c;
            continue;
        }
        if (depth > 0) {
            if (c == '\\' && i + 1 < s.size()) c = s[++i];
            comment += c;
        } else {
            addr += c;
        }
    }
}

std::string cleanAddress(std::string_view s) {
    std::string out;
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c)) && c != '"' && c != '<' && c != '>')
            out += c;
    return sanitizeUtf8(out);
}

}  // namespace

std::vector<Mailbox> parseAddressList(std::string_view raw,
                                      const std::vector<std::string>& fallbacks,
                                      std::vector<std::string>& notes) {
    std::vector<Mailbox> out;
    const std::string s = unfold(raw);
    for (const auto& entry : splitEntries(s)) {
        std::string e = trim(entry);
        if (e.empty()) continue;
        Mailbox mb;
        std::size_t lt = std::string::npos;
        bool quoted = false;
        for (std::size_t i = 0; i < e.size(); ++i) {
            if (e[i] == '\\' && quoted) {
                ++i;
                continue;
            }
            if (e[i] == '"') quoted = !quoted;
            if (e[i] == '<' && !quoted) {
                lt = i;
                break;
            }
        }
        if (lt != std::string::npos) {
            std::size_t gt = e.find('>', lt);
            std::string addr_part =
                e.substr(lt + 1, gt == std::string::npos ? std::string::npos : gt - lt - 1);
            std::string addr, ignored;
            splitComments(addr_part, addr, ignored);
            mb.address = cleanAddress(addr);
            std::string phrase, comment;
            splitComments(e.substr(0, lt), phrase, comment);
            std::string name = trim(unquote(phrase));
            if (name.empty()) name = trim(comment);
            mb.name = decodeHeaderText(name, fallbacks, notes);
        } else {
            std::string addr, comment;
            splitComments(e, addr, comment);
            mb.address = cleanAddress(addr);
            mb.name = decodeHeaderText(trim(comment), fallbacks, notes);
        }
        // A bare word without '@' and without brackets is a name someone typed, not an address.
        if (lt == std::string::npos && mb.address.find('@') == std::string::npos &&
            mb.name.empty()) {
            mb.name = decodeHeaderText(e, fallbacks, notes);
            mb.address.clear();
        }
        if (mb.name.empty() && mb.address.empty()) continue;
        out.push_back(std::move(mb));
    }
    return out;
}

}  // namespace ccd::channels::email
