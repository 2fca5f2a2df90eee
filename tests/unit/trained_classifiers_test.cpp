// An engine reuses the classifier trained for the same classification section and corpus
// (ClassifierConfig::source_digest): a reload that changes rules or queues trains nothing; a
// change in the section or in the corpus file's bytes trains again.
#include "routing/engine.hpp"

#define BOOST_TEST_MODULE trained_classifiers
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/routing_config_parser.hpp"
#include "tests/support/engine_actions.hpp"

namespace fs = std::filesystem;
using ccd::routing::classifiersTrained;
using ccd::routing::Engine;
using ccd::routing::RoutingConfigPtr;

namespace {

const std::string kShippedPath = CCD_SOURCE_DIR "/config/routing.yaml";

// The shipped routing.yaml with `from` replaced by `to` (when given), read as if it were at
// `path` (its corpus is the classification-corpus.jsonl beside it).
RoutingConfigPtr shippedWith(const std::string& from = "", const std::string& to = "",
                             const std::string& path = kShippedPath) {
    std::string text = ccd::testing::shippedRoutingText();
    if (!from.empty()) {
        const auto at = text.find(from);
        BOOST_REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
    }
    return ccd::config::parseRoutingConfig(text, path);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_section_and_corpus_read_again_train_nothing) {
    const RoutingConfigPtr first = shippedWith();
    BOOST_TEST(first->classification.source_digest.size() == 64u);
    Engine a(first);
    const std::size_t before = classifiersTrained();
    Engine b(shippedWith());  // the same files read again: a reload
    Engine c(shippedWith("    selection: longest_idle\n", "    selection: least_occupied\n"));
    BOOST_TEST(classifiersTrained() == before);
}

BOOST_AUTO_TEST_CASE(a_changed_classification_section_trains_again) {
    Engine a(shippedWith());
    const std::size_t before = classifiersTrained();
    const RoutingConfigPtr changed =
        shippedWith("confidence_threshold: 0.40", "confidence_threshold: 0.41");
    BOOST_TEST(changed->classification.source_digest != shippedWith()->classification.source_digest);
    Engine b(changed);
    BOOST_TEST(classifiersTrained() == before + 1);
    Engine c(shippedWith("confidence_threshold: 0.40", "confidence_threshold: 0.41"));
    BOOST_TEST(classifiersTrained() == before + 1);
}

BOOST_AUTO_TEST_CASE(a_changed_corpus_file_trains_again) {
    const fs::path dir = fs::temp_directory_path() / ("ccd-trained-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path corpus = dir / "classification-corpus.jsonl";
    fs::copy_file(CCD_SOURCE_DIR "/config/classification-corpus.jsonl", corpus,
                  fs::copy_options::overwrite_existing);
    const std::string path = (dir / "routing.yaml").string();
    const RoutingConfigPtr same = shippedWith("", "", path);
    // the same bytes elsewhere: the same digest
    BOOST_TEST(same->classification.source_digest == shippedWith()->classification.source_digest);
    {
        std::ofstream out(corpus, std::ios::app);
        out << R"({"lang": "en", "category": "billing", "subtype": "charge", )"
            << R"("text": "charged twice for the one order"})" << "\n";
    }
    const RoutingConfigPtr changed = shippedWith("", "", path);
    BOOST_TEST(changed->classification.source_digest != same->classification.source_digest);
    Engine a(same);
    const std::size_t before = classifiersTrained();
    Engine b(changed);
    BOOST_TEST(classifiersTrained() == before + 1);
    fs::remove_all(dir);
}
