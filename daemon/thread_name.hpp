#pragma once
// Names the calling thread, as `top -H`, `ps -L`, perf and gdb show it: each of ccd's threads
// says what it does ("ccd-io", "ccd-store-w", ...). Linux keeps at most 15 characters.

#include <pthread.h>

namespace ccd::daemon {

inline void nameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace ccd::daemon
