#pragma once
// Trained classifier models kept as files (routing/classify/model_store.hpp), shared by every ccd
// process of the user: the daemon, `ccd classify`, `ccd simulate`, the daemons the tests start.
// One file per key, in a directory outside the checkout:
//   $CCD_MODEL_CACHE, else $XDG_CACHE_HOME/ccd/models, else $HOME/.cache/ccd/models.
//
// A file is written whole to a temporary file in the same directory, synced, then renamed over
// the old one: a process reading at the same time sees the old file or the new one, never half
// of one. On load its header (format, platform, key) and the SHA-256 of its payload are checked;
// a file that fails is ignored (a warning) and replaced by the next save. The directory keeps
// the most recently used few. When the directory cannot be created or written, models are
// trained as before (one warning): the cache only ever saves time.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/env.hpp"
#include "routing/classify/model_store.hpp"

namespace ccd::config {

/// Where models are kept for this environment (see above); nothing when none of the variables
/// is set.
std::optional<std::filesystem::path> modelCacheDirectory(const EnvLookup& env);

/// A ModelStore over one directory. Thread-safe (one mutex); processes share the directory
/// safely (atomic renames, files checked on load).
class FileModelStore final : public routing::ModelStore {
  public:
    /// Says what went wrong, once per kind of problem; never throws.
    using Warn = std::function<void(const std::string&)>;
    /// Models are kept in `dir` (created on the first save, mode 0700); at most `keep` of them.
    FileModelStore(std::filesystem::path dir, Warn warn, std::size_t keep = 8);

    std::optional<std::string> load(const std::string& key) override;
    void save(const std::string& key, const std::string& bytes) override;
    void reject(const std::string& key, const std::string& why) override;

    /// The file `key`'s model is kept in.
    std::filesystem::path pathFor(const std::string& key) const;
    const std::filesystem::path& directory() const { return dir_; }

    /// What the store did since the last call: for the daemon's start-up line.
    struct Activity {
        std::optional<std::filesystem::path> loaded;   ///< a model was loaded from here
        std::optional<std::filesystem::path> written;  ///< a model was written here
        bool write_failed = false;                     ///< a save failed (warned)
        std::chrono::milliseconds load_time{0};        ///< reading and checking files
        std::chrono::milliseconds write_time{0};       ///< writing and syncing them
    };
    Activity takeActivity();

  private:
    // Each returns an error message, empty on success.
    std::string writeFile(const std::string& key, const std::string& bytes,
                          std::filesystem::path& written);
    void removeLeastRecentlyUsed(const std::filesystem::path& just_written);
    void warnOnce(const std::string& message);

    std::filesystem::path dir_;
    Warn warn_;
    std::size_t keep_;
    std::mutex mutex_;
    Activity activity_;
    bool warned_ = false;
};

/// Installs the process's model store: a FileModelStore over modelCacheDirectory(env) as the
/// routing engines' (routing::setModelStore); none when no directory is known (warned). Call
/// once at start-up, before the first engine. Returns the store (null when none).
std::shared_ptr<FileModelStore> installModelFileStore(const EnvLookup& env,
                                                      FileModelStore::Warn warn);
/// The store installModelFileStore() installed, or null.
std::shared_ptr<FileModelStore> installedModelFileStore();

}  // namespace ccd::config
