#include "channels/cti/cti_channel.hpp"

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "channels/common/phone_number.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using nlohmann::json;

namespace {

const auto kNow = routing::Clock::now();
const std::string kToken = "PhXp3ZG63QyJfcb1pVOnBKJWIbI";

channels::cti::CtiSettings settings() {
    channels::cti::CtiSettings s;
    s.name = "pbx";
    s.token = config::Secret(kToken, "inline");
    s.blocked_callers = {"+8613900000000"};
    s.outbound_caller_ids = {{"492214710334", "496990009111"},
                             {"49*", "493055571642"},
                             {"4922*", "492210000000"}};
    s.default_caller_id = "4000000000";
    return s;
}

channels::WebRequest form(const std::string& body, const std::string& token = kToken) {
    return testing::request("POST", "/webhooks/cti/pbx/" + token, body,
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
}

channels::WebRequest jsonPost(const std::string& body) {
    return testing::request("POST", "/webhooks/cti/pbx/" + kToken, body,
                            {{"Content-Type", "application/json"}});
}

json data(const channels::CallEvent& e) { return json::parse(e.data_json); }

}  // namespace

BOOST_AUTO_TEST_SUITE(cti)

BOOST_AUTO_TEST_CASE(numbers_are_normalized_to_e164) {
    BOOST_TEST(*channels::toE164("013800138000", "CN") == "+8613800138000");
    BOOST_TEST(*channels::toE164("+86 138 0013 8000", "US") == "+8613800138000");
    BOOST_TEST(*channels::toE164("sip:+8613800138000@pbx.example;user=phone", "CN") ==
               "+8613800138000");
    BOOST_TEST(*channels::toE164("(415) 867-5309", "US") == "+14158675309");
    BOOST_TEST(*channels::toE164("13800138000", "CN") == "+8613800138000");  // a CN mobile
    BOOST_TEST(*channels::toE164("493023125741", "CN") == "+493023125741");  // '+' left out
    BOOST_TEST(!channels::toE164("anonymous", "CN"));
    BOOST_TEST(!channels::toE164("12", "CN"));
    BOOST_TEST(!channels::toE164("", "CN"));
    BOOST_TEST(channels::knownPhoneRegion("CN"));
    BOOST_TEST(!channels::knownPhoneRegion("XX"));
}

// Zammad's documented newCall examples (zammad/zammad-documentation api/generic-cti/
// newcall-event.rst): inbound answered {}, outbound answered with the caller id to show.
BOOST_AUTO_TEST_CASE(zammad_inbound_new_call_as_json_and_form) {
    channels::cti::CtiInbound in(settings());
    auto out = in.parse(jsonPost(R"({"event":"newCall","from":"493023125741","to":"492214710334",
        "direction":"in","callId":"307fa962-de8d-4ffc-817b-7f6993204159",
        "user":["Christopher Miller","Emma Taylor"]})"),
                        {kNow, ""});
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    BOOST_TEST((out.messages[0].channel == routing::ChannelKind::Voice));
    BOOST_TEST(out.messages[0].provider_id == "307fa962-de8d-4ffc-817b-7f6993204159");
    // Not a Chinese number, but a valid German one written without '+': read as that.
    BOOST_TEST(out.messages[0].from.id == "+493023125741");
    BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
    BOOST_TEST(out.calls[0].type == "call.ringing");
    BOOST_TEST(data(out.calls[0])["user"] == "Christopher Miller, Emma Taylor");
    BOOST_TEST(!out.stored_answer);
    BOOST_TEST(in.answer({}).body == "{}");

    auto f = in.parse(form("event=newCall&from=013800138000&to=4008001234&direction=in"
                           "&call_id=25641e3f&user%5B%5D=Christopher+Miller&queue=support"),
                      {kNow, ""});
    BOOST_REQUIRE(!f.rejection);
    BOOST_TEST(f.messages[0].from.id == "+8613800138000");
    BOOST_TEST(f.messages[0].provider_id == "25641e3f");
    BOOST_TEST(data(f.calls[0])["queue"] == "support");
}

BOOST_AUTO_TEST_CASE(the_routing_decision_is_the_answer) {
    channels::cti::CtiInbound in(settings());
    channels::IntakeReceipt receipt;
    receipt.messages.push_back({1, 2, false, false, std::nullopt});
    BOOST_TEST(in.answer(receipt).body == "{}");
    channels::CallDecision d;
    d.kind = channels::CallDecision::Kind::Dial;
    d.agent = "alice";
    d.target = "sip:alice@127.0.0.1:5071";
    receipt.messages[0].call = d;
    BOOST_TEST(json::parse(in.answer(receipt).body) ==
               json({{"action", "dial"}, {"target", "sip:alice@127.0.0.1:5071"}, {"agent", "alice"}}));
    d.kind = channels::CallDecision::Kind::Queue;
    d.queue = "after-sales";
    d.speech = "You are number 2 in the queue.";
    receipt.messages[0].call = d;
    auto q = json::parse(in.answer(receipt).body);
    BOOST_TEST(q["action"] == "queue");
    BOOST_TEST(q["announcement"] == "You are number 2 in the queue.");
    d.kind = channels::CallDecision::Kind::Voicemail;
    receipt.messages[0].call = d;
    BOOST_TEST(json::parse(in.answer(receipt).body)["action"] == "voicemail");
}

BOOST_AUTO_TEST_CASE(the_phone_menu_and_the_callers_key) {
    channels::cti::CtiInbound in(settings());
    channels::CallDecision menu;
    menu.kind = channels::CallDecision::Kind::Menu;
    menu.speech = "For a repair, press 1.";
    menu.language = "en-US";
    menu.digits = "19";
    menu.attempt = 1;
    menu.timeout_s = 5;
    channels::IntakeReceipt receipt;
    receipt.messages.push_back({1, 2, false, false, menu});
    BOOST_TEST(json::parse(in.answer(receipt).body) ==
               json({{"action", "menu"}, {"prompt", "For a repair, press 1."}, {"digits", "19"},
                     {"attempt", 1}, {"timeout", 5}, {"language", "en-US"}}));

    auto out = in.parse(form("event=digits&callId=c-77&digits=9&attempt=2"), {kNow, ""});
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
    BOOST_TEST(out.calls[0].type == "call.digits");
    BOOST_TEST(out.calls[0].provider_id == "c-77:digits:2");
    BOOST_TEST(data(out.calls[0])["digits"] == "9");
    BOOST_TEST(out.messages.empty());
    auto none = in.parse(jsonPost(R"({"event":"digits","callId":"c-77","direction":"in"})"),
                         {kNow, ""});
    BOOST_REQUIRE_EQUAL(none.calls.size(), 1u);
    BOOST_TEST(none.calls[0].provider_id == "c-77:digits:1");
    BOOST_TEST(data(none.calls[0])["digits"] == "");

    channels::IntakeReceipt after;
    channels::CallDecision q;
    q.kind = channels::CallDecision::Kind::Queue;
    q.queue = "technical";
    q.speech = "You are number 1.";
    after.call_step = q;
    BOOST_TEST(json::parse(in.answer(after).body)["queue"] == "technical");

    auto bad = in.parse(form("event=digits&callId=c-77&digits=1;DROP"), {kNow, ""});
    BOOST_REQUIRE(bad.rejection);
    BOOST_TEST(bad.rejection->status == 422);
    BOOST_TEST(bad.rejection->field == "digits");
    auto attempt = in.parse(form("event=digits&callId=c-77&digits=1&attempt=0"), {kNow, ""});
    BOOST_TEST(attempt.rejection->field == "attempt");
    auto out_call = in.parse(form("event=digits&direction=out&callId=c-77&digits=1"), {kNow, ""});
    BOOST_TEST(out_call.rejection->field == "direction");
    auto no_call = in.parse(form("event=digits&digits=1"), {kNow, ""});
    BOOST_TEST(no_call.rejection->field == "callId");
}

BOOST_AUTO_TEST_CASE(a_blocked_caller_is_rejected_busy_and_recorded) {
    channels::cti::CtiInbound in(settings());
    auto out = in.parse(form("event=newCall&from=13900000000&to=4008001234&direction=in&callId=b1"),
                        {kNow, ""});
    BOOST_REQUIRE(!out.rejection);
    BOOST_TEST(out.messages.empty());
    BOOST_REQUIRE(out.stored_answer);
    BOOST_TEST(out.stored_answer->body == R"({"action":"reject","reason":"busy"})");
    BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
    BOOST_TEST(out.calls[0].type == "call.rejected");
}

BOOST_AUTO_TEST_CASE(an_outbound_call_gets_the_caller_id_of_its_destination) {
    auto s = settings();
    channels::cti::CtiInbound in(s);
    auto out = in.parse(jsonPost(R"({"event":"newCall","from":"493023125741","to":"492214710334",
        "direction":"out","callId":"f4ebd2be","user":"Christopher Miller"})"),
                        {kNow, ""});
    BOOST_REQUIRE(out.stored_answer);
    BOOST_TEST(json::parse(out.stored_answer->body) ==
               json({{"action", "dial"}, {"number", "492214710334"}, {"caller_id", "496990009111"}}));
    BOOST_TEST(out.messages.empty());
    BOOST_TEST(out.calls[0].type == "call.outbound");
    // Exact first, then the longest prefix, then the default.
    BOOST_TEST(channels::cti::callerIdFor(s, "492214710334") == "496990009111");
    BOOST_TEST(channels::cti::callerIdFor(s, "492219999999") == "492210000000");
    BOOST_TEST(channels::cti::callerIdFor(s, "+49301234567") == "493055571642");
    BOOST_TEST(channels::cti::callerIdFor(s, "13800138000") == "4000000000");
    s.default_caller_id.clear();
    channels::cti::CtiInbound none(s);
    auto empty = none.parse(form("event=newCall&from=201&to=13800138000&direction=out&callId=o2"),
                            {kNow, ""});
    BOOST_TEST(empty.stored_answer->body == "{}");  // Zammad: nothing configured for it
}

BOOST_AUTO_TEST_CASE(answer_and_hangup_are_steps_of_the_call) {
    channels::cti::CtiInbound in(settings());
    auto a = in.parse(form("event=answer&from=013800138000&to=4008001234&direction=in&callId=c1"
                           "&user=alice&answeringNumber=201"),
                      {kNow, ""});
    BOOST_REQUIRE_EQUAL(a.calls.size(), 1u);
    BOOST_TEST(a.calls[0].type == "call.answered");
    BOOST_TEST(a.calls[0].provider_id == "c1:call.answered");
    BOOST_TEST(data(a.calls[0])["answering_number"] == "201");
    auto h = in.parse(form("event=hangup&from=013800138000&to=4008001234&direction=in&callId=c1"
                           "&cause=normalClearing"),
                      {kNow, ""});
    BOOST_TEST(h.calls[0].type == "call.hangup");
    BOOST_TEST(data(h.calls[0])["cause"] == "normalClearing");
    BOOST_TEST(h.messages.empty());
    BOOST_TEST(in.answer({}).body == "{}");
}

BOOST_AUTO_TEST_CASE(a_wrong_token_is_401_and_bad_bodies_say_why) {
    channels::cti::CtiInbound in(settings());
    auto body = "event=newCall&from=1&to=2&direction=in&callId=x";
    BOOST_TEST(in.parse(form(body, "wrong-token"), {kNow, ""}).rejection->status == 401);
    BOOST_TEST(in.parse(form(body, kToken + "x"), {kNow, ""}).rejection->status == 401);
    auto r = testing::request("POST", "/webhooks/cti/pbx", body);
    BOOST_TEST(in.parse(r, {kNow, ""}).rejection->status == 401);

    struct Case {
        std::string body;
        int status;
        std::string field;
    };
    const Case cases[] = {
        {"from=1&to=2&direction=in&callId=x", 422, "event"},
        {"event=transfer&from=1&to=2&direction=in&callId=x", 422, "event"},
        {"event=newCall&from=1&to=2&callId=x", 422, "direction"},
        {"event=newCall&from=1&to=2&direction=sideways&callId=x", 422, "direction"},
        {"event=newCall&from=1&to=2&direction=in", 422, "callId"},
        {"event=newCall&to=2&direction=in&callId=x", 422, "from"},
        {"event=newCall&from=%G1&direction=in&callId=x", 400, ""},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body) {
            auto out = in.parse(form(c.body), {kNow, ""});
            BOOST_REQUIRE(out.rejection);
            BOOST_TEST(out.rejection->status == c.status);
            BOOST_TEST(out.rejection->field == c.field);
            BOOST_TEST(!out.rejection->reason.empty());
        }
    }
    BOOST_TEST(in.parse(jsonPost("{\"event\":"), {kNow, ""}).rejection->status == 400);
    BOOST_TEST(in.parse(jsonPost("[1]"), {kNow, ""}).rejection->status == 400);
    BOOST_TEST(in.parse(jsonPost(R"({"event":{"x":1}})"), {kNow, ""}).rejection->status == 400);
}

BOOST_AUTO_TEST_CASE(a_queued_caller_polls_with_waiting) {
    channels::cti::CtiInbound in(settings());
    // The queue answer says when to ask again, the caller's place and estimated wait.
    channels::CallDecision q;
    q.kind = channels::CallDecision::Kind::Queue;
    q.queue = "general";
    q.speech = "You are number 2 in line.";
    q.language = "en-US";
    q.position = 2;
    q.wait_s = 360;
    q.poll_after_s = 60;
    channels::IntakeReceipt receipt;
    receipt.messages.push_back({1, 2, false, false, q});
    BOOST_TEST(json::parse(in.answer(receipt).body) ==
               json({{"action", "queue"}, {"queue", "general"},
                     {"announcement", "You are number 2 in line."}, {"language", "en-US"},
                     {"position", 2}, {"estimated_wait", 360}, {"poll_after", 60}}));

    // event=waiting (form or JSON; direction defaults to in): a step of the call, stored once.
    for (const auto& request :
         {form("event=waiting&callId=c-9"),
          jsonPost(R"({"event":"waiting","callId":"c-9","direction":"in","from":"+86138"})")}) {
        auto out = in.parse(request, {kNow, ""});
        BOOST_REQUIRE(!out.rejection);
        BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
        BOOST_TEST(out.calls[0].type == "call.waiting");
        BOOST_TEST(out.calls[0].provider_id == "c-9:call.waiting");
        BOOST_TEST(out.messages.empty());
        BOOST_TEST(!out.stored_answer);
    }
    // The answer is the decision now: the queue again, dial, the voicemail after max wait.
    channels::IntakeReceipt poll;
    poll.call_step_type = "call.waiting";
    channels::CallDecision vm;
    vm.kind = channels::CallDecision::Kind::Voicemail;
    vm.speech = "Please leave a message.";
    poll.call_step = vm;
    BOOST_TEST(json::parse(in.answer(poll).body)["action"] == "voicemail");
    channels::CallDecision dial;
    dial.kind = channels::CallDecision::Kind::Dial;
    dial.agent = "alice";
    dial.target = "sip:alice@pbx";
    poll.call_step = dial;
    BOOST_TEST(json::parse(in.answer(poll).body)["target"] == "sip:alice@pbx");
    // An unknown call: nothing routed, {}.
    BOOST_TEST(in.answer(channels::IntakeReceipt{}).body == "{}");

    // Refused, nothing stored: no callId, an outbound call, a malformed body, a wrong token.
    auto no_call = in.parse(form("event=waiting"), {kNow, ""});
    BOOST_REQUIRE(no_call.rejection);
    BOOST_TEST(no_call.rejection->status == 422);
    BOOST_TEST(no_call.rejection->field == "callId");
    BOOST_TEST(no_call.calls.empty());
    auto out_call = in.parse(form("event=waiting&direction=out&callId=c-9"), {kNow, ""});
    BOOST_TEST(out_call.rejection->status == 422);
    BOOST_TEST(out_call.rejection->field == "direction");
    auto sideways = in.parse(form("event=waiting&direction=up&callId=c-9"), {kNow, ""});
    BOOST_TEST(sideways.rejection->field == "direction");
    auto broken = in.parse(jsonPost(R"({"event":"waiting","callId":)"), {kNow, ""});
    BOOST_REQUIRE(broken.rejection);
    BOOST_TEST(broken.rejection->status == 400);
    BOOST_TEST(broken.calls.empty());
    auto nested = in.parse(jsonPost(R"({"event":"waiting","callId":{"id":1}})"), {kNow, ""});
    BOOST_TEST(nested.rejection->status == 400);
    auto long_id = in.parse(form("event=waiting&callId=" + std::string(201, 'x')), {kNow, ""});
    BOOST_TEST(long_id.rejection->field == "callId");
    BOOST_TEST(in.parse(form("event=waiting&callId=c-9", "wrong"), {kNow, ""}).rejection->status ==
               401);
    auto unknown = in.parse(form("event=wating&callId=c-9"), {kNow, ""});
    BOOST_TEST(unknown.rejection->field == "event");
    BOOST_TEST(unknown.rejection->reason.find("waiting") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
