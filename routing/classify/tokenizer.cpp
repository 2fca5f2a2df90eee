#include "routing/classify/tokenizer.hpp"

#include <stdexcept>
#include <utility>

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>

#include "routing/classify/han_tables.hpp"

namespace ccd::routing {
namespace {

bool endsWith(const std::string& s, const char* suffix, std::size_t n) {
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
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

void appendUtf8(const icu::UnicodeString& text, int32_t begin, int32_t end, std::string& out) {
    for (int32_t i = begin; i < end;) {
        const UChar32 c = text.char32At(i);
        i += U16_LENGTH(c);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
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

Tokenizer::Tokenizer(std::unordered_set<std::string> stopwords)
    : stopwords_(std::move(stopwords)) {
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
    : words_(other.words_->clone()), stopwords_(other.stopwords_) {}

Tokenizer& Tokenizer::operator=(const Tokenizer& other) {
    if (this != &other) {
        words_.reset(other.words_->clone());
        stopwords_ = other.stopwords_;
    }
    return *this;
}

std::vector<std::string> Tokenizer::tokenize(const icu::UnicodeString& text) {
    std::vector<std::string> out;
    tokenize(text, out);
    return out;
}

void Tokenizer::tokenize(const icu::UnicodeString& text, std::vector<std::string>& out) {
    out.clear();
    const int32_t length = text.length();
    word_pair_at_.assign(static_cast<std::size_t>(length) + 1, 0);
    bool any_han = false;

    words_->setText(text);
    int32_t begin = words_->first();
    for (int32_t end = words_->next(); end != icu::BreakIterator::DONE;
         begin = end, end = words_->next()) {
        const int32_t status = words_->getRuleStatus();
        if (status < UBRK_WORD_NUMBER_LIMIT) continue;  // spaces, punctuation, plain numbers
        if (isDigits(text, begin, end)) continue;
        scratch_.clear();
        appendUtf8(text, begin, end, scratch_);
        const bool han = HanTables::isHan(text.char32At(begin));
        if (han) {
            any_han = true;
            if (end - begin == 2 && HanTables::isHan(text.charAt(begin + 1))) {
                word_pair_at_[static_cast<std::size_t>(begin)] = 1;
            }
        }
        if (stopwords_.count(scratch_) != 0) continue;
        if (!han) {
            if (end - begin < 2) continue;
            stemEnglish(scratch_);
        }
        out.push_back(scratch_);
    }
    if (!any_han) return;

    // Bigrams over each run of Han characters (BMP only: the bigram is two code units).
    for (int32_t i = 0; i + 1 < length; ++i) {
        const char16_t a = text.charAt(i);
        const char16_t b = text.charAt(i + 1);
        if (U16_IS_SURROGATE(a) || U16_IS_SURROGATE(b)) continue;
        if (!HanTables::isHan(a) || !HanTables::isHan(b)) continue;
        if (word_pair_at_[static_cast<std::size_t>(i)]) continue;
        scratch_.clear();
        appendUtf8(text, i, i + 2, scratch_);
        if (stopwords_.count(scratch_) != 0) continue;
        out.push_back(scratch_);
    }
}

}  // namespace ccd::routing
