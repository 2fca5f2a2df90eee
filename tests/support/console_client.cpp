#include "tests/support/console_client.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ccd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using Frame = ConsoleClient::Frame;

namespace {

std::string shorten(const std::string& s) { return s.size() > 400 ? s.substr(0, 400) + "..." : s; }

long long millis(ConsoleClient::Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

struct ConsoleClient::Impl {
    Impl() : work(asio::make_work_guard(ioc)), ws(ioc) {}

    // Runs on the client's thread: one read outstanding at a time, each frame to the lists.
    void read() {
        ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
            {
                std::lock_guard lock(mutex);
                if (ec) {
                    is_open = false;
                    reading = false;
                    close_code = ws.reason().code;
                    cv.notify_all();
                    return;
                }
                auto text = beast::buffers_to_string(buffer.data());
                buffer.consume(buffer.size());
                Frame frame = Frame::parse(text, nullptr, false);
                if (frame.is_discarded()) frame = Frame{{"type", "<not json>"}, {"text", text}};
                if (frame.contains("seq") && frame["seq"].is_number_unsigned())
                    last_seq = std::max(last_seq, frame["seq"].get<std::uint64_t>());
                all.push_back(frame);
                waiting.push_back(std::move(frame));
                cv.notify_all();
            }
            read();
        });
    }

    std::string describeWaiting() const {
        std::string out;
        for (const auto& f : waiting) out += "\n    " + shorten(f.dump());
        return out.empty() ? " (none)" : out;
    }

    asio::io_context ioc;
    asio::executor_work_guard<asio::io_context::executor_type> work;
    websocket::stream<beast::tcp_stream> ws;
    websocket::response_type upgrade;
    beast::flat_buffer buffer;
    std::thread thread;
    int status = 0;
    std::string error;
    int ids = 0;

    mutable std::mutex mutex;
    std::condition_variable cv;
    bool is_open = false;
    bool reading = false;
    int close_code = 0;
    std::uint64_t last_seq = 0;
    std::deque<Frame> waiting;  // not taken yet
    std::vector<Frame> all;
};

ConsoleClient::ConsoleClient(std::uint16_t port, const std::string& token,
                             const std::string& target, const std::string& origin,
                             const std::string& forwarded_for)
    : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    auto& tcp = beast::get_lowest_layer(d.ws);
    d.ws.set_option(websocket::stream_base::decorator(
        [token, origin, forwarded_for](websocket::request_type& r) {
            if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
            if (!origin.empty()) r.set(http::field::origin, origin);
            if (!forwarded_for.empty()) r.set("X-Forwarded-For", forwarded_for);
        }));
    beast::error_code result = asio::error::timed_out;
    bool finished = false;
    tcp.expires_after(std::chrono::seconds(10));  // connect and upgrade
    tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                      [&](beast::error_code ec) {
                          if (ec) {
                              result = ec;
                              finished = true;
                              return;
                          }
                          d.ws.async_handshake(d.upgrade, "127.0.0.1", target,
                                               [&](beast::error_code ec) {
                                                   result = ec;
                                                   finished = true;
                                               });
                      });
    while (!finished && d.ioc.run_one() > 0) {
    }
    d.status = static_cast<int>(d.upgrade.result_int());
    if (result) {
        d.error = result.message();
        return;
    }
    tcp.expires_never();  // the websocket stream keeps its own time from here
    beast::error_code ignored;
    tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    d.is_open = true;
    d.reading = true;
    d.read();
    d.thread = std::thread([&d] { d.ioc.run(); });
}

ConsoleClient::~ConsoleClient() {
    Impl& d = *impl_;
    if (open()) close();
    asio::post(d.ioc, [&d] {
        beast::error_code ec;
        beast::get_lowest_layer(d.ws).socket().close(ec);
    });
    {
        std::unique_lock lock(d.mutex);
        d.cv.wait_for(lock, kWait, [&d] { return !d.reading; });
    }
    d.work.reset();
    d.ioc.stop();
    if (d.thread.joinable()) d.thread.join();
}

bool ConsoleClient::open() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->is_open;
}

int ConsoleClient::upgradeStatus() const { return impl_->status; }

const std::string& ConsoleClient::error() const { return impl_->error; }

int ConsoleClient::closeCode() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->close_code;
}

bool ConsoleClient::sendText(const std::string& text) {
    Impl& d = *impl_;
    auto done = std::make_shared<std::promise<beast::error_code>>();
    auto result = done->get_future();
    auto message = std::make_shared<std::string>(text);
    asio::post(d.ioc, [&d, done, message] {
        d.ws.text(true);
        d.ws.async_write(
            asio::buffer(*message),
            [done, message](beast::error_code ec, std::size_t) { done->set_value(ec); });
    });
    if (result.wait_for(kWait) != std::future_status::ready) return false;
    return !result.get();
}

Frame ConsoleClient::call(Frame command, Duration timeout) {
    if (!command.contains("id")) command["id"] = "cmd-" + std::to_string(++impl_->ids);
    auto id = command["id"].is_string() ? command["id"].get<std::string>() : command["id"].dump();
    if (!send(command)) throw std::runtime_error("cannot send " + command.dump());
    auto answer = take(
        [&id](const Frame& f) {
            auto type = f.value("type", "");
            return (type == "ack" || type == "error") && f.contains("id") && f["id"] == id;
        },
        timeout);
    if (!answer)
        throw std::runtime_error("no ack or error for " + command.dump() + " within " +
                                 std::to_string(millis(timeout)) + " ms; waiting:" + pending());
    return *answer;
}

Frame ConsoleClient::ok(Frame command, Duration timeout) {
    auto answer = call(command, timeout);
    if (answer.value("type", "") != "ack")
        throw std::runtime_error(command.dump() + " was answered " + answer.dump());
    return answer;
}

std::optional<Frame> ConsoleClient::take(const Pred& pred, Duration timeout) {
    Impl& d = *impl_;
    std::unique_lock lock(d.mutex);
    std::optional<Frame> found;
    d.cv.wait_for(lock, timeout, [&] {
        for (auto it = d.waiting.begin(); it != d.waiting.end(); ++it) {
            if (pred(*it)) {
                found = std::move(*it);
                d.waiting.erase(it);
                return true;
            }
        }
        return !d.is_open;  // nothing more will come
    });
    return found;
}

Frame ConsoleClient::expect(const std::string& type, std::int64_t conversation_id,
                            Duration timeout) {
    auto f = take(matching(type, conversation_id), timeout);
    if (!f)
        throw std::runtime_error(
            "no \"" + type + "\" frame" +
            (conversation_id ? " for conversation " + std::to_string(conversation_id) : "") +
            " within " + std::to_string(millis(timeout)) + " ms" +
            (open() ? "" : " (the connection is closed)") + "; waiting:" + pending());
    return *f;
}

Frame ConsoleClient::expectUpdate(std::int64_t conversation_id, const std::string& change,
                                  Duration timeout) {
    auto is_update = matching("conversation_updated", conversation_id);
    auto f = take([&](const Frame& f) { return is_update(f) && f.value("change", "") == change; },
                  timeout);
    if (!f)
        throw std::runtime_error("no conversation_updated \"" + change + "\" for conversation " +
                                 std::to_string(conversation_id) + " within " +
                                 std::to_string(millis(timeout)) + " ms; waiting:" + pending());
    return *f;
}

bool ConsoleClient::has(const Pred& pred) const {
    std::lock_guard lock(impl_->mutex);
    return std::any_of(impl_->waiting.begin(), impl_->waiting.end(), pred);
}

ConsoleClient::Pred ConsoleClient::matching(const std::string& type, std::int64_t conversation_id) {
    return [type, conversation_id](const Frame& f) {
        return f.value("type", "") == type &&
               (conversation_id == 0 ||
                (f.contains("conversation_id") && f["conversation_id"] == conversation_id));
    };
}

std::vector<Frame> ConsoleClient::received() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->all;
}

std::uint64_t ConsoleClient::lastSeq() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->last_seq;
}

std::string ConsoleClient::pending() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->describeWaiting();
}

void ConsoleClient::close() {
    Impl& d = *impl_;
    auto done = std::make_shared<std::promise<void>>();
    auto result = done->get_future();
    asio::post(d.ioc, [&d, done] {
        d.ws.async_close(websocket::close_code::normal,
                         [done](beast::error_code) { done->set_value(); });
    });
    result.wait_for(kWait);
    std::unique_lock lock(d.mutex);
    d.cv.wait_for(lock, kWait, [&d] { return !d.reading; });
    d.is_open = false;
}

}  // namespace ccd::testing
