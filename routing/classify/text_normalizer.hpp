#pragma once
// Text normalization shared by messages and by every configured phrase, so that both are
// compared in one form: NFKC (full-width letters and digits to ASCII, compatibility
// ideographs to unified ones), Unicode case folding, typographic apostrophes to ASCII, and
// Traditional -> Simplified Chinese folding.

#include <unicode/unistr.h>

#include <string>
#include <string_view>

U_NAMESPACE_BEGIN
class Normalizer2;
U_NAMESPACE_END

namespace ccd::routing {

class HanTables;

/// Normalizes text in two stages; the language detector looks at the text between them,
/// while the Traditional characters are still there.
/// Thread safety: immutable after construction; any number of threads may share one instance.
class TextNormalizer {
  public:
    /// Loads ICU's NFKC_Casefold data and the process-wide Han tables.
    /// Throws std::runtime_error when ICU data is missing.
    TextNormalizer();

    /// Stage 1: UTF-8 to UTF-16 (ill-formed sequences become U+FFFD), NFKC with case folding
    /// (which also drops default-ignorable characters such as ZWJ), and ’ ‘ ʼ to '.
    void foldCase(std::string_view utf8, icu::UnicodeString& out) const;

    /// Stage 2: Traditional -> Simplified, in place (打印機 -> 打印机).
    void foldHan(icu::UnicodeString& text) const;

    /// Both stages.
    icu::UnicodeString normalize(std::string_view utf8) const;

    /// Both stages, as UTF-8.
    std::string normalizeToUtf8(std::string_view utf8) const;

  private:
    const icu::Normalizer2* nfkc_cf_;
    const HanTables* han_;
};

/// Sentence punctuation in normalized text (. ! ? ; a line break, and their full-width forms):
/// a sentence or clause ends after it.
bool endsSentence(UChar c);

}  // namespace ccd::routing
