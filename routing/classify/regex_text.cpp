#include "routing/classify/regex_text.hpp"

#include <unicode/uchar.h>

#include <algorithm>

namespace ccd::routing {
namespace {

bool isAsciiLetter(char16_t c) { return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z'); }

bool isSyntax(char16_t c) {
    return c == u'\\' || c == u'.' || c == u'[' || c == u']' || c == u'(' || c == u')' ||
           c == u'|' || c == u'?' || c == u'*' || c == u'+' || c == u'{' || c == u'}' ||
           c == u'^' || c == u'$';
}

// Index just past the ']' closing the set that opens at `i`, or -1.
int32_t skipSet(const icu::UnicodeString& p, int32_t i) {
    int depth = 0;
    for (int32_t k = i; k < p.length(); ++k) {
        const char16_t c = p.charAt(k);
        if (c == u'\\') {
            ++k;
        } else if (c == u'[') {
            ++depth;
        } else if (c == u']' && k > i + 1 && --depth == 0) {
            return k + 1;
        }
    }
    return -1;
}

// Index of the ')' closing the group that opens at `i`, or -1.
int32_t closeGroup(const icu::UnicodeString& p, int32_t i) {
    int depth = 0;
    for (int32_t k = i; k < p.length(); ++k) {
        const char16_t c = p.charAt(k);
        if (c == u'\\') {
            ++k;
        } else if (c == u'[') {
            k = skipSet(p, k);
            if (k < 0) return -1;
            --k;
        } else if (c == u'(') {
            ++depth;
        } else if (c == u')' && --depth == 0) {
            return k;
        }
    }
    return -1;
}

}  // namespace

// "(?s)^(?=.*A)(?=.*B)...": a text matches when each of A, B, ... occurs somewhere in it.
// ICU runs such a pattern by letting ".*" take the whole text and backing off one position at
// a time, trying A's alternatives at each (tens of microseconds for a long alternation that
// does not occur); a search for A alone skips ahead by A's possible first characters. Returns
// the parts, each with "(?s)" so its dots still match newlines, or nothing for any other shape.
std::vector<icu::UnicodeString> lookaheadConjunction(const icu::UnicodeString& p) {
    static const icu::UnicodeString kStart(u"(?s)^");
    static const icu::UnicodeString kPart(u"(?=.*");
    if (!p.startsWith(kStart)) return {};
    std::vector<icu::UnicodeString> parts;
    int32_t i = kStart.length();
    while (i < p.length()) {
        if (p.compare(i, kPart.length(), kPart) != 0) return {};
        const int32_t close = closeGroup(p, i);
        if (close < 0) return {};
        const int32_t body = i + kPart.length();
        parts.push_back(icu::UnicodeString(u"(?s)") + p.tempSubStringBetween(body, close));
        i = close + 1;
    }
    return parts;
}

namespace {

// The quantifier at `i`: its minimum count and the index after it (lazy and possessive
// suffixes included). No quantifier: {1, i}. Malformed: min -1.
std::pair<int, int32_t> quantifier(const icu::UnicodeString& p, int32_t i) {
    int min = 1;
    if (i >= p.length()) return {1, i};
    const char16_t c = p.charAt(i);
    if (c == u'?' || c == u'*') {
        min = 0;
        ++i;
    } else if (c == u'+') {
        ++i;
    } else if (c == u'{') {
        int32_t k = i + 1;
        min = 0;
        bool digits = false;
        while (k < p.length() && p.charAt(k) >= u'0' && p.charAt(k) <= u'9') {
            min = std::min(min * 10 + (p.charAt(k) - u'0'), 1000);
            digits = true;
            ++k;
        }
        if (!digits) return {-1, i};
        while (k < p.length() && p.charAt(k) != u'}') ++k;
        if (k >= p.length()) return {-1, i};
        i = k + 1;
    } else {
        return {1, i};
    }
    if (i < p.length() && (p.charAt(i) == u'?' || p.charAt(i) == u'+')) ++i;
    return {min, i};
}

// Splits a group's body at its top-level '|'.
std::vector<icu::UnicodeString> alternatives(const icu::UnicodeString& body) {
    std::vector<icu::UnicodeString> out;
    int depth = 0;
    int32_t start = 0;
    for (int32_t k = 0; k < body.length(); ++k) {
        const char16_t c = body.charAt(k);
        if (c == u'\\') {
            ++k;
        } else if (c == u'[') {
            const int32_t end = skipSet(body, k);
            if (end < 0) return {};
            k = end - 1;
        } else if (c == u'(') {
            ++depth;
        } else if (c == u')') {
            --depth;
        } else if (c == u'|' && depth == 0) {
            out.push_back(body.tempSubStringBetween(start, k));
            start = k + 1;
        }
    }
    out.push_back(body.tempSubStringBetween(start, body.length()));
    return out;
}

// The literal text an alternative always starts with ("turn" for "turn(s|ing)? on").
icu::UnicodeString leadingLiteral(const icu::UnicodeString& alt) {
    icu::UnicodeString out;
    for (int32_t k = 0; k < alt.length();) {
        char16_t c = alt.charAt(k);
        int32_t next = k + 1;
        if (c == u'\\') {
            if (k + 1 >= alt.length() || isAsciiLetter(alt.charAt(k + 1))) break;
            c = alt.charAt(k + 1);
            next = k + 2;
        } else if (isSyntax(c)) {
            break;
        }
        const auto [min, after] = quantifier(alt, next);
        if (min < 1) break;
        out.append(c);
        if (after != next) break;  // "ab+c" only guarantees "ab"
        k = next;
    }
    return out;
}

std::vector<icu::UnicodeString> leadingLiterals(const icu::UnicodeString& alt, int depth = 0);

// The literals a group's body starts with: those of each of its alternatives. Empty when one
// alternative has none known.
std::vector<icu::UnicodeString> groupLiterals(const icu::UnicodeString& body, int depth = 0) {
    std::vector<icu::UnicodeString> out;
    for (const auto& alt : alternatives(body)) {
        auto literals = leadingLiterals(alt, depth);
        if (literals.empty()) return {};
        out.insert(out.end(), literals.begin(), literals.end());
    }
    return out;
}

// The literals an alternative always starts with: its leading literal, or, when it starts with
// a group that must occur, the leading literals of each of that group's alternatives
// ("(server|network|data) (rack|room)" -> {server, network, data}); when the group may be
// left out, those and the literals of what follows it ("(还|就)?收了" -> {还, 就, 收}). Empty:
// none known.
std::vector<icu::UnicodeString> leadingLiterals(const icu::UnicodeString& alt, int depth) {
    if (!alt.startsWith(u"(")) {
        icu::UnicodeString lit = leadingLiteral(alt);
        if (lit.isEmpty()) return {};
        return {lit};
    }
    if (depth >= 4) return {};
    const int32_t close = closeGroup(alt, 0);
    if (close < 0) return {};
    icu::UnicodeString body = alt.tempSubStringBetween(1, close);
    if (body.startsWith(u"?:")) {
        body.remove(0, 2);
    } else if (body.startsWith(u"?")) {
        return {};  // a lookaround, flags or another construct
    }
    const auto [min, after] = quantifier(alt, close + 1);
    if (min < 0) return {};
    std::vector<icu::UnicodeString> out = groupLiterals(body, depth + 1);
    if (min >= 1 || out.empty()) return out;
    // Optional: a match starts in the group or, with the group left out, after it.
    const auto rest = leadingLiterals(alt.tempSubString(after), depth + 1);
    if (rest.empty()) return {};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

}  // namespace

// The literals a match of `p` starts with, when its first consuming element is a group whose
// every alternative starts with a literal ("\b(paint|coating)\b..." -> {paint, coating}) or a
// literal ("电池.{0,6}(鼓|胀)" -> {电池}), after nothing but zero-width assertions (\b, \B,
// lookbehinds, negative lookaheads, "(?s)"); empty otherwise. Every match of such a pattern
// begins where one of them occurs, so the matcher need only try there (RegexSet::findCandidate).
std::vector<icu::UnicodeString> anchorLiterals(const icu::UnicodeString& p) {
    if (alternatives(p).size() != 1) return {};
    int32_t i = 0;
    while (i < p.length()) {
        const char16_t c = p.charAt(i);
        if (c == u'\\' && i + 1 < p.length() && (p.charAt(i + 1) == u'b' || p.charAt(i + 1) == u'B')) {
            i += 2;
            continue;
        }
        if (c != u'(') break;
        const int32_t close = closeGroup(p, i);
        if (close < 0) return {};
        const icu::UnicodeString body = p.tempSubStringBetween(i + 1, close);
        if (body == u"?s" || body.startsWith(u"?<!") || body.startsWith(u"?<=") ||
            body.startsWith(u"?!")) {
            i = close + 1;  // zero-width
            continue;
        }
        break;
    }
    if (i >= p.length()) return {};
    std::vector<icu::UnicodeString> out = leadingLiterals(p.tempSubString(i));
    if (out.empty()) return {};
    // A one-character ASCII start is in nearly every text: trying each occurrence saves nothing.
    for (const auto& lit : out) {
        if (lit.length() == 1 && lit.charAt(0) < 0x80) return {};
    }
    return out;
}

namespace {

// The code point that `alt` is, when it is one letter or digit (or a character above ASCII
// that is not a space), written plainly; -1 otherwise. Such characters need no escape in a set.
UChar32 singleLetter(const icu::UnicodeString& alt) {
    if (alt.isEmpty() || alt.countChar32() != 1) return -1;
    const UChar32 c = alt.char32At(0);
    if (c < 0x80) return u_isalnum(c) ? c : -1;
    if (u_isUWhiteSpace(c) || u_hasBinaryProperty(c, UCHAR_PATTERN_SYNTAX)) return -1;
    return c;
}

}  // namespace

icu::UnicodeString singleLetterSets(const icu::UnicodeString& p) {
    if (p.indexOf(icu::UnicodeString(u"\\Q")) >= 0) return p;  // quoted text: left as written
    icu::UnicodeString out;
    for (int32_t k = 0; k < p.length();) {
        const char16_t c = p.charAt(k);
        if (c == u'\\') {  // an escape: copied with what it escapes
            out.append(p, k, std::min<int32_t>(2, p.length() - k));
            k += 2;
            continue;
        }
        if (c == u'[') {
            const int32_t end = skipSet(p, k);
            if (end < 0) return p;
            out.append(p, k, end - k);
            k = end;
            continue;
        }
        if (c != u'(') {
            out.append(c);
            ++k;
            continue;
        }
        // A group: "(" or "(?:" with plain alternatives may become a set; any other opening
        // ("(?<!", "(?=", "(?s)") is copied and its inside scanned as the rest.
        int32_t body = k + 1;
        if (p.compare(body, 2, icu::UnicodeString(u"?:")) == 0) {
            body += 2;
        } else if (body < p.length() && p.charAt(body) == u'?') {
            out.append(c);
            ++k;
            continue;
        }
        const int32_t close = closeGroup(p, k);
        if (close < 0) return p;
        const auto alts = alternatives(p.tempSubStringBetween(body, close));
        icu::UnicodeString set(u"[");
        bool letters = alts.size() >= 2;
        for (const auto& alt : alts) {
            const UChar32 letter = letters ? singleLetter(alt) : -1;
            if (letter < 0) {
                letters = false;
                break;
            }
            set.append(letter);
        }
        if (!letters) {
            out.append(p, k, body - k);
            k = body;
            continue;
        }
        out.append(p, k, body - k).append(set).append(u']').append(u')');
        k = close + 1;
    }
    return out;
}

namespace {

// Each text once, in code unit order.
void sortUnique(std::vector<icu::UnicodeString>& texts) {
    std::sort(texts.begin(), texts.end());
    texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
}

// The texts alternative `alt` matches, each once (see finiteLanguage); false when its shape is
// not understood or there would be more than `limit`.
bool expandAlternative(const icu::UnicodeString& alt, std::size_t limit, int depth,
                       std::vector<icu::UnicodeString>& out);

// The texts a group's body matches: its alternatives' together, each once.
bool expandBody(const icu::UnicodeString& body, std::size_t limit, int depth,
                std::vector<icu::UnicodeString>& out) {
    out.clear();
    const auto alts = alternatives(body);
    if (alts.empty()) return false;
    std::vector<icu::UnicodeString> texts;
    for (const auto& alt : alts) {
        if (!expandAlternative(alt, limit, depth, texts)) return false;
        out.insert(out.end(), texts.begin(), texts.end());
        sortUnique(out);
        if (out.size() > limit) return false;
    }
    return true;
}

bool expandAlternative(const icu::UnicodeString& alt, std::size_t limit, int depth,
                       std::vector<icu::UnicodeString>& out) {
    if (depth > 4) return false;
    out.assign(1, icu::UnicodeString());
    std::vector<icu::UnicodeString> options;
    std::vector<icu::UnicodeString> joined;
    for (int32_t i = 0; i < alt.length();) {
        const char16_t c = alt.charAt(i);
        int32_t next = i + 1;
        options.clear();
        if (c == u'(') {
            const int32_t close = closeGroup(alt, i);
            if (close < 0) return false;
            icu::UnicodeString body = alt.tempSubStringBetween(i + 1, close);
            if (body.startsWith(u"?:")) {
                body.remove(0, 2);
            } else if (body.startsWith(u"?")) {
                return false;  // a lookaround, flags or another construct
            }
            if (!expandBody(body, limit, depth + 1, options)) return false;
            next = close + 1;
        } else if (c == u'[') {
            const int32_t end = skipSet(alt, i);
            if (end < 0) return false;
            for (int32_t k = i + 1; k < end - 1; ++k) {
                const char16_t m = alt.charAt(k);
                // Plain characters only: no negation, range, escape, nested set or operator.
                if (isSyntax(m) || m == u'-' || m == u'&' || m == u':' || U16_IS_SURROGATE(m) ||
                    u_isUWhiteSpace(m)) {
                    return false;
                }
                options.push_back(icu::UnicodeString(m));
            }
            if (options.empty()) return false;
            sortUnique(options);
            next = end;
        } else if (isSyntax(c) || u_isUWhiteSpace(c) || c == u'#') {
            return false;  // '.', escapes, anchors, repeats; spaces and comments under flags
        } else if (U16_IS_LEAD(c) && i + 1 < alt.length() && U16_IS_TRAIL(alt.charAt(i + 1))) {
            options.push_back(alt.tempSubString(i, 2));
            next = i + 2;
        } else if (U16_IS_SURROGATE(c)) {
            return false;
        } else {
            options.push_back(icu::UnicodeString(c));
        }
        if (next < alt.length()) {
            const char16_t q = alt.charAt(next);
            if (q == u'*' || q == u'+' || q == u'{') return false;
            if (q == u'?') {
                ++next;
                // "??" and "?+" choose otherwise among the same texts: not understood here.
                if (next < alt.length() && (alt.charAt(next) == u'?' || alt.charAt(next) == u'+')) {
                    return false;
                }
                options.push_back(icu::UnicodeString());
                sortUnique(options);
            }
        }
        if (out.size() * options.size() > limit) return false;
        joined.clear();
        for (const auto& head : out) {
            for (const auto& tail : options) joined.push_back(icu::UnicodeString(head).append(tail));
        }
        sortUnique(joined);
        out.swap(joined);
        i = next;
    }
    return true;
}

}  // namespace

std::vector<icu::UnicodeString> finiteLanguage(const icu::UnicodeString& p, std::size_t limit) {
    std::vector<icu::UnicodeString> out;
    if (!expandBody(p, limit, 0, out)) return {};
    for (const auto& t : out) {
        if (t.isEmpty()) return {};  // matches everywhere
    }
    return out;
}

std::vector<std::vector<icu::UnicodeString>> requiredLiterals(const icu::UnicodeString& p) {
    if (alternatives(p).size() != 1) return {};  // a top-level '|', or unbalanced sets
    std::vector<std::vector<icu::UnicodeString>> sets;
    icu::UnicodeString run;
    // A set with a one-character ASCII literal (" ", "a", "2") is in nearly every text: it
    // filters nothing and costs a hit per occurrence, so it is not kept (the filter stays sound:
    // it only ever requires less).
    const auto consider = [&sets](std::vector<icu::UnicodeString> set) {
        for (const auto& literal : set) {
            if (literal.length() == 1 && literal.charAt(0) < 0x80) return;
        }
        if (!set.empty()) sets.push_back(std::move(set));
    };
    const auto endRun = [&]() {
        if (!run.isEmpty()) consider({run});
        run.remove();
    };
    for (int32_t i = 0; i < p.length();) {
        const char16_t c = p.charAt(i);
        if (c == u'^' || c == u'$') {
            endRun();
            ++i;
            continue;
        }
        if (c == u'\\' && i + 1 < p.length() && isAsciiLetter(p.charAt(i + 1))) {
            const char16_t e = p.charAt(i + 1);
            if (e == u'b' || e == u'B') {  // zero-width
                endRun();
                i += 2;
                continue;
            }
            if (e != u'w' && e != u'W' && e != u's' && e != u'S' && e != u'd' && e != u'D') {
                return {};  // \p{...}, \x{...}, \Q...: not worth understanding
            }
            endRun();
            const auto [min, after] = quantifier(p, i + 2);
            if (min < 0) return {};
            i = after;
            continue;
        }
        if (c == u'[' || c == u'.') {
            endRun();
            const int32_t end = c == u'[' ? skipSet(p, i) : i + 1;
            if (end < 0) return {};
            const auto [min, after] = quantifier(p, end);
            if (min < 0) return {};
            i = after;
            continue;
        }
        if (c == u'(') {
            endRun();
            const int32_t close = closeGroup(p, i);
            if (close < 0) return {};
            icu::UnicodeString body = p.tempSubStringBetween(i + 1, close);
            if (body == u"?s") {  // dot matches line ends: the literals are the same
                i = close + 1;
                continue;
            }
            if (body.startsWith(u"?=")) {
                // A lookahead consumes nothing, but what it requires the text holds: the
                // literals of "(?=.*(冷库|冷柜))" are required as the pattern's own.
                for (auto& set : requiredLiterals(body.tempSubString(2))) consider(std::move(set));
                i = close + 1;
                continue;
            }
            if (body.startsWith(u"?!") || body.startsWith(u"?<=") || body.startsWith(u"?<!")) {
                i = close + 1;  // lookaround: consumes nothing
                continue;
            }
            if (body.startsWith(u"?:")) {
                body.remove(0, 2);
            } else if (body.startsWith(u"?")) {
                return {};  // flags or other constructs
            }
            const auto [min, after] = quantifier(p, close + 1);
            if (min < 0) return {};
            if (min >= 1) consider(groupLiterals(body));
            i = after;
            continue;
        }
        if (c == u')' || c == u'|' || c == u'?' || c == u'*' || c == u'+' || c == u'{') {
            return {};  // cannot happen in a pattern that compiled; be safe
        }
        // A literal character, possibly escaped.
        char16_t literal = c;
        int32_t next = i + 1;
        if (c == u'\\') {
            if (i + 1 >= p.length()) return {};
            literal = p.charAt(i + 1);
            next = i + 2;
        }
        const auto [min, after] = quantifier(p, next);
        if (min < 0) return {};
        if (min == 0) {
            endRun();
        } else {
            run.append(literal);
            if (after != next) endRun();
        }
        i = after;
    }
    endRun();
    return sets;
}

}  // namespace ccd::routing
