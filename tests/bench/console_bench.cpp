// Console benchmark (issue: agent console): N agents connected to the console websocket,
// messages posted to POST /v1/messages at a steady rate; for each message the time from its 202
// to the `offer` frame at an agent. The reference measured in the same run is the round trip of
// a websocket `typing` command to its answer on the same server and connections. Also reports the
// daemon's resident memory per idle authenticated agent connection.
//
// With --cti PATH (tests/bench/console with VOICE=1) it is the phone benchmark instead: new
// calls posted to a CTI webhook at the rate, each answered by the routing decision (dial the
// agent's SIP address, or queue), timed from the write to the answer; interleaved at the same
// rate, the reference: a `hangup` of another call on the same webhook, which is parsed, stored
// and answered {} without a routing decision.
//
// Started by tests/bench/console, which prepares the daemon; run by hand:
//   console_bench --http 127.0.0.1:P --ws 127.0.0.1:Q --pid PID --password PW
//                 [--agents 500] [--prefix a] [--rate 1000] [--duration 10]
//                 [--http-connections 64] [--typing-rate 200] [--supervisor NAME]
//                 [--cti /webhooks/cti/INSTANCE/TOKEN]
//
// One thread, one io_context: every timestamp is taken when a completion handler starts, so
// the client's own scheduling delay is in both the offer figures and the typing reference.
// Exit status: 0 when the run completed (whatever the figures), 1 on an error, 2 on usage.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "tests/bench/console_bench_figures.hpp"
#include "tests/bench/console_bench_options.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;
using namespace ccd::bench;  // the options (console_bench_options) and figures

namespace {

// ---- message texts: ~80 characters, English, Simplified and Traditional Chinese; each routes to
// an agent queue (technical, billing, returns, general), none to escalation or self-service.
const char* const kTexts[] = {
    "My dishwasher shows error code E15 and will not start, I already tried to restart it.",
    "I was charged twice for my last order, please refund the duplicate payment to my card.",
    "I want to return the blender I ordered, it came in the wrong colour. How do I send it back?",
    "The parcel tracking has not moved for five days, where is my delivery at the moment?",
    "投影仪开机后没有画面，指示灯一直闪红灯，已经换过电源线了，请帮忙看看怎么处理，谢谢。",
    "上个月的账单多扣了一笔钱，同一个订单被重复扣款两次，请尽快帮我把多扣的钱退回来。",
    "上周买的吸尘器不太合适，想申请退货，包装都还在，请问退货流程是怎样的，运费谁承担？",
    "洗碗機不出水，面板顯示錯誤代碼，說明書上的方法都試過了，還是沒有用，請盡快安排維修。",
    "我的包裹已經五天沒有更新物流資訊了，請幫我查一下現在送到哪裡，什麼時候可以收到？",
};
constexpr std::size_t kTextCount = sizeof kTexts / sizeof kTexts[0];

// ---- synchronous login (before the timed part) -------------------------------------------

std::string login(tcp::socket& sock, const Options& o, const std::string& name) {
    http::request<http::string_body> req{http::verb::post, "/v1/auth/login", 11};
    req.set(http::field::host, o.http_host);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = json{{"name", name}, {"password", o.password}}.dump();
    req.prepare_payload();
    http::write(sock, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    if (res.result_int() != 200)
        throw std::runtime_error("login " + name + ": HTTP " +
                                 std::to_string(res.result_int()) + " " + res.body());
    return json::parse(res.body()).at("token").get<std::string>();
}

// ---- the run ----------------------------------------------------------------------------

class Bench;

/// One agent's websocket. Writes are queued: Beast allows one outstanding write per stream.
struct Agent : std::enable_shared_from_this<Agent> {
    Agent(Bench& b, asio::io_context& ioc, std::string n, std::string t)
        : bench(b), name(std::move(n)), token(std::move(t)), ws(ioc) {}

    Bench& bench;
    std::string name, token;
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer rbuf;
    std::deque<std::string> wq;
    bool writing = false;
    bool hello = false, ready = false, supervisor = false;

    void send(std::string frame);
    void writeNext();
    void readNext();
};

/// One keep-alive HTTP connection for POST /v1/messages.
struct HttpConn {
    explicit HttpConn(asio::io_context& ioc) : stream(ioc) {}
    beast::tcp_stream stream;
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    std::optional<http::response_parser<http::string_body>> parser;
    bool busy = false;
    std::size_t msg = 0;
};

struct MessageRec {
    Clock::time_point scheduled{}, sent{}, answered{};
    std::int64_t conversation_id = 0;
    int status = 0;
    bool reference = false;  // --cti: the hangup of another call, not a new call
    std::string action;      // --cti: the decision ("dial", "queue", ...; "none" for {})
};

class Bench {
public:
    explicit Bench(Options o) : opt_(std::move(o)), sched_timer_(ioc_), typing_timer_(ioc_) {}

    int run();

    // Called by agents.
    void onFrame(Agent& a, Clock::time_point at, std::string_view text);
    void fatal(const std::string& what) {
        if (error_.empty()) error_ = what;
        ioc_.stop();
    }

private:
    void loginAll();
    void connectAll();
    void connectOne(std::size_t i);
    void runUntil(const std::function<bool()>& done, double seconds, const char* what);
    void idleTypings();
    void idleTick();
    void startLoad();
    void schedule();
    void dispatchMessage(std::size_t i);
    void post(HttpConn& c, std::size_t i);
    void typingTick();
    void sendTyping(Agent& a);
    void typingAnswered(const std::string& id, Clock::time_point at);
    void report();
    void reportCalls();
    std::string ctiForm(std::size_t i) const;

    Options opt_;
    asio::io_context ioc_;
    asio::steady_timer sched_timer_, typing_timer_;
    std::string error_;
    tcp::resolver::results_type ws_endpoints_, http_endpoints_;

    std::vector<std::pair<std::string, std::string>> accounts_;  // (name, token)
    std::vector<std::shared_ptr<Agent>> agents_;
    std::size_t connect_next_ = 0, connect_inflight_ = 0, hellos_ = 0, ready_ = 0;

    std::vector<std::unique_ptr<HttpConn>> conns_;
    std::deque<std::size_t> pending_;  // messages due while every connection was busy
    std::vector<MessageRec> msgs_;
    std::size_t total_ = 0, next_msg_ = 0, answered_ = 0;
    Clock::time_point load_start_{};
    bool load_running_ = false;
    std::string run_id_;

    std::unordered_map<std::int64_t, Clock::time_point> offers_;  // first offer per conversation
    std::size_t offer_frames_ = 0, accepted_ = 0, resolved_ = 0, assigned_ = 0;
    std::map<std::string, std::size_t> errors_;  // error code -> count
    std::size_t errors_printed_ = 0;

    // id -> (sent at, sent during the load)
    std::unordered_map<std::string, std::pair<Clock::time_point, bool>> typing_sent_;
    std::uint64_t typing_seq_ = 0;
    std::size_t typing_rr_ = 0;
    bool typing_under_load_ = false;
    std::vector<double> typing_idle_ms_, typing_load_ms_;

    double cpu_load_start_ = -1, cpu_load_end_ = -1;
    Clock::time_point load_end_{};
    long rss_start_ = -1, rss_before_ = -1, rss_after_ = -1, rss_end_ = -1;
    double login_seconds_ = 0, connect_seconds_ = 0;
};

void Agent::send(std::string frame) {
    wq.push_back(std::move(frame));
    if (!writing) writeNext();
}

void Agent::writeNext() {
    if (wq.empty()) {
        writing = false;
        return;
    }
    writing = true;
    ws.async_write(asio::buffer(wq.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec)
                           return self->bench.fatal("write " + self->name + ": " + ec.message());
                       self->wq.pop_front();
                       self->writeNext();
                   });
}

void Agent::readNext() {
    ws.async_read(rbuf, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        auto at = Clock::now();
        if (ec) return self->bench.fatal("read " + self->name + ": " + ec.message());
        auto data = self->rbuf.cdata();
        std::string_view text(static_cast<const char*>(data.data()), data.size());
        self->bench.onFrame(*self, at, text);
        self->rbuf.consume(self->rbuf.size());
        self->readNext();
    });
}

void Bench::onFrame(Agent& a, Clock::time_point at, std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fatal("unparsable frame at " + a.name);
    const std::string type = j.value("type", "");
    if (type == "offer") {
        ++offer_frames_;
        auto conv = j.value("conversation_id", std::int64_t{0});
        offers_.emplace(conv, at);
        a.send(json{{"type", "accept"}, {"conversation_id", conv},
                    {"id", "a" + std::to_string(conv)}}.dump());
    } else if (type == "ack") {
        const std::string command = j.value("command", "");
        if (command == "typing") {
            typingAnswered(j.value("id", ""), at);
        } else if (command == "accept") {
            ++accepted_;
            auto conv = j.value("conversation_id", std::int64_t{0});
            a.send(json{{"type", "resolve"}, {"conversation_id", conv},
                        {"disposition", "solved"}, {"id", "r" + std::to_string(conv)}}.dump());
        } else if (command == "resolve") {
            ++resolved_;
        } else if (command == "presence") {
            if (!a.ready) {
                a.ready = true;
                ++ready_;
            }
        }
    } else if (type == "assigned") {
        ++assigned_;
    } else if (type == "hello") {
        if (!a.hello) {
            a.hello = true;
            ++hellos_;
            if (a.supervisor)
                a.send(json{{"type", "subscribe"}, {"stream", "supervisor"}, {"id", "s"}}.dump());
            a.send(json{{"type", "presence"}, {"presence", "available"}, {"id", "p"}}.dump());
        }
    } else if (type == "presence") {
        // Wrap-up (when the engine starts one): end it at once, back to available.
        if (j.value("presence", "") == "wrap_up")
            a.send(json{{"type", "wrap_up"}, {"disposition", "solved"}}.dump());
    } else if (type == "error" && j.value("id", "").rfind('t', 0) == 0) {
        // The typing reference names a conversation the agent does not hold: the answer is
        // an error (not_found or not_assigned), the round trip the same.
        typingAnswered(j.value("id", ""), at);
    } else if (type == "error") {
        auto code = j.value("code", "?");
        ++errors_[code];
        if (errors_printed_++ < 5)
            std::fprintf(stderr, "console_bench: error frame at %s: %.*s\n", a.name.c_str(),
                         static_cast<int>(std::min<std::size_t>(text.size(), 300)), text.data());
    }
}

void Bench::runUntil(const std::function<bool()>& done, double seconds, const char* what) {
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(seconds));
    while (!done()) {
        if (!error_.empty()) throw std::runtime_error(error_);
        if (Clock::now() > deadline) throw std::runtime_error(std::string("timed out: ") + what);
        ioc_.restart();
        ioc_.run_for(std::chrono::milliseconds(20));
    }
    if (!error_.empty()) throw std::runtime_error(error_);
}

void Bench::loginAll() {
    for (int i = 0; i < opt_.agents; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%s%03d", opt_.prefix.c_str(), i);
        accounts_.emplace_back(name, "");
    }
    if (!opt_.supervisor.empty()) accounts_.emplace_back(opt_.supervisor, "");
    tcp::socket sock(ioc_);
    asio::connect(sock, http_endpoints_);
    auto t = Clock::now();
    for (std::size_t i = 0; i < accounts_.size(); ++i) {
        accounts_[i].second = login(sock, opt_, accounts_[i].first);
        if ((i + 1) % 100 == 0)
            std::fprintf(stderr, "console_bench: %zu of %zu logged in\n", i + 1, accounts_.size());
    }
    login_seconds_ = std::chrono::duration<double>(Clock::now() - t).count();
}

void Bench::connectOne(std::size_t i) {
    ++connect_inflight_;
    auto a = agents_[i];
    auto& layer = beast::get_lowest_layer(a->ws);
    layer.async_connect(ws_endpoints_, [this, a](beast::error_code ec, const tcp::endpoint&) {
        if (ec) return fatal("connect " + a->name + ": " + ec.message());
        beast::get_lowest_layer(a->ws).socket().set_option(tcp::no_delay(true));
        a->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        a->ws.set_option(websocket::stream_base::decorator([token = a->token](
                                                               websocket::request_type& req) {
            req.set(http::field::authorization, "Bearer " + token);
        }));
        a->ws.text(true);
        auto host = opt_.ws_host + ":" + opt_.ws_port;
        a->ws.async_handshake(host, "/", [this, a](beast::error_code e) {
            if (e) return fatal("handshake " + a->name + ": " + e.message());
            --connect_inflight_;
            a->readNext();
            if (connect_next_ < agents_.size()) connectOne(connect_next_++);
        });
    });
}

void Bench::connectAll() {
    for (auto& [name, token] : accounts_) {
        auto a = std::make_shared<Agent>(*this, ioc_, name, token);
        a->supervisor = name == opt_.supervisor;
        agents_.push_back(std::move(a));
    }
    auto t = Clock::now();
    for (int k = 0; k < 32 && connect_next_ < agents_.size(); ++k) connectOne(connect_next_++);
    runUntil([this] { return ready_ == agents_.size(); }, 120, "agents connecting");
    connect_seconds_ = std::chrono::duration<double>(Clock::now() - t).count();
}

void Bench::typingAnswered(const std::string& id, Clock::time_point at) {
    auto it = typing_sent_.find(id);
    if (it == typing_sent_.end()) return;
    double ms = Ms(at - it->second.first).count();
    (it->second.second ? typing_load_ms_ : typing_idle_ms_).push_back(ms);
    typing_sent_.erase(it);
}

void Bench::sendTyping(Agent& a) {
    auto id = "t" + std::to_string(++typing_seq_);
    typing_sent_[id] = {Clock::now(), typing_under_load_};
    a.send(json{{"type", "typing"}, {"conversation_id", 1}, {"id", id}}.dump());
}

/// Typing round trips on an idle server: 500 per second, agents in turn.
void Bench::idleTypings() {
    idleTick();
    auto want = static_cast<std::size_t>(opt_.idle_typings);
    runUntil([this, want] { return typing_idle_ms_.size() >= want; }, 60, "idle typing acks");
    typing_sent_.clear();
}

void Bench::idleTick() {
    if (typing_seq_ >= static_cast<std::uint64_t>(opt_.idle_typings)) return;
    sendTyping(*agents_[typing_rr_++ % static_cast<std::size_t>(opt_.agents)]);
    typing_timer_.expires_after(std::chrono::milliseconds(2));
    typing_timer_.async_wait([this](beast::error_code ec) {
        if (!ec) idleTick();
    });
}

void Bench::typingTick() {
    if (!load_running_ || opt_.typing_rate <= 0) return;
    sendTyping(*agents_[typing_rr_++ % static_cast<std::size_t>(opt_.agents)]);
    typing_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / opt_.typing_rate)));
    typing_timer_.async_wait([this](beast::error_code ec) {
        if (!ec) typingTick();
    });
}

void Bench::post(HttpConn& c, std::size_t i) {
    c.busy = true;
    c.msg = i;
    auto& m = msgs_[i];
    auto n = std::to_string(i);
    if (opt_.cti.empty()) {
        json body{{"from", {{"id", "bench-" + run_id_ + "-" + n}, {"name", "Customer " + n}}},
                  {"text", kTexts[i % kTextCount]},
                  {"external_id", "bench-" + run_id_ + "-" + n}};
        c.req = http::request<http::string_body>{http::verb::post, "/v1/messages", 11};
        c.req.set(http::field::content_type, "application/json");
        c.req.body() = body.dump();
    } else {
        c.req = http::request<http::string_body>{http::verb::post, opt_.cti, 11};
        c.req.set(http::field::content_type, "application/x-www-form-urlencoded");
        c.req.body() = ctiForm(i);
    }
    c.req.set(http::field::host, opt_.http_host);
    c.req.keep_alive(true);
    c.req.prepare_payload();
    m.sent = Clock::now();
    http::async_write(c.stream, c.req, [this, &c](beast::error_code ec, std::size_t) {
        if (ec) return fatal("POST: " + ec.message());
        c.parser.emplace();
        c.parser->body_limit(1 << 20);
        http::async_read(c.stream, c.buf, *c.parser, [this, &c](beast::error_code e, std::size_t) {
            auto at = Clock::now();
            if (e) return fatal("POST answer: " + e.message());
            auto& rec = msgs_[c.msg];
            rec.answered = at;
            auto res = c.parser->release();
            rec.status = static_cast<int>(res.result_int());
            if (rec.status == 202) {
                auto j = json::parse(res.body(), nullptr, false);
                if (!j.is_discarded())
                    rec.conversation_id = j.value("conversation_id", std::int64_t{0});
            } else if (rec.status == 200 && !opt_.cti.empty()) {
                auto j = json::parse(res.body(), nullptr, false);
                rec.action = j.is_object() ? j.value("action", "none") : "unparsable";
            } else {
                ++errors_["http_" + std::to_string(rec.status)];
            }
            ++answered_;
            c.busy = false;
            if (!pending_.empty()) {
                auto next = pending_.front();
                pending_.pop_front();
                post(c, next);
            }
        });
    });
}

void Bench::dispatchMessage(std::size_t i) {
    for (auto& c : conns_) {
        if (!c->busy) return post(*c, i);
    }
    pending_.push_back(i);
}

void Bench::schedule() {
    auto now = Clock::now();
    while (next_msg_ < total_ && msgs_[next_msg_].scheduled <= now) dispatchMessage(next_msg_++);
    if (next_msg_ >= total_) {
        load_running_ = false;
        return;
    }
    sched_timer_.expires_at(msgs_[next_msg_].scheduled);
    sched_timer_.async_wait([this](beast::error_code ec) {
        if (!ec) schedule();
    });
}

void Bench::startLoad() {
    for (int i = 0; i < opt_.http_connections; ++i) {
        auto c = std::make_unique<HttpConn>(ioc_);
        c->stream.connect(http_endpoints_);
        c->stream.socket().set_option(tcp::no_delay(true));
        conns_.push_back(std::move(c));
    }
    // The phone benchmark interleaves a reference request with each new call.
    const double per_second = opt_.cti.empty() ? opt_.rate : 2 * opt_.rate;
    total_ = static_cast<std::size_t>(per_second * opt_.duration);
    msgs_.resize(total_);
    load_start_ = Clock::now() + std::chrono::milliseconds(100);
    for (std::size_t i = 0; i < total_; ++i) {
        msgs_[i].scheduled = load_start_ + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(i / per_second));
        msgs_[i].reference = !opt_.cti.empty() && i % 2 == 1;
    }
    load_running_ = true;
    typing_under_load_ = true;
    cpu_load_start_ = cpuSeconds(opt_.pid);
    schedule();
    typingTick();
}

int Bench::run() {
    tcp::resolver resolver(ioc_);
    http_endpoints_ = resolver.resolve(opt_.http_host, opt_.http_port);
    ws_endpoints_ = resolver.resolve(opt_.ws_host, opt_.ws_port);
    auto epoch = std::chrono::system_clock::now().time_since_epoch();
    run_id_ = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(epoch).count());
    rss_start_ = rssKiB(opt_.pid);

    std::fprintf(stderr, "console_bench: logging in %zu accounts (argon2id, one at a time)\n",
                 static_cast<std::size_t>(opt_.agents) + (opt_.supervisor.empty() ? 0 : 1));
    loginAll();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rss_before_ = rssKiB(opt_.pid);

    std::fprintf(stderr, "console_bench: connecting %zu websockets\n", accounts_.size());
    connectAll();
    // Let the daemon settle (board, engine) before reading its memory.
    runUntil([t = Clock::now() + std::chrono::seconds(2)] { return Clock::now() >= t; }, 5,
             "settle");
    rss_after_ = rssKiB(opt_.pid);

    std::fprintf(stderr, "console_bench: %d typing round trips on the idle server\n",
                 opt_.idle_typings);
    idleTypings();

    std::fprintf(stderr, "console_bench: posting %.0f messages/s for %.0f s\n", opt_.rate,
                 opt_.duration);
    startLoad();
    runUntil([this] { return !load_running_ && answered_ == total_; }, opt_.duration + 60,
             "the load");
    typing_under_load_ = false;
    typing_timer_.cancel();
    cpu_load_end_ = cpuSeconds(opt_.pid);
    load_end_ = Clock::now();
    // Drain: wait for the offers of the last messages.
    auto all_offered = [this] {
        for (const auto& m : msgs_) {
            if (m.status == 202 && !offers_.count(m.conversation_id)) return false;
        }
        return true;
    };
    auto drain_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(opt_.drain));
    runUntil([&] { return all_offered() || Clock::now() >= drain_end; }, opt_.drain + 5, "drain");
    // The last accepts and resolves.
    runUntil([t = Clock::now() + std::chrono::milliseconds(500)] { return Clock::now() >= t; }, 5,
             "drain");
    rss_end_ = rssKiB(opt_.pid);
    report();
    return 0;
}

std::string Bench::ctiForm(std::size_t i) const {
    // Every new call from a caller of its own (a Chinese mobile number), a call id per run.
    char number[32];
    std::snprintf(number, sizeof number, "139%08zu", i / 2);
    std::string call = run_id_ + "-" + std::to_string(i);
    if (msgs_[i].reference)
        return "event=hangup&direction=in&from=13800000000&to=4008001234&callId=ref-" + call +
               "&cause=normalClearing";
    return std::string("event=newCall&direction=in&from=") + number + "&to=4008001234&callId=" +
           call;
}

void Bench::reportCalls() {
    std::vector<double> call_ms, ref_ms, lag_ms;
    std::map<std::string, std::size_t> actions;
    for (const auto& m : msgs_) {
        lag_ms.push_back(Ms(m.sent - m.scheduled).count());
        if (m.status != 200) continue;
        (m.reference ? ref_ms : call_ms).push_back(Ms(m.answered - m.sent).count());
        if (!m.reference) ++actions[m.action];
    }
    auto call = summarize(call_ms);
    auto ref = summarize(ref_ms);
    auto lag = summarize(lag_ms);
    std::printf("\nagents: %d connected, logins %.1f s, websockets + presence %.2f s\n",
                opt_.agents, login_seconds_, connect_seconds_);
    std::printf("calls: %zu new calls at %.0f/s + %zu reference hangups for %.0f s over %d "
                "keep-alive connections; send lag behind schedule p99 %.2f ms\n",
                call_ms.size(), opt_.rate, ref_ms.size(), opt_.duration, opt_.http_connections,
                lag.p99);
    std::printf("decisions:");
    for (const auto& [action, n] : actions) std::printf(" %s=%zu", action.c_str(), n);
    std::printf("; offers %zu, accepted %zu, resolved %zu\n", offer_frames_, accepted_,
                resolved_);
    if (cpu_load_start_ >= 0 && cpu_load_end_ >= 0) {
        double cpu = cpu_load_end_ - cpu_load_start_;
        double wall = std::chrono::duration<double>(load_end_ - load_start_).count();
        std::printf("ccd CPU during the load: %.1f s in %.1f s (%.2f cores)\n", cpu, wall,
                    cpu / wall);
    }
    if (!errors_.empty()) {
        std::printf("errors:");
        for (const auto& [code, n] : errors_) std::printf(" %s=%zu", code.c_str(), n);
        std::printf("\n");
    }
    std::printf("\n  %-34s %7s %8s %8s %8s %8s\n", "latency (ms)", "n", "p50", "p90", "p99",
                "max");
    printRow("newCall -> routing decision", call);
    printRow("hangup -> {} (reference)", ref);
    std::printf("\ntarget p99 newCall -> decision <= 20 ms: %s (p99 %.2f ms)\n",
                call.n && call.p99 <= 20.0 ? "met" : "NOT met", call.p99);
    std::printf("RESULT call_p50=%.3f call_p90=%.3f call_p99=%.3f call_max=%.3f ref_p50=%.3f "
                "ref_p99=%.3f calls=%zu\n",
                call.p50, call.p90, call.p99, call.max, ref.p50, ref.p99, call_ms.size());
    std::fflush(stdout);
}

void Bench::report() {
    if (!opt_.cti.empty()) return reportCalls();
    std::vector<double> offer_ms, ack202_ms, ack202_sent_ms, lag_ms;
    std::size_t ok = 0, missing = 0, before_202 = 0;
    Clock::time_point last_answer = load_start_;
    for (const auto& m : msgs_) {
        last_answer = std::max(last_answer, m.answered);
        lag_ms.push_back(Ms(m.sent - m.scheduled).count());
        if (m.status != 202) continue;
        ++ok;
        ack202_ms.push_back(Ms(m.answered - m.scheduled).count());
        ack202_sent_ms.push_back(Ms(m.answered - m.sent).count());
        auto it = offers_.find(m.conversation_id);
        if (it == offers_.end()) {
            ++missing;
            continue;
        }
        double d = Ms(it->second - m.answered).count();
        if (d < 0) ++before_202;
        offer_ms.push_back(d);
    }
    auto offer = summarize(offer_ms);
    auto a202 = summarize(ack202_ms);
    auto a202s = summarize(ack202_sent_ms);
    auto lag = summarize(lag_ms);
    auto tidle = summarize(typing_idle_ms_);
    auto tload = summarize(typing_load_ms_);
    double span = msgs_.empty() ? 0 : Ms(msgs_.back().scheduled - msgs_.front().scheduled).count();
    double achieved = span > 0 ? 1000.0 * static_cast<double>(msgs_.size() - 1) / span : 0;

    auto mib = [](long kib) { return kib < 0 ? -1.0 : static_cast<double>(kib) / 1024.0; };
    std::printf("\nagents: %d connected (+%s), logins %.1f s, websockets + presence %.2f s\n",
                opt_.agents, opt_.supervisor.empty() ? "no supervisor" : opt_.supervisor.c_str(),
                login_seconds_, connect_seconds_);
    std::printf("ccd RSS: %.1f MiB at start, %.1f MiB before connecting, %.1f MiB with %zu idle "
                "connections, %.1f MiB after the load\n",
                mib(rss_start_), mib(rss_before_), mib(rss_after_), agents_.size(), mib(rss_end_));
    long delta = rss_after_ - rss_before_;
    if (rss_before_ >= 0 && rss_after_ >= 0)
        std::printf("memory per idle agent connection: %.1f KiB (delta RSS %.2f MiB / %zu)\n",
                    static_cast<double>(delta) / static_cast<double>(agents_.size()), mib(delta),
                    agents_.size());
    double answer_span = std::chrono::duration<double>(last_answer - load_start_).count();
    std::printf("\nmessages: %zu scheduled at %.0f/s (%.1f s, %d keep-alive connections), %zu "
                "answered 202 in %.1f s (%.0f/s); send lag behind schedule p99 %.2f ms, max "
                "%.2f ms\n",
                msgs_.size(), achieved, span / 1000.0, opt_.http_connections, ok, answer_span,
                answer_span > 0 ? static_cast<double>(ok) / answer_span : 0.0, lag.p99, lag.max);
    if (cpu_load_start_ >= 0 && cpu_load_end_ >= 0) {
        double cpu = cpu_load_end_ - cpu_load_start_;
        double wall = std::chrono::duration<double>(load_end_ - load_start_).count();
        std::printf("ccd CPU during the load: %.1f s in %.1f s (%.2f cores), %.0f us per message\n",
                    cpu, wall, cpu / wall, 1e6 * cpu / static_cast<double>(msgs_.size()));
    }
    std::printf("offers: %zu frames, %zu conversations offered, %zu without an offer after the "
                "drain, %zu arrived before their 202; accepted %zu, assigned %zu, resolved %zu\n",
                offer_frames_, offer_ms.size(), missing, before_202, accepted_, assigned_,
                resolved_);
    if (!errors_.empty()) {
        std::printf("errors:");
        for (const auto& [code, n] : errors_) std::printf(" %s=%zu", code.c_str(), n);
        std::printf("\n");
    }
    std::printf("\n  %-34s %7s %8s %8s %8s %8s\n", "latency (ms)", "n", "p50", "p90", "p99",
                "max");
    printRow("202 -> offer frame", offer);
    printRow("POST -> 202 (from scheduled send)", a202);
    printRow("POST -> 202 (from actual write)", a202s);
    printRow("typing -> ack, idle (reference)", tidle);
    printRow("typing -> ack, under load (ref.)", tload);
    if (offer.n) std::printf("  (202 -> offer min %.2f ms)\n", offer.min);
    std::printf("\ntarget p99 202 -> offer <= 5 ms: %s (p99 %.2f ms)\n",
                offer.n && offer.p99 <= 5.0 ? "met" : "NOT met", offer.p99);
    std::printf("RESULT offer_p50=%.3f offer_p90=%.3f offer_p99=%.3f offer_max=%.3f "
                "ack202_p50=%.3f ack202_p99=%.3f typing_idle_p50=%.3f typing_idle_p99=%.3f "
                "typing_load_p50=%.3f typing_load_p99=%.3f kib_per_conn=%.1f messages=%zu "
                "offered=%zu missing=%zu\n",
                offer.p50, offer.p90, offer.p99, offer.max, a202.p50, a202.p99, tidle.p50,
                tidle.p99, tload.p50, tload.p99,
                static_cast<double>(delta) / static_cast<double>(agents_.size()), msgs_.size(),
                offer_ms.size(), missing);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parseOptions(argc, argv);
    try {
        Bench bench(std::move(options));
        return bench.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "console_bench: %s\n", e.what());
        return 1;
    }
}
