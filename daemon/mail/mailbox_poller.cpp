#include "daemon/mail/mailbox_poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <deque>
#include <map>
#include <mutex>

#include "channels/email/email_channel.hpp"
#include "channels/email/imap_protocol.hpp"
#include "daemon/intake.hpp"
#include "daemon/metrics.hpp"
#include "daemon/outbox/http_client.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

namespace asio = boost::asio;
namespace email = channels::email;
using SteadyClock = std::chrono::steady_clock;

namespace {

// What identifies a mailbox's connection and how its mail is read: a reload that changes none
// of it keeps the running poller (and its state) as it is.
std::string fingerprint(const email::EmailSettings& s) {
    std::string charsets;
    for (const auto& c : s.charset_fallbacks) charsets += c + ",";
    return charsets + "\n" + s.ticket_tag + "\n" + std::to_string(s.max_attachment_bytes) + "\n" +
           s.imap_url + "\n" + s.username + "\n" + s.password.reveal() + "\n" + s.starttls + "\n" +
           s.ca_file + "\n" +
           std::to_string(s.poll_interval.count()) + "\n" + (s.move_after_read ? "move" : "seen") +
           "\n" + s.move_to + "\n" + std::to_string(s.max_message_bytes) + "\n" +
           std::to_string(s.send_timeout.count());
}

// One mailbox's poll loop, on its own strand.
class Mailbox : public std::enable_shared_from_this<Mailbox> {
public:
    Mailbox(asio::io_context& ioc, store::Store& store, outbox::HttpClient& http, Intake& intake,
            channels::ChannelInstancePtr inst, LabeledValues& up, LabeledValues& failures,
            LabeledValues& fetched)
        : strand_(asio::make_strand(ioc)),
          timer_(strand_),
          store_(store),
          http_(http),
          intake_(intake),
          inst_(std::move(inst)),
          settings_(dynamic_cast<const email::EmailSettings&>(*inst_->settings)),
          inbound_(dynamic_cast<const email::EmailInbound&>(*inst_->inbound)),
          url_(*email::parseImapUrl(settings_.imap_url)),
          up_(up.at(inst_->name())),
          failures_(failures.at(inst_->name())),
          fetched_(fetched.at(inst_->name())),
          key_(fingerprint(settings_)) {
        up_.store(0);
    }

    const std::string& key() const { return key_; }
    const std::string& name() const { return inst_->name(); }

    void start() {
        post([self = shared_from_this()] { self->poll(); });
    }
    void stop() {
        stopped_ = true;
        post([self = shared_from_this()] { self->timer_.cancel(); });
    }

    MailboxHealth health() const {
        std::lock_guard lock(health_mutex_);
        return health_;
    }

private:
    template <class F>
    void post(F f) {
        asio::post(strand_, [f = std::move(f)]() mutable {
            try {
                f();
            } catch (const std::exception& e) {
                spdlog::error("email: {}", e.what());
            }
        });
    }

    channels::HttpCall imap(const std::string& url, std::string command,
                            std::size_t max_answer = 0) const {
        channels::HttpCall call;
        call.method = "IMAP";
        call.url = url;
        call.max_answer_bytes = max_answer;
        channels::MailTransfer t;
        t.username = settings_.username;
        t.password = settings_.password.reveal();
        t.starttls = settings_.starttls;
        t.ca_file = settings_.ca_file;
        t.imap_command = std::move(command);
        call.mail = std::move(t);
        return call;
    }

    // Sends one command; `next` runs on the strand with the answer when the server took it,
    // else the poll fails with the server's or curl's words.
    void command(const std::string& url, std::string cmd, std::size_t max_answer,
                 std::function<void(const channels::HttpAnswer&)> next) {
        auto self = shared_from_this();
        auto what = cmd.substr(0, cmd.find(' ', 4));
        std::chrono::milliseconds timeout =
            std::max(settings_.send_timeout, max_answer ? std::chrono::milliseconds(120000)
                                                        : std::chrono::milliseconds(0));
        http_.submit(imap(url, std::move(cmd), max_answer), timeout,
                     [self, next = std::move(next), what](channels::HttpAnswer a) mutable {
                         self->post([self, next = std::move(next), what, a = std::move(a)] {
                             if (self->stopped_) return;
                             if (!a.transport_error.empty()) {
                                 std::string line = a.server_lines;
                                 auto last = line.find_last_of('\n', line.size() > 1 ? line.size() - 2 : 0);
                                 if (last != std::string::npos) line = line.substr(last + 1);
                                 while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
                                     line.pop_back();
                                 return self->fail(what + ": " + a.transport_error +
                                                   (line.empty() ? "" : " (" + line + ")"));
                             }
                             next(a);
                         });
                     });
    }

    // ---- one poll ---------------------------------------------------------------------

    void poll() {
        if (stopped_ || busy_) return;
        busy_ = true;
        if (!cursor_loaded_) {
            auto self = shared_from_this();
            store_.readChannelState(
                name(), [self](store::StoreResult<std::map<std::string, std::string>> r) {
                    self->post([self, r = std::move(r)] {
                        if (self->stopped_) return;
                        if (!r) return self->fail("cannot read the mailbox state: " + r.error->message);
                        self->cursor_ = email::cursorFromState(*r.value);
                        self->cursor_loaded_ = true;
                        self->markPending();
                    });
                });
            return;
        }
        markPending();
    }

    // Marks left over from the last poll (the server failed after the message was stored).
    void markPending() {
        if (pending_marks_.empty()) return status();
        auto uid = pending_marks_.front();
        mark(uid, [self = shared_from_this()] {
            self->pending_marks_.pop_front();
            self->markPending();
        });
    }

    void status() {
        // Moving needs to know whether the server has MOVE (else COPY, \Deleted, EXPUNGE):
        // asked once, and again after a failure (the server may have changed).
        if (settings_.move_after_read && !caps_) {
            command(url_.mailbox_url, "CAPABILITY", 0,
                    [self = shared_from_this()](const channels::HttpAnswer& a) {
                        self->caps_ = email::parseCapabilities(a.server_lines + a.body);
                        if (!self->caps_->move)
                            spdlog::info("email: {}: the server has no MOVE: messages are "
                                         "copied to {}, then deleted",
                                         self->name(), self->settings_.move_to);
                        self->status();
                    });
            return;
        }
        // The connection is kept between polls with the mailbox selected, and a server answers
        // STATUS of the selected mailbox from the client's view of it (dovecot does): NOOP
        // first brings that view up to date with what arrived since (and selects it on a new
        // connection).
        command(url_.mailbox_url, "NOOP", 0, [self = shared_from_this()](const channels::HttpAnswer&) {
            self->statusNow();
        });
    }

    void statusNow() {
        command(url_.mailbox_url, email::statusCommand(url_.mailbox), 0,
                [self = shared_from_this()](const channels::HttpAnswer& a) {
                    auto st = email::parseStatus(a.body);
                    if (!st) return self->fail("STATUS: no UIDVALIDITY in the answer");
                    self->status_ = *st;
                    self->plan_ = email::planPoll(self->cursor_, *st, self->settings_.move_after_read);
                    if (self->plan_.resync) {
                        if (self->cursor_)
                            spdlog::warn("email: {}: UIDVALIDITY changed ({} -> {}): reading the "
                                         "mailbox again (messages already stored are recognised)",
                                         self->name(), self->cursor_->uidvalidity, st->uidvalidity);
                        self->pending_marks_.clear();
                        self->cursor_ = self->plan_.base;
                    }
                    if (self->plan_.nothing_new) return self->succeeded();
                    self->search();
                });
    }

    void search() {
        command(url_.mailbox_url, plan_.search, 0,
                [self = shared_from_this()](const channels::HttpAnswer& a) {
                    auto found = email::parseSearch(a.body);
                    auto uids = email::uidsToFetch(found, self->plan_);
                    self->queue_.assign(uids.begin(), uids.end());
                    self->next();
                });
    }

    void next() {
        if (stopped_) return;
        if (queue_.empty()) return finishPoll();
        auto uid = queue_.front();
        std::size_t max = settings_.max_message_bytes;
        command(url_.mailbox_url, email::fetchCommand(uid, max), max + 64 * 1024,
                [self = shared_from_this(), uid](const channels::HttpAnswer& a) {
                    self->fetchedOne(uid, a);
                });
    }

    void fetchedOne(std::uint64_t uid, const channels::HttpAnswer& a) {
        // libcurl hands a literal only to the transcript (the untagged lines have no body).
        auto msg = email::parseFetch(a.server_lines);
        email::MailboxCursor after{cursor_->uidvalidity, std::max(cursor_->last_uid, uid)};
        channels::ParseOutcome out;
        if (msg) {
            out = inbound_.readMail(msg->raw, routing::Clock::now());
            if (msg->size > msg->raw.size()) {
                std::string w = "message of " + std::to_string(msg->size) +
                                " bytes cut at max_message_bytes (" +
                                std::to_string(msg->raw.size()) + ")";
                for (auto& m : out.messages) m.warnings.push_back(w);
            }
            fetched_.fetch_add(1, std::memory_order_relaxed);
        } else {
            // Expunged between the search and the fetch: nothing to store; the cursor moves on.
            spdlog::info("email: {}: message UID {} is gone from the mailbox", name(), uid);
        }
        bool mark_it = msg.has_value();
        auto self = shared_from_this();
        intake_.ingest(inst_, std::move(out), email::cursorState(after),
                       [self, uid, after, mark_it](bool stored) {
                           self->post([self, uid, after, mark_it, stored] {
                               if (self->stopped_) return;
                               if (!stored)
                                   return self->fail("the store did not take message UID " +
                                                     std::to_string(uid) + "; it is fetched again");
                               self->cursor_ = after;
                               self->queue_.pop_front();
                               if (!mark_it) return self->next();
                               self->mark(uid, [self] { self->next(); }, true);
                           });
                       });
    }

    // \Seen or moved, only now that the message is stored. A failure keeps the mark for the
    // next poll (`pending`: it is not yet in pending_marks_).
    void mark(std::uint64_t uid, std::function<void()> next, bool fresh = false) {
        auto cmds = email::markCommands(uid, settings_.move_after_read, settings_.move_to,
                                        caps_.value_or(email::ImapCapabilities{true, true}));
        if (fresh) pending_marks_.push_back(uid);
        auto self = shared_from_this();
        auto done = [self, uid, next = std::move(next), fresh] {
            if (fresh) {
                auto it = std::find(self->pending_marks_.begin(), self->pending_marks_.end(), uid);
                if (it != self->pending_marks_.end()) self->pending_marks_.erase(it);
            }
            next();
        };
        runCommands(std::make_shared<std::deque<std::string>>(cmds.begin(), cmds.end()),
                    std::move(done));
    }

    // The commands one after the other; a failure stops there (the poll fails).
    void runCommands(std::shared_ptr<std::deque<std::string>> cmds, std::function<void()> done) {
        if (cmds->empty()) return done();
        auto cmd = std::move(cmds->front());
        cmds->pop_front();
        command(url_.mailbox_url, std::move(cmd), 0,
                [self = shared_from_this(), cmds, done = std::move(done)](
                    const channels::HttpAnswer&) mutable {
                    self->runCommands(std::move(cmds), std::move(done));
                });
    }

    void finishPoll() {
        // After a resync every message below UIDNEXT was searched and taken: later polls start
        // from there instead of reading the old (seen) ones again.
        if (plan_.resync && status_.uidnext > 0 && cursor_->last_uid + 1 < status_.uidnext) {
            email::MailboxCursor after{cursor_->uidvalidity, status_.uidnext - 1};
            auto self = shared_from_this();
            plan_.resync = false;
            intake_.ingest(inst_, {}, email::cursorState(after), [self, after](bool stored) {
                self->post([self, after, stored] {
                    if (self->stopped_) return;
                    if (!stored) return self->fail("cannot save the mailbox state");
                    self->cursor_ = after;
                    self->succeeded();
                });
            });
            return;
        }
        if (plan_.resync && cursor_->last_uid == 0) {
            // An empty mailbox: save the UIDVALIDITY so that the next poll is an ordinary one.
            plan_.resync = false;
            auto self = shared_from_this();
            auto after = *cursor_;
            intake_.ingest(inst_, {}, email::cursorState(after), [self](bool stored) {
                self->post([self, stored] {
                    if (self->stopped_) return;
                    if (!stored) return self->fail("cannot save the mailbox state");
                    self->succeeded();
                });
            });
            return;
        }
        succeeded();
    }

    void succeeded() {
        busy_ = false;
        if (consecutive_failures_ > 0)
            spdlog::info("email: {}: mailbox reachable again", name());
        consecutive_failures_ = 0;
        up_.store(1);
        {
            std::lock_guard lock(health_mutex_);
            health_.instance = name();
            health_.up = true;
            health_.last_error.clear();
            health_.last_poll_ms = routing::unixMillis(routing::Clock::now());
        }
        schedule(settings_.poll_interval);
    }

    void fail(const std::string& why) {
        busy_ = false;
        queue_.clear();
        caps_.reset();
        failures_.fetch_add(1, std::memory_order_relaxed);
        up_.store(0);
        ++consecutive_failures_;
        // Logged when it starts and then every 10th time: an outage is not a log flood.
        if (consecutive_failures_ == 1 || consecutive_failures_ % 10 == 0)
            spdlog::warn("email: {}: poll failed ({} in a row): {}", name(), consecutive_failures_,
                         why);
        {
            std::lock_guard lock(health_mutex_);
            health_.instance = name();
            health_.up = false;
            health_.last_error = why;
        }
        auto cap = std::max<std::chrono::milliseconds>(settings_.poll_interval,
                                                       std::chrono::seconds(5));
        auto delay = std::chrono::milliseconds(
            1000 * (std::int64_t{1} << std::min(consecutive_failures_ - 1, 20)));
        schedule(std::min(delay, cap));
    }

    void schedule(std::chrono::milliseconds after) {
        if (stopped_) return;
        timer_.expires_after(after);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->stopped_) return;
            self->poll();
        });
    }

    asio::strand<asio::io_context::executor_type> strand_;
    asio::steady_timer timer_;
    store::Store& store_;
    outbox::HttpClient& http_;
    Intake& intake_;
    channels::ChannelInstancePtr inst_;  // keeps the settings and adapters alive
    const email::EmailSettings& settings_;
    const email::EmailInbound& inbound_;
    email::ImapUrl url_;
    std::atomic<std::int64_t>& up_;
    std::atomic<std::int64_t>& failures_;
    std::atomic<std::int64_t>& fetched_;
    std::string key_;
    std::atomic<bool> stopped_{false};

    // strand only
    bool busy_ = false;
    bool cursor_loaded_ = false;
    std::optional<email::MailboxCursor> cursor_;
    email::MailboxStatus status_;
    email::PollPlan plan_;
    std::deque<std::uint64_t> queue_;
    std::deque<std::uint64_t> pending_marks_;
    std::optional<email::ImapCapabilities> caps_;  ///< asked when moving
    int consecutive_failures_ = 0;

    mutable std::mutex health_mutex_;
    MailboxHealth health_;
};

}  // namespace

struct MailboxPoller::Impl {
    Impl(asio::io_context& io, store::Store& s, Metrics& m, outbox::HttpClient& h, Intake& i,
         Channels c)
        : ioc(io),
          store(s),
          http(h),
          intake(i),
          channels(std::move(c)),
          up(m.labeled("ccd_email_mailbox_up",
                       "1 when the last poll of the mailbox reached the IMAP server, else 0.",
                       "gauge", "instance")),
          failures(m.labeled("ccd_email_poll_failures_total",
                             "Mailbox polls that failed (server unreachable, refused, store).",
                             "counter", "instance")),
          fetched(m.labeled("ccd_email_fetched_total", "Messages fetched from the mailbox.",
                            "counter", "instance")) {}

    asio::io_context& ioc;
    store::Store& store;
    outbox::HttpClient& http;
    Intake& intake;
    Channels channels;
    LabeledValues& up;
    LabeledValues& failures;
    LabeledValues& fetched;
    mutable std::mutex mutex;
    std::map<std::string, std::shared_ptr<Mailbox>> mailboxes;
    bool stopped = false;
};

MailboxPoller::MailboxPoller(asio::io_context& ioc, store::Store& store, Metrics& metrics,
                             outbox::HttpClient& http, Intake& intake, Channels channels)
    : impl_(std::make_shared<Impl>(ioc, store, metrics, http, intake, std::move(channels))) {}

MailboxPoller::~MailboxPoller() { stop(); }

void MailboxPoller::start() { sync(); }

void MailboxPoller::sync() {
    auto set = impl_->channels();
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    std::map<std::string, std::shared_ptr<Mailbox>> next;
    if (set) {
        for (const auto& inst : set->all()) {
            if (inst->type() != "email") continue;
            auto key = fingerprint(dynamic_cast<const email::EmailSettings&>(*inst->settings));
            auto it = impl_->mailboxes.find(inst->name());
            if (it != impl_->mailboxes.end() && it->second->key() == key) {
                next.emplace(inst->name(), it->second);
                continue;
            }
            auto box = std::make_shared<Mailbox>(impl_->ioc, impl_->store, impl_->http,
                                                 impl_->intake, inst, impl_->up, impl_->failures,
                                                 impl_->fetched);
            spdlog::info("email: {}: polling {} every {} ms", inst->name(),
                         email::parseImapUrl(dynamic_cast<const email::EmailSettings&>(
                                                 *inst->settings)
                                                 .imap_url)
                             ->mailbox_url,
                         dynamic_cast<const email::EmailSettings&>(*inst->settings)
                             .poll_interval.count());
            box->start();
            next.emplace(inst->name(), std::move(box));
        }
    }
    for (auto& [name, box] : impl_->mailboxes) {
        auto it = next.find(name);
        if (it == next.end() || it->second != box) box->stop();
    }
    impl_->mailboxes = std::move(next);
}

void MailboxPoller::stop() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    for (auto& [name, box] : impl_->mailboxes) box->stop();
}

std::vector<MailboxHealth> MailboxPoller::health() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<MailboxHealth> out;
    for (const auto& [name, box] : impl_->mailboxes) {
        auto h = box->health();
        h.instance = name;
        out.push_back(std::move(h));
    }
    return out;
}

}  // namespace ccd::daemon
