#pragma once
// Reloads the configuration when one of its files changes: polls the files' modification time
// and size every interval, and once a change has settled (the same for one more poll, so an
// editor's multi-step save is read whole) calls the reload. A reload that fails keeps the old
// configuration; the watcher logs nothing more until the files change again.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace ccd::daemon {

/// Thread safety: start() and stop() from one control thread; callbacks run on the io_context.
class ConfigWatcher {
public:
    /// `files` lists the files and folders to watch (a folder: every regular file in it), read
    /// again before each poll; `reload` is called on a settled change.
    ConfigWatcher(boost::asio::io_context& ioc, std::function<std::vector<std::string>()> files,
                  std::function<void()> reload,
                  std::chrono::milliseconds interval = std::chrono::seconds(2));
    ~ConfigWatcher();

    void start();
    void stop();
    /// The files as they are now are being read by a reload that did not come from this
    /// watcher (SIGHUP, POST /v1/admin/reload): the watcher does not reload them again.
    void reading();

    /// The files' fingerprint (paths, sizes, modification times); exposed for tests.
    static std::string fingerprint(const std::vector<std::string>& files);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon
