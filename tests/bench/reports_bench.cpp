// Reports benchmark (docs/kpis.md, docs/performance.md): a SQLite file with N generated
// conversations (default 1,000,000) opened over a year, each with 3 messages, an SLA state of
// two clocks and 5 events, in the shapes the daemon writes; then each report over the last 30
// days grouped by day and queue, timed (best of 3), and the intake's store rate measured alone
// and again while the reports run back to back on their own connection.
//
//   tests/bench/reports [N=1000000] [DB_DIR=/tmp]     (needs: ninja -C build reports_bench)

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <random>
#include <thread>

#include "daemon/reports/report_engine.hpp"
#include "daemon/reports/sqlite_report_db.hpp"
#include "daemon/reports/report_table.hpp"
#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"
#include "daemon/store/sqlite/sqlite_store.hpp"
#include "routing/business_hours.hpp"
#include "routing/engine_types.hpp"

using namespace ccd;
using store::sqlite::Connection;
using store::sqlite::Statement;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kDay = 86400000;
constexpr std::int64_t kStart = 1767225600000;  // 2026-01-01T00:00:00Z
const char* kQueues[] = {"general", "technical", "billing", "returns", "vip"};
const char* kChannels[] = {"webchat", "email", "telegram", "whatsapp", "api"};
const char* kAgents[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};

routing::TimePoint at(std::int64_t ms) { return routing::TimePoint(std::chrono::milliseconds(ms)); }

void generate(const std::string& path, std::int64_t n) {
    Connection db(path, false);
    db.exec("PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL; BEGIN");
    Statement contact(db.handle(), "INSERT INTO contacts (id, tier, created_at, updated_at)"
                                   " VALUES (?1, ?2, 0, 0)");
    Statement conv(db.handle(),
                   "INSERT INTO conversations (id, contact_id, channel, channel_instance, status,"
                   " created_at, updated_at, closed_at, routing, category, priority, queue, agent,"
                   " rating) VALUES (?1, ?1, ?2, ?2, 'closed', ?3, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    Statement msg(db.handle(), "INSERT INTO messages (conversation_id, direction, channel, author,"
                               " body, created_at) VALUES (?1, ?2, ?3, ?4, 'text', ?5)");
    Statement ev(db.handle(), "INSERT INTO events (conversation_id, type, data, created_at)"
                              " VALUES (?1, ?2, ?3, ?4)");
    std::mt19937_64 rng(14);
    const std::int64_t span = 365 * kDay;
    for (std::int64_t id = 1; id <= n; ++id) {
        std::int64_t created = kStart + span * (id - 1) / n;  // in order, as intake writes them
        const char* queue = kQueues[rng() % 5];
        const char* channel = kChannels[rng() % 5];
        const char* agent = kAgents[rng() % 8];
        std::int64_t frt = 30000 + static_cast<std::int64_t>(rng() % 3600000);
        std::int64_t res = frt + static_cast<std::int64_t>(rng() % (3 * kDay));
        routing::ConversationSnapshot s;
        s.id = id;
        s.contact_id = id;
        s.queue = queue;
        s.category = "repair";
        s.opened_at = at(created);
        s.resolved_at = at(created + res);
        routing::SlaDeadline fr{routing::Milestone::FirstResponse, at(created),
                                at(created + 1440000), at(created + 1800000), at(created + frt)};
        routing::SlaDeadline rs{routing::Milestone::Resolution, at(created), at(created + 2 * kDay),
                                at(created + 3 * kDay), at(created + res)};
        s.deadlines = {fr, rs};
        contact.bind(1, id).bind(2, std::string_view(id % 10 ? "standard" : "gold")).run();
        conv.bind(1, id).bind(2, std::string_view(channel)).bind(3, created);
        conv.bind(4, std::string_view(store::sqlite::snapshotToJson(s)))
            .bind(5, std::string_view("repair"))
            .bind(6, static_cast<std::int64_t>(1 + rng() % 4))
            .bind(7, std::string_view(queue))
            .bind(8, std::string_view(agent));
        if (rng() % 3 == 0) conv.bind(9, static_cast<std::int64_t>(1 + rng() % 5));
        else conv.bindNull(9);
        conv.run();
        msg.bind(1, id).bind(2, std::string_view("in")).bind(3, std::string_view(channel));
        msg.bind(4, std::string_view("customer")).bind(5, created).run();
        msg.bind(1, id).bind(2, std::string_view("out")).bind(3, std::string_view(channel));
        msg.bind(4, std::string_view("auto")).bind(5, created + 1000).run();
        msg.bind(1, id).bind(2, std::string_view("out")).bind(3, std::string_view(channel));
        msg.bind(4, std::string_view(std::string("agent:") + agent)).bind(5, created + frt).run();
        std::string who = std::string("{\"agent\":\"") + agent + "\"}";
        auto event = [&](const char* type, const std::string& data, std::int64_t t) {
            ev.bind(1, id).bind(2, std::string_view(type)).bind(3, std::string_view(data));
            ev.bind(4, t).run();
        };
        event("routed", "{\"queue\":\"x\"}", created);
        event("offer", who, created + 1000);
        event("assigned", who, created + 2000);
        event("resolved", who, created + res);
        event("auto_reply", "{\"reason\":\"survey\"}", created + res);
        if (id % 100000 == 0) {
            db.exec("COMMIT; BEGIN");
            std::fprintf(stderr, "\r%lld conversations", static_cast<long long>(id));
        }
    }
    // Every agent logs in 09:00-17:00 in Shanghai (01:00-09:00Z) each day of the year and
    // after it, for agent_time (presence and occupancy).
    Statement presence(db.handle(), "INSERT INTO events (conversation_id, type, data, created_at)"
                                    " VALUES (NULL, 'agent_state', ?1, ?2)");
    for (std::int64_t day = 0; day < 400; ++day) {
        for (const char* agent : kAgents) {
            for (auto [state, hour] : {std::pair{"available", 1}, std::pair{"offline", 9}}) {
                std::string data = std::string(R"({"agent":")") + agent +
                                   R"(","presence":")" + state + "\"}";
                presence.bind(1, std::string_view(data));
                presence.bind(2, kStart + day * kDay + hour * 3600000).run();
            }
        }
    }
    db.exec("COMMIT");
    std::fprintf(stderr, "\n");
}

double ingestRate(store::sqlite::SqliteStore& st, int count, int base) {
    auto t0 = Clock::now();
    std::vector<std::future<void>> done;
    std::promise<void> all;
    std::atomic<int> left{count};
    for (int i = 0; i < count; ++i) {
        routing::InboundMessage m;
        m.channel = routing::ChannelKind::Api;
        m.channel_instance = "api";
        m.provider_id = "bench-" + std::to_string(base + i);
        m.from.id = "bench-contact-" + std::to_string((base + i) % 1000);
        m.text = "my printer does not print";
        m.received_at = routing::Clock::now();
        st.ingest(std::move(m), [&](auto) {
            if (--left == 0) all.set_value();
        });
    }
    all.get_future().wait();
    return count / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t n = argc > 1 ? std::stoll(argv[1]) : 1000000;
    std::string dir = argc > 2 ? argv[2] : "/tmp";
    std::string path = dir + "/ccd-reports-bench.db";
    // REUSE=1 keeps a file generated before (same N) to time the reports again.
    const bool reuse = std::getenv("REUSE") && std::filesystem::exists(path);
    if (!reuse) {
        for (const char* suffix : {"", "-wal", "-shm", ".lock"})
            std::filesystem::remove(path + suffix);
    }
    store::sqlite::SqliteStore({path}, nullptr).close();  // schema, as the daemon makes it
    auto t0 = Clock::now();
    if (!reuse) {
        generate(path, n);
        ::sync();  // the file's dirty pages out now, not during the intake figures below
    }
    if (reuse) std::printf("reused %s\n", path.c_str());
    else std::printf("generated %lld conversations (3 messages, 5 events each) in %.1f s, file %.0f MiB\n",
                static_cast<long long>(n), std::chrono::duration<double>(Clock::now() - t0).count(),
                std::filesystem::file_size(path) / 1048576.0);

    routing::BusinessCalendar cal;
    cal.time_zone = "Asia/Shanghai";
    for (int d = 0; d < 6; ++d) cal.week[static_cast<std::size_t>(d)] = {{9 * 60, 18 * 60}};
    const std::map<std::string, std::string> params{
        {"from", "2026-11-01"}, {"to", "2026-11-30"}, {"group_by", "day,queue"}};
    Connection reader(path, false);
    reader.exec("PRAGMA query_only = 1");
    const std::int64_t now = kStart + 400 * kDay;
    for (const char* name : {"volume", "response_times", "sla", "csat", "agents", "quality",
                             "agent_time"}) {
        double best = 1e9;
        std::size_t rows = 0;
        for (int i = 0; i < 3; ++i) {
            auto t = Clock::now();
            auto p = params;
            if (std::string(name) == "agent_time") p["group_by"] = "day";  // per agent, by day
            auto out = daemon::reports::makeReport(reader.handle(), name, p, &cal, now);
            best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count());
            if (!out.table) {
                std::printf("%s failed: %s\n", name, out.error.c_str());
                return 1;
            }
            rows = out.table->rows.size();
        }
        std::printf("%-15s 30 days by day,%s: %5.3f s (best of 3), %zu rows\n", name,
                    std::string(name) == "agent_time" ? "agent" : "queue", best, rows);
    }

    // Intake's durable store rate alone, then while reports run back to back on a thread set
    // up as the daemon's report thread; three rounds of each, alternating, so that the
    // machine's drift falls on both.
    store::sqlite::SqliteStore st({path}, nullptr);
    constexpr int kRounds = 5, kPerRound = 250000;
    std::vector<double> alone, during;
    int reports_run = 0, base = 0;
    for (int round = 0; round < kRounds; ++round) {
        alone.push_back(ingestRate(st, kPerRound, base));
        base += kPerRound;
        std::atomic<bool> stop{false};
        std::atomic<int> ran{0};
        std::thread busy([&] {
            daemon::reports::runBelowIntake();
            while (!stop) {
                daemon::reports::makeReport(reader.handle(), "sla", params, &cal, now);
                ++ran;
            }
        });
        during.push_back(ingestRate(st, kPerRound, base));
        base += kPerRound;
        stop = true;
        busy.join();
        reports_run += ran;
    }
    st.close();
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf("intake (store commits, %d rounds of %d messages): median %.0f msg/s alone, "
                "%.0f msg/s during reports (%.1f%%; %d sla reports ran meanwhile)\n",
                kRounds, kPerRound, median(alone), median(during),
                100.0 * median(during) / median(alone), reports_run);
    for (int i = 0; i < kRounds; ++i)
        std::printf("  round %d: %.0f alone, %.0f during\n", i + 1, alone[static_cast<std::size_t>(i)],
                    during[static_cast<std::size_t>(i)]);
    return 0;
}
