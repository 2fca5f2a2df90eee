#include "config/routing_config_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/cases_parser.hpp"
#include "config/classification_parser.hpp"
#include "config/ivr_parser.hpp"
#include "config/rules_parser.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::config {
namespace {

using routing::BusinessCalendar;
using routing::DailyWindow;
using routing::LocalDate;
using routing::Milestone;
using routing::QueueDef;
using routing::Selection;

constexpr const char* kDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// "HH:MM" -> minutes after midnight; 24:00 allowed.
std::optional<int> parseClock(const std::string& s) {
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    for (int i : {0, 1, 3, 4}) {
        if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9')
            return std::nullopt;
    }
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
}

// "09:00-18:00"; a window over midnight ("22:00-06:00") becomes two: tonight and tomorrow.
void readWindow(const NodeRef& node, BusinessCalendar& cal, std::size_t day) {
    auto s = node.string();
    if (!s) return;
    auto dash = s->find('-');
    std::optional<int> from, to;
    if (dash != std::string::npos) {
        from = parseClock(s->substr(0, dash));
        to = parseClock(s->substr(dash + 1));
    }
    if (!from || !to || *from == *to || *from == 24 * 60) {
        node.error("expected opening hours as HH:MM-HH:MM, e.g. 09:00-18:00 (got \"" + *s + "\")");
        return;
    }
    if (*from < *to) {
        cal.week[day].push_back(DailyWindow{*from, *to});
    } else {
        cal.week[day].push_back(DailyWindow{*from, 24 * 60});
        if (*to > 0) cal.week[(day + 1) % 7].push_back(DailyWindow{0, *to});
    }
}

std::optional<LocalDate> parseDate(const std::string& s) {
    int y = 0, m = 0, d = 0;
    char extra = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3) return std::nullopt;
    static const int kDaysIn[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > kDaysIn[m - 1]) return std::nullopt;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return std::nullopt;
    return LocalDate{y, m, d};
}

void readCalendars(const NodeRef& node, routing::RoutingConfig& out) {
    if (!node.present()) return;
    if (!node.expectNamedEntries()) return;
    for (const auto& [name, cal_node] : node.entries()) {
        (void)cal_node.expectMap({"time_zone", "week", "holidays"});
        BusinessCalendar cal;
        cal.name = name;
        if (cal_node["time_zone"].require()) {
            if (auto tz = cal_node["time_zone"].nonEmptyString()) cal.time_zone = *tz;
        }
        auto week = cal_node["week"];
        week.expectMap({"mon", "tue", "wed", "thu", "fri", "sat", "sun"});
        for (std::size_t d = 0; d < 7; ++d) {
            auto day = week[kDays[d]];
            if (!day.present() || day.isNull()) continue;
            if (day.isScalar()) {
                readWindow(day, cal, d);
            } else if (day.expectSequence()) {
                for (const auto& w : day.items()) readWindow(w, cal, d);
            }
        }
        auto holidays = cal_node["holidays"];
        if (holidays.expectSequence()) {
            for (const auto& h : holidays.items()) {
                auto s = h.string();
                if (!s) continue;
                if (auto date = parseDate(*s)) cal.holidays.push_back(*date);
                else h.error("expected a date as YYYY-MM-DD (got \"" + *s + "\")");
            }
        }
        try {
            routing::BusinessHours check(cal);  // time zone and overlapping windows
        } catch (const std::invalid_argument& e) {
            std::string what = e.what();
            (what.find("time zone") != std::string::npos ? cal_node["time_zone"] : week).error(what);
        }
        out.calendars.emplace(name, std::move(cal));
    }
}

void readPolicies(const NodeRef& node, routing::RoutingConfig& out) {
    if (!node.present()) return;
    if (!node.expectNamedEntries()) return;
    for (const auto& [name, p] : node.entries()) {
        p.expectMap({"business_hours", "warn_at", "first_response", "plan", "customer_update",
                     "resolution"});
        routing::SlaPolicyConfig cfg;
        cfg.policy.name = name;
        if (auto cal = p["business_hours"].nonEmptyString()) {
            if (!out.calendars.count(*cal)) {
                p["business_hours"].error("no business_hours calendar named \"" + *cal + "\"");
            } else {
                cfg.calendar = *cal;
                cfg.policy.business_hours_only = true;
            }
        }
        if (auto warn = p["warn_at"].number(0.05, 0.99)) cfg.policy.warn_fraction = *warn;
        // Milestones follow one another: a plan cannot be due before the first response, nor
        // the resolution before the plan. The customer update is a cadence, not a step.
        std::optional<std::chrono::milliseconds> latest_step;
        std::string latest_name;
        bool any_milestone = false;
        for (Milestone m : {Milestone::FirstResponse, Milestone::Plan, Milestone::CustomerUpdate,
                            Milestone::Resolution}) {
            auto key = std::string(routing::toString(m));
            auto n = p[key];
            any_milestone |= n.present();
            auto within = n.duration();
            if (!within) continue;
            if (within->count() <= 0) {
                n.error("must be longer than 0");
                continue;
            }
            if (m != Milestone::CustomerUpdate) {
                if (latest_step && *within < *latest_step) {
                    n.error("impossible SLA: " + key + " is due before " + latest_name);
                } else {
                    latest_step = within;
                    latest_name = key;
                }
            }
            cfg.policy.targets.push_back({m, *within});
        }
        if (!any_milestone) p.error("an SLA policy needs at least one milestone");
        out.sla_policies.emplace(name, std::move(cfg));
    }
}

// `wrap_up: 30s` (after every kind of work) or `{voice: 60s, chat: 30s, ...}` (by kind).
void readWrapUp(const NodeRef& node, QueueDef& def) {
    auto read = [](const NodeRef& n) -> std::optional<std::chrono::milliseconds> {
        auto d = n.duration();
        if (d && (d->count() < 0 || *d > std::chrono::minutes(30))) {
            n.error("expected a wrap-up from 0s to 30m");
            return std::nullopt;
        }
        return d;
    };
    if (!node.present()) return;
    if (!node.isMap()) {
        if (auto d = read(node)) def.wrap_up.fill(*d);
        return;
    }
    if (!node.expectMap({"voice", "chat", "messaging", "email"})) return;
    for (std::size_t k = 0; k < routing::kWorkKinds; ++k) {
        if (auto d = read(node[routing::toString(static_cast<routing::WorkKind>(k))]))
            def.wrap_up[k] = *d;
    }
}

// `voice: {announce_every: 60s, max_wait: 10m}`: what callers waiting in the queue hear, and
// how long they wait before they leave a voicemail.
void readQueueVoice(const NodeRef& node, QueueDef& def) {
    if (!node.present() || !node.expectMap({"announce_every", "max_wait"})) return;
    auto read = [](const NodeRef& n, std::chrono::seconds low, std::chrono::seconds high,
                   const char* range) -> std::chrono::milliseconds {
        auto d = n.duration();
        if (d && (*d < low || *d > high)) {
            n.error(std::string("expected ") + range);
            return std::chrono::milliseconds(0);
        }
        return d.value_or(std::chrono::milliseconds(0));
    };
    def.announce_every = read(node["announce_every"], std::chrono::seconds(10),
                              std::chrono::minutes(10), "an interval from 10s to 10m");
    def.max_wait = read(node["max_wait"], std::chrono::seconds(30), std::chrono::hours(2),
                        "a maximum wait from 30s to 2h");
    if (def.announce_every.count() && def.max_wait.count() && def.max_wait < def.announce_every)
        node["max_wait"].error("the maximum wait is shorter than announce_every");
}

void readQueues(const NodeRef& node, routing::RoutingConfig& out) {
    if (!node.present()) return;
    if (!node.expectNamedEntries()) return;
    std::vector<std::pair<NodeRef, std::string>> overflow_refs;
    for (const auto& [name, q] : node.entries()) {
        q.expectMap({"skills", "selection", "overflow", "offer_timeout", "wrap_up", "voice"});
        QueueDef def;
        def.name = name;
        if (auto skills = q["skills"].stringList()) def.required_skills = {skills->begin(), skills->end()};
        if (auto sel = q["selection"].oneOf<Selection>({{"longest_idle", Selection::LongestIdle},
                                                        {"least_occupied", Selection::LeastOccupied},
                                                        {"round_robin", Selection::RoundRobin}}))
            def.selection = *sel;
        auto overflow = q["overflow"];
        overflow.expectMap({"to", "after"});
        if (overflow.present()) {
            if (overflow["to"].require()) {
                if (auto to = overflow["to"].nonEmptyString()) {
                    def.overflow_to = *to;
                    overflow_refs.emplace_back(overflow["to"], *to);
                }
            }
            if (overflow["after"].require()) {
                if (auto after = overflow["after"].duration()) def.overflow_after = *after;
            }
        }
        auto timeout = q["offer_timeout"];
        timeout.expectMap({"live", "async"});
        if (auto live = timeout["live"].duration()) def.live_offer_timeout = *live;
        if (auto async = timeout["async"].duration()) def.async_offer_timeout = *async;
        readWrapUp(q["wrap_up"], def);
        readQueueVoice(q["voice"], def);
        out.queues.push_back(std::move(def));
    }
    for (const auto& entry : overflow_refs) {
        const std::string& target = entry.second;  // a lambda cannot capture a binding in C++17
        bool known = std::any_of(out.queues.begin(), out.queues.end(),
                                 [&](const QueueDef& q) { return q.name == target; });
        if (!known) entry.first.error("no queue named \"" + target + "\"");
    }
}

void readOffers(const NodeRef& node, routing::RoutingConfig& out) {
    if (!node.present() || !node.expectMap({"away_after_missed"})) return;
    if (auto n = node["away_after_missed"].integer(0, 100))
        out.offers.away_after_missed = static_cast<int>(*n);
}

}  // namespace

routing::RoutingConfigPtr parseRoutingConfig(const std::string& text, const std::string& file) {
    YamlDocument doc(file, text, processEnv());
    auto cfg = std::make_shared<routing::RoutingConfig>();
    std::error_code ec;
    auto absolute = std::filesystem::absolute(file, ec);
    cfg->source_path = ec ? file : absolute.lexically_normal().string();
    NodeRef root = doc.root();
    if (root.present() &&
        root.expectMap({"business_hours", "sla_policies", "queues", "defaults", "rules",
                        "auto_replies", "escalation", "offers", "classification", "ivr",
                        "cases"})) {
        readCalendars(root["business_hours"], *cfg);
        readPolicies(root["sla_policies"], *cfg);
        readQueues(root["queues"], *cfg);
        readClassification(root["classification"], cfg->classification);
        readDefaults(root["defaults"], *cfg);
        readCases(root["cases"], *cfg, file);  // after calendars and queues, before the rules
        readRules(root["rules"], *cfg, file);
        readAutoReplies(root["auto_replies"], *cfg, file);
        readEscalation(root["escalation"], *cfg);
        readOffers(root["offers"], *cfg);
        readIvr(root["ivr"], *cfg);
    }
    doc.throwIfIssues();
    return cfg;
}

routing::RoutingConfigPtr loadRoutingConfig(const std::string& path) {
    return parseRoutingConfig(readConfigFile(path), path);
}

}  // namespace ccd::config
