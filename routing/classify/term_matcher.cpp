#include "routing/classify/term_matcher.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {

bool isWordCharacter(UChar32 c) {
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    if (!u_isalnum(c) || HanTables::isHan(c)) return false;
    UErrorCode status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(c, &status);
    return script != USCRIPT_HIRAGANA && script != USCRIPT_KATAKANA && script != USCRIPT_HANGUL;
}

std::uint32_t TermMatcher::add(const icu::UnicodeString& raw) {
    if (built_) throw std::invalid_argument("TermMatcher::add after build");
    icu::UnicodeString text = raw;
    text.trim();
    bool prefix = false;
    if (text.length() > 1 && text.endsWith(u"*")) {
        prefix = true;
        text.truncate(text.length() - 1);
        text.trim();
    }
    if (text.isEmpty()) throw std::invalid_argument("empty phrase");

    std::u16string key(text.getBuffer(), static_cast<std::size_t>(text.length()));
    if (prefix) key += u'*';
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;

    Term term;
    text.toUTF8String(term.text);
    term.length = text.length();
    term.start_boundary = isWordCharacter(text.char32At(0));
    term.end_boundary = !prefix && isWordCharacter(text.char32At(text.length() - 1));

    std::int32_t node = 0;
    for (int32_t i = 0; i < text.length(); ++i) {
        const char16_t c = text.charAt(i);
        std::int32_t next = child(node, c);
        if (next < 0) {
            next = static_cast<std::int32_t>(nodes_.size());
            auto& edges = nodes_[static_cast<std::size_t>(node)].next;
            edges.insert(std::lower_bound(edges.begin(), edges.end(), std::make_pair(c, 0)),
                         {c, next});
            nodes_.emplace_back();
        }
        node = next;
    }
    const auto id = static_cast<std::uint32_t>(terms_.size());
    auto& slot = nodes_[static_cast<std::size_t>(node)].term;
    if (slot >= 0) {
        // Same code units, different boundary rule ("fire" and "fire*"): keep the looser one.
        auto& existing = terms_[static_cast<std::size_t>(slot)];
        existing.end_boundary = existing.end_boundary && term.end_boundary;
        ids_.emplace(key, static_cast<std::uint32_t>(slot));
        return static_cast<std::uint32_t>(slot);
    }
    slot = static_cast<std::int32_t>(id);
    terms_.push_back(std::move(term));
    ids_.emplace(key, id);
    return id;
}

std::int32_t TermMatcher::child(std::int32_t node, char16_t c) const {
    const auto& edges = nodes_[static_cast<std::size_t>(node)].next;
    auto it = std::lower_bound(edges.begin(), edges.end(), std::make_pair(c, std::int32_t{0}));
    return it != edges.end() && it->first == c ? it->second : -1;
}

void TermMatcher::build() {
    std::deque<std::int32_t> queue;
    for (const auto& [c, n] : nodes_[0].next) {
        (void)c;
        nodes_[static_cast<std::size_t>(n)].fail = 0;
        queue.push_back(n);
    }
    while (!queue.empty()) {
        const std::int32_t node = queue.front();
        queue.pop_front();
        for (const auto& [c, n] : nodes_[static_cast<std::size_t>(node)].next) {
            std::int32_t f = nodes_[static_cast<std::size_t>(node)].fail;
            std::int32_t target = child(f, c);
            while (target < 0 && f != 0) {
                f = nodes_[static_cast<std::size_t>(f)].fail;
                target = child(f, c);
            }
            if (target < 0 || target == n) target = 0;
            Node& next = nodes_[static_cast<std::size_t>(n)];
            next.fail = target;
            const Node& fail_node = nodes_[static_cast<std::size_t>(target)];
            next.output = fail_node.term >= 0 ? target : fail_node.output;
            queue.push_back(n);
        }
    }
    built_ = true;
}

void TermMatcher::report(std::int32_t node, const icu::UnicodeString& text, std::int32_t end,
                         std::vector<TermMatch>& out) const {
    const std::int32_t length = text.length();
    for (std::int32_t n = node; n > 0; n = nodes_[static_cast<std::size_t>(n)].output) {
        const std::int32_t id = nodes_[static_cast<std::size_t>(n)].term;
        if (id < 0) continue;
        const Term& t = terms_[static_cast<std::size_t>(id)];
        const std::int32_t begin = end - t.length;
        if (t.start_boundary && begin > 0 && isWordCharacter(text.char32At(begin - 1))) continue;
        if (t.end_boundary && end < length && isWordCharacter(text.char32At(end))) continue;
        out.push_back({static_cast<std::uint32_t>(id), begin, end});
    }
}

void TermMatcher::findAll(const icu::UnicodeString& text, std::vector<TermMatch>& out) const {
    std::int32_t node = 0;
    const char16_t* units = text.getBuffer();
    const std::int32_t length = text.length();
    for (std::int32_t i = 0; i < length; ++i) {
        const char16_t c = units[i];
        std::int32_t next = child(node, c);
        while (next < 0 && node != 0) {
            node = nodes_[static_cast<std::size_t>(node)].fail;
            next = child(node, c);
        }
        node = next < 0 ? 0 : next;
        if (node != 0) report(node, text, i + 1, out);
    }
}

}  // namespace ccd::routing
