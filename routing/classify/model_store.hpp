#pragma once
// Trained classifiers kept between processes. Training on the shipped corpus takes 1.6 s (ten
// under the sanitizers) in every process that classifies: the daemon, `ccd classify`, `ccd
// simulate`, each daemon a test starts. What training learns depends only on the configuration
// (ClassifierConfig::source_digest) and the code, so a model trained once is kept under a key
// made of both and restored by the next process instead (Classifier::restore).
//
// routing/ does no I/O: it makes the key and the bytes, and asks a ModelStore, which the process
// installs (ccd keeps files: config/model_file_store.hpp).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "routing/classify/classifier_config.hpp"

namespace ccd::routing {

class Classifier;

/// Keeps trained models (Classifier::serializeModel) by key.
/// Thread safety: called from any thread that builds an engine or a classifier (the main
/// thread, the daemon's reload thread), possibly at once: implementations are thread-safe.
/// None of the calls throws: a store that cannot read or write says so in its own way, and the
/// classifier is trained as if the store were not there.
class ModelStore {
  public:
    virtual ~ModelStore() = default;
    /// The bytes saved under `key`, or nothing.
    virtual std::optional<std::string> load(const std::string& key) = 0;
    /// Keeps `bytes` under `key`, replacing what was there.
    virtual void save(const std::string& key, const std::string& bytes) = 0;
    /// The bytes load() gave for `key` could not be restored (`why`): they are trained again and
    /// saved in their place.
    virtual void reject(const std::string& key, const std::string& why) = 0;
};

/// The key of the model `config` trains: its source_digest, the digest of the training code
/// and the build (generated at build time from routing/classify/ and the classification reader),
/// the model format, and the ICU and C library versions the tokenizer and the maths come from.
/// Empty when the configuration was not read from a file (no source_digest): such a model is
/// never kept.
std::string classifierModelKey(const ClassifierConfig& config);

/// How a classifier came to be.
enum class ClassifierOrigin { Trained, Restored };

/// A classifier for `config`: restored from `store` when it holds a model under
/// classifierModelKey(config) that restores, trained otherwise (and then saved to `store`).
/// Without a store or a key, simply trained. Throws as Classifier(ClassifierConfig) does.
std::shared_ptr<const Classifier> loadOrTrain(const ClassifierConfig& config, ModelStore* store,
                                              ClassifierOrigin* origin = nullptr);

/// How many classifiers loadOrTrain() has trained in this process (the engines build theirs with
/// it), and how many it has restored from a store. Thread-safe.
std::size_t classifiersTrained();
std::size_t classifiersRestored();

}  // namespace ccd::routing
