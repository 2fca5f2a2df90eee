#include "channels/twilio/twilio_channel.hpp"

#include <boost/test/unit_test.hpp>

#include "channels/common/url.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using channels::twilio::signature;
using channels::twilio::validSignature;

namespace {

const auto kNow = routing::Clock::now();
using Params = std::vector<std::pair<std::string, std::string>>;

// Twilio's own RequestValidator test vectors: twilio/twilio-python
// tests/unit/test_request_validator.py (commit 30368b08ba580a6c18202ab20bfc68d59559ebd7),
// the same values as twilio-node's spec/unit/webhooks.spec.js. Auth token "12345".
const std::string kToken = "12345";
const std::string kUri = "https://mycompany.com/myapp.php?foo=1&bar=2";
const Params kParams{{"CallSid", "CA1234567890ABCDE"},
                     {"Digits", "1234"},
                     {"From", "+14158675309"},
                     {"To", "+18005551212"},
                     {"Caller", "+14158675309"}};

std::string replace(std::string s, const std::string& what, const std::string& with) {
    s.replace(s.find(what), what.size(), with);
    return s;
}

channels::twilio::TwilioSettings settings() {
    channels::twilio::TwilioSettings s;
    s.name = "hotline";
    s.account_sid = "AC00000000000000000000000000000001";
    s.auth_token = config::Secret("twilio-auth-token-0123456789abcd", "inline");
    s.public_url = "https://ccd.example.com/webhooks/twilio/hotline";
    return s;
}

std::string formBody(const Params& p) {
    std::string body;
    for (const auto& [k, v] : p)
        body += (body.empty() ? "" : "&") + channels::percentEncode(k) + "=" + channels::percentEncode(v);
    return body;
}

// A request as Twilio sends it to the instance, signed over public_url + query.
channels::WebRequest twilioPost(Params p, const std::string& query = "") {
    auto s = settings();
    std::string url = s.public_url + (query.empty() ? "" : "?" + query);
    auto sig = signature(s.auth_token.reveal(), url, p);
    return testing::request("POST", "/webhooks/twilio/hotline" + (query.empty() ? "" : "?" + query),
                            formBody(p),
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"X-Twilio-Signature", sig}});
}

Params call(std::string status, Params extra = {}) {
    Params p{{"AccountSid", "AC00000000000000000000000000000001"},
             {"CallSid", "CA5f3a0c0e1d2b"},
             {"From", "+8613800138000"},
             {"To", "+864008001234"},
             {"CallStatus", std::move(status)},
             {"Direction", "inbound"},
             {"ApiVersion", "2010-04-01"}};
    for (auto& e : extra) p.push_back(std::move(e));
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(twilio)

BOOST_AUTO_TEST_CASE(twilio_published_signature_vectors) {
    BOOST_TEST(signature(kToken, kUri, kParams) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    // Repeated names are kept and sorted by value too (Digits=1234 before Digits=5678).
    Params dup{{"Sid", "CA123"}, {"SidAccount", "AC123"}, {"Digits", "5678"}, {"Digits", "1234"}};
    BOOST_TEST(signature(kToken, kUri, dup) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=");

    BOOST_TEST(validSignature(kToken, kUri, kParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    // A port in the URL: the signature without it is accepted (https and http).
    BOOST_TEST(validSignature(kToken, replace(kUri, ".com", ".com:1234"), kParams,
                              "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    BOOST_TEST(validSignature(kToken, replace(replace(kUri, ".com", ".com:1234"), "https", "http"),
                              kParams, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
    // No port in the URL: the signature with the default port is accepted.
    BOOST_TEST(validSignature(kToken, kUri, kParams, "kvajT1Ptam85bY51eRf/AJRuM3w="));
    BOOST_TEST(validSignature(kToken, replace(kUri, "https", "http"), kParams,
                              "0ZXoZLH/DfblKGATFgpif+LLRf4="));
}

BOOST_AUTO_TEST_CASE(bad_signatures_are_refused) {
    BOOST_TEST(!validSignature(kToken, kUri, kParams, ""));
    BOOST_TEST(!validSignature(kToken, kUri, kParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
    BOOST_TEST(!validSignature("54321", kUri, kParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    auto changed = kParams;
    changed[1].second = "9";
    BOOST_TEST(!validSignature(kToken, kUri, changed, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    BOOST_TEST(!validSignature(kToken, "https://mycompany.com/myapp.php?foo=1", kParams,
                               "RSOYDt4T1cUTdK1PDd93/VVr8B8="));

    channels::twilio::TwilioInbound in(settings());
    auto req = twilioPost(call("ringing"));
    req.body += "&Extra=1";  // a parameter added after signing
    auto out = in.parse(req, {kNow, ""});
    BOOST_REQUIRE(out.rejection);
    BOOST_TEST(out.rejection->status == 403);
    req = twilioPost(call("ringing"));
    req.headers.pop_back();
    BOOST_TEST(in.parse(req, {kNow, ""}).rejection->status == 403);
    // The query string as received is part of what is signed.
    req = twilioPost(call("ringing"), "attempt=1");
    BOOST_TEST(!in.parse(req, {kNow, ""}).rejection);
    req.target = "/webhooks/twilio/hotline?attempt=2";
    BOOST_TEST(in.parse(req, {kNow, ""}).rejection->status == 403);
    // Another account's request, even well signed with our token, is not ours.
    auto other = call("ringing");
    other[0].second = "AC99999999999999999999999999999999";
    BOOST_TEST(in.parse(twilioPost(other), {kNow, ""}).rejection->status == 403);
}

BOOST_AUTO_TEST_CASE(a_ringing_inbound_call_is_a_new_call_answered_with_twiml) {
    channels::twilio::TwilioInbound in(settings());
    auto out = in.parse(twilioPost(call("ringing")), {kNow, ""});
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    BOOST_TEST(out.messages[0].provider_id == "CA5f3a0c0e1d2b");
    BOOST_TEST(out.messages[0].from.id == "+8613800138000");
    BOOST_TEST((out.messages[0].channel == routing::ChannelKind::Voice));
    BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
    BOOST_TEST(out.calls[0].type == "call.ringing");
    BOOST_TEST(!out.stored_answer);  // the routing decides

    channels::IntakeReceipt receipt;
    receipt.messages.push_back({1, 2, false, false, std::nullopt});
    auto ring = in.answer(receipt);
    BOOST_TEST(ring.content_type.find("text/xml") == 0);
    BOOST_TEST(ring.body.find("<Enqueue>hotline</Enqueue>") != std::string::npos);

    channels::CallDecision dial;
    dial.kind = channels::CallDecision::Kind::Dial;
    dial.target = "sip:alice@10.0.0.5;transport=udp";
    dial.agent = "alice";
    receipt.messages[0].call = dial;
    BOOST_TEST(in.answer(receipt).body.find("<Dial><Sip>sip:alice@10.0.0.5;transport=udp</Sip></Dial>") !=
               std::string::npos);

    channels::CallDecision queue;
    queue.kind = channels::CallDecision::Kind::Queue;
    queue.queue = "after-sales";
    queue.speech = "您前面还有 2 位 <客户>";
    queue.language = "zh-CN";
    receipt.messages[0].call = queue;
    BOOST_TEST(in.answer(receipt).body ==
               R"(<?xml version="1.0" encoding="UTF-8"?><Response><Say language="zh-CN">您前面还有 2 位 &lt;客户&gt;</Say><Enqueue>after-sales</Enqueue></Response>)");

    channels::CallDecision vm;
    vm.kind = channels::CallDecision::Kind::Voicemail;
    vm.speech = "Please leave a message.";
    vm.language = "en-US";
    receipt.messages[0].call = vm;
    auto body = in.answer(receipt).body;
    BOOST_TEST(body.find(R"(<Say language="en-US">Please leave a message.</Say><Record transcribe="true" transcribeCallback="https://ccd.example.com/webhooks/twilio/hotline")") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_call_status_is_recorded_on_the_call) {
    channels::twilio::TwilioInbound in(settings());
    const std::pair<const char*, const char*> statuses[] = {
        {"queued", "call.ringing"},    {"ringing", "call.ringing"},
        {"in-progress", "call.answered"}, {"completed", "call.hangup"},
        {"busy", "call.hangup"},       {"failed", "call.hangup"},
        {"no-answer", "call.hangup"},  {"canceled", "call.hangup"}};
    for (const auto& [status, type] : statuses) {
        BOOST_TEST_CONTEXT(status) {
            auto out = in.parse(twilioPost(call(status, {{"CallbackSource", "call-progress-events"},
                                                         {"CallDuration", "42"}})),
                                {kNow, ""});
            BOOST_REQUIRE(!out.rejection);
            BOOST_TEST(out.messages.empty());
            BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
            BOOST_TEST(out.calls[0].type == type);
            BOOST_TEST(out.calls[0].call_id == "CA5f3a0c0e1d2b");
            BOOST_TEST(out.calls[0].provider_id == std::string("CA5f3a0c0e1d2b:status:") + status);
            BOOST_REQUIRE(out.stored_answer);
            BOOST_TEST(out.stored_answer->body.find("<Response/>") != std::string::npos);
        }
    }
    auto bad = in.parse(twilioPost(call("dialing")), {kNow, ""});
    BOOST_REQUIRE(bad.rejection);
    BOOST_TEST(bad.rejection->status == 422);
    BOOST_TEST(bad.rejection->field == "CallStatus");
}

BOOST_AUTO_TEST_CASE(recordings_transcriptions_and_digits) {
    channels::twilio::TwilioInbound in(settings());
    auto rec = in.parse(twilioPost(call("completed", {{"RecordingUrl", "https://api.twilio.com/rec/RE1"},
                                                       {"RecordingDuration", "17"}})),
                        {kNow, ""});
    BOOST_REQUIRE_EQUAL(rec.calls.size(), 1u);
    BOOST_TEST(rec.calls[0].type == "call.recording");
    BOOST_TEST(rec.calls[0].data_json.find("https://api.twilio.com/rec/RE1") != std::string::npos);

    auto tr = in.parse(twilioPost(call("completed", {{"RecordingUrl", "https://api.twilio.com/rec/RE1"},
                                                      {"TranscriptionText", "我的洗衣机坏了"},
                                                      {"TranscriptionStatus", "completed"}})),
                       {kNow, ""});
    BOOST_REQUIRE_EQUAL(tr.messages.size(), 1u);
    BOOST_TEST(tr.messages[0].text == "我的洗衣机坏了");
    BOOST_TEST(tr.messages[0].provider_id == "CA5f3a0c0e1d2b:transcription");
    BOOST_TEST(tr.calls[0].type == "call.transcription");

    auto digits = in.parse(twilioPost(call("in-progress", {{"Digits", "2"}})), {kNow, ""});
    BOOST_REQUIRE_EQUAL(digits.calls.size(), 1u);
    BOOST_TEST(digits.calls[0].type == "call.digits");
}

BOOST_AUTO_TEST_CASE(the_phone_menu_gathers_one_key_and_its_answer_routes_the_call) {
    channels::twilio::TwilioInbound in(settings());
    channels::CallDecision menu;
    menu.kind = channels::CallDecision::Kind::Menu;
    menu.speech = "报修请按1 & 投诉请按2";
    menu.language = "zh-CN";
    menu.digits = "129";
    menu.attempt = 2;
    menu.timeout_s = 7;
    channels::IntakeReceipt receipt;
    receipt.messages.push_back({1, 2, false, false, menu});
    BOOST_TEST(in.answer(receipt).body ==
               R"(<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="7" actionOnEmptyResult="true" method="POST" action="https://ccd.example.com/webhooks/twilio/hotline?menu=2"><Say language="zh-CN">报修请按1 &amp; 投诉请按2</Say></Gather></Response>)");
    BOOST_TEST(channels::twilio::menuActionUrl("https://x.example/t?a=1", 1) ==
               "https://x.example/t?a=1&menu=1");

    // The <Gather>'s answer: a step of the call, answered with the engine's next decision.
    auto out = in.parse(twilioPost(call("in-progress", {{"Digits", "2"}}), "menu=1"), {kNow, ""});
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.calls.size(), 1u);
    BOOST_TEST(out.calls[0].type == "call.digits");
    BOOST_TEST(out.calls[0].provider_id == "CA5f3a0c0e1d2b:digits:1");
    BOOST_TEST(out.calls[0].data_json.find(R"("digits":"2")") != std::string::npos);
    BOOST_TEST(!out.stored_answer);
    // No key before the timeout is an answer too; the second playing is another step.
    auto none = in.parse(twilioPost(call("in-progress"), "menu=2"), {kNow, ""});
    BOOST_REQUIRE_EQUAL(none.calls.size(), 1u);
    BOOST_TEST(none.calls[0].provider_id == "CA5f3a0c0e1d2b:digits:2");
    BOOST_TEST(none.calls[0].data_json.find(R"("digits":"")") != std::string::npos);

    channels::IntakeReceipt after;
    channels::CallDecision dial;
    dial.kind = channels::CallDecision::Kind::Dial;
    dial.target = "sip:tom@10.0.0.7";
    after.call_step = dial;
    BOOST_TEST(in.answer(after).body.find("<Dial><Sip>sip:tom@10.0.0.7</Sip></Dial>") !=
               std::string::npos);

    auto bad = in.parse(twilioPost(call("in-progress", {{"Digits", "1x"}}), "menu=1"), {kNow, ""});
    BOOST_REQUIRE(bad.rejection);
    BOOST_TEST(bad.rejection->status == 422);
    BOOST_TEST(bad.rejection->field == "Digits");
    auto attempt = in.parse(twilioPost(call("in-progress", {{"Digits", "1"}}), "menu=3"), {kNow, ""});
    BOOST_REQUIRE(attempt.rejection);
    BOOST_TEST(attempt.rejection->field == "menu");
    // The query string is signed: a menu answer moved to another playing is refused.
    auto moved = twilioPost(call("in-progress", {{"Digits", "1"}}), "menu=1");
    moved.target = "/webhooks/twilio/hotline?menu=2";
    BOOST_TEST(in.parse(moved, {kNow, ""}).rejection->status == 403);
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_refused_with_a_reason) {
    channels::twilio::TwilioInbound in(settings());
    Params no_sid = call("ringing");
    no_sid.erase(no_sid.begin() + 1);
    auto out = in.parse(twilioPost(no_sid), {kNow, ""});
    BOOST_REQUIRE(out.rejection);
    BOOST_TEST(out.rejection->status == 422);
    BOOST_TEST(out.rejection->field == "CallSid");

    auto dir = call("ringing");
    dir[5].second = "sideways";
    BOOST_TEST(in.parse(twilioPost(dir), {kNow, ""}).rejection->field == "Direction");

    auto req = twilioPost(call("ringing"));
    req.body = "CallSid=%ZZ";
    BOOST_TEST(in.parse(req, {kNow, ""}).rejection->status == 400);
}

BOOST_AUTO_TEST_CASE(a_queued_caller_hears_the_wait_url_and_leaves_through_the_action) {
    channels::twilio::TwilioInbound in(settings());
    const std::string url = settings().public_url;
    // A queue that repeats its announcement: <Enqueue> with ccd's waitUrl and action.
    channels::CallDecision queue;
    queue.kind = channels::CallDecision::Kind::Queue;
    queue.queue = "general";
    queue.speech = "You are number 2 & waiting.";
    queue.language = "en-US";
    queue.poll_after_s = 60;
    channels::IntakeReceipt receipt;
    receipt.messages.push_back({1, 2, false, false, queue});
    BOOST_TEST(in.answer(receipt).body ==
               R"(<?xml version="1.0" encoding="UTF-8"?><Response><Enqueue waitUrl=")" + url +
                   R"(?enqueue=wait" waitUrlMethod="POST" action=")" + url +
                   R"(?enqueue=result" method="POST">general</Enqueue></Response>)");
    BOOST_TEST(channels::twilio::enqueueUrl(url + "?x=1", "wait") == url + "?x=1&enqueue=wait");

    // The waitUrl request (signed over the URL with its query): a call.waiting step.
    auto wait = in.parse(twilioPost(call("in-progress", {{"QueuePosition", "2"},
                                                         {"QueueSid", "QU1"},
                                                         {"QueueTime", "75"},
                                                         {"AvgQueueTime", "40"},
                                                         {"CurrentQueueSize", "3"}}),
                                    "enqueue=wait"),
                         {kNow, ""});
    BOOST_REQUIRE(!wait.rejection);
    BOOST_REQUIRE_EQUAL(wait.calls.size(), 1u);
    BOOST_TEST(wait.calls[0].type == "call.waiting");
    BOOST_TEST(wait.calls[0].provider_id == "CA5f3a0c0e1d2b:call.waiting");
    BOOST_TEST(wait.calls[0].data_json.find(R"("queue_time":"75")") != std::string::npos);
    BOOST_TEST(wait.messages.empty());
    BOOST_TEST(!wait.stored_answer);
    // Without CallStatus too (Twilio's standard parameters have it; ccd needs none here).
    Params bare{{"AccountSid", "AC00000000000000000000000000000001"},
                {"CallSid", "CA5f3a0c0e1d2b"},
                {"QueuePosition", "1"}};
    BOOST_TEST(!in.parse(twilioPost(bare, "enqueue=wait"), {kNow, ""}).rejection);
    // Signed over the URL without the query, or another query: refused, nothing stored.
    auto moved = twilioPost(call("in-progress"), "enqueue=result");
    moved.target = "/webhooks/twilio/hotline?enqueue=wait";
    auto forged = in.parse(moved, {kNow, ""});
    BOOST_REQUIRE(forged.rejection);
    BOOST_TEST(forged.rejection->status == 403);
    BOOST_TEST(forged.calls.empty());

    // Answered with the announcement and a pause until the next one, or <Leave/>.
    channels::IntakeReceipt poll;
    poll.call_step_type = "call.waiting";
    poll.call_step = queue;
    BOOST_TEST(in.answer(poll).body ==
               R"(<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">You are number 2 &amp; waiting.</Say><Pause length="60"/></Response>)");
    channels::CallDecision vm;
    vm.kind = channels::CallDecision::Kind::Voicemail;
    vm.speech = "Please leave a message.";
    vm.language = "en-US";
    poll.call_step = vm;
    BOOST_TEST(in.answer(poll).body ==
               R"(<?xml version="1.0" encoding="UTF-8"?><Response><Leave/></Response>)");
    poll.call_step.reset();  // an unknown call
    BOOST_TEST(in.answer(poll).body.find("<Leave/>") != std::string::npos);

    // The action: leave (and a failed queue) asks for what follows, the voicemail.
    for (const char* result : {"leave", "error", "system-error", "queue-full"}) {
        auto left = in.parse(
            twilioPost(call("in-progress", {{"QueueResult", result}, {"QueueTime", "600"}}),
                       "enqueue=result"),
            {kNow, ""});
        BOOST_REQUIRE_MESSAGE(!left.rejection, result);
        BOOST_REQUIRE_EQUAL(left.calls.size(), 1u);
        BOOST_TEST(left.calls[0].type == "call.dequeued");
        BOOST_TEST(left.calls[0].provider_id == std::string("CA5f3a0c0e1d2b:queue:") + result);
        BOOST_TEST(!left.stored_answer);
    }
    channels::IntakeReceipt after;
    after.call_step_type = "call.dequeued";
    after.call_step = vm;
    BOOST_TEST(in.answer(after).body.find(R"(<Say language="en-US">Please leave a message.</Say><Record transcribe="true")") !=
               std::string::npos);
    // hangup: abandoned while queued, a call-back (the hangup routing acts on).
    auto gone = in.parse(
        twilioPost(call("completed", {{"QueueResult", "hangup"}}), "enqueue=result"), {kNow, ""});
    BOOST_REQUIRE(!gone.rejection);
    BOOST_TEST(gone.calls[0].type == "call.hangup");
    BOOST_TEST(gone.calls[0].provider_id == "CA5f3a0c0e1d2b:queue:hangup");
    BOOST_TEST(gone.calls[0].data_json.find(R"("cause":"abandoned")") != std::string::npos);
    BOOST_TEST(gone.stored_answer->body.find("<Response/>") != std::string::npos);
    // bridged, bridging-in-progress, redirected: logged, answered with nothing.
    for (const char* result : {"bridged", "bridging-in-progress", "redirected"}) {
        auto b = in.parse(
            twilioPost(call("in-progress", {{"QueueResult", result}}), "enqueue=result"),
            {kNow, ""});
        BOOST_REQUIRE_MESSAGE(!b.rejection, result);
        BOOST_TEST(b.calls[0].type == "call.queue_result");
        BOOST_TEST(b.stored_answer.has_value());
    }
    // Refused: no QueueResult, an unknown one, an unknown enqueue step.
    auto none = in.parse(twilioPost(call("in-progress"), "enqueue=result"), {kNow, ""});
    BOOST_TEST(none.rejection->status == 422);
    BOOST_TEST(none.rejection->field == "QueueResult");
    auto odd = in.parse(
        twilioPost(call("in-progress", {{"QueueResult", "dequeued"}}), "enqueue=result"),
        {kNow, ""});
    BOOST_TEST(odd.rejection->field == "QueueResult");
    auto step = in.parse(twilioPost(call("in-progress"), "enqueue=poll"), {kNow, ""});
    BOOST_TEST(step.rejection->field == "enqueue");
    BOOST_TEST(step.calls.empty());
}

BOOST_AUTO_TEST_SUITE_END()
