#include "routing/classify/model_store.hpp"

#include <unicode/uversion.h>

#include <atomic>
#include <stdexcept>
#include <string>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include "classifier_code_digest.hpp"  // generated: kClassifierCodeDigest
#include "routing/classify/classifier.hpp"
#include "routing/classify/model_bytes.hpp"

namespace ccd::routing {
namespace {

std::atomic<std::size_t> trained_count{0};
std::atomic<std::size_t> restored_count{0};

// The versions of the libraries training's results depend on at run time: ICU segments and
// folds the text; the C library's exp and log make the weights (glibc has changed their last
// bits between releases).
std::string runtimeVersions() {
    UVersionInfo icu;
    u_getVersion(icu);
    char icu_text[U_MAX_VERSION_STRING_LENGTH];
    u_versionToString(icu, icu_text);
    std::string out = std::string("icu ") + icu_text;
#if defined(__GLIBC__)
    out += std::string(" glibc ") + gnu_get_libc_version();
#endif
    return out;
}

}  // namespace

std::string classifierModelKey(const ClassifierConfig& config) {
    if (config.source_digest.empty()) return "";
    static const std::string versions = runtimeVersions();
    return "classifier format " + std::to_string(kClassifierModelFormat) + "; config " +
           config.source_digest + "; code " + kClassifierCodeDigest + "; " + versions;
}

std::shared_ptr<const Classifier> loadOrTrain(const ClassifierConfig& config, ModelStore* store,
                                              ClassifierOrigin* origin) {
    const std::string key = store != nullptr ? classifierModelKey(config) : std::string();
    if (!key.empty()) {
        if (std::optional<std::string> bytes = store->load(key)) {
            try {
                auto restored =
                    std::make_shared<const Classifier>(Classifier::restore(config, *bytes));
                ++restored_count;
                if (origin != nullptr) *origin = ClassifierOrigin::Restored;
                return restored;
            } catch (const std::invalid_argument& e) {
                // Bad configuration fails training the same way, below, with its own message.
                store->reject(key, e.what());
            }
        }
    }
    auto trained = std::make_shared<const Classifier>(config);
    ++trained_count;
    if (!key.empty()) store->save(key, trained->serializeModel());
    if (origin != nullptr) *origin = ClassifierOrigin::Trained;
    return trained;
}

std::size_t classifiersTrained() { return trained_count; }
std::size_t classifiersRestored() { return restored_count; }

}  // namespace ccd::routing
