#include "routing/classify/term_pass.hpp"

#include <algorithm>
#include <stdexcept>

namespace ccd::routing {

int TermPass::slotOf(std::uint64_t identity) const {
    if (identity == 0) return -1;
    for (std::size_t s = 0; s < identities_.size(); ++s) {
        if (identities_[s] == identity) return static_cast<int>(s);
    }
    return -1;
}

void TermPass::attach(const TermMatcher& m) {
    if (m.identity() == 0) throw std::invalid_argument("TermPass::attach: matcher not built");
    if (m.size() == 0 || slotOf(m.identity()) >= 0) return;
    const auto slot = static_cast<std::uint32_t>(identities_.size());
    identities_.push_back(m.identity());
    for (std::uint32_t id = 0; id < m.size(); ++id) {
        const std::uint32_t merged =
            all_.addExact(m.units(id), m.startBoundary(id), m.endBoundary(id));
        pending_.push_back({merged, {slot, id}});
    }
}

void TermPass::build() {
    all_.build();
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    owner_first_.assign(all_.size() + 1, 0);
    owners_.clear();
    owners_.reserve(pending_.size());
    std::size_t p = 0;
    for (std::uint32_t t = 0; t < all_.size(); ++t) {
        owner_first_[t] = static_cast<std::uint32_t>(owners_.size());
        for (; p < pending_.size() && pending_[p].first == t; ++p) {
            owners_.push_back(pending_[p].second);
        }
    }
    owner_first_[all_.size()] = static_cast<std::uint32_t>(owners_.size());
    pending_.clear();
    pending_.shrink_to_fit();
}

void TermPass::scan(const icu::UnicodeString& text, TermScan& out) const {
    out.pass_ = this;
    out.text_ = &text;
    out.buffer_ = text.getBuffer();
    out.length_ = text.length();
    out.by_slot_.resize(identities_.size());
    for (auto& hits : out.by_slot_) hits.clear();
    out.all_.clear();
    all_.findAll(text, out.all_);
    for (const TermMatch& hit : out.all_) {
        for (std::uint32_t o = owner_first_[hit.term]; o < owner_first_[hit.term + 1]; ++o) {
            const auto [slot, id] = owners_[o];
            out.by_slot_[slot].push_back({id, hit.begin, hit.end});
        }
    }
}

const std::vector<TermMatch>* TermScan::hitsOf(const TermMatcher& m,
                                               const icu::UnicodeString& text) const {
    if (pass_ == nullptr || text_ != &text || buffer_ != text.getBuffer() ||
        length_ != text.length()) {
        return nullptr;
    }
    const int slot = pass_->slotOf(m.identity());
    return slot < 0 ? nullptr : &by_slot_[static_cast<std::size_t>(slot)];
}

bool TermScan::covers(const TermMatcher& m, const icu::UnicodeString& text) const {
    return hitsOf(m, text) != nullptr;
}

void TermScan::findAll(const TermMatcher& m, const icu::UnicodeString& text,
                       std::vector<TermMatch>& out) const {
    if (const auto* hits = hitsOf(m, text)) {
        out.insert(out.end(), hits->begin(), hits->end());
    } else {
        m.findAll(text, out);
    }
}

void findTerms(const TermMatcher& m, const icu::UnicodeString& text, const TermScan* scan,
               std::vector<TermMatch>& out) {
    if (scan != nullptr) {
        scan->findAll(m, text, out);
    } else {
        m.findAll(text, out);
    }
}

}  // namespace ccd::routing
