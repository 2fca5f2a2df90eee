#pragma once
// Finds many fixed phrases in one pass over a text (Aho-Corasick over UTF-16 code units), with
// word boundaries for phrases that start or end with a Latin letter or a digit.

#include <unicode/unistr.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ccd::routing {

/// One occurrence of a term: UTF-16 offsets [begin, end) in the searched text.
struct TermMatch {
    std::uint32_t term = 0;
    std::int32_t begin = 0;
    std::int32_t end = 0;
};

/// A set of phrases searched together. Terms are added in normalized form (TextNormalizer);
/// a trailing '*' makes a term a prefix ("overheat*"). A term that starts with a letter or
/// digit of an alphabetic script only matches at the start of a word, and, unless it is a
/// prefix, only at the end of one; Han and kana have no word boundaries and match anywhere.
/// Thread safety: build on one thread; after build() it is immutable and may be shared.
class TermMatcher {
  public:
    /// Adds a term and returns its id (ids count from 0; adding an equal term again returns
    /// the first id). Throws std::invalid_argument for an empty term or after build().
    std::uint32_t add(const icu::UnicodeString& term);

    /// Adds `text` as it is, to be found anywhere: no trimming, no '*' syntax, no word
    /// boundaries (for literal prefilters). Returns its id like add().
    std::uint32_t addLiteral(const icu::UnicodeString& text);

    /// Adds `text` as it is with exactly these boundary rules, for TermPass, which merges
    /// several matchers without loosening any one's rules: the same code units and rules give
    /// the same id; the same code units with other rules are a second term at the same place,
    /// and both are reported. Do not mix with add() and addLiteral() in one matcher.
    std::uint32_t addExact(const icu::UnicodeString& text, bool start_boundary,
                           bool end_boundary);

    /// Computes the failure links. Call once, after the last add().
    void build();

    /// Which built matcher this is: a number given by build(), kept by copies (which find
    /// the same terms), 0 before build(). TermPass knows its matchers by it.
    std::uint64_t identity() const { return identity_; }

    /// A term's code units and boundary rules (after add() merged equal ones), for TermPass.
    icu::UnicodeString units(std::uint32_t id) const;
    bool startBoundary(std::uint32_t id) const { return terms_[id].start_boundary; }
    bool endBoundary(std::uint32_t id) const { return terms_[id].end_boundary; }

    /// Appends every occurrence of every term in `text` to `out`, overlapping ones included,
    /// in order of their end offset (longer first among equal ends). Does not clear `out`.
    void findAll(const icu::UnicodeString& text, std::vector<TermMatch>& out) const;

    /// Number of distinct terms.
    std::size_t size() const { return terms_.size(); }

    /// The term as added (without the prefix '*'), as UTF-8.
    const std::string& term(std::uint32_t id) const { return terms_[id].text; }

  private:
    struct Node {
        std::vector<std::pair<char16_t, std::int32_t>> next;  ///< sorted by code unit
        std::int32_t fail = 0;
        std::int32_t term = -1;    ///< the term ending exactly here
        std::int32_t output = -1;  ///< nearest node on the failure chain with a term
    };
    struct Term {
        std::string text;
        std::int32_t length = 0;  ///< code units
        bool start_boundary = false;
        bool end_boundary = false;
        std::u16string units;
        /// Another term with the same code units and other boundary rules (addExact), or -1.
        std::int32_t next_same = -1;
    };

    std::uint32_t insert(const icu::UnicodeString& text, std::u16string key, bool start_boundary,
                         bool end_boundary, bool exact = false);
    std::int32_t child(std::int32_t node, char16_t c) const;
    bool hasOutput(std::int32_t node) const;
    void report(std::int32_t node, const icu::UnicodeString& text, std::int32_t end,
                std::vector<TermMatch>& out) const;

    /// After build(): each node's edges in one array, for cache locality on the search path.
    /// 24 bytes a node, so that the automaton of every list (57,000 nodes) stays near the
    /// cache; a node's edges end where the next node's begin (a last, empty node closes them).
    struct Packed {
        std::int32_t first = 0;  ///< into edges_
        std::int32_t fail = 0;
        std::int32_t term = -1;
        std::int32_t output = -1;
        /// Bit (unit % 32) set for each edge's unit: most texts' characters continue no
        /// term, and this rejects them without scanning the edges.
        std::uint32_t units = 0;
        /// The union of `units` over this node and every node on its failure chain but the
        /// root: a unit whose bit is clear continues no term from any of them, so the walk
        /// goes straight to the root instead of trying each node of the chain.
        std::uint32_t chain_units = 0;
    };

    std::vector<Node> nodes_{1};
    std::vector<Packed> packed_;
    std::vector<std::pair<char16_t, std::int32_t>> edges_;
    /// The root's transitions by code unit (0: stay at the root), filled by build(): the root
    /// has thousands of edges and is where every failure chain ends.
    std::vector<std::int32_t> root_next_;
    /// Which code units start a term: 8 KiB that stay in cache, where root_next_ (256 KiB)
    /// would not, so characters that start nothing cost one cached load.
    std::vector<std::uint64_t> root_bits_;
    std::vector<Term> terms_;
    std::map<std::u16string, std::uint32_t> ids_;
    bool built_ = false;
    std::uint64_t identity_ = 0;
};

/// Whether `c` belongs to a word of an alphabetic script (a letter or digit that is not Han,
/// kana or Hangul): the characters that make word boundaries.
bool isWordCharacter(UChar32 c);

}  // namespace ccd::routing
