#include "daemon/console/console_protocol.hpp"

#define BOOST_TEST_MODULE console_protocol_test
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "daemon/console/console_outbox.hpp"

using namespace ccd::daemon::console;
using nlohmann::json;

BOOST_AUTO_TEST_CASE(commands_parse_with_their_fields) {
    auto a = parseCommand(R"({"type":"auth","token":"t0k","last_seq":7,"id":"x"})");
    BOOST_REQUIRE(a.command);
    BOOST_TEST(a.command->token == "t0k");
    BOOST_TEST(*a.command->last_seq == 7u);
    BOOST_TEST(a.command->id == "x");

    auto r = parseCommand(R"({"type":"reply","id":3,"conversation_id":12,"text":"hi"})");
    BOOST_REQUIRE(r.command);
    BOOST_TEST(r.command->id == "3");
    BOOST_TEST(r.command->conversation_id == 12);
    BOOST_TEST(r.command->text == "hi");

    auto t = parseCommand(
        R"({"type":"reply","conversation_id":1,"template":"greeting","vars":{"n":2,"name":"Ann"}})");
    BOOST_REQUIRE(t.command);
    BOOST_TEST(*t.command->template_id == "greeting");
    BOOST_TEST(t.command->vars.at("n") == "2");
    BOOST_TEST(t.command->vars.at("name") == "Ann");

    auto x = parseCommand(R"({"type":"transfer","conversation_id":1,"to_queue":"billing"})");
    BOOST_REQUIRE(x.command);
    BOOST_TEST(*x.command->to_queue == "billing");
    BOOST_TEST(!x.command->to_agent);
}

BOOST_AUTO_TEST_CASE(bad_frames_name_the_problem) {
    BOOST_TEST(parseCommand("not json").error.code == "bad_json");
    BOOST_TEST(parseCommand("[1]").error.code == "bad_request");
    BOOST_TEST(parseCommand(R"({"type":"fly","id":"9"})").error.code == "unknown_type");
    BOOST_TEST(parseCommand(R"({"type":"fly","id":"9"})").error.id == "9");
    auto e = parseCommand(R"({"type":"accept","id":"a"})");
    BOOST_TEST(e.error.code == "bad_request");
    BOOST_TEST(e.error.reason.find("conversation_id") != std::string::npos);
    BOOST_TEST(parseCommand(R"({"type":"accept","conversation_id":-1})").error.code ==
               "bad_request");
    BOOST_TEST(parseCommand(R"({"type":"presence","presence":"sleeping"})").error.code ==
               "bad_request");
    BOOST_TEST(parseCommand(R"({"type":"transfer","conversation_id":1})").error.code ==
               "bad_request");
    BOOST_TEST(parseCommand(
                   R"({"type":"transfer","conversation_id":1,"to_agent":"a","to_queue":"q"})")
                   .error.code == "bad_request");
    BOOST_TEST(parseCommand(R"({"type":"reply","conversation_id":1})").error.code ==
               "bad_request");
    BOOST_TEST(parseCommand(R"({"type":"subscribe","stream":"all"})").error.code ==
               "bad_request");
    BOOST_TEST(parseCommand(R"({"type":"auth","token":"t","last_seq":-1})").error.code ==
               "bad_request");
}

// Issue 15, defect 11: nlohmann's parser stops at a NUL byte, so a frame with a valid command,
// a NUL and anything after it was taken as the command.
BOOST_AUTO_TEST_CASE(a_nul_byte_or_trailing_bytes_make_a_frame_bad_json) {
    const std::string ok = R"({"type":"presence","presence":"away"})";
    BOOST_REQUIRE(parseCommand(ok).command);
    BOOST_TEST(parseCommand(ok + std::string("\0garbage", 8)).error.code == "bad_json");
    BOOST_TEST(parseCommand(ok + std::string(1, '\0')).error.code == "bad_json");
    BOOST_TEST(parseCommand(ok + " {}").error.code == "bad_json");
    BOOST_TEST(parseCommand(R"({"type":"presence","presence":"away"} x)").error.code ==
               "bad_json");
}

BOOST_AUTO_TEST_CASE(every_free_text_field_has_a_length_limit) {
    const std::string huge(60000, 'x');
    json many_vars = json::object();
    for (int i = 0; i < 100; ++i) many_vars["v" + std::to_string(i)] = "x";
    struct Case {
        json command;
        std::string field;
    };
    for (const Case& c : {
             Case{{{"type", "wrap_up"}, {"disposition", huge}}, "disposition"},
             Case{{{"type", "resolve"}, {"conversation_id", 1}, {"disposition", huge}},
                  "disposition"},
             Case{{{"type", "transfer"}, {"conversation_id", 1}, {"to_queue", "q"}, {"note", huge}},
                  "note"},
             Case{{{"type", "transfer"}, {"conversation_id", 1}, {"to_agent", huge}}, "to_agent"},
             Case{{{"type", "transfer"}, {"conversation_id", 1}, {"to_queue", huge}}, "to_queue"},
             Case{{{"type", "note"}, {"conversation_id", 1}, {"text", huge}}, "text"},
             Case{{{"type", "reply"}, {"conversation_id", 1}, {"text", huge}}, "text"},
             Case{{{"type", "reply"}, {"conversation_id", 1}, {"template", huge}}, "template"},
             Case{{{"type", "reply"}, {"conversation_id", 1}, {"template", "t"},
                   {"vars", {{"name", huge}}}},
                  "vars"},
             Case{{{"type", "reply"}, {"conversation_id", 1}, {"template", "t"},
                   {"vars", {{huge, "x"}}}},
                  "vars"},
             Case{{{"type", "reply"}, {"conversation_id", 1}, {"template", "t"},
                   {"vars", many_vars}},
                  "vars"},
             Case{{{"type", "auth"}, {"token", huge}}, "token"},
         }) {
        BOOST_TEST_CONTEXT(c.command.dump().substr(0, 80)) {
            auto out = parseCommand(c.command.dump());
            BOOST_TEST(!out.command);
            BOOST_TEST(out.error.code == "bad_request");
            BOOST_TEST(out.error.reason.rfind(c.field + " ", 0) == 0, out.error.reason);
            BOOST_TEST(out.error.reason.size() < 200u);
        }
    }
    // What people write stays well within them.
    BOOST_TEST(
        parseCommand(json{{"type", "wrap_up"}, {"disposition", std::string(200, 'd')}}.dump())
            .command.has_value());
    BOOST_TEST(parseCommand(json{{"type", "transfer"},
                                 {"conversation_id", 1},
                                 {"to_queue", "billing"},
                                 {"note", std::string(2000, 'n')}}
                                .dump())
                   .command.has_value());
}

BOOST_AUTO_TEST_CASE(frames_carry_seq_and_errors_their_command_id) {
    auto j = json::parse(withSeq(R"({"type":"ack"})", 42));
    BOOST_TEST(j["seq"] == 42);
    BOOST_TEST(j["type"] == "ack");
    auto e = json::parse(errorFrame("not_found", "no such", "c7", 5));
    BOOST_TEST(e["type"] == "error");
    BOOST_TEST(e["id"] == "c7");
    BOOST_TEST(e["conversation_id"] == 5);
}

BOOST_AUTO_TEST_CASE(outbox_replays_what_was_missed_and_knows_gaps) {
    ConsoleOutbox box(3);
    for (int i = 0; i < 5; ++i) box.push("f" + std::to_string(i + 1));
    BOOST_TEST(box.lastSeq() == 5u);
    BOOST_TEST(box.size() == 3u);
    bool complete = false;
    auto missed = box.since(3, complete);
    BOOST_TEST(complete);
    BOOST_REQUIRE(missed.size() == 2u);
    BOOST_TEST(missed[0] == "f4");
    BOOST_TEST(box.since(2, complete).size() == 3u);
    BOOST_TEST(complete);
    box.since(1, complete);
    BOOST_TEST(!complete);  // f2 was dropped
    BOOST_TEST(box.since(5, complete).empty());
    BOOST_TEST(complete);
    box.since(9, complete);
    BOOST_TEST(!complete);  // a sequence this server never sent
    box.clear();
    box.since(4, complete);
    BOOST_TEST(!complete);
    BOOST_TEST(box.push("f6") == 6u);
    // The session ended at 5: even a client that saw 5 must reload (its conversations went).
    BOOST_TEST(box.since(5, complete).size() == 1u);
    BOOST_TEST(!complete);
    BOOST_TEST(box.since(6, complete).empty());  // a client of the new session resumes fine
    BOOST_TEST(complete);
}
