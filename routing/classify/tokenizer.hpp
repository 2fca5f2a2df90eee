#pragma once
// Splits normalized text into the features the naive Bayes model counts: ICU word segments
// (dictionary-based for Chinese), light English stemming, and bigrams of Han characters.
// ICU's dictionary splits 打印机 into 打印|机; the bigrams 打印 and 印机 keep such compounds
// recognizable however the dictionary cuts them.

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <unicode/unistr.h>

U_NAMESPACE_BEGIN
class BreakIterator;
U_NAMESPACE_END

namespace ccd::routing {

/// Produces tokens as UTF-8 strings: words (stemmed, "charging" -> "charg"), Chinese dictionary words ("打印", "机") and Han bigrams ("打印", "印机"; a bigram
/// equal to the dictionary word at the same place is not repeated). Digits-only words,
/// punctuation and stopwords are dropped.
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

    /// Replaces the contents of `out` with the tokens of `text` (normalized text).
    void tokenize(const icu::UnicodeString& text, std::vector<std::string>& out);

    /// Convenience form of tokenize().
    std::vector<std::string> tokenize(const icu::UnicodeString& text);

private:
    std::unique_ptr<icu::BreakIterator> words_;
    std::unordered_set<std::string> stopwords_;
    std::vector<char> word_pair_at_;  ///< scratch: a two-character Han word starts here
    std::string scratch_;
};

/// Light suffix stripping for lower-case English words, so that inflections meet:
/// "charge"/"charges"/"charged"/"charging" -> "charg", "battery"/"batteries" -> "batter",
/// "stopped" -> "stop". Words of three letters or fewer, or with an apostrophe, are unchanged.
void stemEnglish(std::string& word);

}  // namespace ccd::routing
