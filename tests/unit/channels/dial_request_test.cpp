// The calls ccd places (call-backs, follow-up calls): Twilio's REST Calls request, the TwiML
// of the outbound leg and its signed callbacks, the CTI dial_url request, and their settings.
#include "channels/twilio/twilio_dial.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "channels/common/crypto.hpp"
#include "channels/common/url.hpp"
#include "channels/cti/cti_dial.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

namespace {

const auto kNow = routing::Clock::now();

channels::twilio::TwilioSettings twilioSettings() {
    channels::twilio::TwilioSettings s;
    s.name = "hotline";
    s.account_sid = "AC00000000000000000000000000000001";
    s.auth_token = config::Secret("twilio-auth-token-0123456789abcd", "inline");
    s.public_url = "https://ccd.example.com/webhooks/twilio/hotline";
    s.api_base = "http://127.0.0.1:8089";
    s.outbound_caller_ids = {{"+86138*", "+864008001111"}, {"+8613900000000", "+864008002222"}};
    s.default_caller_id = "+864008000000";
    return s;
}

channels::cti::CtiSettings ctiSettings() {
    channels::cti::CtiSettings s;
    s.name = "pbx";
    s.token = config::Secret("PhXp3ZG63QyJfcb1pVOnBKJWIbI", "inline");
    s.outbound_caller_ids = {{"86138*", "4008001111"}};
    s.dial_url = "http://127.0.0.1:8090/dial";
    return s;
}

channels::OutgoingMessage dialMessage(const std::string& to = "+8613800138000") {
    channels::OutgoingMessage m;
    m.outbox_id = 3;
    m.message_id = 41;
    m.conversation_id = 12;
    m.to = to;
    m.author = "agent:alice";
    m.idempotency_key = "dial:12:alice:1700000000000";
    m.dial = channels::DialRequest{"alice", "sip:alice@10.0.0.5:5060", "call_back"};
    return m;
}

std::string header(const channels::HttpCall& c, const std::string& name) {
    for (const auto& [k, v] : c.headers) {
        if (k == name) return v;
    }
    return {};
}

std::vector<std::string> values(const Params& p, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& [k, v] : p) {
        if (k == name) out.push_back(v);
    }
    return out;
}

std::string formBody(const Params& p) {
    std::string body;
    for (const auto& [k, v] : p)
        body += (body.empty() ? "" : "&") + channels::percentEncode(k) + "=" +
                channels::percentEncode(v);
    return body;
}

// A request Twilio makes to a URL ccd gave it (`url` = public_url + query), signed.
channels::WebRequest twilioPost(const std::string& url, const Params& p) {
    auto s = twilioSettings();
    auto query = url.substr(url.find('?') + 1);
    return testing::request("POST", "/webhooks/twilio/hotline?" + query, formBody(p),
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"X-Twilio-Signature",
                              channels::twilio::signature(s.auth_token.reveal(), url, p)}});
}

Params outboundLeg(std::string status, Params extra = {}) {
    Params p{{"AccountSid", "AC00000000000000000000000000000001"},
             {"CallSid", "CA9e0c1d2b3a"},
             {"From", "+864008001111"},
             {"To", "+8613800138000"},
             {"CallStatus", std::move(status)},
             {"Direction", "outbound-api"},
             {"ApiVersion", "2010-04-01"}};
    for (auto& e : extra) p.push_back(std::move(e));
    return p;
}

std::vector<config::ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        config::parseDaemonConfig(yaml, "/etc/ccd/ccd.yaml",
                                  [](const std::string&) { return std::nullopt; });
    } catch (const config::ConfigError& e) {
        return e.issues();
    }
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dial)

BOOST_AUTO_TEST_CASE(twilio_calls_request_has_the_url_auth_and_form_fields) {
    auto s = twilioSettings();
    channels::twilio::TwilioOutbound out(s);
    auto built = out.build(dialMessage(), nullptr, kNow);
    BOOST_REQUIRE(built.call);
    const auto& c = *built.call;
    BOOST_TEST(c.method == "POST");
    BOOST_TEST(c.url ==
               "http://127.0.0.1:8089/2010-04-01/Accounts/AC00000000000000000000000000000001/Calls.json");
    BOOST_TEST(header(c, "Authorization") ==
               "Basic " + channels::base64("AC00000000000000000000000000000001:"
                                           "twilio-auth-token-0123456789abcd"));
    BOOST_TEST(header(c, "Content-Type") == "application/x-www-form-urlencoded");
    auto form = channels::parseQuery(c.body);
    BOOST_REQUIRE(form);
    BOOST_TEST(values(*form, "To") == std::vector<std::string>{"+8613800138000"});
    BOOST_TEST(values(*form, "From") == std::vector<std::string>{"+864008001111"});  // prefix row
    BOOST_TEST(values(*form, "Url") ==
               std::vector<std::string>{s.public_url +
                                        "?dial=12&agent=alice&target=sip%3Aalice%4010.0.0.5%3A5060"});
    BOOST_TEST(values(*form, "StatusCallback") == std::vector<std::string>{s.public_url + "?dial=12"});
    BOOST_TEST(values(*form, "StatusCallbackMethod") == std::vector<std::string>{"POST"});
    BOOST_TEST(values(*form, "StatusCallbackEvent") ==
               (std::vector<std::string>{"initiated", "ringing", "answered", "completed"}));
}

BOOST_AUTO_TEST_CASE(twilio_caller_id_exact_then_prefix_then_default_else_failed) {
    auto s = twilioSettings();
    auto from = [&s](const std::string& to) {
        auto built = channels::twilio::TwilioOutbound(s).build(dialMessage(to), nullptr, kNow);
        if (!built.call) return "failed: " + built.outcome->reason;
        return *channels::queryValue(*channels::parseQuery(built.call->body), "From");
    };
    BOOST_TEST(from("+8613900000000") == "+864008002222");
    BOOST_TEST(from("013800138000") == "+864008001111");  // national form, CN
    BOOST_TEST(from("+14155550100") == "+864008000000");
    s.default_caller_id.clear();
    BOOST_TEST(from("+14155550100").rfind("failed: no caller id for +14155550100", 0) == 0);
}

BOOST_AUTO_TEST_CASE(twilio_answer_201_sid_links_the_call_retries_5xx_fails_4xx) {
    channels::twilio::TwilioOutbound out(twilioSettings());
    auto m = dialMessage();
    auto ok = out.classify(m, testing::answer(201, R"({"sid":"CA9e0c1d2b3a","status":"queued"})"));
    BOOST_TEST((ok.kind == channels::SendOutcome::Kind::Sent));
    BOOST_TEST(ok.provider_message_id == "CA9e0c1d2b3a");
    BOOST_TEST((out.classify(m, testing::answer(503, "down")).kind ==
               channels::SendOutcome::Kind::Retry));
    BOOST_TEST((out.classify(m, testing::answer(0, "")).kind == channels::SendOutcome::Kind::Retry));
    auto bad = out.classify(
        m, testing::answer(400, R"({"code":21211,"message":"The 'To' number is not valid."})"));
    BOOST_TEST((bad.kind == channels::SendOutcome::Kind::Failed));
    BOOST_TEST(bad.reason == "HTTP 400 (21211): The 'To' number is not valid.");
}

BOOST_AUTO_TEST_CASE(a_written_reply_or_a_call_without_number_is_refused) {
    channels::twilio::TwilioOutbound out(twilioSettings());
    auto reply = dialMessage();
    reply.dial.reset();
    reply.text = "hello";
    auto r = out.build(reply, nullptr, kNow);
    BOOST_TEST(!r.call);
    BOOST_TEST(r.outcome->reason == "a phone call takes no written reply");
    auto none = out.build(dialMessage(""), nullptr, kNow);
    BOOST_TEST(!none.call);
    BOOST_TEST((none.outcome->kind == channels::SendOutcome::Kind::Failed));
}

BOOST_AUTO_TEST_CASE(twilio_outbound_leg_rings_the_agent_and_its_callbacks_name_the_conversation) {
    auto s = twilioSettings();
    channels::twilio::TwilioInbound in(s);
    // The customer answered: Twilio fetches Url; the answer dials the agent's SIP URI.
    const std::string url =
        s.public_url + "?dial=12&agent=alice&target=sip%3Aalice%4010.0.0.5%3A5060";
    auto leg = in.parse(twilioPost(url, outboundLeg("in-progress")), {kNow, ""});
    BOOST_REQUIRE(!leg.rejection);
    BOOST_REQUIRE(leg.stored_answer);
    BOOST_TEST(leg.stored_answer->body ==
               R"(<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip>sip:alice@10.0.0.5:5060</Sip></Dial></Response>)");
    BOOST_REQUIRE_EQUAL(leg.calls.size(), 1u);
    BOOST_TEST(leg.calls[0].type == "call.answered");
    BOOST_TEST(leg.calls[0].conversation_id == 12);
    BOOST_TEST(leg.calls[0].provider_id == "CA9e0c1d2b3a:status:in-progress");
    BOOST_TEST(json::parse(leg.calls[0].data_json)["customer"] == "+8613800138000");
    // A signature over another URL (the target changed on the way) is refused.
    auto forged = twilioPost(url, outboundLeg("in-progress"));
    forged.target = "/webhooks/twilio/hotline?dial=12&agent=alice&target=sip%3Amallory%40evil";
    BOOST_TEST(in.parse(forged, {kNow, ""}).rejection->status == 403);
    // Status callbacks: initiated, ringing, then the outcome with its duration.
    const std::string cb = s.public_url + "?dial=12";
    auto init = in.parse(twilioPost(cb, outboundLeg("initiated", {{"CallbackSource", "call-progress-events"}})),
                         {kNow, ""});
    BOOST_TEST(init.calls[0].type == "call.initiated");
    BOOST_TEST(init.calls[0].conversation_id == 12);
    auto busy = in.parse(
        twilioPost(cb, outboundLeg("busy", {{"CallbackSource", "call-progress-events"},
                                            {"CallDuration", "0"}})),
        {kNow, ""});
    BOOST_TEST(busy.calls[0].type == "call.hangup");
    BOOST_TEST(json::parse(busy.calls[0].data_json)["cause"] == "busy");
    BOOST_TEST(busy.calls[0].conversation_id == 12);
    BOOST_TEST(busy.stored_answer->body.find("<Response/>") != std::string::npos);
    auto bad = in.parse(twilioPost(s.public_url + "?dial=x", outboundLeg("ringing")), {kNow, ""});
    BOOST_TEST(bad.rejection->status == 422);
}

BOOST_AUTO_TEST_CASE(cti_dial_request_json_auth_and_answer) {
    auto s = ctiSettings();
    channels::cti::CtiOutbound out(s);
    auto m = dialMessage();
    auto built = out.build(m, nullptr, kNow);
    BOOST_REQUIRE(built.call);
    BOOST_TEST(built.call->url == "http://127.0.0.1:8090/dial");
    BOOST_TEST(header(*built.call, "Authorization") == "Bearer PhXp3ZG63QyJfcb1pVOnBKJWIbI");
    BOOST_TEST(header(*built.call, "Idempotency-Key") == "dial:12:alice:1700000000000");
    BOOST_TEST(json::parse(built.call->body) == json({{"action", "dial"},
                                                      {"number", "+8613800138000"},
                                                      {"caller_id", "4008001111"},
                                                      {"target", "sip:alice@10.0.0.5:5060"},
                                                      {"agent", "alice"},
                                                      {"conversation", 12},
                                                      {"call_id", "ccd-dial-41"},
                                                      {"reason", "call_back"}}));
    // No caller id configured for the number: the phone system's own.
    BOOST_TEST(!json::parse(out.build(dialMessage("+14155550100"), nullptr, kNow).call->body)
                    .contains("caller_id"));
    // The phone system's own call id, else ccd's.
    BOOST_TEST(out.classify(m, testing::answer(200, R"({"callId":"pbx-77"})")).provider_message_id ==
               "pbx-77");
    BOOST_TEST(out.classify(m, testing::answer(202, "")).provider_message_id == "ccd-dial-41");
    BOOST_TEST((out.classify(m, testing::answer(503, "")).kind == channels::SendOutcome::Kind::Retry));
    BOOST_TEST((out.classify(m, testing::answer(404, "no such agent")).kind ==
               channels::SendOutcome::Kind::Failed));
    s.dial_url.clear();
    auto none = channels::cti::CtiOutbound(s).build(m, nullptr, kNow);
    BOOST_TEST(!none.call);
    BOOST_TEST(none.outcome->reason.find("has no dial_url") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cti_events_of_a_dialled_call_name_the_conversation) {
    channels::cti::CtiInbound in(ctiSettings());
    auto a = in.parse(testing::request("POST", "/webhooks/cti/pbx/PhXp3ZG63QyJfcb1pVOnBKJWIbI",
                                       "event=answer&from=4008001111&to=013800138000"
                                       "&direction=out&callId=ccd-dial-41&conversation=12&user=alice",
                                       {{"Content-Type", "application/x-www-form-urlencoded"}}),
                      {kNow, ""});
    BOOST_REQUIRE_EQUAL(a.calls.size(), 1u);
    BOOST_TEST(a.calls[0].call_id == "ccd-dial-41");
    BOOST_TEST(a.calls[0].conversation_id == 12);
}

BOOST_AUTO_TEST_CASE(new_keys_are_checked_with_file_line_and_column) {
    auto one = [](const std::string& yaml, int line, int column, const std::string& path,
                  const std::string& words) {
        testing::expectOneIssue(issuesOf(yaml), yaml, line, column, path, words);
    };
    const std::string cti =
        "channels:\n  - name: pbx\n    type: cti\n    token: PhXp3ZG63QyJfcb1pVOnBKJWIbI\n";
    one(cti + "    dial_url: ftp://pbx/dial\n", 5, 15, "channels[0].dial_url", "http:// or https://");
    one(cti + "    dial_uri: http://pbx/dial\n", 5, 5, "channels[0].dial_uri", "did you mean \"dial_url\"?");
    const std::string twilio =
        "channels:\n  - name: tw\n    type: twilio\n    account_sid: AC0001\n"
        "    auth_token: twilio-auth-token-0123\n    public_url: https://ccd.example.com/t\n";
    one(twilio + "    outbound_caller_ids:\n      - {dest: \"+86*\"}\n", 8, 9,
        "channels[0].outbound_caller_ids[0].caller_id", "missing required key \"caller_id\"");
    one(twilio + "    outbound_caller_ids:\n      - {dest: abc, caller_id: \"+864008001111\"}\n", 8,
        16, "channels[0].outbound_caller_ids[0].dest", "a number or a prefix ending in *");
    auto ok = config::parseDaemonConfig(
        twilio + "    outbound_caller_ids: [{dest: \"+86*\", caller_id: \"+864008001111\"}]\n"
                 "    default_caller_id: \"+864008000000\"\n",
        "/etc/ccd/ccd.yaml", [](const std::string&) { return std::nullopt; });
    const auto& tw = dynamic_cast<const channels::twilio::TwilioSettings&>(*ok->channels[0]);
    BOOST_TEST(tw.outbound_caller_ids.size() == 1u);
    BOOST_TEST(tw.default_caller_id == "+864008000000");
}

BOOST_AUTO_TEST_SUITE_END()
