#include "routing/classify/safety.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <unicode/uchar.h>

#include "routing/classify/text_normalizer.hpp"

namespace ccd::routing {

namespace {

constexpr std::size_t kNoSignal = static_cast<std::size_t>(-1);

// A clause ends at sentence punctuation (endsSentence, text_normalizer.hpp).
bool endsClause(UChar c) { return endsSentence(c); }

// A comma or colon ends a part of a clause: what recurs ("again", "现在") is told in the
// hazard's own part, while the past ("last year") may be set anywhere in its clause.
bool endsPart(UChar c) {
    switch (c) {
        case u',': case u':': case u'\u3001': case u'\uFF0C': case u'\uFF1A':
            return true;
        default:
            return endsClause(c);
    }
}

// A letter or digit of a script that writes apostrophes inside words ("it's", "kids'").
bool isLatinWordUnit(UChar c) { return c < 0x0250 && u_isalnum(c) != 0; }

}  // namespace

void quotedNames(const icu::UnicodeString& text, std::int32_t max_length,
                 std::vector<std::pair<std::int32_t, std::int32_t>>& out) {
    out.clear();
    const std::int32_t n = text.length();
    for (std::int32_t i = 0; i < n; ++i) {
        const UChar c = text.charAt(i);
        UChar close = 0;
        bool apostrophe_like = false;
        switch (c) {
            case u'\u300C': close = u'\u300D'; break;  // 「」
            case u'\u300E': close = u'\u300F'; break;  // 『』
            case u'\u300A': close = u'\u300B'; break;  // 《》
            case u'\u201C': close = u'\u201D'; break;  // “”
            case u'"': close = u'"'; break;
            case u'\u2018': close = u'\u2019'; apostrophe_like = true; break;  // ‘’
            case u'\'': close = u'\''; apostrophe_like = true; break;
            default: continue;
        }
        // An apostrophe opens a quotation only before a word and not inside one ("it's").
        if (apostrophe_like && ((i > 0 && isLatinWordUnit(text.charAt(i - 1))) || i + 1 >= n ||
                                u_isalnum(text.charAt(i + 1)) == 0)) {
            continue;
        }
        std::int32_t j = i + 1;
        bool spoken = false;
        for (; j < n; ++j) {
            const UChar d = text.charAt(j);
            if (d == close) {
                // ... and closes one only where no word goes on ("the kids' room").
                if (apostrophe_like && j + 1 < n && isLatinWordUnit(text.charAt(j + 1))) continue;
                break;
            }
            if (d == u'!' || d == u'?' || d == u'\uFF01' || d == u'\uFF1F' || d == u'\u3002') {
                spoken = true;
            }
        }
        if (j >= n) continue;  // never closed: a stray mark
        // A long quotation or speech is skipped whole: its closing mark opens nothing.
        if (!spoken && j - i - 1 <= max_length) out.emplace_back(i + 1, j);
        i = j;
    }
}

SafetyDetector::SafetyDetector(const std::vector<SafetySignalDef>& signals,
                               const TextNormalizer& normalizer, const std::string& kind)
    : SafetyDetector(signals, normalizer, kind, SettledHazards{}, {}) {}

SafetyDetector::SafetyDetector(const std::vector<SafetySignalDef>& signals,
                               const TextNormalizer& normalizer, const std::string& kind,
                               const SettledHazards& settled,
                               const std::vector<std::string>& clause_breaks) {
    auto shared = std::make_shared<Shared>();
    shared->kind = kind;
    std::vector<icu::UnicodeString> patterns;
    std::set<std::string> seen;
    for (std::size_t s = 0; s < signals.size(); ++s) {
        const SafetySignalDef& def = signals[s];
        if (def.name.empty()) throw std::invalid_argument(kind + " signal without a name");
        if (!seen.insert(def.name).second) {
            throw std::invalid_argument("duplicate " + kind + " signal '" + def.name + "'");
        }
        if (def.keywords.empty() && def.regexes.empty() && def.setting_keywords.empty()) {
            throw std::invalid_argument(kind + " signal '" + def.name +
                                        "' has neither keywords nor regexes");
        }
        shared->names.push_back(def.name);
        const auto addAll = [&](const std::vector<std::string>& phrases, bool exclusion,
                                Role role = Role::Keyword) {
            for (const auto& phrase : phrases) {
                std::uint32_t id = 0;
                try {
                    id = shared->terms.add(normalizer.normalize(phrase));
                } catch (const std::invalid_argument&) {
                    throw std::invalid_argument(kind + " signal '" + def.name + "': empty phrase");
                }
                if (id >= shared->uses.size()) shared->uses.resize(id + 1);
                shared->uses[id].push_back({s, exclusion, role});
            }
        };
        addAll(def.keywords, false);
        addAll(def.exclusions, true);
        addAll(def.keywords_need, false, Role::Need);
        addAll(def.setting_keywords, false, Role::Setting);
        addAll(def.setting_need, false, Role::SettingNeed);
        shared->needs.push_back(def.keywords_need.empty() ? 0 : 1);
        for (const auto& re : def.regexes) {
            icu::UnicodeString p = icu::UnicodeString::fromUTF8(re);
            normalizer.foldHan(p);
            patterns.push_back(p);
            shared->regex_signal.push_back(s);
            shared->regex_text.push_back(re);
        }
    }
    // The settled-hazard rule's phrases, in the same matcher (one pass over the text).
    has_settled_rule_ = !settled.past.empty() && !settled.settled.empty();
    if (has_settled_rule_) {
        const auto addRole = [&](const std::vector<std::string>& phrases, Role role) {
            for (const auto& phrase : phrases) {
                auto normalized = normalizer.normalize(phrase);
                if (normalized.isEmpty()) continue;
                const std::uint32_t id = shared->terms.add(normalized);
                if (id >= shared->uses.size()) shared->uses.resize(id + 1);
                shared->uses[id].push_back({kNoSignal, false, role});
            }
        };
        addRole(settled.past, Role::Past);
        addRole(settled.settled, Role::Settled);
        addRole(settled.again, Role::Again);
        addRole(clause_breaks, Role::ClauseBreak);
    }
    shared->terms.build();
    try {
        regexes_ = RegexSet(patterns);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(kind + ": " + e.what());
    }
    shared_ = std::move(shared);
}

void SafetyDetector::attachTo(TermPass& pass) const {
    pass.attach(shared_->terms);
    regexes_.attachTo(pass);
}

void SafetyDetector::detect(const icu::UnicodeString& text, std::vector<std::string>& found,
                            std::vector<Evidence>* evidence, const TermScan* scan) {
    const Shared& sh = *shared_;
    fired_.assign(sh.names.size(), 0);
    at_.assign(sh.names.size(), TermMatch{});
    spans_.clear();
    if (evidence != nullptr) {
        triggers_.assign(sh.names.size(), std::string());
        held_.assign(sh.names.size(), std::string());
    }
    hits_.clear();
    findTerms(sh.terms, text, scan, hits_);
    text_ = &text;
    quoted_found_ = false;
    saw_quoted_ = false;
    denied_.clear();
    bool settled_told = false;
    need_met_.assign(sh.names.size(), 0);
    setting_met_.assign(sh.names.size(), 0);
    for (const TermMatch& hit : hits_) {
        for (const Use& use : sh.uses[hit.term]) {
            settled_told |= use.role == Role::Settled;
            if (use.role == Role::Need) need_met_[use.signal] = 1;
            if (use.role == Role::SettingNeed) setting_met_[use.signal] = 1;
        }
    }
    settled_told &= has_settled_rule_;

    for (const TermMatch& hit : hits_) {
        for (const Use& use : sh.uses[hit.term]) {
            const bool setting = use.role == Role::Setting;
            if ((use.role != Role::Keyword && !setting) || use.exclusion || fired_[use.signal]) {
                continue;
            }
            if (apply_needs_ && setting && !setting_met_[use.signal]) {
                if (evidence != nullptr && held_[use.signal].empty()) {
                    held_[use.signal] =
                        "\"" + sh.terms.term(hit.term) + "\" without a setting_need word";
                }
                continue;
            }
            if (apply_needs_ && sh.needs[use.signal] && !need_met_[use.signal]) {
                // held back: said in --explain when nothing else raises the signal
                if (evidence != nullptr && held_[use.signal].empty()) {
                    held_[use.signal] =
                        "\"" + sh.terms.term(hit.term) + "\" without a keywords_need word";
                }
                continue;
            }
            if (excludedAt(use.signal, hit)) continue;
            if (inQuotedName(hit)) {
                if (evidence != nullptr && held_[use.signal].empty()) {
                    held_[use.signal] = "\"" + sh.terms.term(hit.term) + "\" in a quoted name";
                }
                continue;
            }
            if (settled_told && settledAt(text, hit)) continue;
            fired_[use.signal] = 1;
            at_[use.signal] = hit;
            if (evidence != nullptr) triggers_[use.signal] = sh.terms.term(hit.term);
        }
    }
    // Patterns only for signals no phrase has raised: most texts raise none, and a raised
    // signal needs no second proof.
    for (const std::uint32_t i : regexes_.candidates(text, scan)) {
        const std::size_t s = sh.regex_signal[i];
        if (fired_[s]) continue;
        if (regexFires(i, text, settled_told, at_[s])) {
            fired_[s] = 1;
            if (evidence != nullptr) triggers_[s] = "re:" + sh.regex_text[i];
        }
    }
    for (std::size_t s = 0; s < sh.names.size(); ++s) {
        if (!fired_[s]) {
            if (evidence != nullptr && !held_[s].empty()) {
                evidence->push_back({sh.kind + ":" + sh.names[s] + " held back: " + held_[s], 0.0});
            }
            continue;
        }
        found.push_back(sh.names[s]);
        spans_.emplace_back(at_[s].begin, at_[s].end);
        if (evidence != nullptr) {
            evidence->push_back({sh.kind + ":" + sh.names[s] + "<-" + triggers_[s], 0.0});
        }
    }
}

bool SafetyDetector::regexFires(std::size_t i, const icu::UnicodeString& text, bool settled_told,
                                TermMatch& where) {
    const std::size_t signal = shared_->regex_signal[i];
    auto hit = regexes_.findCandidate(i, text);
    // A match that lies inside an exclusion of its signal ("no burning smell") or in a
    // settled clause does not count; a later one in the text may.
    std::int32_t offset = 0;
    while (hit) {
        TermMatch at{0, offset + hit->begin, offset + hit->end};
        if (!excludedAt(signal, at) && !inQuotedName(at) &&
            !(settled_told && settledAt(text, at))) {
            where = at;
            return true;
        }
        offset = at.end > at.begin ? at.end : at.end + 1;
        if (offset >= text.length()) return false;
        hit = regexes_.find(i, text.tempSubString(offset));
    }
    return false;
}

bool SafetyDetector::excludedAt(std::size_t signal, const TermMatch& match) {
    bool excluded = false;
    for (const TermMatch& m : hits_) {
        if (m.begin > match.begin || m.end < match.end) continue;
        for (const Use& u : shared_->uses[m.term]) {
            if (!u.exclusion || u.signal != signal) continue;
            excluded = true;
            const std::pair<std::int32_t, std::int32_t> span{m.begin, m.end};
            if (std::find(denied_.begin(), denied_.end(), span) == denied_.end()) {
                denied_.push_back(span);
            }
        }
    }
    return excluded;
}

bool SafetyDetector::inQuotedName(const TermMatch& match) {
    if (!quoted_on_ || quoted_max_ <= 0) return false;
    if (!quoted_found_) {
        // once a text, and only for a text where something matched
        quotedNames(*text_, quoted_max_, quoted_);
        quoted_found_ = true;
    }
    for (const auto& [begin, end] : quoted_) {
        if (match.begin >= begin && match.end <= end) return saw_quoted_ = true;
    }
    return false;
}

bool SafetyDetector::settledAt(const icu::UnicodeString& text, const TermMatch& hit) const {
    const Shared& sh = *shared_;
    // The clause around the hit: from the last sentence mark or clause break before it to the
    // first after it.
    std::int32_t begin = hit.begin;
    while (begin > 0 && !endsClause(text.charAt(begin - 1))) --begin;
    std::int32_t end = hit.end;
    while (end < text.length() && !endsClause(text.charAt(end))) ++end;
    const auto roleOf = [&](const TermMatch& m, Role role) {
        for (const Use& use : sh.uses[m.term]) {
            if (use.role == role) return true;
        }
        return false;
    };
    for (const TermMatch& m : hits_) {
        if (!roleOf(m, Role::ClauseBreak)) continue;
        if (m.end <= hit.begin && m.end > begin) begin = m.end;
        if (m.begin >= hit.end && m.begin < end) end = m.begin;
    }
    std::int32_t part_begin = hit.begin;
    while (part_begin > begin && !endsPart(text.charAt(part_begin - 1))) --part_begin;
    std::int32_t part_end = hit.end;
    while (part_end < end && !endsPart(text.charAt(part_end))) ++part_end;
    bool past = false;
    for (const TermMatch& m : hits_) {
        if (m.begin < begin || m.end > end) continue;
        if (m.begin >= part_begin && m.end <= part_end && roleOf(m, Role::Again)) return false;
        past |= roleOf(m, Role::Past);
    }
    return past;
}

}  // namespace ccd::routing
