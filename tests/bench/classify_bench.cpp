// Classification throughput on one core: the shipped configuration (config/routing.yaml) and
// mixed Chinese/English messages of about 80 characters, built from the held-out set
// (tests/data/classify-holdout.jsonl) by joining sentences of one language and cutting at 80
// code points, plus a few messages that mix both scripts.
//
//   cmake --build build --target classify_bench && build/tests/classify_bench
//
// BM_Classify reports items_per_second (messages/s); the per-message time is 1/that.
#include <benchmark/benchmark.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <cstddef>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/routing_config_parser.hpp"
#include "routing/classify/classifier.hpp"
#include "tests/support/shipped_routing.hpp"

namespace {

using ccd::routing::Classifier;
using ccd::routing::ClassifierConfig;

constexpr std::size_t kLength = 80;  // code points per message

ClassifierConfig shippedConfig() {
    return ccd::testing::shippedRouting()->classification;
}

std::size_t codePoints(const std::string& s) {
    std::size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

// The first `n` code points of UTF-8 `s`.
std::string prefix(const std::string& s, std::size_t n) {
    std::size_t i = 0;
    for (std::size_t seen = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == n) break;
    }
    return s.substr(0, i);
}

/// Messages of kLength code points, alternating English and Chinese.
const std::vector<std::string>& corpus() {
    static const std::vector<std::string> messages = [] {
        std::ifstream in(CCD_SOURCE_DIR "/tests/data/classify-holdout.jsonl");
        if (!in) throw std::runtime_error("cannot read tests/data/classify-holdout.jsonl");
        std::map<std::string, std::vector<std::string>> by_lang;
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            const auto j = nlohmann::json::parse(line);
            const std::string lang = j.at("lang").get<std::string>() == "en" ? "en" : "zh";
            by_lang[lang].push_back(j.at("text").get<std::string>());
        }
        std::map<std::string, std::vector<std::string>> built;
        for (const auto& [lang, texts] : by_lang) {
            for (std::size_t i = 0; i < texts.size(); ++i) {
                std::string m = texts[i];
                for (std::size_t k = i + 1; codePoints(m) < kLength; ++k) {
                    m += (lang == "en" ? " " : "") + texts[k % texts.size()];
                }
                built[lang].push_back(prefix(m, kLength));
            }
        }
        std::vector<std::string> out;
        const auto& en = built["en"];
        const auto& zh = built["zh"];
        for (std::size_t i = 0; i < en.size() || i < zh.size(); ++i) {
            if (i < en.size()) out.push_back(en[i]);
            if (i < zh.size()) out.push_back(zh[i]);
        }
        // Messages mixing both scripts, as customers write them.
        for (const char* mixed : {
                 "VIP客户: 我们的 POS terminal 开不了机, error E3, 店里没法收款, please send "
                 "someone today",
                 "订单 #88213 的 invoice 金额不对, charged twice, 请尽快退款到我的 credit card "
                 "谢谢",
                 "Hi, 我的 iPhone 充电的时候 battery 鼓包了, 屏幕被顶起来, is it safe to keep "
                 "using it?",
             }) {
            out.push_back(prefix(mixed, kLength));
        }
        return out;
    }();
    return messages;
}

void BM_Classify(benchmark::State& state) {
    Classifier classifier(shippedConfig());
    const auto& messages = corpus();
    std::size_t bytes = 0;
    std::size_t subtyped = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        const std::string& m = messages[i];
        auto c = classifier.classify(m);
        subtyped += c.subtype.empty() ? 0 : 1;
        benchmark::DoNotOptimize(c);
        bytes += m.size();
        if (++i == messages.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.counters["messages"] = static_cast<double>(messages.size());
    // The subtype step runs for every message; this is the share that got one.
    state.counters["with_subtype"] =
        static_cast<double>(subtyped) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Classify)->MinTime(2.0)->Unit(benchmark::kMicrosecond);

// The reference measured in the same run (a shared machine's absolute figures drift): ICU's
// NFKC_Casefold of the same messages, from UTF-8, the first step of every classification.
void BM_ReferenceNfkcCasefold(benchmark::State& state) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) {
        state.SkipWithError("no NFKC_Casefold data");
        return;
    }
    const auto& messages = corpus();
    icu::UnicodeString out;
    std::size_t i = 0;
    for (auto _ : state) {
        const std::string& m = messages[i];
        const icu::UnicodeString in = icu::UnicodeString::fromUTF8(
            icu::StringPiece(m.data(), static_cast<int32_t>(m.size())));
        status = U_ZERO_ERROR;
        nfkc->normalize(in, out, status);
        benchmark::DoNotOptimize(out);
        if (++i == messages.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ReferenceNfkcCasefold)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

// The second reference: a plain tokenization pass, the classifier's own (NFKC + case fold,
// Traditional->Simplified, ICU word segmentation, Han bigrams, stopwords), without any model.
void BM_ReferenceTokenize(benchmark::State& state) {
    Classifier classifier(shippedConfig());
    const auto& messages = corpus();
    std::size_t i = 0;
    for (auto _ : state) {
        auto tokens = classifier.tokens(messages[i]);
        benchmark::DoNotOptimize(tokens);
        if (++i == messages.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ReferenceTokenize)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

// With `explain` the classifier also collects evidence (the console's "why" view).
void BM_ClassifyExplain(benchmark::State& state) {
    Classifier classifier(shippedConfig());
    ccd::routing::ClassifyHints hints;
    hints.explain = true;
    const auto& messages = corpus();
    std::size_t i = 0;
    for (auto _ : state) {
        auto c = classifier.classify(messages[i], hints);
        benchmark::DoNotOptimize(c);
        if (++i == messages.size()) i = 0;
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ClassifyExplain)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

// Start-up and reload cost: parse nothing, train the model and compile the patterns.
void BM_Construct(benchmark::State& state) {
    const ClassifierConfig config = shippedConfig();
    for (auto _ : state) {
        Classifier classifier(config);
        benchmark::DoNotOptimize(classifier);
    }
}
BENCHMARK(BM_Construct)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
