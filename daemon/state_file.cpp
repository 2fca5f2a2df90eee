#include "daemon/state_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ccd::daemon {
namespace {

std::string errnoText(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

StateFolderLock::StateFolderLock(const std::string& file_in_folder) {
    // The data directory may not exist before the daemon's first start.
    auto dir = std::filesystem::path(file_in_folder).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd_ < 0 ? -1 : 0;
    while (rc == 0 && ::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) rc = -1;
    }
    if (rc != 0) {
        std::string message = errnoText("cannot lock the folder of", file_in_folder);
        if (fd_ >= 0) ::close(fd_);
        throw std::runtime_error(message);
    }
}

StateFolderLock::~StateFolderLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

void writeStateFile(const std::string& path, const std::string& text) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        // A new file: for its owner only (hashes and secrets are worth stealing).
        st.st_mode = 0600;
        st.st_uid = ::geteuid();
        st.st_gid = ::getegid();
    }
    auto dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    std::string tmp = path + ".tmp-XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw std::runtime_error(errnoText("cannot create a temp file beside", path));
    auto fail = [&](const std::string& what) {
        std::string message = errnoText(what, tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        throw std::runtime_error(message);
    };
    if (::fchmod(fd, st.st_mode & 07777) != 0) fail("cannot set the mode of");
    if (::fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) fail("cannot set the owner of");
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("cannot write");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail("cannot sync");
    if (::close(fd) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error(errnoText("cannot close", tmp));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string message = errnoText("cannot replace", path);
        ::unlink(tmp.c_str());
        throw std::runtime_error(message);
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace ccd::daemon
