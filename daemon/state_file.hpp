#pragma once
// Run-time state files in the data directory (passwords.yaml, mfa.yaml): replaced whole and
// atomically, one writer at a time across processes (the daemon and `ccd agent ...`).

#include <string>

namespace ccd::daemon {

/// An exclusive flock on the folder of a state file, held for the object's lifetime: the
/// daemon and the CLI read, change and write the files of one data directory one at a time.
/// The folder is created when missing. Throws std::runtime_error when it cannot be locked.
class StateFolderLock {
public:
    explicit StateFolderLock(const std::string& file_in_folder);
    ~StateFolderLock();
    StateFolderLock(const StateFolderLock&) = delete;
    StateFolderLock& operator=(const StateFolderLock&) = delete;

private:
    int fd_ = -1;
};

/// Replaces `path` with `text`: a temp file in the same folder (the old file's mode and owner,
/// or 0600 and the caller for a new file), fsync, rename over the original, fsync of the
/// folder. Throws std::runtime_error naming the file.
void writeStateFile(const std::string& path, const std::string& text);

}  // namespace ccd::daemon
