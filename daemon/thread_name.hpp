#pragma once
// ccd's threads are named, as `top -H`, `ps -L`, perf and gdb show them: each says what it
// does ("ccd-io", "ccd-store-w", ...). Linux keeps at most 15 characters.

#include <pthread.h>

#include <thread>
#include <utility>

namespace ccd::daemon {

/// A thread named `name` that runs `body`.
template <class F>
std::thread namedThread(const char* name, F body) {
    return std::thread([name, body = std::move(body)]() mutable {
        pthread_setname_np(pthread_self(), name);
        body();
    });
}

}  // namespace ccd::daemon
