#include "channels/email/imap_protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ccd::channels::email {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(s[i])) !=
            std::toupper(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

// Position of `word` (ASCII, case-insensitive) in `s` at or after `from`; npos if none.
std::size_t findNoCase(std::string_view s, std::string_view word, std::size_t from = 0) {
    for (std::size_t i = from; i + word.size() <= s.size(); ++i)
        if (startsWithNoCase(s.substr(i), word)) return i;
    return std::string_view::npos;
}

// The number after "WORD " in `s`.
std::optional<std::uint64_t> numberAfter(std::string_view s, std::string_view word) {
    auto at = findNoCase(s, word);
    if (at == std::string_view::npos) return std::nullopt;
    at += word.size();
    while (at < s.size() && s[at] == ' ') ++at;
    std::size_t end = at;
    while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
    return number(s.substr(at, end - at));
}

std::vector<std::string_view> lines(std::string_view s) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        auto nl = s.find('\n');
        auto line = s.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.push_back(line);
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

std::string percentEncode(std::string_view s) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string percentDecode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::optional<MailboxCursor> cursorFromState(const std::map<std::string, std::string>& state) {
    auto v = state.find(std::string(kUidValidityKey));
    auto u = state.find(std::string(kLastUidKey));
    if (v == state.end() || u == state.end()) return std::nullopt;
    auto validity = number(v->second);
    auto last = number(u->second);
    if (!validity || !last) return std::nullopt;
    return MailboxCursor{*validity, *last};
}

std::vector<std::pair<std::string, std::string>> cursorState(const MailboxCursor& c) {
    return {{std::string(kUidValidityKey), std::to_string(c.uidvalidity)},
            {std::string(kLastUidKey), std::to_string(c.last_uid)}};
}

std::optional<MailboxStatus> parseStatus(std::string_view answer) {
    for (auto line : lines(answer)) {
        if (!startsWithNoCase(line, "* STATUS ")) continue;
        auto paren = line.rfind('(');
        if (paren == std::string_view::npos) continue;
        auto items = line.substr(paren);
        auto validity = numberAfter(items, "UIDVALIDITY");
        if (!validity) continue;
        MailboxStatus s;
        s.uidvalidity = *validity;
        s.uidnext = numberAfter(items, "UIDNEXT").value_or(0);
        return s;
    }
    return std::nullopt;
}

std::vector<std::uint64_t> parseSearch(std::string_view answer) {
    std::vector<std::uint64_t> out;
    for (auto line : lines(answer)) {
        if (!startsWithNoCase(line, "* SEARCH")) continue;
        auto rest = line.substr(8);
        while (!rest.empty()) {
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            auto end = rest.find(' ');
            auto word = rest.substr(0, end);
            if (auto n = number(word); n && *n > 0) out.push_back(*n);
            if (end == std::string_view::npos) break;
            rest.remove_prefix(end);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::optional<FetchedMessage> parseFetch(std::string_view answer) {
    // "* 3 FETCH (UID 7 RFC822.SIZE 1234 BODY[]<0> {1234}\r\n<bytes>)\r\n". Other FETCH lines
    // (a flag change the server reports unasked) carry no literal: the one whose line ends in
    // "{n}" is the message.
    std::size_t from = 0;
    for (;;) {
        auto start = findNoCase(answer, " FETCH (", from);
        if (start == std::string_view::npos) return std::nullopt;
        auto eol = answer.find('\n', start);
        auto line = answer.substr(start, eol == std::string_view::npos ? std::string_view::npos
                                                                       : eol - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        auto brace = line.rfind('{');
        if (eol == std::string_view::npos || line.empty() || line.back() != '}' ||
            brace == std::string_view::npos) {
            if (eol == std::string_view::npos) return std::nullopt;
            from = eol;
            continue;
        }
        auto len = number(line.substr(brace + 1, line.size() - brace - 2));
        if (!len) {
            from = eol;
            continue;
        }
        std::size_t data = eol + 1;
        FetchedMessage m;
        auto head = line.substr(0, brace);
        m.uid = numberAfter(head, "UID ").value_or(0);
        m.size = numberAfter(head, "RFC822.SIZE ").value_or(0);
        // A literal cut short (the answer hit its size cap) keeps what arrived.
        m.raw = std::string(answer.substr(data, std::min<std::size_t>(*len, answer.size() - data)));
        if (m.uid == 0) {
            // Some servers put UID after the literal: "... {n}\r\n<bytes> UID 7)".
            auto tail = answer.substr(std::min(answer.size(), data + m.raw.size()));
            m.uid = numberAfter(tail.substr(0, tail.find('\n')), "UID ").value_or(0);
        }
        return m;
    }
}

PollPlan planPoll(const std::optional<MailboxCursor>& saved, const MailboxStatus& status,
                  bool move_after_read) {
    PollPlan p;
    p.resync = !saved || saved->uidvalidity != status.uidvalidity;
    if (p.resync) {
        p.base = MailboxCursor{status.uidvalidity, 0};
        p.search = move_after_read ? "UID SEARCH ALL" : "UID SEARCH UNSEEN";
        return p;
    }
    p.base = *saved;
    if (status.uidnext != 0 && status.uidnext <= saved->last_uid + 1) {
        p.nothing_new = true;
        return p;
    }
    p.search = "UID SEARCH UID " + std::to_string(saved->last_uid + 1) + ":*";
    return p;
}

std::vector<std::uint64_t> uidsToFetch(const std::vector<std::uint64_t>& found,
                                       const PollPlan& plan) {
    std::vector<std::uint64_t> out;
    for (auto uid : found)
        if (uid > plan.base.last_uid) out.push_back(uid);
    return out;
}

std::string mailboxUtf7(std::string_view s) {
    // Decode UTF-8 to code points; printable ASCII stays ("&" becomes "&-"), other runs become
    // "&" + modified base64 of UTF-16BE + "-".
    static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    std::string out;
    std::vector<std::uint16_t> run;
    auto flush = [&] {
        if (run.empty()) return;
        out += '&';
        std::uint32_t bits = 0;
        int nbits = 0;
        for (auto u : run) {
            bits = (bits << 16) | u;
            nbits += 16;
            while (nbits >= 6) {
                nbits -= 6;
                out += kB64[(bits >> nbits) & 63];
            }
        }
        if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 63];
        out += '-';
        run.clear();
    };
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = 0;
        int n = 0;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if ((c >> 5) == 6 && i + 1 < s.size()) {
            cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
            n = 2;
        } else if ((c >> 4) == 14 && i + 2 < s.size()) {
            cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            n = 3;
        } else if ((c >> 3) == 30 && i + 3 < s.size()) {
            cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
                 (s[i + 3] & 0x3F);
            n = 4;
        } else {
            cp = 0xFFFD;
            n = 1;
        }
        i += static_cast<std::size_t>(n);
        if (cp >= 0x20 && cp <= 0x7E) {
            flush();
            out += static_cast<char>(cp);
            if (cp == '&') out += '-';
        } else if (cp >= 0x10000) {
            cp -= 0x10000;
            run.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
            run.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            run.push_back(static_cast<std::uint16_t>(cp));
        }
    }
    flush();
    return out;
}

std::string quoteMailbox(std::string_view utf8_name) {
    std::string out = "\"";
    for (char c : mailboxUtf7(utf8_name)) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\r' || c == '\n') continue;
        out += c;
    }
    return out + "\"";
}

std::string statusCommand(std::string_view mailbox) {
    return "STATUS " + quoteMailbox(mailbox) + " (UIDVALIDITY UIDNEXT)";
}

std::string fetchCommand(std::uint64_t uid, std::size_t max_bytes) {
    // PEEK: fetching must not mark the message \Seen; that waits until it is stored.
    return "UID FETCH " + std::to_string(uid) + " (UID RFC822.SIZE BODY.PEEK[]<0." +
           std::to_string(max_bytes) + ">)";
}

std::string markSeenCommand(std::uint64_t uid) {
    return "UID STORE " + std::to_string(uid) + " +FLAGS.SILENT (\\Seen)";
}

std::string moveCommand(std::uint64_t uid, std::string_view folder) {
    return "UID MOVE " + std::to_string(uid) + " " + quoteMailbox(folder);
}

ImapCapabilities parseCapabilities(std::string_view answer) {
    ImapCapabilities caps;
    for (auto line : lines(answer)) {
        if (!startsWithNoCase(line, "* CAPABILITY")) continue;
        auto rest = line.substr(12);
        while (!rest.empty()) {
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            auto end = rest.find(' ');
            auto word = rest.substr(0, end);
            if (word.size() == 4 && startsWithNoCase(word, "MOVE")) caps.move = true;
            if (word.size() == 7 && startsWithNoCase(word, "UIDPLUS")) caps.uidplus = true;
            if (end == std::string_view::npos) break;
            rest.remove_prefix(end);
        }
    }
    return caps;
}

std::vector<std::string> markCommands(std::uint64_t uid, bool move_after_read,
                                      std::string_view folder, const ImapCapabilities& caps) {
    if (!move_after_read) return {markSeenCommand(uid)};
    if (caps.move) return {moveCommand(uid, folder)};
    const std::string n = std::to_string(uid);
    return {"UID COPY " + n + " " + quoteMailbox(folder),
            "UID STORE " + n + " +FLAGS.SILENT (\\Deleted)",
            caps.uidplus ? "UID EXPUNGE " + n : std::string("EXPUNGE")};
}

std::optional<ImapUrl> parseImapUrl(std::string_view url) {
    std::size_t scheme_end = 0;
    if (startsWithNoCase(url, "imap://")) scheme_end = 7;
    else if (startsWithNoCase(url, "imaps://")) scheme_end = 8;
    else return std::nullopt;
    auto slash = url.find('/', scheme_end);
    std::string_view host = url.substr(scheme_end, slash == std::string_view::npos
                                                       ? std::string_view::npos
                                                       : slash - scheme_end);
    if (host.empty() || host.find('@') != std::string_view::npos) return std::nullopt;
    ImapUrl u;
    u.server = std::string(url.substr(0, scheme_end)) + std::string(host) + "/";
    std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash + 1);
    if (path.find_first_of("?;#") != std::string_view::npos) return std::nullopt;
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    u.mailbox = path.empty() ? "INBOX" : percentDecode(path);
    u.mailbox_url = u.server + percentEncode(mailboxUtf7(u.mailbox));
    return u;
}

}  // namespace ccd::channels::email
