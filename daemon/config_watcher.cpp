#include "daemon/config_watcher.hpp"

#include <algorithm>
#include <filesystem>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace ccd::daemon {

namespace fs = std::filesystem;

std::string ConfigWatcher::fingerprint(const std::vector<std::string>& files) {
    std::vector<std::string> parts;
    auto add = [&](const fs::path& p) {
        std::error_code ec;
        auto size = fs::file_size(p, ec);
        if (ec) {
            parts.push_back(p.string() + ":missing");
            return;
        }
        auto time = fs::last_write_time(p, ec);
        parts.push_back(p.string() + ":" + std::to_string(size) + ":" +
                        std::to_string(time.time_since_epoch().count()));
    };
    for (const auto& f : files) {
        std::error_code ec;
        if (fs::is_directory(f, ec)) {
            for (const auto& entry : fs::directory_iterator(f, ec)) {
                if (entry.is_regular_file(ec)) add(entry.path());
            }
        } else {
            add(f);
        }
    }
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (const auto& p : parts) out += p + "\n";
    return out;
}

struct ConfigWatcher::Impl : std::enable_shared_from_this<ConfigWatcher::Impl> {
    Impl(boost::asio::io_context& ioc, std::function<std::vector<std::string>()> f,
         std::function<void()> r, std::chrono::milliseconds i)
        : timer(ioc), files(std::move(f)), reload(std::move(r)), interval(i) {}

    boost::asio::steady_timer timer;
    std::function<std::vector<std::string>()> files;
    std::function<void()> reload;
    std::chrono::milliseconds interval;
    std::mutex mutex;     // loaded and pending: reading() comes from other threads
    std::string loaded;   // the fingerprint of what is in force (or was last tried)
    std::string pending;  // a change seen once, waiting to settle
    bool stopped = false;

    void arm() {
        timer.expires_after(interval);
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped) return;
            self->poll();
            self->arm();
        });
    }

    void poll() {
        try {
            auto now = fingerprint(files());
            {
                std::lock_guard lock(mutex);
                if (now == loaded) {
                    pending.clear();
                    return;
                }
                if (now != pending) {  // changed since the last poll: let it settle
                    pending = now;
                    return;
                }
                loaded = now;
                pending.clear();
            }
            spdlog::info("configuration files changed: reloading");
            reload();
        } catch (const std::exception& e) {
            spdlog::error("configuration watch: {}", e.what());
        }
    }
};

ConfigWatcher::ConfigWatcher(boost::asio::io_context& ioc,
                             std::function<std::vector<std::string>()> files,
                             std::function<void()> reload, std::chrono::milliseconds interval)
    : impl_(std::make_shared<Impl>(ioc, std::move(files), std::move(reload), interval)) {}

ConfigWatcher::~ConfigWatcher() { stop(); }

void ConfigWatcher::start() {
    impl_->loaded = fingerprint(impl_->files());
    impl_->arm();
}

void ConfigWatcher::reading() {
    auto now = fingerprint(impl_->files());
    std::lock_guard lock(impl_->mutex);
    impl_->loaded = std::move(now);
    impl_->pending.clear();
}

void ConfigWatcher::stop() {
    impl_->stopped = true;
    boost::system::error_code ignored;
    impl_->timer.cancel();
}

}  // namespace ccd::daemon
