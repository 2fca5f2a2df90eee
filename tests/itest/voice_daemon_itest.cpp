// The phone channel end to end through the real ccd binary (shipped rules and templates,
// SQLite): a CTI phone system and a Twilio account post call events; the answer to a new call
// is the engine's routing decision (dial the agent it chose at their SIP address, queue with
// an announcement, voicemail after hours); a queued caller polls (CTI `waiting`, Twilio's
// waitUrl) and hears the queue again, is dialled once an agent took the call, leaves a
// voicemail when the queue lets them go, is a call-back when they hang up; every step lands in
// the call log of GET /v1/conversations/{id}; repeats are stored once; bad requests store
// nothing.
#define BOOST_TEST_MODULE voice_daemon_itest
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <nlohmann/json.hpp>

#include "channels/common/url.hpp"
#include "channels/twilio/twilio_channel.hpp"
#include "tests/support/ccd_process.hpp"
#include "tests/support/console_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_argument.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;
using ccd::testing::argument;
using ccd::testing::ConsoleClient;
using ccd::testing::readFile;
using ccd::testing::replaceLine;
using ccd::testing::writeFile;

namespace {

// routing.yaml with its commented phone menu example switched on.
std::string withMenu(const std::string& routing) {
    std::istringstream in(routing);
    std::string line, out;
    bool example = false;
    while (std::getline(in, line)) {
        if (line == "# --- phone menu example") example = true;
        else if (example && line.empty()) example = false;
        else if (example && line.rfind("# ", 0) == 0) line = line.substr(2);
        out += line + "\n";
    }
    return out;
}

const std::string kPassword = "a console password";
const std::string kCtiToken = "cti-token-0123456789abcdef";
const std::string kTwilioToken = "twilio-auth-token-0123456789ab";
const std::string kAccount = "AC00000000000000000000000000000001";
const std::string kPublicUrl = "https://ccd.example.com/webhooks/twilio/hotline";
const std::string kAliceSip = "sip:alice@127.0.0.1:5071";
const std::string kBobSip = "sip:bob@127.0.0.1:5072";

/// The real ccd with a CTI instance (pbx) and a Twilio instance (hotline); alice and bob
/// (agents, with SIP addresses) and sam (supervisor). `open`: the calendar is open all week,
/// else never.
struct Phone {
    explicit Phone(bool open, bool menu = false) {
        try {
            configure(open, menu);
            ccd.start();
            for (const char* name : {"alice", "bob", "sam"}) tokens[name] = login(name);
        } catch (...) {
            ccd.stop();
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
            throw;
        }
    }
    ~Phone() {
        std::string problem = ccd.stop();
        if (!problem.empty() || boost::unit_test::results_collector
                                        .results(boost::unit_test::framework::current_test_case().p_id)
                                        .p_assertions_failed > 0)
            std::cerr << "---- ccd log ----\n" << ccd.log() << "---- end of ccd log ----\n";
        BOOST_CHECK_MESSAGE(problem.empty(), problem);
    }

    void configure(bool open, bool menu) {
        auto root = fs::path(argument(2, CCD_SOURCE_DIR));
        std::string text = ccd::testing::shippedConfigForTest(root, dir.path());
        auto config = dir.path() / "config";
        text = replaceLine(text, "channels:",
                           "channels:\n"
                           "  - name: pbx\n"
                           "    type: cti\n"
                           "    token: " + kCtiToken + "\n"
                           "    blocked_callers: [\"13900000000\"]\n"
                           "    outbound_caller_ids: [{dest: \"86*\", caller_id: \"864008001234\"}]\n"
                           "    default_region: CN\n"
                           "  - name: hotline\n"
                           "    type: twilio\n"
                           "    account_sid: " + kAccount + "\n"
                           "    auth_token: " + kTwilioToken + "\n"
                           "    public_url: " + kPublicUrl + "\n");
        writeFile(config / "ccd.yaml", text);
        // The calendar: open around the clock, or closed today (yesterday to tomorrow are
        // holidays, whatever the time zone).
        std::string routing = readFile(config / "routing.yaml");
        std::string week = "    week:\n";
        for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
            week += std::string("      ") + day + ": [\"00:00-24:00\"]\n";
        for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat"})
            routing = replaceLine(routing, std::string("      ") + day + ":", "");
        routing = replaceLine(routing, "    week:", week);
        if (!open) {
            std::string days;
            auto now = std::chrono::system_clock::now();
            for (int d = -1; d <= 1; ++d) {
                std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24 * d));
                std::tm tm{};
                gmtime_r(&t, &tm);
                char buf[16];
                std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
                days += (days.empty() ? "" : ", ") + std::string(buf);
            }
            routing = replaceLine(routing, "    holidays:", "    holidays: [" + days + "]");
        }
        if (menu) routing = withMenu(routing);
        writeFile(config / "routing.yaml", routing);
        std::string accounts = "accounts:\n";
        for (const auto& [name, role] : {std::pair{"alice", "agent"}, std::pair{"bob", "agent"},
                                         std::pair{"sam", "supervisor"}}) {
            accounts += std::string("  - name: ") + name + "\n    role: " + role +
                        "\n    skills: [general, technical, billing, returns]\n"
                        "    languages: [en, zh-Hans, zh-Hant]\n    password_hash: \"\"\n";
            if (std::string(name) == "alice") accounts += "    sip: \"" + kAliceSip + "\"\n";
            else if (std::string(name) == "bob") accounts += "    sip: \"" + kBobSip + "\"\n";
            else accounts += "    capacity: {voice: 0, chat: 0, messaging: 0, email: 0}\n";
        }
        writeFile(config / "agents.yaml", accounts);
        for (const char* name : {"alice", "bob", "sam"}) {
            int rc = ccd::testing::runWithInput(
                {binary, "agent", "passwd", name, "--config", (config / "ccd.yaml").string()},
                kPassword + "\n", ccd.logPath());
            if (rc != 0) throw std::runtime_error("ccd agent passwd failed:\n" + ccd.log());
        }
    }

    std::string login(const std::string& name) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "POST", "/v1/auth/login",
                                           json{{"name", name}, {"password", kPassword}}.dump());
        if (r.status != 200) throw std::runtime_error("login " + name + ": " + r.text);
        return r.body.at("token").get<std::string>();
    }

    ccd::testing::HttpReply cti(const std::string& form, const std::string& token = kCtiToken) {
        ccd::testing::HttpClient c(ccd.httpPort());
        return c.request("POST", "/webhooks/cti/pbx/" + token, form,
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    }

    ccd::testing::HttpReply twilio(const std::vector<std::pair<std::string, std::string>>& params,
                                   bool sign = true, const std::string& query = {}) {
        std::string body;
        for (const auto& [k, v] : params)
            body += (body.empty() ? "" : "&") + ccd::channels::percentEncode(k) + "=" +
                    ccd::channels::percentEncode(v);
        ccd::testing::HttpClient c(ccd.httpPort());
        const std::string q = query.empty() ? "" : "?" + query;
        return c.request("POST", "/webhooks/twilio/hotline" + q, body,
                         {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"X-Twilio-Signature",
                           sign ? ccd::channels::twilio::signature(kTwilioToken, kPublicUrl + q,
                                                                   params)
                                : std::string("AAAA")}});
    }

    /// The conversation of the caller `phone` (E.164), 0 when none.
    std::int64_t conversationOf(const std::string& phone) {
        for (std::int64_t id = 1; id <= 20; ++id) {
            auto r = ccd::testing::httpRequest(ccd.httpPort(), "GET",
                                               "/v1/conversations/" + std::to_string(id), {},
                                               tokens.at("sam"));
            if (r.status == 200 && r.body["contact"]["phone"] == phone) return id;
        }
        return 0;
    }

    bool calledBack(std::int64_t id) {
        const json c = conversation(id);  // kept alive for the loop
        for (const auto& t : c["routing"]["tags"]) {
            if (t == "call_back") return true;
        }
        return false;
    }

    json conversation(std::int64_t id) {
        auto r = ccd::testing::httpRequest(ccd.httpPort(), "GET",
                                           "/v1/conversations/" + std::to_string(id), {},
                                           tokens.at("sam"));
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.text);
        return r.body;
    }

    ccd::testing::TempDir dir;
    std::string binary = argument(1, CCD_EXECUTABLE);
    ccd::testing::CcdProcess ccd{binary, (dir.path() / "config" / "ccd.yaml").string(),
                                 (dir.path() / "ccd.log").string()};
    std::map<std::string, std::string> tokens;
};

std::vector<std::pair<std::string, std::string>> twilioCall(const std::string& sid,
                                                            const std::string& status,
                                                            bool callback = false) {
    std::vector<std::pair<std::string, std::string>> p{
        {"AccountSid", kAccount}, {"CallSid", sid},          {"From", "+8613700137000"},
        {"To", "+864008001234"},  {"CallStatus", status},    {"Direction", "inbound"}};
    if (callback) p.emplace_back("CallbackSource", "call-progress-events");
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_cti_call_is_dialled_to_the_agent_and_logged) {
    Phone p(true);
    auto alice = std::make_unique<ConsoleClient>(p.ccd.consolePort(), p.tokens.at("alice"));
    BOOST_REQUIRE(alice->open());
    alice->expect("hello");
    alice->ok({{"type", "presence"}, {"presence", "available"}});

    auto r = p.cti("event=newCall&from=013800138000&to=4008001234&direction=in&callId=call-1");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    auto answer = json::parse(r.body);
    BOOST_TEST(answer["action"] == "dial", r.body);
    BOOST_TEST(answer["target"] == kAliceSip);
    BOOST_TEST(answer["agent"] == "alice");

    // The ringing call is offered to alice with the caller's record and the call so far.
    auto offer = alice->expect("offer", 0, std::chrono::seconds(10));
    auto conv = offer["conversation_id"].get<std::int64_t>();
    BOOST_TEST(offer["channel"] == "voice");
    BOOST_TEST(offer["channel_instance"] == "pbx");
    BOOST_TEST(offer["calls"][0]["call_id"] == "call-1");
    BOOST_TEST(offer["calls"][0]["customer"] == "+8613800138000");
    alice->ok({{"type", "accept"}, {"conversation_id", conv}});

    // The same newCall again (the phone system's retry) is stored once.
    BOOST_TEST(p.cti("event=newCall&from=013800138000&to=4008001234&direction=in&callId=call-1")
                   .status == 200);
    BOOST_TEST(p.cti("event=answer&from=013800138000&to=4008001234&direction=in&callId=call-1"
                     "&user=alice&answeringNumber=201")
                   .body == "{}");
    BOOST_TEST(p.cti("event=hangup&from=013800138000&to=4008001234&direction=in&callId=call-1"
                     "&cause=normalClearing")
                   .body == "{}");
    BOOST_TEST(p.cti("event=hangup&from=013800138000&to=4008001234&direction=in&callId=call-1"
                     "&cause=normalClearing")
                   .status == 200);  // a repeat

    auto c = p.conversation(conv);
    BOOST_TEST(c["channel"] == "voice");
    BOOST_TEST(c["contact"]["phone"] == "+8613800138000");
    BOOST_REQUIRE_EQUAL(c["messages"].size(), 1u);
    BOOST_REQUIRE_EQUAL(c["calls"].size(), 1u);
    auto call = c["calls"][0];
    BOOST_TEST(call["call_id"] == "call-1");
    BOOST_TEST(call["direction"] == "in");
    BOOST_TEST(call["answered_by"] == "alice");
    BOOST_TEST(call["cause"] == "normalClearing");
    BOOST_TEST(call.contains("duration_s"));
    BOOST_REQUIRE_EQUAL(call["events"].size(), 3u);  // ringing, answered, hangup: once each
    BOOST_TEST(call["events"][0]["type"] == "call.ringing");
    BOOST_TEST(call["events"][2]["type"] == "call.hangup");
}

BOOST_AUTO_TEST_CASE(busy_agents_queue_the_caller_and_blocked_callers_are_rejected) {
    Phone p(true);
    auto alice = std::make_unique<ConsoleClient>(p.ccd.consolePort(), p.tokens.at("alice"));
    BOOST_REQUIRE(alice->open());
    alice->expect("hello");
    alice->ok({{"type", "presence"}, {"presence", "available"}});

    auto first = json::parse(
        p.cti("event=newCall&from=13800138001&to=4008001234&direction=in&callId=q-1").body);
    BOOST_TEST(first["action"] == "dial");
    // alice is on a call (voice capacity 1): the next caller waits, told their place.
    auto r = p.cti("event=newCall&from=13800138002&to=4008001234&direction=in&callId=q-2");
    auto second = json::parse(r.body);
    BOOST_TEST(second["action"] == "queue", r.body);
    BOOST_TEST(!second["announcement"].get<std::string>().empty(), r.body);

    auto blocked = p.cti("event=newCall&from=%2B8613900000000&to=4008001234&direction=in&callId=b-1");
    BOOST_TEST(json::parse(blocked.body) == json({{"action", "reject"}, {"reason", "busy"}}));
    auto out = p.cti("event=newCall&from=201&to=8613800138000&direction=out&callId=o-1");
    BOOST_TEST(json::parse(out.body) == json({{"action", "dial"},
                                              {"number", "8613800138000"},
                                              {"caller_id", "864008001234"}}));

    // Refused requests store nothing.
    BOOST_TEST(p.cti("event=newCall&from=1&to=2&direction=in&callId=x", "wrong-token").status == 401);
    auto bad = p.cti("event=newCall&from=13800138003&to=2&direction=sideways&callId=x");
    BOOST_TEST(bad.status == 422);
    BOOST_TEST(json::parse(bad.body)["field"] == "direction");
    BOOST_TEST(p.cti("event=newCall&from=%ZZ").status == 400);
}

BOOST_AUTO_TEST_CASE(twilio_calls_get_twiml_and_status_callbacks_are_logged) {
    Phone p(true);
    auto alice = std::make_unique<ConsoleClient>(p.ccd.consolePort(), p.tokens.at("alice"));
    BOOST_REQUIRE(alice->open());
    alice->expect("hello");
    alice->ok({{"type", "presence"}, {"presence", "available"}});

    auto r = p.twilio(twilioCall("CA100", "ringing"));
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_TEST(r.body.find("<Dial><Sip>" + kAliceSip + "</Sip></Dial>") != std::string::npos, r.body);
    auto offer = alice->expect("offer", 0, std::chrono::seconds(10));
    auto conv = offer["conversation_id"].get<std::int64_t>();
    BOOST_TEST(p.twilio(twilioCall("CA100", "ringing"), false).status == 403);
    for (const char* status : {"in-progress", "completed"}) {
        auto cb = p.twilio(twilioCall("CA100", status, true));
        BOOST_TEST(cb.status == 200);
        BOOST_TEST(cb.body.find("<Response/>") != std::string::npos);
    }
    auto c = p.conversation(conv);
    BOOST_REQUIRE_EQUAL(c["calls"].size(), 1u);
    BOOST_TEST(c["calls"][0]["call_id"] == "CA100");
    BOOST_TEST(c["calls"][0]["cause"] == "completed");
    BOOST_TEST(c["calls"][0]["events"].size() == 3u);
}

BOOST_AUTO_TEST_CASE(after_hours_a_caller_leaves_a_voicemail_whose_transcription_is_a_message) {
    Phone p(false);
    auto r = p.twilio(twilioCall("CA200", "ringing"));
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_TEST(r.body.find("<Record transcribe=\"true\"") != std::string::npos, r.body);
    BOOST_TEST(r.body.find("<Say language=\"zh-CN\">") != std::string::npos, r.body);
    auto cti = json::parse(
        p.cti("event=newCall&from=13800138009&to=4008001234&direction=in&callId=v-1").body);
    BOOST_TEST(cti["action"] == "voicemail");
    BOOST_TEST(!cti["prompt"].get<std::string>().empty());

    auto params = twilioCall("CA200", "completed");
    params.emplace_back("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1");
    params.emplace_back("TranscriptionText", "我的洗衣机漏水了，请回电");
    params.emplace_back("TranscriptionStatus", "completed");
    BOOST_TEST(p.twilio(params).status == 200);
    // Find the Twilio caller's conversation through the first message's id.
    std::int64_t conv = 0;
    for (std::int64_t id = 1; id <= 3 && !conv; ++id) {
        auto r2 = ccd::testing::httpRequest(p.ccd.httpPort(), "GET",
                                            "/v1/conversations/" + std::to_string(id), {},
                                            p.tokens.at("sam"));
        if (r2.status == 200 && r2.body["contact"]["phone"] == "+8613700137000") conv = id;
    }
    BOOST_REQUIRE(conv);
    auto c = p.conversation(conv);
    BOOST_REQUIRE_EQUAL(c["messages"].size(), 2u);
    BOOST_TEST(c["messages"][1]["text"] == "我的洗衣机漏水了，请回电");
    BOOST_TEST(c["calls"][0]["transcription"] == "我的洗衣机漏水了，请回电");
}

BOOST_AUTO_TEST_CASE(the_phone_menu_routes_a_call_by_the_callers_key) {
    Phone p(true, true);
    auto alice = std::make_unique<ConsoleClient>(p.ccd.consolePort(), p.tokens.at("alice"));
    BOOST_REQUIRE(alice->open());
    alice->expect("hello");
    alice->ok({{"type", "presence"}, {"presence", "available"}});

    // CTI: the new call hears the menu; a wrong key repeats it; "1" (repair) dials alice, who
    // serves the technical queue.
    auto menu = json::parse(
        p.cti("event=newCall&from=13800138005&to=4008001234&direction=in&callId=m-1").body);
    BOOST_TEST(menu["action"] == "menu", menu.dump());
    BOOST_TEST(menu["digits"] == "129");
    BOOST_TEST(menu["attempt"] == 1);
    // A caller from +86 hears the zh-Hans prompt.
    BOOST_TEST(menu["prompt"] == "报修请按1，投诉请按2，人工服务请按9。");
    BOOST_TEST(menu["language"] == "zh-CN");
    auto again = json::parse(p.cti("event=digits&callId=m-1&digits=7&attempt=1").body);
    BOOST_TEST(again["action"] == "menu", again.dump());
    BOOST_TEST(again["attempt"] == 2);
    auto dial = json::parse(p.cti("event=digits&callId=m-1&digits=1&attempt=2").body);
    BOOST_TEST(dial["action"] == "dial", dial.dump());
    BOOST_TEST(dial["target"] == kAliceSip);
    auto offer = alice->expect("offer", 0, std::chrono::seconds(10));
    auto conv = offer["conversation_id"].get<std::int64_t>();
    // The phone system's retry of the same key is stored once and answered the same.
    BOOST_TEST(json::parse(p.cti("event=digits&callId=m-1&digits=1&attempt=2").body)["action"] ==
               "dial");
    BOOST_TEST(p.cti("event=digits&callId=m-1&digits=1x").status == 422);
    auto c = p.conversation(conv);
    BOOST_TEST(c["routing"]["queue"] == "technical", c["routing"].dump());
    BOOST_TEST(c["routing"]["attributes"]["reason"] == "repair");
    std::size_t keys = 0;
    for (const auto& e : c["calls"][0]["events"]) keys += e["type"] == "call.digits";
    BOOST_TEST(keys == 2u);

    // Twilio: <Gather> posts the key to the public URL with menu=1; "2" (complaint) goes to the
    // escalation queue, which alice does not serve: the caller waits there.
    auto twiml = p.twilio(twilioCall("CA300", "ringing")).body;
    BOOST_TEST(twiml.find("<Gather input=\"dtmf\" numDigits=\"1\"") != std::string::npos, twiml);
    BOOST_TEST(twiml.find("action=\"" + kPublicUrl + "?menu=1\"") != std::string::npos, twiml);
    auto key = twilioCall("CA300", "in-progress");
    key.emplace_back("Digits", "2");
    auto queued = p.twilio(key, true, "menu=1");
    BOOST_TEST(queued.status == 200);
    BOOST_TEST(queued.body.find("?enqueue=result\" method=\"POST\">escalation</Enqueue>") !=
                   std::string::npos,
               queued.body);
    BOOST_TEST(p.twilio(key, true, "menu=3").status == 422);
}

BOOST_AUTO_TEST_CASE(a_queued_caller_polls_hears_the_queue_again_and_is_dialled_once_taken) {
    Phone p(true);
    auto alice = std::make_unique<ConsoleClient>(p.ccd.consolePort(), p.tokens.at("alice"));
    BOOST_REQUIRE(alice->open());
    alice->expect("hello");
    alice->ok({{"type", "presence"}, {"presence", "available"}});
    BOOST_TEST(json::parse(p.cti("event=newCall&from=13800138011&to=4008001234&direction=in"
                                 "&callId=w-1").body)["action"] == "dial");

    // alice is on the phone: the next caller is queued and told when to ask again.
    auto queued = json::parse(
        p.cti("event=newCall&from=13800138012&to=4008001234&direction=in&callId=w-2").body);
    BOOST_TEST(queued["action"] == "queue", queued.dump());
    BOOST_TEST(queued["poll_after"] == 60, queued.dump());
    BOOST_TEST(queued["position"] == 1);
    BOOST_TEST(queued["estimated_wait"] == 180);  // no handle time yet: 3 minutes a place
    for (int poll = 0; poll < 2; ++poll) {
        auto again = json::parse(p.cti("event=waiting&callId=w-2").body);
        BOOST_TEST(again["action"] == "queue", again.dump());
        BOOST_TEST(!again["announcement"].get<std::string>().empty());
        BOOST_TEST(again["poll_after"].get<int>() <= 60);
        BOOST_TEST(again["position"] == 1);
    }
    // Refused polls store nothing.
    BOOST_TEST(p.cti("event=waiting").status == 422);
    BOOST_TEST(p.cti("event=waiting&callId=w-2&direction=out").status == 422);
    BOOST_TEST(p.cti("event=waiting&callId=%ZZ").status == 400);
    BOOST_TEST(p.cti("event=waiting&callId=w-2", "wrong-token").status == 401);
    // A poll for a call ccd does not know: nothing to say.
    BOOST_TEST(p.cti("event=waiting&callId=unknown-call").body == "{}");

    // bob comes on: he is offered the waiting call, and its next poll dials him.
    auto bob = std::make_unique<ConsoleClient>(p.ccd.consolePort(), p.tokens.at("bob"));
    BOOST_REQUIRE(bob->open());
    bob->expect("hello");
    bob->ok({{"type", "presence"}, {"presence", "available"}});
    auto offer = bob->expect("offer", 0, std::chrono::seconds(10));
    auto conv = offer["conversation_id"].get<std::int64_t>();
    bob->ok({{"type", "accept"}, {"conversation_id", conv}});
    auto dial = json::parse(p.cti("event=waiting&callId=w-2").body);
    BOOST_TEST(dial["action"] == "dial", dial.dump());
    BOOST_TEST(dial["target"] == kBobSip);
    auto c = p.conversation(conv);
    std::size_t waits = 0;
    for (const auto& e : c["calls"][0]["events"]) waits += e["type"] == "call.waiting";
    BOOST_TEST(waits == 1u);  // stored once, answered every time

    // Both on the phone: a third caller is queued, gives up, and is to be called back.
    BOOST_TEST(json::parse(p.cti("event=newCall&from=13800138013&to=4008001234&direction=in"
                                 "&callId=w-3").body)["action"] == "queue");
    BOOST_TEST(p.cti("event=hangup&from=13800138013&to=4008001234&direction=in&callId=w-3"
                     "&cause=normalClearing").body == "{}");
    auto gave_up = p.conversationOf("+8613800138013");
    BOOST_REQUIRE(gave_up);
    BOOST_TEST(p.calledBack(gave_up), p.conversation(gave_up).dump());
    BOOST_TEST(p.conversation(gave_up)["routing"]["stage"] == "waiting");
}

BOOST_AUTO_TEST_CASE(twilio_queues_the_caller_with_a_wait_url_and_takes_a_voicemail_on_leave) {
    Phone p(true);  // no agent available: every call is queued
    auto r = p.twilio(twilioCall("CA500", "ringing"));
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    BOOST_TEST(r.body.find("<Enqueue waitUrl=\"" + kPublicUrl +
                           "?enqueue=wait\" waitUrlMethod=\"POST\" action=\"" + kPublicUrl +
                           "?enqueue=result\" method=\"POST\">") != std::string::npos,
               r.body);

    auto params = twilioCall("CA500", "in-progress");
    params.emplace_back("QueuePosition", "1");
    params.emplace_back("QueueTime", "0");
    params.emplace_back("AvgQueueTime", "0");
    auto wait = p.twilio(params, true, "enqueue=wait");
    BOOST_REQUIRE_MESSAGE(wait.status == 200, wait.body);
    BOOST_TEST(wait.body.find("<Say language=\"zh-CN\">") != std::string::npos, wait.body);
    BOOST_TEST(wait.body.find("<Pause length=\"60\"/>") != std::string::npos, wait.body);
    BOOST_TEST(p.twilio(params, true, "enqueue=wait").body == wait.body);  // asked again
    BOOST_TEST(p.twilio(params, false, "enqueue=wait").status == 403);

    // Twilio lets the caller go (<Leave/>): the voicemail.
    auto leave = twilioCall("CA500", "in-progress");
    leave.emplace_back("QueueResult", "leave");
    leave.emplace_back("QueueTime", "600");
    auto vm = p.twilio(leave, true, "enqueue=result");
    BOOST_REQUIRE_MESSAGE(vm.status == 200, vm.body);
    BOOST_TEST(vm.body.find("<Record transcribe=\"true\"") != std::string::npos, vm.body);
    auto bad = twilioCall("CA500", "in-progress");
    bad.emplace_back("QueueResult", "gone");
    BOOST_TEST(p.twilio(bad, true, "enqueue=result").status == 422);

    // Another caller hangs up in the queue: recorded, a call-back.
    auto other = twilioCall("CA501", "ringing");
    other[2] = {"From", "+8613700137001"};
    BOOST_TEST(p.twilio(other).status == 200);
    auto hangup = other;
    hangup[4] = {"CallStatus", "completed"};
    hangup.emplace_back("QueueResult", "hangup");
    auto gone = p.twilio(hangup, true, "enqueue=result");
    BOOST_TEST(gone.status == 200);
    BOOST_TEST(gone.body.find("<Response/>") != std::string::npos, gone.body);
    auto conv = p.conversationOf("+8613700137001");
    BOOST_REQUIRE(conv);
    BOOST_TEST(p.calledBack(conv), p.conversation(conv).dump());
    auto c = p.conversation(conv);
    BOOST_TEST(c["calls"][0]["cause"] == "abandoned", c["calls"].dump());
}
