// Trained classifier models kept as files (config/model_file_store.hpp) in a temporary
// directory: the first classifier trains and writes one file, the next one loads it and trains
// nothing; a file with a flipped byte, a truncated one and one of another key are ignored and
// replaced; an unwritable directory still classifies (one warning); the directory keeps the
// most recently used files; a reader never gets half of a file being replaced.
#include "config/model_file_store.hpp"

#define BOOST_TEST_MODULE model_file_store
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "routing/classify/classifier.hpp"
#include "routing/classify/model_store.hpp"
#include "tests/support/small_classification.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using ccd::config::FileModelStore;
using ccd::routing::ClassifierConfig;
using ccd::routing::ClassifierOrigin;
using ccd::routing::classifiersRestored;
using ccd::routing::classifiersTrained;
using ccd::testing::SmallClassification;
using ccd::testing::TempDir;

namespace {

std::vector<fs::path> modelFiles(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

std::string readAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// What one classifier says about a few texts, for comparing two.
std::string outputs(const ccd::routing::Classifier& trained) {
    ccd::routing::Classifier c = trained;
    std::string out;
    for (const char* text : {"my printer is broken", "插座冒出火苗", "發票開錯了，要退款"}) {
        const auto r = c.classify(text);
        out += r.category + "/" + r.subtype + "/" + std::to_string(r.confidence) + ";";
    }
    return out;
}

// A store over a temporary directory (the directory itself made on the first save), its
// warnings collected, and the small configuration.
struct Cache {
    TempDir tmp;
    fs::path dir = tmp.path() / "models";
    std::vector<std::string> warnings;
    FileModelStore store{dir, [this](const std::string& w) { warnings.push_back(w); }};
    SmallClassification files;
    ClassifierConfig config = files.read()->classification;

    // A classifier through the store; `origin` says how it came.
    std::shared_ptr<const ccd::routing::Classifier> build(ClassifierOrigin& origin) {
        return ccd::routing::loadOrTrain(config, &store, &origin);
    }
    fs::path file() const { return store.pathFor(ccd::routing::classifierModelKey(config)); }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_first_trains_and_writes_the_second_loads, Cache) {
    const std::size_t trained = classifiersTrained();
    const std::size_t restored = classifiersRestored();
    ClassifierOrigin origin{};
    const auto first = build(origin);
    BOOST_TEST((origin == ClassifierOrigin::Trained));
    BOOST_TEST((modelFiles(dir) == std::vector<fs::path>{file()}));
    FileModelStore::Activity activity = store.takeActivity();
    BOOST_TEST((activity.written == file()));
    BOOST_TEST(!activity.loaded.has_value());

    const auto second = build(origin);
    BOOST_TEST((origin == ClassifierOrigin::Restored));
    BOOST_TEST(classifiersTrained() == trained + 1);
    BOOST_TEST(classifiersRestored() == restored + 1);
    BOOST_TEST(outputs(*first) == outputs(*second));
    activity = store.takeActivity();
    BOOST_TEST((activity.loaded == file()));
    BOOST_TEST(!activity.written.has_value());
    BOOST_TEST(warnings.empty());
    // For the user alone: the models hold the corpus's words.
    BOOST_TEST(((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all));
    const fs::perms others = fs::perms::group_all | fs::perms::others_all;
    BOOST_TEST(((fs::status(file()).permissions() & others) == fs::perms::none));
}

BOOST_FIXTURE_TEST_CASE(a_damaged_file_is_ignored_and_replaced, Cache) {
    ClassifierOrigin origin{};
    build(origin);
    const std::string good = readAll(file());
    std::string flipped_payload = good;
    flipped_payload[good.size() - 100] ^= 0x01;
    std::string flipped_header = good;
    flipped_header[3] ^= 0x01;
    const std::map<std::string, std::string> damaged = {
        {"a flipped byte in the payload", flipped_payload},
        {"a flipped byte in the header", flipped_header},
        {"a truncated file", good.substr(0, good.size() / 2)},
        {"a file cut in its header", good.substr(0, 40)},
        {"an empty file", ""},
    };
    for (const auto& [what, bytes] : damaged) {
        BOOST_TEST_CONTEXT(what) {
            writeAll(file(), bytes);
            warnings.clear();
            const std::size_t trained = classifiersTrained();
            build(origin);
            BOOST_TEST((origin == ClassifierOrigin::Trained));
            BOOST_TEST(classifiersTrained() == trained + 1);
            BOOST_REQUIRE(warnings.size() == 1u);
            BOOST_TEST(warnings[0].find(file().string()) != std::string::npos);
            BOOST_TEST((readAll(file()) == good));  // replaced by the model trained
            build(origin);
            BOOST_TEST((origin == ClassifierOrigin::Restored));
        }
    }
}

BOOST_FIXTURE_TEST_CASE(a_file_of_another_key_is_ignored_and_replaced, Cache) {
    ClassifierOrigin origin{};
    build(origin);
    // Another configuration's model, in this configuration's file.
    SmallClassification other_files(ccd::testing::kSmallClassification,
                                    std::string(ccd::testing::kSmallCorpus) +
                                        R"({"lang": "en", "category": "other", "text": "hello"})"
                                        "\n");
    const ClassifierConfig other = other_files.read()->classification;
    BOOST_REQUIRE(other.source_digest != config.source_digest);
    ccd::routing::loadOrTrain(other, &store, &origin);
    const fs::path other_file = store.pathFor(ccd::routing::classifierModelKey(other));
    const std::string mine = readAll(file());
    fs::copy_file(other_file, file(), fs::copy_options::overwrite_existing);
    warnings.clear();
    build(origin);
    BOOST_TEST((origin == ClassifierOrigin::Trained));
    BOOST_REQUIRE(warnings.size() == 1u);
    BOOST_TEST(warnings[0].find("another key") != std::string::npos, warnings[0]);
    BOOST_TEST((readAll(file()) == mine));
}

BOOST_AUTO_TEST_CASE(an_unwritable_directory_still_classifies) {
    TempDir tmp;
    // Below a regular file: no directory can be made there, whoever runs the test.
    writeAll(tmp.path() / "file", "not a directory");
    std::vector<std::string> warnings;
    FileModelStore store(tmp.path() / "file" / "models",
                         [&warnings](const std::string& w) { warnings.push_back(w); });
    SmallClassification files;
    const ClassifierConfig config = files.read()->classification;
    ClassifierOrigin origin{};
    for (int i = 0; i < 2; ++i) {
        const auto c = ccd::routing::loadOrTrain(config, &store, &origin);
        BOOST_TEST((origin == ClassifierOrigin::Trained));
        BOOST_TEST(outputs(*c) == outputs(ccd::routing::Classifier(config)));
    }
    BOOST_REQUIRE(warnings.size() == 1u);  // once, not at every save
    BOOST_TEST(warnings[0].find("cannot keep trained classifier models") != std::string::npos);
    BOOST_TEST(store.takeActivity().write_failed);
}

BOOST_AUTO_TEST_CASE(the_directory_keeps_the_most_recently_used) {
    TempDir tmp;
    FileModelStore store(tmp.path(), nullptr, 3);
    const auto age = [&store](const std::string& key, int minutes) {
        fs::last_write_time(store.pathFor(key),
                            fs::file_time_type::clock::now() - std::chrono::minutes(minutes));
    };
    store.save("a", "model a");
    age("a", 40);
    store.save("b", "model b");
    age("b", 30);
    store.save("c", "model c");
    age("c", 20);
    BOOST_TEST((store.load("a") == std::optional<std::string>("model a")));  // used: now the newest
    store.save("d", "model d");
    BOOST_TEST(modelFiles(tmp.path()).size() == 3u);
    BOOST_TEST(!fs::exists(store.pathFor("b")));  // the least recently used
    for (const char* key : {"a", "c", "d"}) BOOST_TEST(fs::exists(store.pathFor(key)), key);
    // A temporary file of a writer that died long ago goes too; a fresh one (being written) stays.
    writeAll(tmp.path() / ".tmp-classifier-old", "half");
    fs::last_write_time(tmp.path() / ".tmp-classifier-old",
                        fs::file_time_type::clock::now() - std::chrono::hours(2));
    writeAll(tmp.path() / ".tmp-classifier-new", "half");
    writeAll(tmp.path() / "unrelated.txt", "kept");
    store.save("e", "model e");
    BOOST_TEST(!fs::exists(tmp.path() / ".tmp-classifier-old"));
    BOOST_TEST(fs::exists(tmp.path() / ".tmp-classifier-new"));
    BOOST_TEST(fs::exists(tmp.path() / "unrelated.txt"));
}

BOOST_AUTO_TEST_CASE(a_reader_gets_a_whole_file_or_none_while_it_is_replaced) {
    TempDir tmp;
    FileModelStore store(tmp.path(), nullptr);
    std::vector<std::string> versions;
    for (int i = 0; i < 4; ++i) versions.push_back(std::string(200000 + i * 1000, char('a' + i)));
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 0; i < 40; ++i) store.save("key", versions[static_cast<std::size_t>(i) % 4]);
        done = true;
    });
    int whole = 0;
    while (!done) {
        if (auto bytes = store.load("key")) {
            BOOST_REQUIRE(std::find(versions.begin(), versions.end(), *bytes) != versions.end());
            ++whole;
        }
    }
    writer.join();
    BOOST_TEST((store.load("key") == std::optional<std::string>(versions[3])));
    BOOST_TEST_MESSAGE(whole << " whole reads while the file was replaced");
}

BOOST_AUTO_TEST_CASE(the_directory_comes_from_the_environment) {
    using Env = std::map<std::string, std::string>;
    const auto dir = [](const Env& env) {
        return ccd::config::modelCacheDirectory(
            [&env](const std::string& name) -> std::optional<std::string> {
                const auto it = env.find(name);
                if (it == env.end()) return std::nullopt;
                return it->second;
            });
    };
    const Env all = {{"CCD_MODEL_CACHE", "/c"}, {"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}};
    BOOST_TEST((dir(all) == std::optional<fs::path>("/c")));
    BOOST_TEST((dir({{"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}}) ==
                std::optional<fs::path>("/x/ccd/models")));
    BOOST_TEST((dir({{"CCD_MODEL_CACHE", ""}, {"HOME", "/h"}}) ==
                std::optional<fs::path>("/h/.cache/ccd/models")));
    BOOST_TEST(!dir({}).has_value());
}
