#include "routing/classify/regex_set.hpp"

#include <unicode/regex.h>

#include <algorithm>
#include <stdexcept>

#include "routing/classify/regex_text.hpp"

namespace ccd::routing {
namespace {

// Steps of ICU's match engine, "typically on the order of milliseconds": a bound on the cost
// of a badly written pattern on the request path.
constexpr int32_t kTimeLimit = 20;

std::unique_ptr<icu::RegexPattern> compile(const icu::UnicodeString& pattern, std::string* error) {
    UParseError where{};
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexPattern> compiled(
        icu::RegexPattern::compile(pattern, 0, where, status));
    if (U_FAILURE(status) || !compiled) {
        std::string text;
        pattern.toUTF8String(text);
        *error = "invalid regular expression '" + text + "': " + u_errorName(status) +
                 " at offset " + std::to_string(where.offset);
        return nullptr;
    }
    return compiled;
}

// The texts of a pattern that matches few (finiteLanguage), unless one is a single ASCII
// character: one that is in nearly every text saves no search and costs a hit per occurrence.
std::vector<icu::UnicodeString> fewTexts(const icu::UnicodeString& pattern) {
    constexpr std::size_t kMaxTexts = 4096;
    auto texts = finiteLanguage(pattern, kMaxTexts);
    for (const auto& t : texts) {
        if (t.length() == 1 && t.charAt(0) < 0x80) return {};
    }
    return texts;
}

}  // namespace

RegexSet::RegexSet() = default;
RegexSet::~RegexSet() = default;
RegexSet::RegexSet(RegexSet&&) noexcept = default;
RegexSet& RegexSet::operator=(RegexSet&&) noexcept = default;

RegexSet::RegexSet(const std::vector<icu::UnicodeString>& patterns) {
    auto compiled = std::make_shared<Patterns>();
    // By literal id: the sets it belongs to, the patterns and the parts it starts.
    std::vector<std::vector<std::uint32_t>> literal_sets;
    std::vector<std::vector<std::uint32_t>> literal_anchors;
    std::vector<std::vector<std::uint32_t>> literal_part_anchors;
    for (const auto& p : patterns) {
        std::string error;
        auto c = compile(singleLetterSets(p), &error);
        if (!c) {
            compile(p, &error);  // the error as the pattern is written
            throw std::invalid_argument(error);
        }
        const auto index = static_cast<std::uint32_t>(compiled->compiled.size());
        compiled->compiled.push_back(std::move(c));
        compiled->pattern_parts.emplace_back();
        for (const auto& part : lookaheadConjunction(p)) {
            auto compiled_part = compile(singleLetterSets(part), &error);
            if (!compiled_part) {  // a part of a pattern that compiled: run the whole instead
                compiled->pattern_parts.back().clear();
                break;
            }
            const auto part_index = static_cast<std::uint32_t>(compiled->parts.size());
            compiled->pattern_parts.back().push_back(part_index);
            compiled->parts.push_back(std::move(compiled_part));
            // A part whose matches begin with known literals is tried only where they occur.
            const auto anchors = anchorLiterals(part);
            compiled->part_anchored.push_back(anchors.empty() ? 0 : 1);
            for (const auto& literal : anchors) {
                const std::uint32_t id = compiled->literals.addLiteral(literal);
                if (id >= literal_part_anchors.size()) literal_part_anchors.resize(id + 1);
                literal_part_anchors[id].push_back(part_index);
            }
        }
        // A pattern with few texts is a candidate only where one of them occurs, and is tried
        // only there; any other is filtered by the literals it requires.
        const bool whole = compiled->pattern_parts.back().empty();
        const auto texts = whole ? fewTexts(p) : std::vector<icu::UnicodeString>{};
        const auto sets = texts.empty() ? requiredLiterals(p)
                                        : std::vector<std::vector<icu::UnicodeString>>{texts};
        compiled->pattern_sets.push_back(static_cast<std::uint32_t>(sets.size()));
        if (sets.empty()) compiled->unfiltered.push_back(index);
        compiled->anchored.push_back(0);
        if (whole && !sets.empty()) {
            const auto anchors = texts.empty() ? anchorLiterals(p) : texts;
            compiled->anchored.back() = anchors.empty() ? 0 : 1;
            for (const auto& literal : anchors) {
                const std::uint32_t id = compiled->literals.addLiteral(literal);
                if (id >= literal_anchors.size()) literal_anchors.resize(id + 1);
                literal_anchors[id].push_back(index);
            }
        }
        for (const auto& set : sets) {
            const auto set_id = static_cast<std::uint32_t>(compiled->set_pattern.size());
            compiled->set_pattern.push_back(index);
            for (const auto& literal : set) {
                const std::uint32_t id = compiled->literals.addLiteral(literal);
                if (id >= literal_sets.size()) literal_sets.resize(id + 1);
                auto& owners = literal_sets[id];
                if (owners.empty() || owners.back() != set_id) owners.push_back(set_id);
            }
        }
    }
    compiled->literals.build();
    const std::size_t literals = compiled->literals.size();
    literal_sets.resize(literals);
    literal_anchors.resize(literals);
    literal_part_anchors.resize(literals);
    compiled->use_first.reserve(3 * literals + 1);
    for (std::size_t t = 0; t < literals; ++t) {
        for (const auto* list : {&literal_sets[t], &literal_anchors[t], &literal_part_anchors[t]}) {
            compiled->use_first.push_back(static_cast<std::uint32_t>(compiled->uses.size()));
            compiled->uses.insert(compiled->uses.end(), list->begin(), list->end());
        }
    }
    compiled->use_first.push_back(static_cast<std::uint32_t>(compiled->uses.size()));
    patterns_ = std::move(compiled);
    makeMatchers();
}

RegexSet::RegexSet(const RegexSet& other) : patterns_(other.patterns_) { makeMatchers(); }

RegexSet& RegexSet::operator=(const RegexSet& other) {
    if (this != &other) {
        patterns_ = other.patterns_;
        makeMatchers();
    }
    return *this;
}

void RegexSet::makeMatchers() {
    matchers_.clear();
    part_matchers_.clear();
    if (!patterns_) return;
    const auto make = [](const icu::RegexPattern& p) {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexMatcher> m(p.matcher(status));
        if (U_FAILURE(status) || !m) {
            throw std::runtime_error(std::string("ICU regex matcher: ") + u_errorName(status));
        }
        m->setTimeLimit(kTimeLimit, status);
        return m;
    };
    for (const auto& p : patterns_->compiled) matchers_.push_back(make(*p));
    for (const auto& p : patterns_->parts) part_matchers_.push_back(make(*p));
}

void RegexSet::attachTo(TermPass& pass) const {
    if (patterns_) pass.attach(patterns_->literals);
}

const std::vector<std::uint32_t>& RegexSet::candidates(const icu::UnicodeString& text,
                                                       const TermScan* scan) {
    candidates_.clear();
    if (!patterns_) return candidates_;
    const Patterns& ps = *patterns_;
    set_hit_.resize(ps.set_pattern.size(), 0);
    sets_hit_.resize(ps.compiled.size(), 0);
    for (const std::uint32_t set : sets_marked_) set_hit_[set] = 0;
    for (const std::uint32_t pattern : patterns_marked_) sets_hit_[pattern] = 0;
    sets_marked_.clear();
    patterns_marked_.clear();
    // The scan's own hits when it has them; a copy would cost as much as the loop below.
    const std::vector<TermMatch>* hits = scan != nullptr ? scan->hits(ps.literals, text) : nullptr;
    if (hits == nullptr) {
        hits_.clear();
        ps.literals.findAll(text, hits_);
        hits = &hits_;
    }
    for (const std::uint32_t i : started_) starts_[i].clear();
    started_.clear();
    starts_.resize(ps.compiled.size());
    for (const std::uint32_t i : parts_started_) part_starts_[i].clear();
    parts_started_.clear();
    part_starts_.resize(ps.parts.size());
    const std::uint32_t* uses = ps.uses.data();
    for (const TermMatch& hit : *hits) {
        const std::uint32_t* first = &ps.use_first[3 * std::size_t{hit.term}];
        for (std::uint32_t u = first[0]; u < first[1]; ++u) {
            const std::uint32_t set = uses[u];
            if (set_hit_[set]) continue;
            set_hit_[set] = 1;
            sets_marked_.push_back(set);
            const std::uint32_t pattern = ps.set_pattern[set];
            if (sets_hit_[pattern]++ == 0) patterns_marked_.push_back(pattern);
        }
        for (std::uint32_t u = first[1]; u < first[2]; ++u) {
            const std::uint32_t pattern = uses[u];
            if (starts_[pattern].empty()) started_.push_back(pattern);
            starts_[pattern].push_back(hit.begin);
        }
        for (std::uint32_t u = first[2]; u < first[3]; ++u) {
            const std::uint32_t part = uses[u];
            if (part_starts_[part].empty()) parts_started_.push_back(part);
            part_starts_[part].push_back(hit.begin);
        }
    }
    starts_text_ = &text;
    starts_buffer_ = text.getBuffer();
    starts_length_ = text.length();
    for (const std::uint32_t i : patterns_marked_) {
        if (sets_hit_[i] == ps.pattern_sets[i]) candidates_.push_back(i);
    }
    const auto filtered = static_cast<std::ptrdiff_t>(candidates_.size());
    candidates_.insert(candidates_.end(), ps.unfiltered.begin(), ps.unfiltered.end());
    std::sort(candidates_.begin(), candidates_.begin() + filtered);
    std::inplace_merge(candidates_.begin(), candidates_.begin() + filtered, candidates_.end());
    return candidates_;
}

std::optional<RegexHit> RegexSet::find(std::size_t i, const icu::UnicodeString& text) {
    return search(i, text, /*plain=*/true);
}

std::optional<RegexHit> RegexSet::findCandidate(std::size_t i, const icu::UnicodeString& text) {
    return search(i, text, /*plain=*/false);
}

bool RegexSet::sawLast(const icu::UnicodeString& text) const {
    return starts_text_ == &text && starts_buffer_ == text.getBuffer() &&
           starts_length_ == text.length();
}

std::optional<RegexHit> RegexSet::lookingAtAny(icu::RegexMatcher& m,
                                               std::vector<std::int32_t>& at) {
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    for (const std::int32_t start : at) {
        UErrorCode status = U_ZERO_ERROR;
        if (m.lookingAt(start, status) && U_SUCCESS(status)) {
            RegexHit hit;
            hit.begin = m.start(status);
            hit.end = m.end(status);
            if (U_FAILURE(status)) return std::nullopt;
            return hit;
        }
        if (status == U_REGEX_TIME_OUT) return std::nullopt;
    }
    return std::nullopt;
}

std::optional<RegexHit> RegexSet::search(std::size_t i, const icu::UnicodeString& text,
                                         bool plain) {
    // candidates() saw this text: a match of an anchored pattern or part can only begin where
    // one of its starting literals occurs, so try there, leftmost first, instead of at every
    // index (ICU's find() does, for a pattern that begins with \b or a group).
    const bool anchors_known = !plain && sawLast(text);
    const std::vector<std::uint32_t>& parts = patterns_->pattern_parts[i];
    if (!parts.empty()) {
        for (const std::uint32_t part : parts) {
            icu::RegexMatcher& m = *part_matchers_[part];
            m.reset(text);
            if (anchors_known && patterns_->part_anchored[part]) {
                if (!lookingAtAny(m, part_starts_[part])) return std::nullopt;
                continue;
            }
            UErrorCode status = U_ZERO_ERROR;
            if (!m.find(status) || U_FAILURE(status)) return std::nullopt;
        }
        return RegexHit{0, 0};  // the lookaheads' empty match at the start
    }
    icu::RegexMatcher& m = *matchers_[i];
    m.reset(text);
    UErrorCode status = U_ZERO_ERROR;
    if (anchors_known && patterns_->anchored[i]) return lookingAtAny(m, starts_[i]);
    if (!m.find(status) || U_FAILURE(status)) return std::nullopt;
    RegexHit hit;
    hit.begin = m.start(status);
    hit.end = m.end(status);
    if (U_FAILURE(status)) return std::nullopt;
    return hit;
}

std::optional<std::string> regexError(std::string_view pattern) {
    std::string error;
    const auto p = icu::UnicodeString::fromUTF8(
        icu::StringPiece(pattern.data(), static_cast<int32_t>(pattern.size())));
    if (compile(p, &error)) return std::nullopt;
    return error;
}

}  // namespace ccd::routing
