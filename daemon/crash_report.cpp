#include "daemon/crash_report.hpp"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <initializer_list>

namespace ccd::daemon {

namespace {

// Only async-signal-safe calls from here on: write(2), backtrace_symbols_fd, raise.
void write2(const char* s) {
    auto n = ::write(STDERR_FILENO, s, ::strlen(s));
    (void)n;
}

void onFatal(int signo) {
    char line[160];
    // snprintf is not on POSIX's list, but glibc's does not allocate for these conversions.
    std::snprintf(line, sizeof line, "ccd: fatal signal %d (%s) in thread %ld; backtrace:\n",
                  signo, ::strsignal(signo), static_cast<long>(::syscall(SYS_gettid)));
    write2(line);
    void* frames[64];
    int n = ::backtrace(frames, 64);
    ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
    // SA_RESETHAND put the default action back: raising again ends the process with it.
    ::raise(signo);
}

}  // namespace

void installCrashReport() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return;
#else
    // backtrace() loads libgcc on its first call, which allocates: do it now, not in a crash.
    void* warm[1];
    ::backtrace(warm, 1);
    struct sigaction sa {};
    sa.sa_handler = onFatal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::sigaction(s, &sa, nullptr);
#endif
}

}  // namespace ccd::daemon
