#include "config/model_file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

#include "channels/common/crypto.hpp"
#include "routing/engine.hpp"

namespace ccd::config {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kFilePrefix = "classifier-";
constexpr const char* kFileSuffix = ".model";
constexpr const char* kTempPrefix = ".tmp-classifier-";
// A temporary file this old was left by a process that died while writing it.
constexpr auto kStaleTemp = std::chrono::hours(1);

// The first line of every file: what it is and the version of this layout.
constexpr const char* kFileMagic = "ccd classifier model file 1";

// The payload holds numbers as this process holds them: only a process of the same byte order
// and type sizes reads them.
std::string platformLine() {
    const std::uint32_t probe = 0x01020304;
    unsigned char first = 0;
    std::memcpy(&first, &probe, 1);
    return std::string("platform ") + (first == 0x04 ? "little-endian" : "big-endian") +
           " double=" + std::to_string(sizeof(double)) + " float=" + std::to_string(sizeof(float)) +
           " size_t=" + std::to_string(sizeof(std::size_t));
}

// The header up to the payload's line.
std::string headerStart(const std::string& key) {
    return std::string(kFileMagic) + "\n" + platformLine() + "\nkey " + key + "\n";
}

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

std::string errnoText() { return std::strerror(errno); }

// The whole file, or nothing when it does not exist; throws std::runtime_error when it exists
// and cannot be read.
std::optional<std::string> readFile(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw std::runtime_error("cannot open it: " + errnoText());
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw std::runtime_error("cannot read it: " + errnoText());
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error("cannot read it: " + errnoText());
        if (n == 0) break;  // shorter than it was a moment ago
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

// The payload of `file` if its header is this process's for `key` and the payload matches its
// length and digest; otherwise why not. The header is removed from `file` in place.
std::string checkFile(std::string& file, const std::string& key) {
    const std::string expected = headerStart(key);
    if (file.compare(0, std::strlen(kFileMagic), kFileMagic) != 0) return "not a model file";
    if (file.compare(0, expected.size(), expected) != 0) {
        if (file.size() < expected.size() && expected.compare(0, file.size(), file) == 0)
            return "truncated header";
        const std::size_t key_at = file.find("\nkey ");
        if (key_at != std::string::npos &&
            file.compare(0, key_at + 1, expected, 0, key_at + 1) == 0)
            return "the model of another key";
        return "written by another version or kind of machine";
    }
    const std::size_t line_end = file.find('\n', expected.size());
    if (line_end == std::string::npos) return "truncated header";
    // "payload <length> sha256 <hex>"
    const std::string line = file.substr(expected.size(), line_end - expected.size());
    char digest[65] = {};
    unsigned long long length = 0;
    if (std::sscanf(line.c_str(), "payload %llu sha256 %64s", &length, digest) != 2) {
        return "a bad payload line";
    }
    const std::size_t payload_at = line_end + 1;
    if (file.size() - payload_at != length) {
        return "truncated: " + std::to_string(file.size() - payload_at) + " of " +
               std::to_string(length) + " payload bytes";
    }
    file.erase(0, payload_at);
    if (channels::sha256Hex(file) != digest) return "the payload does not match its SHA-256";
    return "";
}

// Writes all of `bytes` to `fd`.
bool writeAll(int fd, const char* bytes, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, bytes, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool isModelFile(const std::string& name) {
    const std::string suffix = kFileSuffix;
    return name.rfind(kFilePrefix, 0) == 0 && name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::shared_ptr<FileModelStore>& installed() {
    static std::shared_ptr<FileModelStore> store;
    return store;
}

}  // namespace

std::optional<fs::path> modelCacheDirectory(const EnvLookup& env) {
    const auto nonEmpty = [&env](const char* name) -> std::optional<std::string> {
        auto value = env(name);
        if (value && value->empty()) value.reset();
        return value;
    };
    if (auto dir = nonEmpty("CCD_MODEL_CACHE")) return fs::path(*dir);
    if (auto dir = nonEmpty("XDG_CACHE_HOME")) return fs::path(*dir) / "ccd" / "models";
    if (auto home = nonEmpty("HOME")) return fs::path(*home) / ".cache" / "ccd" / "models";
    return std::nullopt;
}

FileModelStore::FileModelStore(fs::path dir, Warn warn, std::size_t keep)
    : dir_(std::move(dir)), warn_(std::move(warn)), keep_(std::max<std::size_t>(keep, 1)) {}

fs::path FileModelStore::pathFor(const std::string& key) const {
    // The key is long and holds spaces; its digest names the file, and the header holds it whole.
    return dir_ / (kFilePrefix + channels::sha256Hex(key).substr(0, 32) + kFileSuffix);
}

std::optional<std::string> FileModelStore::load(const std::string& key) {
    const auto start = Clock::now();
    const fs::path path = pathFor(key);
    std::optional<std::string> file;
    std::string problem;
    try {
        file = readFile(path);
        if (file) problem = checkFile(*file, key);
    } catch (const std::exception& e) {  // unreadable, or no memory for it
        problem = e.what();
    }
    std::lock_guard lock(mutex_);
    activity_.load_time += since(start);
    if (!file) return std::nullopt;
    if (!problem.empty()) {
        if (warn_)
            warn_("ignoring the classifier model " + path.string() + ": " + problem +
                  " (training again; the model trained will replace it)");
        return std::nullopt;
    }
    // Used now: the directory keeps the most recently used (removeLeastRecentlyUsed).
    std::error_code ignored;
    fs::last_write_time(path, fs::file_time_type::clock::now(), ignored);
    activity_.loaded = path;
    return file;
}

void FileModelStore::save(const std::string& key, const std::string& bytes) {
    const auto start = Clock::now();
    fs::path written;
    std::string problem;
    try {
        problem = writeFile(key, bytes, written);
        if (problem.empty()) removeLeastRecentlyUsed(written);
    } catch (const std::exception& e) {
        problem = e.what();
    }
    std::lock_guard lock(mutex_);
    activity_.write_time += since(start);
    if (problem.empty()) {
        activity_.written = written;
        return;
    }
    activity_.write_failed = true;
    warnOnce("cannot keep trained classifier models in " + dir_.string() + ": " + problem +
             " (each process trains its own; set CCD_MODEL_CACHE to a writable directory)");
}

void FileModelStore::reject(const std::string& key, const std::string& why) {
    const fs::path path = pathFor(key);
    std::error_code ignored;
    fs::remove(path, ignored);
    std::lock_guard lock(mutex_);
    activity_.loaded.reset();
    if (warn_)
        warn_("ignoring the classifier model " + path.string() + ": " + why +
              " (training again; the model trained will replace it)");
}

FileModelStore::Activity FileModelStore::takeActivity() {
    std::lock_guard lock(mutex_);
    return std::exchange(activity_, Activity{});
}

std::string FileModelStore::writeFile(const std::string& key, const std::string& bytes,
                                      fs::path& written) {
    std::error_code error;
    if (!fs::is_directory(dir_, error)) {
        fs::create_directories(dir_, error);
        if (error) return "cannot create the directory: " + error.message();
        // Models hold the corpus's words: for the user alone.
        fs::permissions(dir_, fs::perms::owner_all, error);
    }
    // Written beside the final name and renamed over it: a reader sees a whole file or none.
    std::string temp = (dir_ / (std::string(kTempPrefix) + "XXXXXX")).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return "cannot create a file there: " + errnoText();
    const std::string header = headerStart(key) + "payload " + std::to_string(bytes.size()) +
                               " sha256 " + channels::sha256Hex(bytes) + "\n";
    std::string problem;
    if (!writeAll(fd, header.data(), header.size()) || !writeAll(fd, bytes.data(), bytes.size())) {
        problem = "cannot write " + temp + ": " + errnoText();
    } else if (::fsync(fd) != 0) {
        problem = "cannot sync " + temp + ": " + errnoText();
    }
    if (::close(fd) != 0 && problem.empty()) problem = "cannot write " + temp + ": " + errnoText();
    const fs::path path = pathFor(key);
    if (problem.empty() && ::rename(temp.c_str(), path.c_str()) != 0) {
        problem = "cannot rename " + temp + " to " + path.string() + ": " + errnoText();
    }
    if (!problem.empty()) {
        ::unlink(temp.c_str());
        return problem;
    }
    // The rename itself durable too: sync the directory (a failure costs a training at most).
    const int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
    written = path;
    return "";
}

void FileModelStore::removeLeastRecentlyUsed(const fs::path& just_written) {
    std::vector<std::pair<fs::file_time_type, fs::path>> models;
    std::error_code error;
    const auto now = fs::file_time_type::clock::now();
    for (fs::directory_iterator it(dir_, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        std::error_code e;
        const auto modified = it->last_write_time(e);
        if (e) continue;
        if (isModelFile(name) && it->path() != just_written) {
            models.emplace_back(modified, it->path());
        } else if (name.rfind(kTempPrefix, 0) == 0 && now - modified > kStaleTemp) {
            fs::remove(it->path(), e);
        }
    }
    // The file just written is one of the `keep_`.
    if (models.size() < keep_) return;
    std::sort(models.begin(), models.end(), [](const auto& a, const auto& b) {
        return a.first > b.first;  // most recently used first
    });
    for (std::size_t i = keep_ - 1; i < models.size(); ++i) {
        std::error_code e;
        fs::remove(models[i].second, e);
    }
}

void FileModelStore::warnOnce(const std::string& message) {
    if (warned_) return;
    warned_ = true;
    if (warn_) warn_(message);
}

std::shared_ptr<FileModelStore> installModelFileStore(const EnvLookup& env,
                                                      FileModelStore::Warn warn) {
    std::shared_ptr<FileModelStore> store;
    if (auto dir = modelCacheDirectory(env)) {
        store = std::make_shared<FileModelStore>(*dir, std::move(warn));
    } else if (warn) {
        warn(
            "no directory for trained classifier models (CCD_MODEL_CACHE, XDG_CACHE_HOME and "
            "HOME are unset): each process trains its own");
    }
    installed() = store;
    routing::setModelStore(store);
    return store;
}

std::shared_ptr<FileModelStore> installedModelFileStore() { return installed(); }

}  // namespace ccd::config
