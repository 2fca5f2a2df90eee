#include "routing/classify/han_tables.hpp"

#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace ccd::routing {
namespace {

// Characters ICU's Traditional-Simplified rules would change, but which are also ordinary
// Simplified characters (著名, 俱乐部, 摔跤, 大阪): no evidence of Traditional text.
constexpr char16_t kAlsoSimplified[] = u"著乾俱吒夥姊摺藉跤阪麽苎箝";

// Characters ICU's Simplified-Traditional rules would change, but which are also ordinary
// Traditional characters (皇后, 干擾, 茶几, 宿舍, 里程, 台灣): no evidence of Simplified text.
constexpr char16_t kAlsoTraditional[] =
    u"丑于云仆几占厘后干彷征恒挽斗朴杆杰栖涌沉泄洒舍范采松喂凄佣冲准制向困游郁周卷蒙表志症"
    u"咸吁致回划借尸奸千谷板余只系面里台了着伙姜克托布才出历";

// Written Cantonese (Hong Kong customers write it as they speak) puts its own characters where
// Standard Chinese has others: 停咗 for 停了, 唔得 for 不得, 冇电 for 没电, 我哋 for 我们. Folded to
// the Standard character with the Traditional-Simplified folding, so a phrase, a pattern or a
// bigram written once in Standard Chinese reads both ("生產線已經停咗" is "生产线已经停了"). Only
// characters that are, in Chinese text, Cantonese grammar words: not 係 (关係), 邊 (旁邊), 晒
// (晒衣服) or 郁 (浓郁). The language flags stay ICU's: these are neither Traditional-only nor
// Simplified-only, and folding them changes no language.
constexpr std::pair<char16_t, char16_t> kCantonese[] = {
    {u'咗', u'了'}, {u'嘅', u'的'}, {u'唔', u'不'}, {u'冇', u'没'}, {u'喺', u'在'},
    {u'啲', u'些'}, {u'佢', u'他'}, {u'嚟', u'来'}, {u'哋', u'们'}, {u'睇', u'看'},
    {u'攞', u'拿'}, {u'畀', u'给'}, {u'俾', u'给'},
};

std::unique_ptr<icu::Transliterator> makeTransliterator(const char* id) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance(id, UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !t) {
        throw std::runtime_error(std::string("ICU transliterator ") + id +
                                 " unavailable: " + u_errorName(status));
    }
    return t;
}

bool contains(const char16_t* list, UChar32 c) {
    for (const char16_t* p = list; *p != 0; ++p) {
        if (static_cast<UChar32>(*p) == c) return true;
    }
    return false;
}

// Runs `t` over every code point of [first, last], one per line, and returns the result split
// back per code point; a bulk call is much cheaper than one call per character.
std::vector<icu::UnicodeString> transliterateEach(icu::Transliterator& t, UChar32 first,
                                                  UChar32 last) {
    icu::UnicodeString all;
    for (UChar32 c = first; c <= last; ++c) {
        all.append(c);
        all.append(static_cast<char16_t>(u'\n'));
    }
    t.transliterate(all);
    std::vector<icu::UnicodeString> out;
    out.reserve(static_cast<std::size_t>(last - first + 1));
    int32_t start = 0;
    for (int32_t i = 0; i < all.length(); ++i) {
        if (all.charAt(i) == u'\n') {
            out.emplace_back(all, start, i - start);
            start = i + 1;
        }
    }
    if (out.size() != static_cast<std::size_t>(last - first + 1)) {
        throw std::runtime_error("ICU Traditional/Simplified rules changed the line structure");
    }
    return out;
}

}  // namespace

const HanTables& HanTables::instance() {
    static const HanTables tables;
    return tables;
}

bool HanTables::isHanByScript(UChar32 c) {
    UErrorCode status = U_ZERO_ERROR;
    return uscript_getScript(c, &status) == USCRIPT_HAN && U_SUCCESS(status);
}

HanTables::HanTables()
    : simplified_(static_cast<std::size_t>(kLast - kFirst + 1), 0),
      flags_(static_cast<std::size_t>(kLast - kFirst + 1), 0) {
    auto to_simplified = makeTransliterator("Traditional-Simplified");
    auto to_traditional = makeTransliterator("Simplified-Traditional");
    const auto simp = transliterateEach(*to_simplified, kFirst, kLast);
    const auto trad = transliterateEach(*to_traditional, kFirst, kLast);
    for (UChar32 c = kFirst; c <= kLast; ++c) {
        const auto i = static_cast<std::size_t>(c - kFirst);
        const icu::UnicodeString& s = simp[i];
        if (s.length() == 1 && s.charAt(0) != c) {
            simplified_[i] = s.charAt(0);
            if (!contains(kAlsoSimplified, c)) flags_[i] |= kTraditionalOnly;
        } else if (s.length() != 1) {
            throw std::runtime_error("ICU Traditional-Simplified maps a character to " +
                                     std::to_string(s.length()) + " code units");
        }
        const icu::UnicodeString& t = trad[i];
        if (!(t.length() == 1 && t.charAt(0) == c) && !contains(kAlsoTraditional, c)) {
            flags_[i] |= kSimplifiedOnly;
        }
    }
    for (const auto& [cantonese, standard] : kCantonese) {
        simplified_[static_cast<std::size_t>(cantonese - kFirst)] = standard;
    }
}

}  // namespace ccd::routing
