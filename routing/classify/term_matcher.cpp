#include "routing/classify/term_matcher.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <stdexcept>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {

namespace {

/// The edge of `p` for unit `c`, or -1: child() for a built node below the root, inlined in
/// findAll()'s loop, which takes it for nearly every character of a word.
template <typename Packed, typename Edge>
inline std::int32_t packedChild(const Packed& p, const Edge* edges, char16_t c) {
    if ((p.units >> (c % 32) & 1) == 0) return -1;
    const Edge* begin = edges + p.first;
    const Edge* end = edges + (&p)[1].first;  // the next node's first edge (packed_ ends with one)
    if (end - begin <= 8) {
        for (const Edge* e = begin; e != end; ++e) {
            if (e->first == c) return e->second;
        }
        return -1;
    }
    const Edge* it = std::lower_bound(begin, end, std::make_pair(c, std::int32_t{0}));
    return it != end && it->first == c ? it->second : -1;
}

}  // namespace

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
    return insert(text, std::move(key), isWordCharacter(text.char32At(0)),
                  !prefix && isWordCharacter(text.char32At(text.length() - 1)));
}

std::uint32_t TermMatcher::addLiteral(const icu::UnicodeString& text) {
    if (built_) throw std::invalid_argument("TermMatcher::addLiteral after build");
    if (text.isEmpty()) throw std::invalid_argument("empty phrase");
    std::u16string key(text.getBuffer(), static_cast<std::size_t>(text.length()));
    key.insert(key.begin(), u'\0');  // never equal to the key of a term added with add()
    return insert(text, std::move(key), false, false);
}

std::uint32_t TermMatcher::addExact(const icu::UnicodeString& text, bool start_boundary,
                                    bool end_boundary) {
    if (built_) throw std::invalid_argument("TermMatcher::addExact after build");
    if (text.isEmpty()) throw std::invalid_argument("empty phrase");
    std::u16string key(text.getBuffer(), static_cast<std::size_t>(text.length()));
    key.insert(key.begin(), start_boundary ? u'\x02' : u'\x01');
    key.push_back(end_boundary ? u'\x02' : u'\x01');
    return insert(text, std::move(key), start_boundary, end_boundary, /*exact=*/true);
}

icu::UnicodeString TermMatcher::units(std::uint32_t id) const {
    const std::u16string& u = terms_[id].units;
    return icu::UnicodeString(u.data(), static_cast<int32_t>(u.size()));
}

std::uint32_t TermMatcher::insert(const icu::UnicodeString& text, std::u16string key,
                                  bool start_boundary, bool end_boundary, bool exact) {
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;

    Term term;
    text.toUTF8String(term.text);
    term.length = text.length();
    term.start_boundary = start_boundary;
    term.end_boundary = end_boundary;
    term.units.assign(text.getBuffer(), static_cast<std::size_t>(text.length()));

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
    if (slot >= 0 && exact) {
        // Other boundary rules than the terms already here (equal ones had the same key).
        std::int32_t last = slot;
        while (terms_[static_cast<std::size_t>(last)].next_same >= 0) {
            last = terms_[static_cast<std::size_t>(last)].next_same;
        }
        terms_[static_cast<std::size_t>(last)].next_same = static_cast<std::int32_t>(id);
        terms_.push_back(std::move(term));
        ids_.emplace(key, id);
        return id;
    }
    if (slot >= 0) {
        // Same code units, different boundary rule ("fire" and "fire*"): keep the looser one.
        auto& existing = terms_[static_cast<std::size_t>(slot)];
        existing.start_boundary = existing.start_boundary && term.start_boundary;
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
    if (built_) {
        if (node == 0) {
            const std::int32_t next = root_next_[c];
            return next == 0 ? -1 : next;
        }
        return packedChild(packed_[static_cast<std::size_t>(node)], edges_.data(), c);
    }
    const auto& edges = nodes_[static_cast<std::size_t>(node)].next;
    if (edges.size() <= 8) {  // most nodes below the root: a scan beats a binary search
        for (const auto& [unit, next] : edges) {
            if (unit == c) return next;
        }
        return -1;
    }
    auto it = std::lower_bound(edges.begin(), edges.end(), std::make_pair(c, std::int32_t{0}));
    return it != edges.end() && it->first == c ? it->second : -1;
}

void TermMatcher::build() {
    std::deque<std::int32_t> queue;
    std::vector<std::int32_t> breadth_first;  // a node's failure is shallower: before it
    breadth_first.reserve(nodes_.size());
    for (const auto& [c, n] : nodes_[0].next) {
        (void)c;
        nodes_[static_cast<std::size_t>(n)].fail = 0;
        queue.push_back(n);
    }
    while (!queue.empty()) {
        const std::int32_t node = queue.front();
        queue.pop_front();
        breadth_first.push_back(node);
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
    root_next_.assign(0x10000, 0);
    root_bits_.assign(0x10000 / 64, 0);
    for (const auto& [c, n] : nodes_[0].next) {
        root_next_[c] = n;
        root_bits_[c / 64] |= std::uint64_t{1} << (c % 64);
    }
    packed_.resize(nodes_.size() + 1);  // the last only closes the edges of the one before
    edges_.clear();
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        const Node& node = nodes_[i];
        Packed& p = packed_[i];
        p.first = static_cast<std::int32_t>(edges_.size());
        p.fail = node.fail;
        p.term = node.term;
        p.output = node.output;
        for (const auto& edge : node.next) p.units |= std::uint32_t{1} << (edge.first % 32);
        edges_.insert(edges_.end(), node.next.begin(), node.next.end());
    }
    packed_.back().first = static_cast<std::int32_t>(edges_.size());
    for (const std::int32_t n : breadth_first) {
        Packed& p = packed_[static_cast<std::size_t>(n)];
        p.chain_units = p.units | (p.fail == 0 ? 0 : packed_[static_cast<std::size_t>(p.fail)].chain_units);
    }
    built_ = true;
    static std::atomic<std::uint64_t> built_matchers{0};
    identity_ = ++built_matchers;
}

void TermMatcher::report(std::int32_t node, const icu::UnicodeString& text, std::int32_t end,
                         std::vector<TermMatch>& out) const {
    const std::int32_t length = text.length();
    for (std::int32_t n = node; n > 0; n = packed_[static_cast<std::size_t>(n)].output) {
        for (std::int32_t id = packed_[static_cast<std::size_t>(n)].term; id >= 0;
             id = terms_[static_cast<std::size_t>(id)].next_same) {
            const Term& t = terms_[static_cast<std::size_t>(id)];
            const std::int32_t begin = end - t.length;
            if (t.start_boundary && begin > 0 && isWordCharacter(text.char32At(begin - 1))) {
                continue;
            }
            if (t.end_boundary && end < length && isWordCharacter(text.char32At(end))) continue;
            out.push_back({static_cast<std::uint32_t>(id), begin, end});
        }
    }
}

bool TermMatcher::hasOutput(std::int32_t node) const {
    const Packed& p = packed_[static_cast<std::size_t>(node)];
    return p.term >= 0 || p.output > 0;
}

void TermMatcher::findAll(const icu::UnicodeString& text, std::vector<TermMatch>& out) const {
    if (root_next_.empty()) return;  // not built: nothing to find
    std::int32_t node = 0;
    const char16_t* units = text.getBuffer();
    const std::int32_t length = text.length();
    const std::int32_t* root = root_next_.data();
    const std::uint64_t* starts = root_bits_.data();
    const Packed* packed = packed_.data();
    const auto* edges = edges_.data();
    for (std::int32_t i = 0; i < length; ++i) {
        const char16_t c = units[i];
        if (node == 0) {  // the common case: most characters start no term
            if ((starts[c / 64] >> (c % 64) & 1) == 0) continue;
            node = root[c];
            if (node != 0 && hasOutput(node)) report(node, text, i + 1, out);
            continue;
        }
        // Down the failure chain until a node continues with c; the root ends every chain.
        const Packed* p = &packed[node];
        std::int32_t next = packedChild(*p, edges, c);
        while (next < 0) {
            node = (p->chain_units >> (c % 32) & 1) != 0 ? p->fail : 0;
            if (node == 0) {
                next = (starts[c / 64] >> (c % 64) & 1) == 0 ? 0 : root[c];
                break;
            }
            p = &packed[node];
            next = packedChild(*p, edges, c);
        }
        node = next;
        if (node != 0 && hasOutput(node)) report(node, text, i + 1, out);
    }
}

}  // namespace ccd::routing
