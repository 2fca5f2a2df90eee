#include "daemon/outbox/http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace ccd::daemon::outbox {
namespace {

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Request {
    channels::HttpCall call;
    std::chrono::milliseconds timeout{};
    HttpClient::Callback done;
    channels::HttpAnswer answer;
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {0};
    std::size_t max_body = 0;
    bool truncated = false;
};

std::size_t onBody(char* data, std::size_t size, std::size_t n, void* user) {
    auto* r = static_cast<Request*>(user);
    std::size_t bytes = size * n;
    std::size_t room = r->max_body > r->answer.body.size() ? r->max_body - r->answer.body.size() : 0;
    if (bytes > room) {
        r->truncated = true;
        r->answer.body.append(data, room);
        return bytes;  // keep reading so the connection stays reusable, but keep no more
    }
    r->answer.body.append(data, bytes);
    return bytes;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t n, void* user) {
    auto* r = static_cast<Request*>(user);
    std::string_view line(data, size * n);
    // A new status line (after a 100 Continue or a redirect) starts the headers over.
    if (line.rfind("HTTP/", 0) == 0) r->answer.headers.clear();
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.remove_suffix(1);
        if (r->answer.headers.size() < 100)
            r->answer.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * n;
}

}  // namespace

struct HttpClient::Impl {
    explicit Impl(Options o) : options(o) {
        globalInit();
        multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.connection_cache));
        thread = std::thread([this] { run(); });
    }
    ~Impl() { stop(); }

    void stop() {
        {
            std::lock_guard lock(mutex);
            if (stopping) return;
            stopping = true;
        }
        curl_multi_wakeup(multi);
        if (thread.joinable()) thread.join();
        curl_multi_cleanup(multi);
        multi = nullptr;
    }

    void submit(channels::HttpCall call, std::chrono::milliseconds timeout, Callback done) {
        auto r = std::make_unique<Request>();
        r->call = std::move(call);
        r->timeout = timeout;
        r->done = std::move(done);
        r->max_body = options.max_response_bytes;
        {
            std::lock_guard lock(mutex);
            if (!stopping) {
                queue.push_back(std::move(r));
                in_flight.fetch_add(1, std::memory_order_relaxed);
                curl_multi_wakeup(multi);
                return;
            }
        }
        r->answer.transport_error = "the HTTP client is shutting down";
        r->done(std::move(r->answer));
    }

    void start(std::unique_ptr<Request> r) {
        CURL* easy = curl_easy_init();
        if (!easy) return finish(std::move(r), "cannot create a curl handle");
        Request* raw = r.get();
        curl_easy_setopt(easy, CURLOPT_URL, raw->call.url.c_str());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, raw);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(raw->timeout.count()));
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options.connect_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, raw->error);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &onBody);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, raw);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &onHeader);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, raw);
        curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "ccd");
        if (raw->call.method == "GET") {
            curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        } else {
            curl_easy_setopt(easy, CURLOPT_POST, 1L);
            curl_easy_setopt(easy, CURLOPT_POSTFIELDS, raw->call.body.data());
            curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(raw->call.body.size()));
            if (raw->call.method != "POST")
                curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, raw->call.method.c_str());
        }
        for (const auto& [k, v] : raw->call.headers)
            raw->headers = curl_slist_append(raw->headers, (k + ": " + v).c_str());
        // No "Expect: 100-continue" round trip before a body.
        raw->headers = curl_slist_append(raw->headers, "Expect:");
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, raw->headers);
        if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
            curl_easy_cleanup(easy);
            return finish(std::move(r), "cannot start the request");
        }
        active.insert(easy);
        r.release();  // owned by the easy handle's PRIVATE pointer until done
    }

    void finish(std::unique_ptr<Request> r, const std::string& error) {
        if (r->headers) curl_slist_free_all(r->headers);
        r->headers = nullptr;
        if (!error.empty()) {
            r->answer.status = 0;
            r->answer.transport_error = error;
        }
        in_flight.fetch_sub(1, std::memory_order_relaxed);
        try {
            r->done(std::move(r->answer));
        } catch (const std::exception& e) {
            spdlog::error("http client: callback threw: {}", e.what());
        }
    }

    void reap() {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* easy = msg->easy_handle;
            Request* raw = nullptr;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
            std::unique_ptr<Request> r(raw);
            std::string error;
            if (msg->data.result == CURLE_OK) {
                long code = 0;
                curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
                r->answer.status = static_cast<int>(code);
                if (r->truncated) r->answer.transport_error = "answer cut at the size limit";
            } else {
                error = std::string(curl_easy_strerror(msg->data.result));
                if (r->error[0]) error += ": " + std::string(r->error);
            }
            curl_multi_remove_handle(multi, easy);
            curl_easy_cleanup(easy);
            active.erase(easy);
            finish(std::move(r), error);
        }
    }

    void run() {
        for (;;) {
            std::deque<std::unique_ptr<Request>> incoming;
            bool stop_now = false;
            {
                std::lock_guard lock(mutex);
                incoming.swap(queue);
                stop_now = stopping;
            }
            if (stop_now) {
                for (auto& r : incoming) finish(std::move(r), "the HTTP client is shutting down");
                abandonAll();
                return;
            }
            for (auto& r : incoming) start(std::move(r));
            int running = 0;
            curl_multi_perform(multi, &running);
            reap();
            int fds = 0;
            curl_multi_poll(multi, nullptr, 0, 1000, &fds);
        }
    }

    // At shutdown: every request still in flight is answered as not sent.
    void abandonAll() {
        std::set<CURL*> handles;
        handles.swap(active);
        for (CURL* easy : handles) {
            Request* raw = nullptr;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
            curl_multi_remove_handle(multi, easy);
            curl_easy_cleanup(easy);
            if (raw) finish(std::unique_ptr<Request>(raw), "the HTTP client is shutting down");
        }
    }

    Options options;
    CURLM* multi = nullptr;
    std::thread thread;
    mutable std::mutex mutex;
    std::deque<std::unique_ptr<Request>> queue;
    bool stopping = false;
    std::atomic<std::size_t> in_flight{0};
    std::set<CURL*> active;  // client thread only
};

HttpClient::HttpClient() : HttpClient(Options{}) {}
HttpClient::HttpClient(Options options) : impl_(std::make_unique<Impl>(options)) {}
HttpClient::~HttpClient() = default;

void HttpClient::submit(channels::HttpCall call, std::chrono::milliseconds timeout, Callback done) {
    impl_->submit(std::move(call), timeout, std::move(done));
}

std::size_t HttpClient::inFlight() const { return impl_->in_flight.load(std::memory_order_relaxed); }

void HttpClient::stop() { impl_->stop(); }

}  // namespace ccd::daemon::outbox
