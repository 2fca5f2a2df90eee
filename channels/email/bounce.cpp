#include "channels/email/bounce.hpp"

#include <cctype>
#include <vector>

#include "channels/email/charset.hpp"
#include "channels/email/header_field.hpp"
#include "channels/email/loop_signals.hpp"

namespace ccd::channels::email {
namespace {

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "rfc822; <user@example.com>" -> "user@example.com"
std::string afterType(std::string_view v) {
    std::string s = trim(v);
    if (auto semi = s.find(';'); semi != std::string::npos) s = trim(s.substr(semi + 1));
    if (!s.empty() && s.front() == '<') s.erase(0, 1);
    if (!s.empty() && s.back() == '>') s.pop_back();
    return trim(s);
}

std::vector<std::string> splitGroups(std::string_view text) {
    std::vector<std::string> groups;
    std::string cur;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string_view line =
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        if (trim(line).empty()) {
            if (!cur.empty()) groups.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.append(line.data(), line.size());
            cur += '\n';
        }
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    if (!cur.empty()) groups.push_back(std::move(cur));
    return groups;
}

bool isEmailish(std::string_view s) {
    auto at = s.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
           s.find(' ') == std::string_view::npos;
}

// A recipient written the way Postfix, Exim, qmail and Exchange write it in their text.
std::string findFailedRecipient(std::string_view text) {
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string line = trim(
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        std::string low = lower(line);
        for (const char* label :
             {"final-recipient:", "original-recipient:", "x-failed-recipients:"}) {
            if (low.rfind(label, 0) == 0) {
                std::string r = afterType(line.substr(std::string(label).size()));
                if (isEmailish(r)) return r;
            }
        }
        // Postfix/qmail: "<user@example.com>: host ... said: 550 ..." / "<user@example.com>:"
        if (!line.empty() && line[0] == '<') {
            auto gt = line.find('>');
            if (gt != std::string::npos && gt + 1 < line.size() + 1) {
                std::string r = line.substr(1, gt - 1);
                if (isEmailish(r) && (gt + 1 == line.size() || line[gt + 1] == ':')) return r;
            }
        }
        // Exim: "  user@example.com" after "failed:"; Chinese webmail: "收件人：user@x"
        for (const char* label : {"收件人：", "收件人:", "recipient:", "recipient address:"}) {
            auto p = low.find(label);
            if (p != std::string::npos) {
                std::string r = afterType(line.substr(p + std::string(label).size()));
                if (isEmailish(r)) return r;
            }
        }
    }
    return "";
}

std::string lineContaining(std::string_view text, std::string_view needle) {
    std::size_t p = text.find(needle);
    if (p == std::string_view::npos) return "";
    std::size_t b = text.rfind('\n', p);
    b = b == std::string_view::npos ? 0 : b + 1;
    std::size_t e = text.find('\n', p);
    return trim(text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
}

}  // namespace

std::string findStatusCode(std::string_view t) {
    for (std::size_t i = 0; i + 5 <= t.size(); ++i) {
        if ((t[i] != '4' && t[i] != '5' && t[i] != '2') || t[i + 1] != '.') continue;
        if (i > 0 && (std::isalnum(static_cast<unsigned char>(t[i - 1])) || t[i - 1] == '.'))
            continue;
        std::size_t p = i + 2, d1 = 0;
        while (p < t.size() && std::isdigit(static_cast<unsigned char>(t[p])) && d1 < 3) ++p, ++d1;
        if (d1 == 0 || p >= t.size() || t[p] != '.') continue;
        ++p;
        std::size_t d2 = 0;
        while (p < t.size() && std::isdigit(static_cast<unsigned char>(t[p])) && d2 < 3) ++p, ++d2;
        if (d2 == 0) continue;
        if (p < t.size() && (std::isalnum(static_cast<unsigned char>(t[p])) || t[p] == '.'))
            continue;
        return std::string(t.substr(i, p - i));
    }
    return "";
}

std::optional<Bounce> parseDeliveryStatus(std::string_view fields) {
    auto groups = splitGroups(fields);
    std::optional<Bounce> candidate;
    for (const auto& g : groups) {
        auto hs = parseHeaderBlock(g);
        const auto* fr = findHeader(hs, "Final-Recipient");
        const auto* orig = findHeader(hs, "Original-Recipient");
        if (!fr && !orig) continue;  // the per-message group
        const auto* action = findHeader(hs, "Action");
        const auto* status = findHeader(hs, "Status");
        std::string code = status ? findStatusCode(*status) : "";
        bool failed = action ? lower(trim(*action)).rfind("failed", 0) == 0
                             : (!code.empty() && (code[0] == '5' || code[0] == '4'));
        if (!failed) continue;
        Bounce b;
        b.recipient = sanitizeUtf8(afterType(fr ? *fr : *orig));
        b.status = code;
        if (const auto* d = findHeader(hs, "Diagnostic-Code"))
            b.diagnostic = sanitizeUtf8(afterType(*d));
        if (b.status.empty() && !b.diagnostic.empty()) b.status = findStatusCode(b.diagnostic);
        candidate = std::move(b);
        break;
    }
    return candidate;
}

std::optional<Bounce> detectTextBounce(std::string_view subject, std::string_view from_address,
                                       std::string_view text) {
    std::string s = lower(subject);
    static const char* const kSubjects[] = {"undelivered mail returned to sender",
                                            "delivery status notification (failure)",
                                            "mail delivery failed",
                                            "undeliverable:",
                                            "undeliverable mail",
                                            "returned mail:",
                                            "failure notice",
                                            "delivery failure",
                                            "mail delivery failure",
                                            "delivery has failed",
                                            "nondeliverable",
                                            "退信",
                                            "系统退信",
                                            "投递失败",
                                            "无法投递",
                                            "undelivered message"};
    bool subject_says = false;
    for (const char* k : kSubjects)
        if (s.find(k) != std::string::npos) subject_says = true;
    std::string from = lower(from_address);
    bool sender_says = from.rfind("mailer-daemon@", 0) == 0 || from.rfind("postmaster@", 0) == 0;
    if (!subject_says && !sender_says) return std::nullopt;

    Bounce b;
    b.recipient = findFailedRecipient(text);
    b.status = findStatusCode(text);
    if (b.recipient.empty() && b.status.empty()) return std::nullopt;
    if (b.status.size() > 0 && b.status[0] == '2') return std::nullopt;  // a success notice
    if (!b.status.empty()) b.diagnostic = lineContaining(text, b.status);
    b.original_message_id = findQuotedMessageId(text);
    b.recipient = sanitizeUtf8(b.recipient);
    b.diagnostic = sanitizeUtf8(b.diagnostic);
    return b;
}

std::string findQuotedMessageId(std::string_view text) {
    std::string low = lower(text);
    std::size_t p = 0;
    while ((p = low.find("message-id:", p)) != std::string::npos) {
        bool line_start = p == 0 || low[p - 1] == '\n' || low[p - 1] == ' ' || low[p - 1] == '>';
        p += 11;
        if (!line_start) continue;
        std::size_t nl = text.find('\n', p);
        // The id may be folded onto the next line.
        if (nl != std::string_view::npos && nl + 1 < text.size() &&
            (text[nl + 1] == ' ' || text[nl + 1] == '\t'))
            nl = text.find('\n', nl + 1);
        // Only within the field: many "Message-ID:" without an id must not make this quadratic.
        std::string_view field = text.substr(0, nl == std::string_view::npos ? text.size() : nl);
        std::size_t lt = field.find('<', p);
        if (lt == std::string_view::npos) continue;
        std::size_t gt = field.find('>', lt);
        if (gt == std::string_view::npos) continue;
        std::string id = trim(text.substr(lt + 1, gt - lt - 1));
        if (!id.empty() && id.find(' ') == std::string::npos) return sanitizeUtf8(id);
    }
    return "";
}

}  // namespace ccd::channels::email
