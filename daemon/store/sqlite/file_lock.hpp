#pragma once
// An exclusive advisory lock on a file (flock), held for the lifetime of the object, with the
// holder's pid written inside so that a refused process can say who holds it.

#include <stdexcept>
#include <string>

namespace ccd::store::sqlite {

/// The lock is held by another process, or the lock file cannot be used.
class FileLockError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class FileLock {
public:
    /// Creates `path` if needed and locks it without waiting. Throws FileLockError; when another
    /// process holds it, the message names its pid.
    explicit FileLock(const std::string& path);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace ccd::store::sqlite
