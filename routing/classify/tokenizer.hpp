#pragma once
// Splits normalized text into the features the naive Bayes model counts: ICU word segments
// for alphabetic scripts with light English stemming, and bigrams of Han characters. ICU's
// dictionary segmentation of Chinese is not used: it cost about 40% of the classification
// time, and the overlapping bigrams (打印机 -> 打印, 印机) keep compounds recognizable however
// a dictionary would cut them.

#include <unicode/unistr.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

U_NAMESPACE_BEGIN
class BreakIterator;
U_NAMESPACE_END

namespace ccd::routing {

/// Produces tokens as UTF-8 strings: words of alphabetic scripts (stemmed, "charging" ->
/// "charg") and the bigrams of each Han run ("打印机" -> "打印", "印机"; a run of one character
/// gives that character). Digits-only words, one-letter words, punctuation and stopwords are
/// dropped.
/// Thread safety: not thread-safe (it reuses one ICU BreakIterator); a copy clones the
/// iterator, so give each thread its own copy.
class Tokenizer {
  public:
    /// `stopwords` in normalized form (TextNormalizer), compared before stemming.
    /// Throws std::runtime_error when ICU's word-break data is missing.
    explicit Tokenizer(std::unordered_set<std::string> stopwords = {});
    ~Tokenizer();
    Tokenizer(const Tokenizer& other);
    Tokenizer& operator=(const Tokenizer& other);
    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;

    /// How words are found in alphabetic text. `Fast`: a segmenter of its own for text made
    /// only of the code units whose UAX #29 word-break class it knows (Latin letters, digits,
    /// ASCII and common CJK punctuation, Han), ICU's word iterator for any other text; the
    /// same words as ICU's (tokenizer_test compares them). `Icu`: always ICU's iterator.
    enum class Segmenter { Fast, Icu };

    /// Replaces the contents of `out` with the tokens of `text` (normalized text).
    void tokenize(const icu::UnicodeString& text, std::vector<std::string>& out,
                  Segmenter segmenter = Segmenter::Fast);

    /// Convenience form of tokenize().
    std::vector<std::string> tokenize(const icu::UnicodeString& text);

  private:
    std::unique_ptr<icu::BreakIterator> words_;
    std::unordered_set<std::string> stopwords_;
    /// The stopwords of one or two Han characters (BMP), as (first << 16 | second), sorted:
    /// every bigram is checked, and a binary search over a few integers beats hashing.
    std::vector<std::uint32_t> han_stopwords_;
    /// The first characters of han_stopwords_, a bit each: most characters are none.
    std::array<std::uint64_t, 1024> han_stop_first_{};
    bool isHanStopword(char16_t a, char16_t b) const;
    icu::UnicodeString masked_;  ///< scratch: the text with Han characters blanked
    std::vector<std::uint8_t> classes_;  ///< scratch: each code unit's word-break class
    /// The words of `text` by the fast segmenter; false (and `out` unspecified) when the text
    /// has a code unit it does not know.
    bool wordsWithoutIcu(const icu::UnicodeString& text, std::vector<std::string>& out);
    void wordsWithIcu(const icu::UnicodeString& text, std::vector<std::string>& out);
    /// Appends text[begin, end) unless it is all digits, one code unit or a stopword; stemmed.
    void keepWord(const icu::UnicodeString& text, int32_t begin, int32_t end,
                  std::vector<std::string>& out);
    std::string scratch_;
};

/// Light suffix stripping for lower-case English words, so that inflections meet:
/// "charge"/"charges"/"charged"/"charging" -> "charg", "battery"/"batteries" -> "batter",
/// "stopped" -> "stop". Words of three letters or fewer, or with an apostrophe, are unchanged.
void stemEnglish(std::string& word);

}  // namespace ccd::routing
