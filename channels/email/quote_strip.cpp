#include "channels/email/quote_strip.hpp"

#include <cctype>
#include <vector>

namespace ccd::channels::email {
namespace {

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    // U+3000 ideographic space, common in Chinese clients' headers.
    while (e - b >= 3 && s.compare(b, 3, "\xE3\x80\x80") == 0) b += 3;
    return std::string(s.substr(b, e - b));
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool endsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool contains(std::string_view s, std::string_view p) {
    return s.find(p) != std::string_view::npos;
}

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Outlook and Foxmail header labels that open a quoted message ("From:", "发件人：").
bool isFromLabel(const std::string& l) {
    return startsWith(l, "from:") || startsWith(l, "*from:*") || startsWith(l, "发件人:") ||
           startsWith(l, "发件人：") || startsWith(l, "寄件者:") || startsWith(l, "寄件者：") ||
           startsWith(l, "de:") || startsWith(l, "von:");
}
bool isSentLabel(const std::string& l) {
    return startsWith(l, "sent:") || startsWith(l, "*sent:*") || startsWith(l, "date:") ||
           startsWith(l, "发送时间:") || startsWith(l, "发送时间：") || startsWith(l, "日期:") ||
           startsWith(l, "日期：") || startsWith(l, "寄件日期:") || startsWith(l, "寄件日期：") ||
           startsWith(l, "时间:") || startsWith(l, "时间：") || startsWith(l, "to:") ||
           startsWith(l, "收件人:") || startsWith(l, "收件人：") || startsWith(l, "subject:") ||
           startsWith(l, "主题:") || startsWith(l, "主题：");
}

bool isWroteLine(const std::string& l) {
    std::string low = lowerAscii(l);
    if (startsWith(low, "on ") && endsWith(low, "wrote:")) return true;
    if (endsWith(low, "wrote:") && contains(low, "@")) return true;
    // Chinese clients: "在 2024年3月1日 周五 10:00，张三 <a@b> 写道：" / "于 … 写道："
    if ((startsWith(l, "在") || startsWith(l, "于")) &&
        (endsWith(l, "写道：") || endsWith(l, "写道:") || endsWith(l, "寫道：") ||
         endsWith(l, "寫道:")))
        return true;
    return false;
}

bool isSeparator(const std::string& l) {
    std::string low = lowerAscii(l);
    if (contains(low, "original message") && startsWith(low, "---")) return true;
    if (contains(l, "原始邮件") || contains(l, "原始郵件")) return true;
    if (startsWith(low, "-") && contains(low, "original") && endsWith(low, "-")) return true;
    if (startsWith(low, "---------- forwarded message") || contains(l, "转发的邮件") ||
        startsWith(low, "begin forwarded message:"))
        return true;
    return false;
}

bool isSignatureStart(const std::string& raw_line, const std::string& l) {
    if (raw_line == "-- " || raw_line == "--" || raw_line == "-- \r") return true;
    std::string low = lowerAscii(l);
    return startsWith(low, "sent from my ") || startsWith(low, "get outlook for ") ||
           startsWith(low, "sent from mail for windows") || startsWith(l, "发自我的") ||
           startsWith(l, "从我的") || startsWith(l, "發自我的") ||
           startsWith(low, "sent from yahoo mail") || startsWith(low, "sent via ");
}

}  // namespace

std::string stripQuotedHistory(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string line(
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }

    std::vector<std::string> kept;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& raw = lines[i];
        std::string l = trim(raw);
        if (isSignatureStart(raw, l) || isSeparator(l) || isWroteLine(l)) break;
        std::string low = lowerAscii(l);
        // "On Tue, 5 Mar 2024 at 10:00, Jane Doe <jane@" + "example.com> wrote:" on the next.
        if (startsWith(low, "on ") && i + 1 < lines.size() &&
            endsWith(lowerAscii(trim(lines[i + 1])), "wrote:"))
            break;
        // A header block of a quoted message: "From:" followed closely by "Sent:"/"Date:".
        if (isFromLabel(low)) {
            bool block = false;
            for (std::size_t k = i + 1; k < lines.size() && k <= i + 4; ++k)
                if (isSentLabel(lowerAscii(trim(lines[k])))) block = true;
            if (block) {
                // A line of underscores just before belongs to the block (Outlook).
                while (!kept.empty() &&
                       trim(kept.back()).find_first_not_of('_') == std::string::npos &&
                       !trim(kept.back()).empty())
                    kept.pop_back();
                break;
            }
        }
        if (!l.empty() && l[0] == '>') continue;
        kept.push_back(raw);
    }
    while (!kept.empty() && trim(kept.back()).empty()) kept.pop_back();
    std::size_t first = 0;
    while (first < kept.size() && trim(kept[first]).empty()) ++first;
    std::string out;
    for (std::size_t i = first; i < kept.size(); ++i) {
        out += kept[i];
        if (i + 1 < kept.size()) out += '\n';
    }
    return out;
}

}  // namespace ccd::channels::email
