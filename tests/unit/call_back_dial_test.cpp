// Which accepted work makes ccd ask the phone system to place a call (daemon/call_back_dial.hpp):
// a voice call-back or a voice follow-up of a service case, for an agent with a SIP address.
#include "daemon/call_back_dial.hpp"

#define BOOST_TEST_MODULE call_back_dial
#include <boost/test/unit_test.hpp>

using namespace ccd;

namespace {

routing::ConversationSnapshot voiceWork(std::vector<std::string> tags) {
    routing::ConversationSnapshot c;
    c.id = 12;
    c.channel = routing::ChannelKind::Voice;
    c.channel_instance = "hotline";
    c.tags = std::move(tags);
    return c;
}

std::string sipOf(const std::string& agent) {
    return agent == "alice" ? "sip:alice@pbx.example" : "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_voice_follow_up_of_a_case_is_dialled_like_a_call_back) {
    auto fu = daemon::dialOnAccept(voiceWork({"follow_up"}), "alice", sipOf, 1000);
    BOOST_REQUIRE(fu.has_value());
    BOOST_REQUIRE(fu->dial.has_value());
    BOOST_TEST(fu->dial->reason == "follow_up");
    BOOST_TEST(fu->dial->agent == "alice");
    BOOST_TEST(fu->dial->target == "sip:alice@pbx.example");
    BOOST_TEST(fu->conversation_id == 12);
    BOOST_TEST(fu->author == "agent:alice");
    BOOST_TEST(fu->text.rfind("Follow-up call", 0) == 0);

    auto cb = daemon::dialOnAccept(voiceWork({"vip", "call_back"}), "alice", sipOf, 1000);
    BOOST_REQUIRE(cb.has_value());
    BOOST_TEST(cb->dial->reason == "call_back");
    // Each acceptance is its own request; a retry of the same one keeps its key.
    auto later = daemon::dialOnAccept(voiceWork({"call_back"}), "alice", sipOf, 2000);
    BOOST_TEST(cb->idempotency_key != later->idempotency_key);
}

BOOST_AUTO_TEST_CASE(other_work_or_an_agent_without_a_phone_places_no_call) {
    BOOST_TEST(!daemon::dialOnAccept(voiceWork({}), "alice", sipOf, 1000).has_value());
    BOOST_TEST(!daemon::dialOnAccept(voiceWork({"call_back"}), "bob", sipOf, 1000).has_value());
    auto chat = voiceWork({"follow_up"});
    chat.channel = routing::ChannelKind::Telegram;  // a follow-up by message: no call
    BOOST_TEST(!daemon::dialOnAccept(chat, "alice", sipOf, 1000).has_value());
    BOOST_TEST(!daemon::dialReason(chat).has_value());
    BOOST_TEST(daemon::dialReason(voiceWork({"follow_up"})).value_or("") == "follow_up");
}
