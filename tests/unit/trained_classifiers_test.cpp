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

namespace fs = std::filesystem;
using ccd::routing::classifiersTrained;
using ccd::routing::Engine;
using ccd::routing::RoutingConfigPtr;

namespace {

// A small classification section and corpus (the shipped ones train for seconds under the
// sanitizers), in a folder of the test's own.
const std::string kRouting =
    "classification:\n"
    "  fallback_category: other\n"
    "  corpus: corpus.jsonl\n"
    "  categories:\n"
    "    - name: fault\n"
    "      examples: {en: [the printer is broken, it will not turn on]}\n"
    "    - name: billing\n"
    "      examples: {en: [I was charged twice, the invoice is wrong]}\n"
    "    - name: other\n"
    "offers:\n"
    "  away_after_missed: 2\n";

const char* kCorpus =
    R"({"lang": "en", "category": "fault", "text": "the screen stays black"})" "\n"
    R"({"lang": "en", "category": "billing", "text": "a refund for the double charge"})" "\n";

struct Folder {
    fs::path dir = fs::temp_directory_path() / ("ccd-trained-" + std::to_string(::getpid()));
    Folder() {
        fs::create_directories(dir);
        std::ofstream(dir / "corpus.jsonl") << kCorpus;
    }
    ~Folder() { fs::remove_all(dir); }
    // kRouting with `from` replaced by `to` (when given), read as the folder's routing.yaml.
    RoutingConfigPtr read(const std::string& from = "", const std::string& to = "") const {
        std::string text = kRouting;
        if (!from.empty()) {
            const auto at = text.find(from);
            BOOST_REQUIRE(at != std::string::npos);
            text.replace(at, from.size(), to);
        }
        return ccd::config::parseRoutingConfig(text, (dir / "routing.yaml").string());
    }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_same_section_and_corpus_read_again_train_nothing, Folder) {
    const RoutingConfigPtr first = read();
    BOOST_TEST(first->classification.source_digest.size() == 64u);
    Engine a(first);
    const std::size_t before = classifiersTrained();
    Engine b(read());  // the same files read again: a reload
    Engine c(read("away_after_missed: 2", "away_after_missed: 3"));  // other rules
    BOOST_TEST(classifiersTrained() == before);
}

BOOST_FIXTURE_TEST_CASE(a_changed_classification_section_trains_again, Folder) {
    Engine a(read());
    const std::size_t before = classifiersTrained();
    const RoutingConfigPtr changed = read("fallback_category: other\n",
                                          "fallback_category: other\n  smoothing: 0.7\n");
    BOOST_TEST(changed->classification.source_digest != read()->classification.source_digest);
    Engine b(changed);
    BOOST_TEST(classifiersTrained() == before + 1);
    Engine c(read("fallback_category: other\n", "fallback_category: other\n  smoothing: 0.7\n"));
    BOOST_TEST(classifiersTrained() == before + 1);
}

BOOST_FIXTURE_TEST_CASE(a_changed_corpus_file_trains_again, Folder) {
    const RoutingConfigPtr same = read();
    Engine a(same);
    const std::size_t before = classifiersTrained();
    std::ofstream(dir / "corpus.jsonl", std::ios::app)
        << R"({"lang": "en", "category": "billing", "text": "charged twice for one order"})"
        << "\n";
    const RoutingConfigPtr changed = read();
    BOOST_TEST(changed->classification.source_digest != same->classification.source_digest);
    Engine b(changed);
    BOOST_TEST(classifiersTrained() == before + 1);
}

BOOST_AUTO_TEST_CASE(the_same_bytes_elsewhere_have_the_same_digest) {
    Folder one;
    const std::string digest = one.read()->classification.source_digest;
    fs::path other = one.dir.string() + "-elsewhere";
    fs::create_directories(other);
    fs::copy_file(one.dir / "corpus.jsonl", other / "corpus.jsonl");
    const RoutingConfigPtr moved =
        ccd::config::parseRoutingConfig(kRouting, (other / "routing.yaml").string());
    BOOST_TEST(moved->classification.source_digest == digest);
    fs::remove_all(other);
}
