// Email intake benchmark: N generated mails (10-200 KiB, mixed: plain, HTML with text, GBK,
// attachments of 8-150 KiB, replies with quoted history) read by the email channel
// (EmailInbound::readMail: GMime plus ccd's charset, quote, loop and bounce rules) and stored
// durably by the SQLite store (one ingestBatch each, grouped into commits by the store), beside
// the reference measured in the same run on the same bytes: GMime's own parse (construct the
// message and decode every part). Each phase runs in a child process, so that its peak memory
// (ru_maxrss) is its own. Prints messages/s, MiB/s and peak RSS per phase.
//
//   email_bench [N=10000] [DB_DIR=/tmp]
#include <gmime/gmime.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>

#include "channels/email/email_channel.hpp"
#include "channels/email/gmime_init.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"

using namespace ccd;
using Clock = std::chrono::steady_clock;

namespace {

std::string base64Lines(const std::string& bytes) {
    static const char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t line = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
        out += k[(v >> 18) & 63];
        out += k[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? k[v & 63] : '=';
        if ((line += 4) >= 76) {
            out += "\r\n";
            line = 0;
        }
    }
    return out + "\r\n";
}

// Base64 lines of random bytes: attachments are slices of it (generating is then cheap next
// to what is measured).
const std::string& noise() {
    static const std::string n = [] {
        std::mt19937_64 rng(42);
        std::string bytes(512 * 1024, '\0');
        for (auto& b : bytes) b = static_cast<char>(rng());
        return base64Lines(bytes);
    }();
    return n;
}

// Mail number i, the same bytes in every phase.
std::string mail(std::size_t i) {
    std::mt19937_64 rng(i * 7919 + 1);
    const std::size_t target = 10 * 1024 + rng() % (190 * 1024);
    const char* zh = "您好，我的打印机一直卡纸，换了新的纸也不行，请问需要寄回维修吗？谢谢。\r\n";
    const char* en = "Hello, the printer keeps jamming even with new paper. Should I send it in?\r\n";
    std::string from = "customer" + std::to_string(i % 2000) + "@example.cn";
    std::string m = "From: Customer " + std::to_string(i) + " <" + from +
                    ">\r\nTo: support@example.com\r\nSubject: =?UTF-8?B?5omT5Y2w5py65Y2h57q4?= " +
                    std::to_string(i) + "\r\nMessage-ID: <bench-" + std::to_string(i) +
                    "@example.cn>\r\nDate: Tue, 05 Mar 2024 10:00:00 +0800\r\nMIME-Version: 1.0\r\n";
    if (i % 4 == 1) m += "In-Reply-To: <ccd.1.x@example.com>\r\nReferences: <ccd.1.x@example.com>\r\n";
    std::string text;
    while (text.size() < 2048 + rng() % 8192) text += (i % 3 == 0) ? en : zh;
    if (i % 4 == 1) {
        text += "\r\nOn Tue, 5 Mar 2024, Support wrote:\r\n";
        for (int k = 0; k < 40; ++k) text += "> earlier text of the thread, quoted again\r\n";
    }
    const std::string boundary = "b" + std::to_string(i);
    m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n";
    m += "--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(text);
    if (i % 2 == 0) {
        m += "--" + boundary + "\r\nContent-Type: text/html; charset=utf-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n" +
             base64Lines("<html><body><p>" + text + "</p></body></html>");
    }
    int n = 0;
    while (m.size() < target) {
        std::size_t size = std::min<std::size_t>(8 * 1024 + rng() % (142 * 1024),
                                                 (target - m.size()) * 3 / 4 + 1024);
        const std::size_t line = 78;  // 76 characters and CRLF
        std::size_t lines = size * 4 / 3 / 76 + 1;
        std::size_t first = rng() % (noise().size() / line - lines);
        ++n;
        m += "--" + boundary + "\r\nContent-Type: image/jpeg; name=\"photo" + std::to_string(n) +
             ".jpg\"\r\nContent-Disposition: attachment; filename=\"photo" + std::to_string(n) +
             ".jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
             noise().substr(first * line, lines * line);
    }
    return m + "--" + boundary + "--\r\n";
}

void decodeAll(GMimeObject* parent, GMimeObject* part, gpointer) {
    (void)parent;
    if (!GMIME_IS_PART(part)) return;
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
    if (!content) return;
    GMimeStream* null = g_mime_stream_null_new();
    g_mime_data_wrapper_write_to_stream(content, null);
    g_object_unref(null);
}

// The reference: GMime parses and decodes every part.
void gmimeOnly(std::size_t n) {
    channels::email::ensureGMimeInitialised();
    for (std::size_t i = 0; i < n; ++i) {
        std::string raw = mail(i);
        GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
        GMimeParser* parser = g_mime_parser_new_with_stream(stream);
        GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
        if (msg) {
            g_mime_message_foreach(msg, decodeAll, nullptr);
            g_object_unref(msg);
        }
        g_object_unref(parser);
        g_object_unref(stream);
    }
}

channels::email::EmailSettings settings() {
    channels::email::EmailSettings s;
    s.name = "bench-mail";
    s.address = "support@example.com";
    return s;
}

// ccd: read by the channel only.
void channelOnly(std::size_t n) {
    channels::email::EmailInbound in(settings());
    std::size_t messages = 0;
    for (std::size_t i = 0; i < n; ++i) messages += in.readMail(mail(i), routing::Clock::now()).messages.size();
    if (messages != n) std::fprintf(stderr, "read %zu of %zu\n", messages, n);
}

// ccd: read by the channel and stored durably, at most 64 mails in flight.
void channelAndStore(std::size_t n, const std::string& db) {
    channels::email::EmailInbound in(settings());
    store::sqlite::SqliteStore st(store::sqlite::SqliteStoreOptions{db, 512, std::chrono::seconds(5), 1000},
                                  nullptr);
    std::mutex mu;
    std::condition_variable cv;
    std::size_t in_flight = 0, failed = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto out = in.readMail(mail(i), routing::Clock::now());
        store::InboundBatch b;
        b.channel_instance = "bench-mail";
        for (auto& m : out.messages) m.channel_instance = "bench-mail";
        b.messages = std::move(out.messages);
        b.attachment_contents = std::move(out.attachment_contents);
        {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return in_flight < 64; });
            ++in_flight;
        }
        st.ingestBatch(std::move(b), [&](store::StoreResult<store::BatchIngested> r) {
            std::lock_guard lock(mu);
            if (!r) ++failed;
            --in_flight;
            cv.notify_all();
        });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
    lock.unlock();
    st.close();
    if (failed) std::fprintf(stderr, "%zu stores failed\n", failed);
}

template <class F>
void phase(const char* name, std::size_t n, double mib, F f) {
    auto start = Clock::now();
    pid_t pid = fork();
    if (pid == 0) {
        f();
        _exit(0);
    }
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("| %-38s | %8.0f | %7.1f | %8.1f | %s\n", name, n / secs, mib / secs,
                ru.ru_maxrss / 1024.0, status == 0 ? "" : "(failed)");
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = argc > 1 ? std::stoul(argv[1]) : 10000;
    std::string dir = argc > 2 ? argv[2] : "/tmp";
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i) bytes += mail(i).size();
    double mib = bytes / 1048576.0;
    std::printf("%zu mails, %.0f MiB (%.0f KiB each on average)\n\n", n, mib, bytes / 1024.0 / n);
    std::printf("| %-38s | %8s | %7s | %8s |\n", "phase", "msgs/s", "MiB/s", "peak MiB");
    std::printf("|%s|%s|%s|%s|\n", std::string(40, '-').c_str(), std::string(10, '-').c_str(),
                std::string(9, '-').c_str(), std::string(10, '-').c_str());
    phase("generate only (cost inside each phase)", n, mib, [n] {
        std::size_t s = 0;
        for (std::size_t i = 0; i < n; ++i) s += mail(i).size();
        if (s == 0) _exit(1);
    });
    phase("GMime parse + decode parts (reference)", n, mib, [n] { gmimeOnly(n); });
    phase("ccd readMail", n, mib, [n] { channelOnly(n); });
    std::string db = dir + "/ccd-email-bench-" + std::to_string(getpid()) + ".db";
    phase("ccd readMail + SQLite store (durable)", n, mib, [n, db] { channelAndStore(n, db); });
    for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(db + suffix);
    return 0;
}
