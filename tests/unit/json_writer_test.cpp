// JsonWriter (daemon/json_writer.hpp) writes the bytes nlohmann's dump() writes, and the
// conversation snapshot written by hand (snapshotToJson) is the document the nlohmann version
// wrote, for random snapshots, and reads back; the events' action text (actionText) is what
// actionJson dumps; a service case's stored body (caseBodyText) is what caseJson dumps.
#include "daemon/json_writer.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "daemon/cases/case_json.hpp"
#include "daemon/routing_json.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"
#include "routing/utf8.hpp"

using ccd::daemon::JsonWriter;
using nlohmann::json;

namespace {

std::string viaNlohmann(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// What snapshotToJson was before it was written by hand.
std::string snapshotViaNlohmann(const ccd::routing::ConversationSnapshot& s) {
    using ccd::routing::unixMillis;
    json deadlines = json::array();
    for (const auto& d : s.deadlines) {
        json item{{"milestone", ccd::routing::toString(d.milestone)},
                  {"started", unixMillis(d.started)},
                  {"warn_at", unixMillis(d.warn_at)},
                  {"due_at", unixMillis(d.due_at)}};
        if (d.met_at) item["met_at"] = unixMillis(*d.met_at);
        deadlines.push_back(std::move(item));
    }
    json j{{"contact_id", s.contact_id},
           {"channel", ccd::routing::toString(s.channel)},
           {"language", s.language},
           {"category", s.category},
           {"subtype", s.subtype},
           {"priority", s.priority},
           {"queue", s.queue},
           {"sla_policy", s.sla_policy},
           {"deadlines", std::move(deadlines)},
           {"opened_at", unixMillis(s.opened_at)},
           {"queued_at", unixMillis(s.queued_at)},
           {"handoff", s.handoff},
           {"stage", s.stage},
           {"tags", s.tags},
           {"locale", s.locale}};
    if (s.agent) j["agent"] = *s.agent;
    if (s.resolved_at) j["resolved_at"] = unixMillis(*s.resolved_at);
    if (!s.channel_instance.empty()) j["channel_instance"] = s.channel_instance;
    if (s.last_inbound_at) j["last_inbound_at"] = unixMillis(*s.last_inbound_at);
    if (!s.attributes.empty()) j["attributes"] = s.attributes;
    return viaNlohmann(j);
}

// Random text: ASCII, quotes, backslashes, control characters, Chinese, emoji and, now and
// then, bytes that are not UTF-8.
std::string randomText(std::mt19937& rng) {
    static const std::vector<std::string> pieces = {
        "a", "Z", "7", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", std::string(1, '\x01'),
        std::string(1, '\x1f'), std::string(1, '\x7f'), "漏水", "冷氣", "é", "😀", "\xE2\x80\xA8",
        "\xFF", "\xC3", "\xED\xA0\x80", "\xF0\x9F\x98", "\xC0\xAF"};
    std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), len(0, 12);
    std::string s;
    for (std::size_t i = len(rng); i > 0; --i) s += pieces[pick(rng)];
    return s;
}

ccd::routing::TimePoint at(std::int64_t ms) {
    return ccd::routing::TimePoint(std::chrono::milliseconds(ms));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_AUTO_TEST_CASE(strings_are_written_as_nlohmann_writes_them) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        const std::string s = randomText(rng);
        JsonWriter w;
        w.value(s);
        BOOST_TEST(w.text() == viaNlohmann(json(s)), "text " << json(s).dump(-1, ' ', true, json::error_handler_t::replace));
    }
}

// The one UTF-8 check (routing/utf8.hpp) the store, the writer, the contact import and the
// email decoder share: valid exactly when nlohmann's strict serializer accepts the bytes.
BOOST_AUTO_TEST_CASE(utf8_is_valid_exactly_when_nlohmann_accepts_it) {
    const auto strictAccepts = [](const std::string& s) {
        try {
            (void)json(s).dump(-1, ' ', false, json::error_handler_t::strict);
            return true;
        } catch (const json::type_error&) {
            return false;
        }
    };
    std::mt19937 rng(11);
    int invalid = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::string s = randomText(rng);
        const bool valid = ccd::routing::isValidUtf8(s);
        invalid += !valid;
        BOOST_TEST(valid == strictAccepts(s), json(s).dump(-1, ' ', true, json::error_handler_t::replace));
    }
    BOOST_TEST(invalid > 100);
    for (const char* bad : {"\xC0\x80", "\xC1\xBF", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                            "\xF5\x80\x80\x80", "\x80", "\xE4\xB8", "a\xFF"}) {
        BOOST_TEST(!ccd::routing::isValidUtf8(bad), bad);
        BOOST_TEST(!strictAccepts(bad));
    }
    for (const char* good : {"", "plain", "\xC2\x80", "\xE4\xB8\xAD\xE6\x96\x87", "\xED\x9F\xBF",
                             "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
        BOOST_TEST(ccd::routing::isValidUtf8(good), good);
    }
}

BOOST_AUTO_TEST_CASE(objects_arrays_numbers_and_commas) {
    JsonWriter w;
    w.beginObject().key("a").beginArray().value(1).value(-2).value(true).endArray();
    w.key("b").beginObject().endObject().key("c").beginArray().endArray();
    w.key("d").value(std::int64_t{-9007199254740993}).key("e").value(false).endObject();
    json j{{"a", {1, -2, true}}, {"b", json::object()}, {"c", json::array()},
           {"d", std::int64_t{-9007199254740993}}, {"e", false}};
    BOOST_TEST(w.text() == viaNlohmann(j));
}

BOOST_AUTO_TEST_CASE(the_snapshot_is_the_document_nlohmann_wrote) {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> coin(0, 1), small(0, 4), prio(1, 4), channel(0, 5);
    std::uniform_int_distribution<std::int64_t> ms(0, 4102444800000), id(1, 1LL << 40);
    for (int i = 0; i < 3000; ++i) {
        ccd::routing::ConversationSnapshot s;
        s.contact_id = id(rng);
        s.channel = static_cast<ccd::routing::ChannelKind>(channel(rng));
        if (coin(rng)) s.channel_instance = randomText(rng);
        s.language = randomText(rng);
        s.category = randomText(rng);
        s.subtype = randomText(rng);
        s.priority = prio(rng);
        s.queue = randomText(rng);
        s.sla_policy = randomText(rng);
        for (int k = small(rng); k > 0; --k) {
            ccd::routing::SlaDeadline d;
            d.milestone = static_cast<ccd::routing::Milestone>(small(rng) % 4);
            d.started = at(ms(rng));
            d.warn_at = at(ms(rng));
            d.due_at = at(ms(rng));
            if (coin(rng)) d.met_at = at(ms(rng));
            s.deadlines.push_back(d);
        }
        if (coin(rng)) s.agent = randomText(rng);
        s.opened_at = at(ms(rng));
        s.queued_at = at(ms(rng));
        s.handoff = coin(rng) == 1;
        s.stage = randomText(rng);
        for (int k = small(rng); k > 0; --k) s.attributes[randomText(rng)] = randomText(rng);
        for (int k = small(rng); k > 0; --k) s.tags.push_back(randomText(rng));
        s.locale = randomText(rng);
        if (coin(rng)) s.resolved_at = at(ms(rng));
        if (coin(rng)) s.last_inbound_at = at(ms(rng));

        const std::string text = ccd::store::sqlite::snapshotToJson(s);
        BOOST_TEST(text == snapshotViaNlohmann(s));
        ccd::routing::ConversationSnapshot back;
        BOOST_TEST(ccd::store::sqlite::snapshotFromJson(text, back));
        BOOST_TEST(back.contact_id == s.contact_id);
        BOOST_TEST(back.deadlines.size() == s.deadlines.size());
        BOOST_TEST(back.tags.size() == s.tags.size());
    }
}

BOOST_AUTO_TEST_CASE(doubles_are_written_as_nlohmann_writes_them) {
    for (int k = 0; k <= 1000; ++k) {  // every confidence a routed event holds (3 decimals)
        const double x = std::round(k / 1000.0 * 1000.0) / 1000.0;
        JsonWriter w;
        w.value(x);
        BOOST_TEST(w.text() == viaNlohmann(json(x)));
    }
    JsonWriter w;
    w.beginArray().value(1.0).value(-0.5).value(1e300).value(std::vector<std::string>{"a", "q\"\\"});
    w.endArray();
    BOOST_TEST(w.text() == viaNlohmann(json{1.0, -0.5, 1e300, {"a", "q\"\\"}}));
}

BOOST_AUTO_TEST_CASE(the_action_text_is_what_action_json_dumps) {
    using namespace ccd::routing;
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> coin(0, 1), small(0, 5), prio(1, 4), kind(0, 7);
    std::uniform_int_distribution<std::int64_t> ms(0, 4102444800000), id(0, 1LL << 40);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto texts = [&] {
        std::vector<std::string> v;
        for (int k = small(rng); k > 0; --k) v.push_back(randomText(rng));
        return v;
    };
    std::map<std::string, int> seen;
    for (int i = 0; i < 4000; ++i) {
        Action action;
        switch (kind(rng)) {
            case 0: {
                ConversationRouted a;
                a.conversation_id = id(rng);
                a.message_id = id(rng);
                a.classification.category = randomText(rng);
                a.classification.subtype = randomText(rng);
                a.classification.confidence = unit(rng);
                a.classification.language = randomText(rng);
                a.classification.sentiment = static_cast<Sentiment>(small(rng) % 3);
                a.classification.safety = texts();
                a.classification.urgency = texts();
                a.priority = prio(rng);
                a.queue = randomText(rng);
                a.tags = texts();
                a.rules = texts();
                a.sla_policy = randomText(rng);
                for (int k = small(rng); k > 0; --k) {  // sometimes a milestone twice
                    SlaDeadline d;
                    d.milestone = static_cast<Milestone>(small(rng) % 4);
                    d.started = at(ms(rng));
                    d.warn_at = at(ms(rng));
                    d.due_at = at(ms(rng));
                    if (coin(rng)) d.met_at = at(ms(rng));
                    a.deadlines.push_back(d);
                }
                a.handoff = coin(rng) == 1;
                action = a;
                break;
            }
            case 1:
                action = AutoReply{id(rng), id(rng), randomText(rng), randomText(rng),
                                   randomText(rng), {}};
                break;
            case 2:
                action = Queued{id(rng), randomText(rng), prio(rng),
                                static_cast<std::size_t>(id(rng)), randomText(rng)};
                break;
            case 3:
                action = CaseRequested{id(rng), id(rng), randomText(rng), randomText(rng)};
                break;
            case 4: {
                OfferMade a;
                a.conversation_id = id(rng);
                a.agent = randomText(rng);
                a.queue = randomText(rng);
                a.priority = prio(rng);
                a.expires_at = at(ms(rng));
                action = a;
                break;
            }
            case 5:
                action = Assigned{id(rng), randomText(rng)};
                break;
            case 6:  // not written by hand: the same text through actionJson
                action = PriorityChanged{id(rng), prio(rng), prio(rng), randomText(rng)};
                break;
            default:
                action = ConversationClosed{id(rng)};
        }
        ++seen[std::string(actionName(action))];
        BOOST_TEST(ccd::daemon::actionText(action) ==
                   viaNlohmann(ccd::daemon::actionJson(action)), actionName(action));
    }
    BOOST_TEST(seen.size() == 8u);
}

// What the outbox payload was before it was written by hand.
BOOST_AUTO_TEST_CASE(the_outbox_payload_is_what_nlohmann_wrote) {
    std::mt19937 rng(13);
    std::uniform_int_distribution<int> coin(0, 1);
    auto maybe = [&]() -> std::optional<std::string> {
        if (coin(rng)) return randomText(rng);
        return std::nullopt;
    };
    for (int i = 0; i < 3000; ++i) {
        ccd::store::OutboundMessage m;
        m.author = randomText(rng);
        m.text = randomText(rng);
        m.subject = maybe();
        m.html = maybe();
        m.template_id = maybe();
        m.locale = maybe();
        if (coin(rng) && coin(rng))
            m.dial = ccd::channels::DialRequest{randomText(rng), randomText(rng), randomText(rng)};
        std::optional<ccd::store::EmailRoute> email;
        if (const auto to = maybe()) email = ccd::store::EmailRoute{randomText(rng), *to};
        json payload{{"text", m.text}, {"author", m.author}};
        if (m.subject) payload["subject"] = *m.subject;
        if (m.html) payload["html"] = *m.html;
        if (m.template_id) payload["template_id"] = *m.template_id;
        if (m.locale) payload["locale"] = *m.locale;
        if (email) payload["to"] = email->address;
        if (m.dial) {
            payload["dial"] = {
                {"agent", m.dial->agent}, {"target", m.dial->target}, {"reason", m.dial->reason}};
        }
        BOOST_TEST(ccd::store::sqlite::outboxPayload(m, email) == viaNlohmann(payload));
    }
}

BOOST_AUTO_TEST_CASE(the_case_body_is_what_case_json_dumps) {
    using namespace ccd::routing;
    std::mt19937 rng(9);
    std::uniform_int_distribution<int> coin(0, 1), small(0, 4), odds(0, 9);
    std::uniform_int_distribution<std::int64_t> ms(0, 4102444800000), id(0, 1LL << 40);
    auto maybeText = [&]() -> std::optional<std::string> {
        if (coin(rng)) return randomText(rng);
        return std::nullopt;
    };
    int by_hand = 0;
    for (int i = 0; i < 3000; ++i) {
        ServiceCase c;
        c.id = id(rng);
        c.contact_id = id(rng);
        c.type = randomText(rng);
        c.stage = randomText(rng);
        c.owner = randomText(rng);
        c.channel = randomText(rng);
        for (int k = small(rng); k > 0; --k) c.conversations.push_back(id(rng));
        if (coin(rng))
            c.product = Product{randomText(rng), randomText(rng), maybeText(), maybeText(),
                                maybeText()};
        c.warranty.in_warranty = coin(rng) == 1;
        c.warranty.until = maybeText();
        c.warranty.basis = randomText(rng);
        c.repair_mode = randomText(rng);
        if (coin(rng)) {
            CaseClock clock;
            clock.milestone = randomText(rng);
            clock.stage = randomText(rng);
            clock.started_at = at(ms(rng));
            clock.due_at = at(ms(rng));
            clock.warn_at = at(ms(rng));
            clock.breached = coin(rng) == 1;
            clock.warned = coin(rng) == 1;
            c.clock = clock;
        }
        if (coin(rng)) c.repeat_of = id(rng);
        c.summary = randomText(rng);
        c.description = randomText(rng);
        for (int k = small(rng); k > 0; --k)
            c.history.push_back({at(ms(rng)), randomText(rng), randomText(rng), randomText(rng)});
        c.opened_at = at(ms(rng));
        c.updated_at = at(ms(rng));
        if (coin(rng)) c.closed_at = at(ms(rng));
        // Now and then what a case gathers later: the text then comes from caseJson itself.
        switch (odds(rng)) {
            case 0: c.quote = Quote{}; break;
            case 1: c.visits.push_back(Visit{}); break;
            case 2: c.shipments.push_back(Shipment{}); break;
            case 3: c.repairs.push_back(RepairRecord{}); break;
            case 4: c.follow_ups.push_back(FollowUp{}); break;
            default: ++by_hand;
        }
        BOOST_TEST(ccd::daemon::cases::caseBodyText(c) ==
                   viaNlohmann(ccd::daemon::cases::caseJson(c, nullptr)));
    }
    BOOST_TEST(by_hand > 1000);
}

BOOST_AUTO_TEST_SUITE_END()
