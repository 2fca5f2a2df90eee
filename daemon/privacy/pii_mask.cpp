#include "daemon/privacy/pii_mask.hpp"

#include <optional>
#include <regex>
#include <vector>

namespace ccd::daemon::privacy {
namespace {

/// One code point of the input and where its bytes are.
struct Cp {
    char32_t c;
    std::size_t pos;
    std::size_t len;
};

// UTF-8 to code points; a byte that does not start a valid sequence is one "code point" of its
// own (U+FFFD), so its bytes are kept as they are.
std::vector<Cp> decode(std::string_view s) {
    std::vector<Cp> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        char32_t c = len == 1 ? b : len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;
        bool ok = len != 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            auto cb = static_cast<unsigned char>(s[i + k]);
            ok = (cb & 0xC0) == 0x80;
            c = (c << 6) | (cb & 0x3F);
        }
        if (!ok) {
            out.push_back({0xFFFD, i, 1});
            ++i;
            continue;
        }
        out.push_back({c, i, len});
        i += len;
    }
    return out;
}

int digitOf(char32_t c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 0xFF10 && c <= 0xFF19) return static_cast<int>(c - 0xFF10);
    return -1;
}
bool isDigitCp(char32_t c) { return digitOf(c) >= 0; }
bool isAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isSeparator(char32_t c) {
    return c == ' ' || c == '-' || c == 0x3000 || c == 0xFF0D || c == 0x00A0 ||
           (c >= 0x2010 && c <= 0x2015);
}
bool isAt(char32_t c) { return c == '@' || c == 0xFF20; }
bool isLocalChar(char32_t c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '%' ||
           c == '+' || c == '-';
}
bool isDomainChar(char32_t c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}
bool isCjk(char32_t c) { return c >= 0x4E00 && c <= 0x9FFF; }

/// The input with some code points replaced: the one buffer every masker writes through.
class Masking {
public:
    explicit Masking(std::string_view text) : text_(text), cps_(decode(text)), out_(cps_.size()) {}

    const std::vector<Cp>& cps() const { return cps_; }
    void star(std::size_t i) { out_[i] = "*"; }
    void replace(std::size_t i, std::string s) { out_[i] = std::move(s); }
    bool touched(std::size_t i) const { return out_[i].has_value(); }

    std::string str() const {
        std::string s;
        s.reserve(text_.size());
        for (std::size_t i = 0; i < cps_.size(); ++i) {
            if (out_[i]) s += *out_[i];
            else s.append(text_.substr(cps_[i].pos, cps_[i].len));
        }
        return s;
    }

private:
    std::string_view text_;
    std::vector<Cp> cps_;
    std::vector<std::optional<std::string>> out_;
};

// Keeps the first `head` and the last `tail` of the digits at `idx`, stars the others.
void keepEnds(Masking& m, const std::vector<std::size_t>& idx, std::size_t head, std::size_t tail) {
    for (std::size_t k = 0; k < idx.size(); ++k) {
        if (k >= head && k + tail < idx.size()) m.star(idx[k]);
    }
}

// The phone rule by number of digits.
void maskAsPhone(Masking& m, const std::vector<std::size_t>& idx) {
    auto n = idx.size();
    if (n >= 11) keepEnds(m, idx, 3, 4);
    else if (n >= 7) keepEnds(m, idx, 2, 2);
    else if (n >= 2) keepEnds(m, idx, 0, 1);
    else keepEnds(m, idx, 0, 0);
}

void maskDigitRuns(Masking& m) {
    const auto& cp = m.cps();
    const std::size_t n = cp.size();
    // Digits another masker handled (an email's, a street's) are not read again.
    auto isDigit = [&](std::size_t k) { return !m.touched(k) && isDigitCp(cp[k].c); };
    for (std::size_t i = 0; i < n;) {
        if (!isDigit(i)) {
            ++i;
            continue;
        }
        // Glued to ASCII letters (an order code, a hex id): not a number of its own.
        bool glued = i > 0 && isAsciiLetter(cp[i - 1].c);
        std::vector<std::size_t> idx;
        std::vector<std::size_t> groups{0};
        bool dash_only = true;
        std::size_t j = i;
        while (j < n) {
            if (isDigit(j)) {
                idx.push_back(j);
                ++groups.back();
                ++j;
            } else if (isSeparator(cp[j].c) && j + 1 < n && isDigit(j + 1)) {
                dash_only = dash_only && cp[j].c == '-';
                groups.push_back(0);
                ++j;
            } else {
                break;
            }
        }
        // A Chinese resident ID ends with a check character that may be X.
        bool id_like = false;
        if (groups.size() == 1 && idx.size() == 17 && j < n &&
            (cp[j].c == 'X' || cp[j].c == 'x' || cp[j].c == 0xFF38 || cp[j].c == 0xFF58)) {
            idx.push_back(j);
            ++j;
            id_like = true;
        }
        glued = glued || (j < n && (isAsciiLetter(cp[j].c) || isDigit(j)));
        bool date = dash_only && groups.size() == 3 &&
                    ((groups[0] == 4 && groups[1] <= 2 && groups[2] <= 2) ||
                     (groups[0] <= 2 && groups[1] <= 2 && groups[2] == 4));
        bool plus = i > 0 && (cp[i - 1].c == '+' || cp[i - 1].c == 0xFF0B);
        auto count = idx.size();
        if (!glued && !date && count >= 7) {
            if (id_like || (count == 18 && groups.size() == 1)) keepEnds(m, idx, 3, 4);
            else if (!plus && count >= 13 && count <= 19) keepEnds(m, idx, 0, 4);
            else if (count > 19) keepEnds(m, idx, 0, 4);
            else maskAsPhone(m, idx);
        }
        i = j;
    }
}

void maskEmails(Masking& m) {
    const auto& cp = m.cps();
    for (std::size_t a = 0; a < cp.size(); ++a) {
        if (!isAt(cp[a].c)) continue;
        std::size_t l = a;
        while (l > 0 && isLocalChar(cp[l - 1].c)) --l;
        std::size_t r = a + 1;
        bool dot = false;
        while (r < cp.size() && isDomainChar(cp[r].c)) {
            dot = dot || (cp[r].c == '.' && r > a + 1);
            ++r;
        }
        while (r > a + 1 && cp[r - 1].c == '.') --r;  // a sentence's full stop
        if (l == a || !dot) continue;
        // First character kept, the rest of the local part (whatever its length) is "***".
        if (l + 1 == a) {
            m.replace(l, "***");  // a one-character name is hidden whole
        } else {
            m.replace(l + 1, "***");
            for (std::size_t k = l + 2; k < a; ++k) m.replace(k, "");
        }
        // The domain's digits are not a phone number.
        for (std::size_t k = a + 1; k < r; ++k)
            if (!m.touched(k)) m.replace(k, std::string(1, static_cast<char>(cp[k].c)));
    }
}

// "…路88号": the street's name and number, back to the district (…省/市/区/县/镇) before it.
void maskChineseStreets(Masking& m) {
    const auto& cp = m.cps();
    constexpr char32_t kHao = 0x53F7;  // 号
    auto street = [](char32_t c) {
        return c == 0x8DEF || c == 0x8857 || c == 0x9053 || c == 0x5DF7 || c == 0x5F04 ||
               c == 0x91CC || c == 0x6751;  // 路 街 道 巷 弄 里 村
    };
    auto area = [](char32_t c) {
        return c == 0x7701 || c == 0x5E02 || c == 0x533A || c == 0x53BF || c == 0x9547;
    };  // 省 市 区 县 镇
    for (std::size_t h = 0; h < cp.size(); ++h) {
        if (cp[h].c != kHao) continue;
        std::size_t d = h;
        while (d > 0 && isDigitCp(cp[d - 1].c)) --d;
        if (d == h || d == 0 || !street(cp[d - 1].c)) continue;
        std::size_t s = d - 1;
        while (s > 0 && d - s < 10 && isCjk(cp[s - 1].c) && !area(cp[s - 1].c)) --s;
        for (std::size_t k = s; k <= h; ++k) m.star(k);
    }
}

// "221 Baker Street", "1600 Pennsylvania Ave": number and name starred, the street type kept.
std::string maskEnglishStreets(std::string text) {
    static const std::regex kStreet(
        R"(\b\d{1,5}( [A-Z][a-z]+){1,3} (Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|Pl)\b)");
    bool digit = false, upper = false;
    for (char c : text) {
        digit = digit || (c >= '0' && c <= '9');
        upper = upper || (c >= 'A' && c <= 'Z');
    }
    if (!digit || !upper) return text;
    std::smatch m;
    std::size_t from = 0;
    while (std::regex_search(text.cbegin() + static_cast<std::ptrdiff_t>(from), text.cend(), m,
                             kStreet)) {
        auto start = from + static_cast<std::size_t>(m.position(0));
        auto end = start + static_cast<std::size_t>(m.length(0)) -
                   static_cast<std::size_t>(m.length(2));
        for (auto k = start; k < end; ++k)
            if (text[k] != ' ') text[k] = '*';
        from = start + static_cast<std::size_t>(m.length(0));
    }
    return text;
}

}  // namespace

std::string maskPhone(std::string_view phone) {
    Masking m(phone);
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < m.cps().size(); ++i)
        if (isDigitCp(m.cps()[i].c)) idx.push_back(i);
    maskAsPhone(m, idx);
    return m.str();
}

std::string maskEmail(std::string_view email) {
    auto cps = decode(email);
    std::size_t at = cps.size();
    for (std::size_t i = 0; i < cps.size(); ++i)
        if (isAt(cps[i].c)) at = i;
    if (at == cps.size()) return maskText(email);
    std::string out = at == 0 ? std::string() : std::string(email.substr(0, cps[0].len));
    out += "***";
    out.append(email.substr(cps[at].pos));
    return out;
}

std::string maskAddress(std::string_view address) {
    auto cps = decode(address);
    if (cps.empty()) return {};
    std::size_t keep = std::min<std::size_t>(6, cps.size() / 3);
    std::string out(address.substr(0, keep == 0 ? 0 : cps[keep - 1].pos + cps[keep - 1].len));
    return out + "****";
}

std::string maskText(std::string_view text) {
    Masking m(text);
    maskEmails(m);
    maskChineseStreets(m);
    maskDigitRuns(m);
    return maskEnglishStreets(m.str());
}

}  // namespace ccd::daemon::privacy
