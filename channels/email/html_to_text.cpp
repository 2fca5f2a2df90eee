#include "channels/email/html_to_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace ccd::channels::email {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

struct NamedEntity {
    const char* name;
    std::uint32_t cp;
};

// The references that occur in mail; the full HTML table has 2,000+ names.
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},      {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},     {"reg", 0xAE},     {"trade", 0x2122},  {"mdash", 0x2014},
    {"ndash", 0x2013}, {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"laquo", 0xAB},    {"raquo", 0xBB},   {"middot", 0xB7},   {"bull", 0x2022},
    {"euro", 0x20AC},  {"yen", 0xA5},      {"pound", 0xA3},   {"cent", 0xA2},     {"times", 0xD7},
    {"divide", 0xF7},  {"deg", 0xB0},      {"plusmn", 0xB1},  {"sect", 0xA7},     {"para", 0xB6},
    {"shy", 0xAD},     {"ensp", 0x2002},   {"emsp", 0x2003},  {"thinsp", 0x2009}, {"zwnj", 0x200C},
    {"zwj", 0x200D},   {"larr", 0x2190},   {"rarr", 0x2192},  {"uarr", 0x2191},   {"darr", 0x2193},
    {"auml", 0xE4},    {"ouml", 0xF6},     {"uuml", 0xFC},    {"Auml", 0xC4},     {"Ouml", 0xD6},
    {"Uuml", 0xDC},    {"szlig", 0xDF},    {"eacute", 0xE9},  {"egrave", 0xE8},   {"agrave", 0xE0},
    {"ccedil", 0xE7},  {"Eacute", 0xC9},   {"iexcl", 0xA1},   {"iquest", 0xBF},   {"ntilde", 0xF1},
    {"aacute", 0xE1},  {"oacute", 0xF3},   {"uacute", 0xFA},  {"iacute", 0xED},
};

bool isBlock(const std::string& tag) {
    static const char* const kBlocks[] = {
        "p",        "div",     "table",   "tr",     "ul",    "ol",         "h1",      "h2",
        "h3",       "h4",      "h5",      "h6",     "pre",   "blockquote", "section", "article",
        "header",   "footer",  "address", "center", "dl",    "dt",         "dd",      "form",
        "fieldset", "hr",      "li",      "tbody",  "thead", "tfoot",      "nav",     "aside",
        "figure",   "caption", "body",    "html",   "main"};
    for (const char* b : kBlocks)
        if (tag == b) return true;
    return false;
}

bool isParagraph(const std::string& tag) {
    return tag == "p" || tag == "h1" || tag == "h2" || tag == "h3" || tag == "h4" || tag == "h5" ||
           tag == "h6" || tag == "table" || tag == "ul" || tag == "ol" || tag == "blockquote" ||
           tag == "pre";
}

// An attribute's value from a tag's inside ("a href='x' class=y").
std::string attribute(std::string_view tag, std::string_view name) {
    std::string l = lower(tag);
    std::size_t pos = 0;
    while ((pos = l.find(name, pos)) != std::string::npos) {
        bool word_start = pos > 0 && (std::isspace(static_cast<unsigned char>(l[pos - 1])));
        std::size_t p = pos + name.size();
        while (p < l.size() && std::isspace(static_cast<unsigned char>(l[p]))) ++p;
        if (!word_start || p >= l.size() || l[p] != '=') {
            pos += name.size();
            continue;
        }
        ++p;
        while (p < l.size() && std::isspace(static_cast<unsigned char>(l[p]))) ++p;
        if (p >= l.size()) return "";
        if (tag[p] == '"' || tag[p] == '\'') {
            char q = tag[p];
            std::size_t end = tag.find(q, p + 1);
            return std::string(tag.substr(
                p + 1, end == std::string_view::npos ? std::string_view::npos : end - p - 1));
        }
        std::size_t end = p;
        while (end < tag.size() && !std::isspace(static_cast<unsigned char>(tag[end]))) ++end;
        return std::string(tag.substr(p, end - p));
    }
    return "";
}

// Builds the text: words and white space, with line breaks held back until the next word so
// that runs of block ends collapse and every line can get its quote prefix.
class TextSink {
  public:
    void text(std::string_view s, bool pre) {
        for (char c : s) {
            if (pre) {
                if (c == '\n') {
                    lineBreak(1);
                    continue;
                }
                emit(c);
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                space_ = true;
                continue;
            }
            emit(c);
        }
    }
    void lineBreak(int n) {
        if (out_.empty() && breaks_ == 0) return;  // no leading blank lines
        if (n > breaks_) breaks_ = n;
        space_ = false;
    }
    void raw(std::string_view s) {
        for (char c : s) emit(c);
    }
    void setQuoteDepth(int d) { quote_depth_ = d < 0 ? 0 : d; }
    std::string take() {
        // Trailing spaces on lines and at the end are not content.
        std::string r;
        std::size_t start = 0;
        while (start <= out_.size()) {
            std::size_t nl = out_.find('\n', start);
            std::string line =
                out_.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            while (!line.empty() && line.back() == ' ') line.pop_back();
            r += line;
            if (nl == std::string::npos) break;
            r += '\n';
            start = nl + 1;
        }
        while (!r.empty() && (r.back() == '\n' || r.back() == ' ')) r.pop_back();
        return r;
    }
    std::size_t size() const { return out_.size(); }
    std::string_view tail(std::size_t from) const {
        return std::string_view(out_).substr(from < out_.size() ? from : out_.size());
    }

  private:
    void emit(char c) {
        if (breaks_ > 0) {
            for (int i = 0; i < breaks_; ++i) {
                out_ += '\n';
                if (i + 1 < breaks_ && quote_depth_ > 0) prefix(false);
            }
            breaks_ = 0;
            at_line_start_ = true;
            space_ = false;
        }
        if (at_line_start_) {
            prefix(true);
            at_line_start_ = false;
            space_ = false;
        }
        if (space_) {
            out_ += ' ';
            space_ = false;
        }
        out_ += c;
        if (c == '\n') at_line_start_ = true;
    }
    void prefix(bool with_space) {
        for (int i = 0; i < quote_depth_; ++i) out_ += '>';
        if (quote_depth_ > 0 && with_space) out_ += ' ';
    }

    std::string out_;
    int breaks_ = 0;
    bool space_ = false;
    bool at_line_start_ = true;
    int quote_depth_ = 0;
};

}  // namespace

std::string decodeHtmlEntity(std::string_view name) {
    std::string out;
    if (!name.empty() && name[0] == '#') {
        std::string digits(name.substr(1));
        int base = 10;
        if (!digits.empty() && (digits[0] == 'x' || digits[0] == 'X')) {
            base = 16;
            digits.erase(0, 1);
        }
        if (digits.empty() || digits.size() > 8) return "";
        char* end = nullptr;
        unsigned long v = std::strtoul(digits.c_str(), &end, base);
        if (!end || *end != '\0') return "";
        // Windows-1252 numbers that mailers write for curly quotes and dashes.
        static const std::uint32_t kC1[32] = {
            0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
            0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
            0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
        if (v >= 0x80 && v < 0xA0) v = kC1[v - 0x80];
        appendUtf8(out, static_cast<std::uint32_t>(v));
        return out;
    }
    for (const auto& e : kEntities)
        if (name == e.name) {
            appendUtf8(out, e.cp == 0xA0 ? ' ' : e.cp);
            return out;
        }
    return "";
}

std::string htmlToText(std::string_view html) {
    TextSink sink;
    int pre = 0;
    int quote = 0;
    std::string skip_until;  // closing tag of an element whose content is dropped
    struct Link {
        std::string href;
        std::size_t start;
    };
    std::vector<Link> links;
    std::vector<int> list_counters;  // -1 for <ul>, next number for <ol>

    std::size_t i = 0;
    std::string textbuf;
    auto flushText = [&] {
        if (textbuf.empty()) return;
        sink.text(textbuf, pre > 0);
        textbuf.clear();
    };

    while (i < html.size()) {
        char c = html[i];
        if (c == '<') {
            if (html.compare(i, 4, "<!--") == 0) {
                std::size_t end = html.find("-->", i + 4);
                i = end == std::string_view::npos ? html.size() : end + 3;
                continue;
            }
            std::size_t end = html.find('>', i + 1);
            if (end == std::string_view::npos) {
                textbuf += html.substr(i);  // a lone '<' is text
                break;
            }
            std::string_view inside = html.substr(i + 1, end - i - 1);
            i = end + 1;
            if (inside.empty() || inside[0] == '!' || inside[0] == '?') continue;
            bool closing = inside[0] == '/';
            if (closing) inside.remove_prefix(1);
            std::size_t n = 0;
            while (n < inside.size() && (std::isalnum(static_cast<unsigned char>(inside[n])) ||
                                         inside[n] == ':' || inside[n] == '-'))
                ++n;
            std::string tag = lower(inside.substr(0, n));
            if (tag.empty()) {
                textbuf += '<';
                textbuf += std::string(inside);
                textbuf += '>';
                continue;
            }
            if (!skip_until.empty()) {
                if (closing && tag == skip_until) skip_until.clear();
                continue;
            }
            flushText();
            if (!closing && (tag == "script" || tag == "style" || tag == "head" || tag == "title" ||
                             tag == "xml")) {
                if (inside.empty() || inside.back() != '/') skip_until = tag;
                continue;
            }
            if (tag == "br") {
                sink.lineBreak(1);
            } else if (tag == "pre") {
                pre += closing ? -1 : 1;
                if (pre < 0) pre = 0;
                sink.lineBreak(2);
            } else if (tag == "blockquote") {
                sink.lineBreak(1);
                quote += closing ? -1 : 1;
                if (quote < 0) quote = 0;
                sink.setQuoteDepth(quote);
                sink.lineBreak(1);
            } else if (tag == "ul" || tag == "ol") {
                if (closing) {
                    if (!list_counters.empty()) list_counters.pop_back();
                } else {
                    list_counters.push_back(tag == "ol" ? 1 : -1);
                }
                sink.lineBreak(list_counters.empty() ? 2 : 1);
            } else if (tag == "li") {
                sink.lineBreak(1);
                if (!closing) {
                    if (list_counters.empty() || list_counters.back() < 0)
                        sink.raw("- ");
                    else
                        sink.raw(std::to_string(list_counters.back()++) + ". ");
                }
            } else if (tag == "td" || tag == "th") {
                if (closing) sink.text(" ", false);
            } else if (tag == "a") {
                if (!closing) {
                    // Bounded, so that hostile nesting of links stays linear.
                    if (links.size() < 16)
                        links.push_back({attribute(inside, "href").substr(0, 2048), sink.size()});
                } else if (!links.empty()) {
                    Link link = std::move(links.back());
                    links.pop_back();
                    std::string shown(sink.tail(
                        std::max(link.start, sink.size() > 4096 ? sink.size() - 4096 : 0)));
                    std::string href = link.href;
                    std::string bare = href.rfind("mailto:", 0) == 0 ? href.substr(7) : href;
                    if (!href.empty() && href[0] != '#' && href.rfind("javascript:", 0) != 0 &&
                        shown.find(bare) == std::string::npos) {
                        std::string decoded;
                        for (std::size_t k = 0; k < href.size(); ++k) {
                            if (href[k] == '&') {
                                std::size_t semi = href.find(';', k);
                                if (semi != std::string::npos && semi - k < 12) {
                                    std::string e =
                                        decodeHtmlEntity(href.substr(k + 1, semi - k - 1));
                                    if (!e.empty()) {
                                        decoded += e;
                                        k = semi;
                                        continue;
                                    }
                                }
                            }
                            decoded += href[k];
                        }
                        sink.text(" (" + decoded + ")", false);
                    }
                }
            } else if (tag == "img" && !closing) {
                std::string alt = attribute(inside, "alt");
                if (!alt.empty()) sink.text("[" + alt + "]", false);
            } else if (isBlock(tag)) {
                sink.lineBreak(isParagraph(tag) ? 2 : 1);
            }
            continue;
        }
        if (!skip_until.empty()) {
            ++i;
            continue;
        }
        if (c == '&') {
            std::size_t semi = html.find(';', i + 1);
            if (semi != std::string_view::npos && semi - i <= 10) {
                std::string e = decodeHtmlEntity(html.substr(i + 1, semi - i - 1));
                if (!e.empty()) {
                    textbuf += e;
                    i = semi + 1;
                    continue;
                }
            }
        }
        textbuf += c;
        ++i;
    }
    flushText();
    return sink.take();
}

}  // namespace ccd::channels::email
