#pragma once
// Several TermMatchers searched in one walk over a text. The classifier's lists (hazard and
// urgency phrases, category keywords, subtype phrases, sentiment words and the literals that
// gate its patterns) are each a TermMatcher; walking the text once per list cost a quarter of
// a message's instructions. TermPass merges their terms into one automaton; a TermScan holds
// one walk's hits, sorted out by matcher and in each matcher's own term ids.

#include <unicode/unistr.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "routing/classify/term_matcher.hpp"

namespace ccd::routing {

class TermPass;

/// The hits of one TermPass::scan() of a text.
class TermScan {
  public:
    /// Appends the hits of `m` in `text` to `out`, exactly as m.findAll(text, out) would:
    /// from this scan when it was of `text` (the same unchanged string) and `m` (or a copy of
    /// it) was attached to the pass, otherwise by m's own walk.
    void findAll(const TermMatcher& m, const icu::UnicodeString& text,
                 std::vector<TermMatch>& out) const;

    /// Whether this scan covers `m` in `text` (findAll() takes no walk of its own).
    bool covers(const TermMatcher& m, const icu::UnicodeString& text) const;

    /// The hits findAll(m, text, out) would append, without the copy, when this scan covers
    /// them (valid until the next scan into it); nullptr otherwise.
    const std::vector<TermMatch>* hits(const TermMatcher& m,
                                       const icu::UnicodeString& text) const {
        return hitsOf(m, text);
    }

  private:
    friend class TermPass;
    const std::vector<TermMatch>* hitsOf(const TermMatcher& m,
                                         const icu::UnicodeString& text) const;

    const TermPass* pass_ = nullptr;
    const icu::UnicodeString* text_ = nullptr;
    const char16_t* buffer_ = nullptr;
    std::int32_t length_ = -1;
    std::vector<TermMatch> all_;                   ///< scratch: the merged matcher's hits
    std::vector<std::vector<TermMatch>> by_slot_;  ///< by attached matcher, in its own ids
};

/// m.findAll(text, out), or, when `scan` is given, scan->findAll(m, text, out): what the
/// classifier's steps call, with the message's scan or (alone, in tests and training) none.
void findTerms(const TermMatcher& m, const icu::UnicodeString& text, const TermScan* scan,
               std::vector<TermMatch>& out);

/// Built once from built matchers, then immutable: share it between threads; each thread
/// scans into its own TermScan.
class TermPass {
  public:
    /// Adds the terms of `m` (built; its boundary rules kept as they are). A matcher already
    /// attached (or a copy of it) and an empty one are ignored.
    void attach(const TermMatcher& m);

    /// Call once, after the last attach().
    void build();

    /// Walks `text` once for every attached matcher; `out` keeps a reference to `text`, which
    /// must outlive its use and stay unchanged.
    void scan(const icu::UnicodeString& text, TermScan& out) const;

    /// The attached matcher with this identity, as a slot; -1 when not attached.
    int slotOf(std::uint64_t identity) const;

  private:
    TermMatcher all_;
    std::vector<std::uint64_t> identities_;  ///< by slot
    /// By merged term: its owners (slot, the term's id in that matcher) are
    /// owners_[owner_first_[t], owner_first_[t + 1]).
    std::vector<std::uint32_t> owner_first_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> owners_;
    /// Built from (merged term, slot, id) before build() sorts them.
    std::vector<std::pair<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>>> pending_;
};

}  // namespace ccd::routing
