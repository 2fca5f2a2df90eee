#include "routing/classify/tokenizer.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <stdexcept>
#include <utility>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {
namespace {

bool endsWith(const std::string& s, const char* suffix, std::size_t n) {
    return s.size() >= n && std::char_traits<char>::compare(s.data() + s.size() - n, suffix, n) == 0;
}

bool isAsciiWord(const std::string& s) {
    for (const char c : s) {
        if (!((c >= 'a' && c <= 'z') || c == '\'')) return false;
    }
    return !s.empty();
}

bool isDigits(const icu::UnicodeString& text, int32_t begin, int32_t end) {
    for (int32_t i = begin; i < end; ++i) {
        const char16_t c = text.charAt(i);
        if (c < u'0' || c > u'9') return false;
    }
    return true;
}

// Writes text[begin, end) as UTF-8 at `out` (room for 3 bytes a code unit); returns the end.
char* encodeUtf8(const char16_t* s, int32_t begin, int32_t end, char* out) {
    for (int32_t i = begin; i < end;) {
        UChar32 c;
        U16_NEXT(s, i, end, c);  // an unpaired surrogate comes out as itself, as char32At gives it
        if (c < 0x80) {
            *out++ = static_cast<char>(c);
        } else if (c < 0x800) {
            *out++ = static_cast<char>(0xC0 | (c >> 6));
            *out++ = static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *out++ = static_cast<char>(0xE0 | (c >> 12));
            *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            *out++ = static_cast<char>(0x80 | (c & 0x3F));
        } else {  // a surrogate pair: two code units, four bytes
            *out++ = static_cast<char>(0xF0 | (c >> 18));
            *out++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            *out++ = static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// Replaces `out` with text[begin, end) in UTF-8.
void assignUtf8(const icu::UnicodeString& text, int32_t begin, int32_t end, std::string& out) {
    out.resize(static_cast<std::size_t>(end - begin) * 3);
    char* const first = out.data();
    out.resize(static_cast<std::size_t>(encodeUtf8(text.getBuffer(), begin, end, first) - first));
}

// Word-break classes (UAX #29, as ICU's root word rules apply them) of the code units the
// fast segmenter knows. A text with any other code unit goes through ICU's iterator.
enum class Wb : std::uint8_t { Space, Letter, Digit, MidNum, MidNumLet, Unknown };

constexpr std::array<Wb, 128> asciiClasses() {
    std::array<Wb, 128> t{};
    for (auto& c : t) c = Wb::Unknown;
    for (char c : std::string_view(" \t\n\r!\"#$%&()*+-/<=>?[\\]^`{|}~")) {
        t[static_cast<unsigned char>(c)] = Wb::Space;
    }
    for (char c = 'a'; c <= 'z'; ++c) t[static_cast<unsigned char>(c)] = Wb::Letter;
    for (char c = 'A'; c <= 'Z'; ++c) t[static_cast<unsigned char>(c)] = Wb::Letter;
    for (char c = '0'; c <= '9'; ++c) t[static_cast<unsigned char>(c)] = Wb::Digit;
    t['@'] = Wb::Letter;  // ICU's root rules count it among the letters: "a@b.com" is one word
    t['.'] = Wb::MidNumLet;
    t['\''] = Wb::MidNumLet;  // Single_Quote: as MidNumLet where there is no Hebrew letter
    t[','] = Wb::MidNum;
    t[';'] = Wb::MidNum;
    t[':'] = Wb::Space;  // not MidLetter in ICU's root rules: "a:b" is two words
    return t;  // '_' (ExtendNumLet) and the control characters stay Unknown
}
constexpr std::array<Wb, 128> kAsciiClasses = asciiClasses();

Wb wordBreakClass(char16_t c) {
    if (c < 0x80) return kAsciiClasses[c];
    switch (c) {
        // CJK and typographic punctuation that NFKC leaves as it is: word-break class Other
        case u'\u3001': case u'\u3002': case u'\u300A': case u'\u300B': case u'\u300C':
        case u'\u300D': case u'\u300E': case u'\u300F': case u'\u3010': case u'\u3011':
        case u'\u201C': case u'\u201D': case u'\u2014': case u'\u2026': case u'\u00B0':
            return Wb::Space;
        case u'\u2018': case u'\u2019':
            return Wb::MidNumLet;
        default:
            break;
    }
    if (!U16_IS_SURROGATE(c) && HanTables::isHan(c)) return Wb::Space;  // blanked, as in ICU's path
    return Wb::Unknown;
}

bool isConsonant(char c) {
    return c >= 'a' && c <= 'z' && c != 'a' && c != 'e' && c != 'i' && c != 'o' && c != 'u';
}

}  // namespace

void stemEnglish(std::string& w) {
    if (w.size() <= 3 || !isAsciiWord(w) || w.find('\'') != std::string::npos) return;
    if (endsWith(w, "ies", 3) && w.size() > 4) {
        w.replace(w.size() - 3, 3, "y");
    } else if (endsWith(w, "sses", 4)) {
        w.resize(w.size() - 2);
    } else if (w.back() == 's' && !endsWith(w, "ss", 2) && !endsWith(w, "us", 2) &&
               !endsWith(w, "is", 2)) {
        w.pop_back();
    }
    bool stripped = false;
    if (endsWith(w, "ing", 3) && w.size() >= 6) {
        w.resize(w.size() - 3);
        stripped = true;
    } else if (endsWith(w, "ed", 2) && w.size() >= 5) {
        w.resize(w.size() - 2);
        stripped = true;
    }
    if (stripped && w.size() >= 3) {
        const char a = w[w.size() - 1];
        if (a == w[w.size() - 2] && isConsonant(a) && a != 'l' && a != 's' && a != 'z') {
            w.pop_back();  // stopped -> stopp -> stop
        }
    }
    if (w.size() >= 5 && w.back() == 'y') {
        w.pop_back();  // delivery -> deliver, battery -> batter
    } else if (w.size() >= 4 && w.back() == 'e') {
        w.pop_back();  // charge -> charg, like charging and charged
    }
}

Tokenizer::Tokenizer(std::unordered_set<std::string> stopwords) : stopwords_(std::move(stopwords)) {
    stopwords_.max_load_factor(0.5f);
    stopwords_.rehash(0);
    for (const auto& word : stopwords_) {
        const icu::UnicodeString w = icu::UnicodeString::fromUTF8(word);
        const auto han = [&w](int32_t i) {
            return !U16_IS_SURROGATE(w.charAt(i)) && HanTables::isHan(w.charAt(i));
        };
        if (w.length() == 1 && han(0)) han_stopwords_.push_back(w.charAt(0));
        if (w.length() == 2 && han(0) && han(1)) {
            han_stopwords_.push_back(static_cast<std::uint32_t>(w.charAt(0)) << 16 | w.charAt(1));
        }
    }
    std::sort(han_stopwords_.begin(), han_stopwords_.end());
    for (const std::uint32_t key : han_stopwords_) {
        const std::uint32_t first = key > 0xFFFF ? key >> 16 : key;
        han_stop_first_[first >> 6] |= std::uint64_t{1} << (first & 63);
    }
    UErrorCode status = U_ZERO_ERROR;
    words_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !words_) {
        throw std::runtime_error(std::string("ICU word break iterator unavailable: ") +
                                 u_errorName(status));
    }
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

Tokenizer::Tokenizer(const Tokenizer& other)
    : words_(other.words_->clone()),
      stopwords_(other.stopwords_),
      han_stopwords_(other.han_stopwords_),
      han_stop_first_(other.han_stop_first_) {}

Tokenizer& Tokenizer::operator=(const Tokenizer& other) {
    if (this != &other) {
        words_.reset(other.words_->clone());
        stopwords_ = other.stopwords_;
        han_stopwords_ = other.han_stopwords_;
        han_stop_first_ = other.han_stop_first_;
    }
    return *this;
}

bool Tokenizer::isHanStopword(char16_t a, char16_t b) const {
    if ((han_stop_first_[a >> 6] >> (a & 63) & 1) == 0) return false;  // most characters
    const std::uint32_t key = b == 0 ? a : static_cast<std::uint32_t>(a) << 16 | b;
    return std::binary_search(han_stopwords_.begin(), han_stopwords_.end(), key);
}

std::vector<std::string> Tokenizer::tokenize(const icu::UnicodeString& text) {
    std::vector<std::string> out;
    tokenize(text, out);
    return out;
}

void Tokenizer::keepWord(const icu::UnicodeString& text, int32_t begin, int32_t end,
                         std::vector<std::string>& out) {
    if (isDigits(text, begin, end)) return;
    if (end - begin < 2) return;
    assignUtf8(text, begin, end, scratch_);
    if (stopwords_.count(scratch_) != 0) return;
    stemEnglish(scratch_);
    out.push_back(scratch_);
}

bool Tokenizer::wordsWithoutIcu(const icu::UnicodeString& text, std::vector<std::string>& out) {
    const char16_t* s = text.getBuffer();
    const int32_t length = text.length();
    classes_.resize(static_cast<std::size_t>(length) + 1);
    for (int32_t i = 0; i < length; ++i) {
        const Wb c = wordBreakClass(s[i]);
        if (c == Wb::Unknown) return false;
        classes_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(c);
    }
    classes_[static_cast<std::size_t>(length)] = static_cast<std::uint8_t>(Wb::Space);
    const auto at = [this](int32_t i) { return static_cast<Wb>(classes_[static_cast<std::size_t>(i)]); };
    for (int32_t i = 0; i < length;) {
        Wb last = at(i);
        if (last != Wb::Letter && last != Wb::Digit) {
            ++i;
            continue;
        }
        // ICU's rule status for the segment is {200} (a word) when it ends with a letter and
        // {100} (a number) when it ends with a digit: "e15" and "a1.2" are numbers to it.
        int32_t end = i + 1;
        for (;;) {
            const Wb c = at(end);
            if (c == Wb::Letter || c == Wb::Digit) {  // WB5, WB8, WB9, WB10
                last = c;
                ++end;
                continue;
            }
            // Only a middle mark joins; the terminator (a Space at `length`) ends the loop
            // here, so `end + 1` is at most `length` below.
            if (c != Wb::MidNum && c != Wb::MidNumLet) break;
            const Wb next = at(end + 1);
            const bool joins =
                (last == Wb::Letter && next == Wb::Letter && c == Wb::MidNumLet) ||  // WB6, WB7
                (last == Wb::Digit && next == Wb::Digit &&
                 (c == Wb::MidNum || c == Wb::MidNumLet));  // WB11, WB12
            if (!joins) break;
            last = next;
            end += 2;
        }
        if (last == Wb::Letter) keepWord(text, i, end, out);
        i = end;
    }
    return true;
}

void Tokenizer::wordsWithIcu(const icu::UnicodeString& text, std::vector<std::string>& out) {
    const int32_t length = text.length();

    // Han runs are kept from the word iterator: its dictionary segmentation cost more than
    // the rest of the classification together (about 40% of the time per message), and the
    // bigrams below carry what naive Bayes needs from Chinese.
    masked_ = text;
    for (int32_t i = 0; i < length;) {
        const UChar32 c = masked_.char32At(i);
        const int32_t n = U16_LENGTH(c);
        if (HanTables::isHan(c)) {
            for (int32_t k = 0; k < n; ++k) masked_.setCharAt(i + k, u' ');
        }
        i += n;
    }

    words_->setText(masked_);
    int32_t begin = words_->first();
    for (int32_t end = words_->next(); end != icu::BreakIterator::DONE;
         begin = end, end = words_->next()) {
        const int32_t status = words_->getRuleStatus();
        if (status < UBRK_WORD_NUMBER_LIMIT) continue;  // spaces, punctuation, plain numbers
        keepWord(text, begin, end, out);
    }
}

void Tokenizer::tokenize(const icu::UnicodeString& text, std::vector<std::string>& out,
                         Segmenter segmenter) {
    out.clear();
    const int32_t length = text.length();
    if (segmenter == Segmenter::Icu || !wordsWithoutIcu(text, out)) {
        out.clear();
        wordsWithIcu(text, out);
    }
    const char16_t* s = text.getBuffer();
    const auto han = [](char16_t c) { return !U16_IS_SURROGATE(c) && HanTables::isHan(c); };
    bool any_han = false;
    for (int32_t i = 0; i < length && !any_han; ++i) any_han = s[i] >= 0x2E80 && han(s[i]);
    if (!any_han) return;

    // The bigrams of each run of Han characters, and a run of one character as itself (BMP
    // only: a bigram is two code units).
    bool previous = false;  // whether text[i - 1] is Han
    for (int32_t i = 0; i < length; ++i) {
        const char16_t a = s[i];
        const bool is_han = han(a);
        const bool alone = !previous;
        previous = is_han;
        if (!is_han) continue;
        const bool pair = i + 1 < length && han(s[i + 1]);
        if (!pair) {
            if (!alone || isHanStopword(a, 0)) continue;
        } else if (isHanStopword(a, s[i + 1])) {
            continue;
        }
        char bytes[6];
        out.emplace_back(bytes, encodeUtf8(s, i, pair ? i + 2 : i + 1, bytes));
    }
}

}  // namespace ccd::routing
