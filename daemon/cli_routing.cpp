#include "daemon/cli_routing.hpp"

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "channels/common/json_body.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "config/routing_config_parser.hpp"
#include "config/yaml_reader.hpp"
#include "daemon/classify_json.hpp"
#include "daemon/cli_render.hpp"
#include "daemon/cli_simulate_calls.hpp"
#include "daemon/cli_simulate_cases.hpp"
#include "daemon/routing_json.hpp"
#include "routing/engine.hpp"
#include "routing/rules.hpp"

namespace ccd::daemon {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 3;

// The routing file: `--config` may name ccd.yaml (its `routing:` file is used) or a routing
// file itself. Throws ConfigError.
routing::RoutingConfigPtr loadRouting(const std::string& path) {
    std::ifstream in(path);
    std::string first((std::istreambuf_iterator<char>(in)), {});
    bool is_daemon_config = first.find("\nserver:") != std::string::npos ||
                            first.rfind("server:", 0) == 0 ||
                            first.find("\nrouting:") != std::string::npos ||
                            first.rfind("routing:", 0) == 0;
    if (!is_daemon_config) return config::loadRoutingConfig(path);
    auto daemon = config::loadDaemonConfig(path);
    if (daemon->routing_path.empty())
        throw config::ConfigError({config::ConfigIssue{path, 0, 0, "routing",
                                                       "names no routing file"}});
    return config::loadRoutingConfig(daemon->routing_path);
}

// The routing configuration, or null after printing every problem on stderr.
routing::RoutingConfigPtr loadRoutingOrReport(const std::string& path) {
    try {
        return loadRouting(path);
    } catch (const config::ConfigError& e) {
        std::cerr << e.what();
        std::cerr << e.issues().size() << " problem(s)\n";
        return nullptr;
    }
}

std::optional<routing::ChannelKind> channelOf(const json& j, const char* key) {
    if (!j.contains(key)) return routing::ChannelKind::Api;
    if (!j[key].is_string()) return std::nullopt;
    auto name = j[key].get<std::string>();
    // The sample files say "messaging" for any messaging app.
    if (name == "messaging") return routing::ChannelKind::Telegram;
    if (name == "chat") return routing::ChannelKind::Webchat;
    if (name == "phone") return routing::ChannelKind::Voice;
    return routing::channelKindFromString(name);
}

std::optional<routing::TimePoint> timeOf(const json& j, const char* key, std::string& error) {
    if (!j.contains(key)) return std::nullopt;
    if (!j[key].is_string()) {
        error = std::string(key) + ": expected an RFC 3339 time";
        return std::nullopt;
    }
    auto t = parseRfc3339(j[key].get<std::string>());
    if (!t) error = std::string(key) + ": expected an RFC 3339 time such as 2026-11-24T10:00:00+08:00";
    return t;
}

// The input named on the command line: a file, or standard input for "-". Null (after saying
// why on stderr) when the file cannot be read.
std::istream* openInput(const std::string& name, std::ifstream& file, const char* command) {
    if (name == "-") return &std::cin;
    file.open(name);
    if (!file) {
        std::cerr << "ccd " << command << ": cannot read " << name << '\n';
        return nullptr;
    }
    return &file;
}

json triageJson(const routing::TriageResult& t, routing::TimePoint now) {
    json j = classificationJson(t.classification);
    j["priority"] = routing::priorityName(t.priority);
    j["queue"] = t.queue;
    j["tags"] = t.tags;
    j["rule"] = t.rules.empty() ? json(nullptr) : json(t.rules.front());
    j["rules"] = t.rules;
    j["sla_policy"] = t.sla_policy;
    json sla = deadlinesJson(t.deadlines, now);
    for (auto& [k, v] : sla.items()) {
        v.erase("state");
        v.erase("warn_at");
    }
    j["sla"] = std::move(sla);
    if (t.auto_reply) j["auto_reply"] = *t.auto_reply;
    return j;
}

}  // namespace

// ---- classify ---------------------------------------------------------------------------

struct ClassifyCommand::Options {
    std::string text;
    std::vector<std::string> jsonl;
    std::string now;
    bool explain = false;
    bool expect = false;
};

ClassifyCommand::ClassifyCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), opts_(std::make_unique<Options>()) {
    cmd_ = app.add_subcommand("classify",
                              "Classify texts with the routing rules and print one JSON line each");
    cmd_->add_option("text", opts_->text, "A message to classify");
    cmd_->add_option("--jsonl", opts_->jsonl,
                     "JSON lines with text and optional channel, tier, locale, id ('-': stdin); "
                     "several files are classified with one load of the rules, and --expect "
                     "then prints one report per file, each after a line '== FILE'");
    cmd_->add_option("--now", opts_->now, "The time to decide at (RFC 3339; default: now)");
    cmd_->add_flag("--explain", opts_->explain,
                   "Add `explain`: the terms that decided the category (with weights), the "
                   "runner-up and its confidence, sentiment words, safety and urgency triggers");
    cmd_->add_flag("--expect", opts_->expect,
                   "With --jsonl: compare with each line's labels (category, lang or language, "
                   "priority, safety) and print an evaluation report instead of the lines");
    cmd_->add_option("-c,--config", config_path, "ccd.yaml, or a routing file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    cmd_->footer(
        "Exit codes: 0 ok, 1 (--expect) a message labelled P1 did not come out P1, 2 usage error "
        "or malformed input line, 3 invalid configuration.");
}

ClassifyCommand::~ClassifyCommand() = default;
bool ClassifyCommand::selected() const { return cmd_ && cmd_->parsed(); }

int ClassifyCommand::run() const {
    const Options& o = *opts_;
    if (o.text.empty() == o.jsonl.empty()) {
        std::cerr << "ccd classify: give either a TEXT or --jsonl FILE\n";
        return kExitUsage;
    }
    if (o.expect && o.jsonl.empty()) {
        std::cerr << "ccd classify: --expect needs --jsonl FILE (labelled lines)\n";
        return kExitUsage;
    }
    routing::TimePoint now = routing::Clock::now();
    if (!o.now.empty()) {
        auto t = parseRfc3339(o.now);
        if (!t) {
            std::cerr << "ccd classify: --now: expected an RFC 3339 time\n";
            return kExitUsage;
        }
        now = *t;
    }
    auto cfg = loadRoutingOrReport(*config_path_);
    if (!cfg) return kExitConfig;
    routing::Engine engine(cfg);
    routing::Evaluation evaluation;

    auto classifyOne = [&](const json& in, const std::string& where) -> bool {
        if (!in.is_object() || !in.contains("text") || !in["text"].is_string()) {
            std::cerr << where << ": expected an object with a \"text\" string\n";
            return false;
        }
        routing::InboundMessage m;
        m.text = in["text"].get<std::string>();
        auto channel = channelOf(in, "channel");
        if (!channel) {
            std::cerr << where << ": channel: unknown channel\n";
            return false;
        }
        m.channel = *channel;
        routing::ContactProfile contact;
        if (in.contains("tier") && in["tier"].is_string()) contact.tier = in["tier"].get<std::string>();
        if (in.contains("locale") && in["locale"].is_string())
            contact.locale = in["locale"].get<std::string>();
        const routing::TriageResult t = engine.triage(m, contact, true, now, o.explain);
        if (o.expect) {
            evaluation.add(expectedOf(in), observedOf(t));
            return true;
        }
        json out = triageJson(t, now);
        if (o.explain) out["explain"] = explanationJson(t.classification);
        if (in.contains("id")) out["id"] = in["id"];
        std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
        return true;
    };

    if (!o.text.empty()) return classifyOne(json{{"text", o.text}}, "text") ? kExitOk : kExitUsage;
    // Each file is read and scored on its own; the rules (and the classifier they train) are
    // loaded once for all of them, which is most of the time a short file takes.
    int bad = 0;
    bool p1_missed = false;
    for (const std::string& name : o.jsonl) {
        std::ifstream file;
        std::istream* in = openInput(name, file, "classify");
        if (!in) return kExitUsage;
        evaluation = routing::Evaluation{};
        std::string line;
        int number = 0;
        while (std::getline(*in, line)) {
            ++number;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            std::string where = name + ":" + std::to_string(number);
            // Strict, like every JSON ccd reads: a NUL byte or bytes after the value are errors.
            auto parsed = channels::parseJsonBody(line);
            if (parsed.error) {
                std::cerr << where << ": not valid JSON (" << parsed.error->reason << ")\n";
                ++bad;
                continue;
            }
            if (!classifyOne(parsed.value, where)) ++bad;
        }
        if (bad || !o.expect) continue;
        if (o.jsonl.size() > 1) std::cout << "== " << name << '\n';
        std::cout << evaluation.report();
        const routing::Tally& p1 = evaluation.p1Recall();
        p1_missed = p1_missed || p1.right != p1.total;
    }
    if (bad) return kExitUsage;
    return p1_missed ? 1 : kExitOk;
}

// ---- simulate ---------------------------------------------------------------------------

struct SimulateCommand::Options {
    std::string events;
    std::string start;
};

SimulateCommand::SimulateCommand(CLI::App& app, std::string& config_path)
    : config_path_(&config_path), opts_(std::make_unique<Options>()) {
    cmd_ = app.add_subcommand(
        "simulate", "Replay a JSON-lines stream of events through the engine and print its actions");
    cmd_->add_option("--events", opts_->events, "JSON lines of events ('-': stdin)")->required();
    cmd_->add_option("--start", opts_->start,
                     "Simulated time of the first event (RFC 3339; default: its `at`, else now)");
    cmd_->add_option("-c,--config", config_path, "ccd.yaml, or a routing file")
        ->envname("CCD_CONFIG")
        ->capture_default_str();
    cmd_->footer(
        "Events (one JSON object per line; `at` (RFC 3339) is optional and never goes back):\n"
        "  {\"type\":\"agent\",\"id\":\"alice\",\"skills\":[\"technical\"],\"languages\":[\"en\"]}\n"
        "  {\"type\":\"presence\",\"agent\":\"alice\",\"presence\":\"available\"}\n"
        "  {\"type\":\"message\",\"conversation\":1,\"text\":\"...\",\"channel\":\"email\",\n"
        "   \"contact\":{\"id\":7,\"tier\":\"vip\",\"locale\":\"zh-TW\"},\"rating\":5}\n"
        "  {\"type\":\"accept\"|\"decline\",\"conversation\":1,\"agent\":\"alice\"}\n"
        "  {\"type\":\"reply\",\"conversation\":1,\"agent\":\"alice\",\"plan\":true}\n"
        "  {\"type\":\"transfer\",\"conversation\":1,\"agent\":\"alice\",\"to_queue\":\"billing\"}\n"
        "  {\"type\":\"resolve\",\"conversation\":1,\"agent\":\"alice\",\"disposition\":\"fixed\"}\n"
        "  {\"type\":\"agent_lost\",\"agent\":\"alice\"}\n"
        "  {\"type\":\"advance\",\"by\":\"30m\"}   time passes: timers fire, follow-ups fall due\n"
        "Service cases (a rule's open_case opens one; ids 1, 2, ...; docs/cases.md):\n"
        "  a message's contact may list \"products\" [{\"sku\",\"purchased_on\",...}] and\n"
        "   earlier \"cases\" [{\"id\",\"type\",\"product_sku\",\"opened_at\",\"open\"}]\n"
        "  {\"type\":\"case\",\"action\":\"open\",\"case_type\":\"repair\",\"conversation\":1}\n"
        "  {\"type\":\"case\",\"case\":1,\"action\":\"move_stage\",\"to\":\"diagnosing\"}\n"
        "   (any PATCH /v1/cases body; \"agent\" says who)\n"
        "  {\"type\":\"case\",\"case\":1,\"action\":\"record_follow_up\",\"follow_up\":1,\n"
        "   \"outcome\":\"satisfied\",\"rating\":5,\"agent\":\"alice\"}\n"
        "  They print case_opened, case_changed, case_refused and follow_up_due; notices\n"
        "  are the engine's auto_reply and supervisor_notice.\n"
        "Phone calls (a queue's voice: settings; speech when --config is ccd.yaml):\n"
        "  {\"type\":\"call\",\"conversation\":5,\"contact\":{...}}   a new call: call_decision;\n"
        "   while queued the caller asks again every poll_after (announcement, voicemail\n"
        "   after the queue's max_wait, dial once an agent took it)\n"
        "  {\"type\":\"hangup\",\"conversation\":5}   the caller hangs up (queued: call_back)\n"
        "  {\"type\":\"voicemail\",\"conversation\":5,\"text\":\"...\"}   its transcription\n"
        "Exit codes: 0 ok, 2 usage error or malformed event, 3 invalid configuration.");
}

SimulateCommand::~SimulateCommand() = default;
bool SimulateCommand::selected() const { return cmd_ && cmd_->parsed(); }

int SimulateCommand::run() const {
    const Options& o = *opts_;
    auto cfg = loadRoutingOrReport(*config_path_);
    if (!cfg) return kExitConfig;
    routing::Engine engine(cfg);
    std::ifstream file;
    std::istream* in = openInput(o.events, file, "simulate");
    if (!in) return kExitUsage;
    std::optional<routing::TimePoint> clock;
    if (!o.start.empty()) {
        clock = parseRfc3339(o.start);
        if (!clock) {
            std::cerr << "ccd simulate: --start: expected an RFC 3339 time\n";
            return kExitUsage;
        }
    }
    std::map<std::int64_t, bool> seen_conversations;
    std::int64_t next_message = 1, next_conversation = 1;
    int number = 0;
    SimulatedCases cases(engine, *cfg);
    auto printJson = [&](json j) {
        j["at"] = isoTime(*clock);
        j["event"] = number;
        std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    };
    // The engine's actions, then what the service cases make of them (cases opened, ...).
    std::function<void(const std::vector<routing::Action>&)> printActions =
        [&](const std::vector<routing::Action>& actions) {
            for (const auto& a : actions) printJson(actionJson(a));
            cases.onActions(actions, *clock);
        };
    cases.setOutput(printJson, printActions);
    SimulatedCalls calls(engine, simulationCatalog(*config_path_), printJson, printActions);
    auto print = [&](const std::vector<routing::Action>& actions, int) { printActions(actions); };
    // Time passed: the engine's timers, then the cases' clocks and follow-ups, then the queued
    // callers who ask again.
    auto tickAll = [&] {
        print(engine.handle(routing::Tick{}, *clock), number);
        cases.tick(*clock);
        calls.tick(*clock);
    };
    auto str = [](const json& j, const char* key) {
        return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
    };

    std::string line;
    while (std::getline(*in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::string where = o.events + ":" + std::to_string(number);
        auto fail = [&](const std::string& why) {
            std::cerr << where << ": " << why << '\n';
            return kExitUsage;
        };
        auto parsed = channels::parseJsonBody(line);
        if (parsed.error) return fail("not valid JSON (" + parsed.error->reason + ")");
        json& e = parsed.value;
        if (!e.is_object()) return fail("expected a JSON object");
        std::string error;
        auto at = timeOf(e, "at", error);
        if (!error.empty()) return fail(error);
        if (at) {
            if (clock && *at < *clock) return fail("at: time goes back");
            if (clock && *at > *clock) {
                // Let the clock run to `at` so timers fire when they are due.
                clock = at;
                tickAll();
            }
            clock = at;
        }
        if (!clock) clock = routing::Clock::now();
        const std::string type = str(e, "type");
        const std::string agent = str(e, "agent");
        std::int64_t conversation = e.value("conversation", std::int64_t{0});
        if (type == "agent") {
            routing::Agent a;
            a.id = str(e, "id");
            if (a.id.empty()) return fail("id: an agent needs an id");
            for (const auto& s : e.value("skills", std::vector<std::string>{})) a.skills.insert(s);
            for (const auto& l : e.value("languages", std::vector<std::string>{}))
                a.languages.insert(l);
            print(engine.handle(routing::AgentUpdated{a}, *clock), number);
        } else if (type == "presence") {
            auto p = routing::presenceFromString(str(e, "presence"));
            if (!p) return fail("presence: expected available, busy, away, offline or wrap_up");
            print(engine.handle(routing::PresenceChanged{agent, *p}, *clock), number);
        } else if (type == "message" || type == "call" || type == "voicemail") {
            routing::MessageReceived m;
            // A call has no text; a voicemail's is its transcription.
            if (type != "call" && (!e.contains("text") || !e["text"].is_string()))
                return fail("text: missing");
            m.message.text = str(e, "text");
            auto channel =
                type == "message" ? channelOf(e, "channel") : routing::ChannelKind::Voice;
            if (!channel) return fail("channel: unknown channel");
            m.message.channel = *channel;
            if (type == "voicemail" && !seen_conversations[conversation])
                return fail("conversation: no call to leave a voicemail on");
            if (type != "message")
                m.message.provider_id = SimulatedCalls::callId(conversation ? conversation
                                                                            : next_conversation) +
                                        (type == "voicemail" ? ":transcription" : "");
            if (!conversation) conversation = next_conversation;
            next_conversation = std::max(next_conversation, conversation + 1);
            m.conversation_id = conversation;
            m.message_id = next_message++;
            m.new_conversation = !seen_conversations[conversation];
            seen_conversations[conversation] = true;
            const json contact = e.value("contact", json::object());
            m.contact.id = contact.value("id", conversation);
            m.contact.tier = contact.value("tier", std::string("standard"));
            if (contact.contains("locale")) m.contact.locale = contact.value("locale", std::string());
            if (auto bad = cases.readContact(contact, m.contact); !bad.empty()) return fail(bad);
            m.message.from.id = "c" + std::to_string(m.contact.id);
            if (e.contains("rating") && e["rating"].is_number_integer())
                m.survey_rating = e["rating"].get<int>();
            m.auto_submitted = e.value("auto_submitted", false);
            cases.remember(m);
            auto actions = engine.handle(m, *clock);
            print(actions, number);
            if (type == "call") calls.arrived(conversation, actions, *clock);
            if (type == "voicemail") calls.noteCallBack(conversation, "voicemail");
        } else if (type == "hangup") {
            calls.hangup(conversation, str(e, "cause").empty() ? "abandoned" : str(e, "cause"),
                         *clock);
        } else if (type == "accept" || type == "decline") {
            print(engine.handle(routing::OfferAnswered{conversation, agent, type == "accept"},
                                *clock),
                  number);
        } else if (type == "reply") {
            print(engine.handle(routing::AgentReplied{conversation, agent, e.value("plan", false)},
                                *clock),
                  number);
        } else if (type == "transfer") {
            routing::TransferRequested t{conversation, agent, std::nullopt, std::nullopt,
                                         str(e, "note")};
            if (!str(e, "to_agent").empty()) t.to_agent = str(e, "to_agent");
            if (!str(e, "to_queue").empty()) t.to_queue = str(e, "to_queue");
            print(engine.handle(t, *clock), number);
        } else if (type == "resolve") {
            print(engine.handle(routing::ResolveRequested{conversation, agent, str(e, "disposition")},
                                *clock),
                  number);
        } else if (type == "agent_lost") {
            print(engine.handle(routing::AgentLost{agent}, *clock), number);
        } else if (type == "advance" || type == "tick") {
            auto by = config::parseDuration(str(e, "by").empty() ? "0s" : str(e, "by"));
            if (!by) return fail("by: expected a duration such as 30s, 5m, 2h");
            auto end = *clock + *by;
            std::optional<routing::TimePoint> ticked;
            // Step through every timer (the engine's, the cases') that falls in the interval,
            // then to its end.
            for (;;) {
                auto next = engine.nextWakeup();
                if (auto poll = calls.nextWakeup(); poll && (!next || *poll < *next)) next = poll;
                auto next_case = cases.nextWakeup();
                // (A case its tick left pending is not ticked again at the same time.)
                if (next_case && (!ticked || *next_case > *ticked) && (!next || *next_case < *next))
                    next = next_case;
                if (!next || *next > end) break;
                clock = std::max(*clock, *next);
                tickAll();
                ticked = clock;
            }
            clock = end;
            tickAll();
        } else if (type == "case") {
            if (auto bad = cases.handleEvent(e, *clock); !bad.empty()) return fail(bad);
        } else {
            return fail("type: unknown event type \"" + type + "\"");
        }
    }
    return kExitOk;
}

}  // namespace ccd::daemon
