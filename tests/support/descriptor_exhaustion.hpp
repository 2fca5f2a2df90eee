#pragma once
// Makes the process run out of file descriptors while it lives: the soft RLIMIT_NOFILE is
// lowered to just above the highest descriptor open now and the free numbers below it are
// filled, so the next accept() or open() fails with EMFILE. Everything comes back at the end.
// Create the client sockets a test needs before, and do nothing that opens a file meanwhile.

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace ccd::testing {

class DescriptorExhaustion {
  public:
    DescriptorExhaustion() {
        if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) throw std::runtime_error("getrlimit failed");
        int highest = 0;
        if (DIR* d = ::opendir("/proc/self/fd")) {
            while (dirent* e = ::readdir(d)) {
                int fd = std::atoi(e->d_name);
                if (fd > highest) highest = fd;
            }
            ::closedir(d);
        }
        rlimit low = saved_;
        low.rlim_cur = static_cast<rlim_t>(highest + 1);
        if (::setrlimit(RLIMIT_NOFILE, &low) != 0) throw std::runtime_error("setrlimit failed");
        for (;;) {
            int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0) break;
            fillers_.push_back(fd);
        }
    }
    ~DescriptorExhaustion() {
        for (int fd : fillers_) ::close(fd);
        ::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    DescriptorExhaustion(const DescriptorExhaustion&) = delete;
    DescriptorExhaustion& operator=(const DescriptorExhaustion&) = delete;

  private:
    rlimit saved_{};
    std::vector<int> fillers_;
};

}  // namespace ccd::testing
