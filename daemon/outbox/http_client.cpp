#include "daemon/outbox/http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "channels/web_types.hpp"
#include "daemon/thread_name.hpp"

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
    curl_slist* recipients = nullptr;  // SMTP envelope
    std::size_t uploaded = 0;          // SMTP: bytes of call.body read so far
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

// Mail protocols hand every server reply line to the header callback.
std::size_t onServerLine(char* data, std::size_t size, std::size_t n, void* user) {
    auto* r = static_cast<Request*>(user);
    // IMAP hands a FETCH's literal (the message) only to this callback, line by line: it may
    // be as long as the answer may be.
    bool imap = !r->call.mail->imap_command.empty();
    std::size_t cap = imap ? r->max_body : 64 * 1024;
    if (r->answer.server_lines.size() < cap)
        r->answer.server_lines.append(data, std::min(size * n, cap - r->answer.server_lines.size()));
    else
        r->truncated = true;
    return size * n;
}

// The SMTP upload reads the message from the call's body.
std::size_t onUpload(char* buffer, std::size_t size, std::size_t n, void* user) {
    auto* r = static_cast<Request*>(user);
    std::size_t left = r->call.body.size() - r->uploaded;
    std::size_t take = std::min(left, size * n);
    std::memcpy(buffer, r->call.body.data() + r->uploaded, take);
    r->uploaded += take;
    return take;
}

// An SMTP upload or one IMAP command (channels::MailTransfer).
void setupMail(CURL* easy, Request* r) {
    const auto& m = *r->call.mail;
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps,imap,imaps");
    if (!m.username.empty()) {
        curl_easy_setopt(easy, CURLOPT_USERNAME, m.username.c_str());
        curl_easy_setopt(easy, CURLOPT_PASSWORD, m.password.c_str());
    }
    long tls = m.starttls == "required" ? CURLUSESSL_ALL
               : m.starttls == "off"    ? CURLUSESSL_NONE
                                        : CURLUSESSL_TRY;
    curl_easy_setopt(easy, CURLOPT_USE_SSL, tls);
    if (!m.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, m.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &onServerLine);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, r);
    if (!m.mail_from.empty()) {
        curl_easy_setopt(easy, CURLOPT_MAIL_FROM, ("<" + m.mail_from + ">").c_str());
        for (const auto& to : m.recipients)
            r->recipients = curl_slist_append(r->recipients, ("<" + to + ">").c_str());
        curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, r->recipients);
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, &onUpload);
        curl_easy_setopt(easy, CURLOPT_READDATA, r);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r->call.body.size()));
    } else if (!m.imap_command.empty()) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m.imap_command.c_str());
        // libcurl cuts a reply line longer than half its buffer: room for long lines of mail.
        curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 512L * 1024);
    }
}

}  // namespace

struct HttpClient::Impl {
    explicit Impl(Options o) : options(o) {
        globalInit();
        // libcurl's socket interface on epoll: a wake-up touches only the sockets that are
        // ready, however many requests are in flight (curl_multi_poll walks them all).
        epoll = ::epoll_create1(EPOLL_CLOEXEC);
        wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (epoll < 0 || wake < 0) throw std::runtime_error("http client: no epoll or eventfd");
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = wake;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &ev);
        multi = curl_multi_init();
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.connection_cache));
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::onSocket);
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::onTimer);
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
        thread = namedThread("ccd-outbox", [this] { run(); });
    }

    // libcurl tells which sockets to watch for what.
    static int onSocket(CURL*, curl_socket_t s, int what, void* self, void* socketp) {
        auto* impl = static_cast<Impl*>(self);
        epoll_event ev{};
        ev.data.fd = s;
        if (what == CURL_POLL_REMOVE) {
            ::epoll_ctl(impl->epoll, EPOLL_CTL_DEL, s, nullptr);
            curl_multi_assign(impl->multi, s, nullptr);
            return 0;
        }
        ev.events = (what & CURL_POLL_IN ? std::uint32_t{EPOLLIN} : 0u) |
                    (what & CURL_POLL_OUT ? std::uint32_t{EPOLLOUT} : 0u);
        if (socketp) {
            ::epoll_ctl(impl->epoll, EPOLL_CTL_MOD, s, &ev);
        } else {
            ::epoll_ctl(impl->epoll, EPOLL_CTL_ADD, s, &ev);
            curl_multi_assign(impl->multi, s, impl);  // marks it as added
        }
        return 0;
    }

    // libcurl's next timeout: -1 none, 0 now.
    static int onTimer(CURLM*, long timeout_ms, void* self) {
        static_cast<Impl*>(self)->timeout_ms = timeout_ms;
        return 0;
    }
    ~Impl() { stop(); }

    void stop() {
        {
            std::lock_guard lock(mutex);
            if (stopping) return;
            stopping = true;
        }
        poke();
        if (thread.joinable()) thread.join();
        for (CURL* easy : idle) curl_easy_cleanup(easy);
        idle.clear();
        curl_multi_cleanup(multi);
        multi = nullptr;
        ::close(epoll);
        ::close(wake);
    }

    void poke() {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
    }

    void submit(channels::HttpCall call, std::chrono::milliseconds timeout, Callback done) {
        auto r = std::make_unique<Request>();
        r->call = std::move(call);
        r->timeout = timeout;
        r->done = std::move(done);
        r->max_body = r->call.max_answer_bytes ? r->call.max_answer_bytes : options.max_response_bytes;
        {
            std::lock_guard lock(mutex);
            if (!stopping) {
                queue.push_back(std::move(r));
                in_flight.fetch_add(1, std::memory_order_relaxed);
                // One wake-up for a burst: the thread takes the whole queue at once.
                if (queue.size() == 1) poke();
                return;
            }
        }
        r->answer.transport_error = "the HTTP client is shutting down";
        r->done(std::move(r->answer));
    }

    // Easy handles are kept for reuse: a new one allocates its buffers again (tens of KiB
    // each), which showed in profiles as the allocator's most expensive work.
    CURL* takeHandle() {
        if (idle.empty()) return curl_easy_init();
        CURL* easy = idle.back();
        idle.pop_back();
        curl_easy_reset(easy);
        return easy;
    }
    void giveBack(CURL* easy) {
        if (idle.size() < options.connection_cache) idle.push_back(easy);
        else curl_easy_cleanup(easy);
    }

    void start(std::unique_ptr<Request> r) {
        CURL* easy = takeHandle();
        if (!easy) return finish(std::move(r), "cannot create a curl handle");
        Request* raw = r.get();
        curl_easy_setopt(easy, CURLOPT_URL, raw->call.url.c_str());
        curl_easy_setopt(easy, CURLOPT_PRIVATE, raw);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(raw->timeout.count()));
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options.connect_timeout.count()));
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, raw->error);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &onBody);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, raw);
        curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        if (raw->call.mail) {
            setupMail(easy, raw);
        } else {
            setupHttp(easy, raw);
        }
        if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
            giveBack(easy);
            return finish(std::move(r), "cannot start the request");
        }
        active.insert(easy);
        r.release();  // owned by the easy handle's PRIVATE pointer until done
    }

    static void setupHttp(CURL* easy, Request* raw) {
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &onHeader);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, raw);
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "ccd");
        if (raw->call.method == "GET") {
            curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        } else if (raw->call.method == "HEAD") {  // an answer without a body (the relay's)
            curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
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
        // A POST without a Content-Type is sent without one, not as curl's form type (the
        // relay passes on a body as the client sent it).
        bool typed = false;
        for (const auto& [k, v] : raw->call.headers)
            typed = typed || channels::equalsIgnoreCase(k, "Content-Type");
        if (!typed && raw->call.method != "GET" && raw->call.method != "HEAD")
            raw->headers = curl_slist_append(raw->headers, "Content-Type:");
        // No "Expect: 100-continue" round trip before a body.
        raw->headers = curl_slist_append(raw->headers, "Expect:");
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, raw->headers);
    }

    void finish(std::unique_ptr<Request> r, const std::string& error) {
        if (r->headers) curl_slist_free_all(r->headers);
        r->headers = nullptr;
        if (r->recipients) curl_slist_free_all(r->recipients);
        r->recipients = nullptr;
        if (!error.empty()) {
            // A mail server's reply code stays: it tells a refused recipient (550) from a
            // server that is busy (451).
            if (!r->call.mail) r->answer.status = 0;
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
                if (r->call.mail) {
                    long code = 0;
                    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
                    r->answer.status = static_cast<int>(code);
                }
                error = std::string(curl_easy_strerror(msg->data.result));
                if (r->error[0]) error += ": " + std::string(r->error);
            }
            curl_multi_remove_handle(multi, easy);
            active.erase(easy);
            giveBack(easy);
            finish(std::move(r), error);
        }
    }

    void run() {
        epoll_event events[256];
        for (;;) {
            int timeout = timeout_ms < 0 ? 1000 : static_cast<int>(std::min(timeout_ms, 1000L));
            int n = ::epoll_wait(epoll, events, 256, timeout);
            int running = 0;
            bool woken = false;
            for (int i = 0; i < n; ++i) {
                if (events[i].data.fd == wake) {
                    woken = true;
                    continue;
                }
                int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                            (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                            (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
                curl_multi_socket_action(multi, events[i].data.fd, flags, &running);
            }
            if (n == 0 || timeout_ms == 0) curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
            if (woken) {
                std::uint64_t count = 0;
                [[maybe_unused]] auto r = ::read(wake, &count, sizeof count);
                std::deque<std::unique_ptr<Request>> incoming;
                bool stop_now = false;
                {
                    std::lock_guard lock(mutex);
                    incoming.swap(queue);
                    stop_now = stopping;
                }
                if (stop_now) {
                    for (auto& req : incoming) finish(std::move(req), "the HTTP client is shutting down");
                    abandonAll();
                    return;
                }
                for (auto& req : incoming) start(std::move(req));
                // New handles ask for a timeout of 0: start them now.
                curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
            }
            reap();
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
    int epoll = -1;
    int wake = -1;                // eventfd: requests queued, or stop
    long timeout_ms = -1;         // libcurl's next timeout; client thread only
    CURLM* multi = nullptr;
    std::thread thread;
    mutable std::mutex mutex;
    std::deque<std::unique_ptr<Request>> queue;
    bool stopping = false;
    std::atomic<std::size_t> in_flight{0};
    std::set<CURL*> active;    // client thread only
    std::vector<CURL*> idle;   // reusable handles; client thread only
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
