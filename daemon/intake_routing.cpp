#include "daemon/intake_routing.hpp"

#include <nlohmann/json.hpp>

#include "routing/engine.hpp"
#include "templates/catalog.hpp"
#include "templates/survey_answer.hpp"

namespace ccd::daemon {

Intake::RouteMessage messageRouter(EngineHost& engine, EngineHost::CatalogProvider catalog,
                                   SipDirectory sip_of) {
    return [&engine, catalog, sip_of](const store::IngestResult& stored,
                                      const routing::InboundMessage& message,
                                      Intake::CallDone done) {
        routing::MessageReceived e;
        e.conversation_id = stored.conversation_id;
        e.message_id = stored.message_id;
        e.new_conversation = stored.new_conversation;
        e.message = message;
        e.contact = stored.contact;
        e.auto_submitted = message.auto_submitted;
        e.survey_rating = templates::parseSurveyRating(message.textToClassify());
        // The message is durable already: answer even if storing the decisions failed (the
        // engine routes unrouted messages again at the next start).
        const bool call = message.channel == routing::ChannelKind::Voice;
        const auto conversation = stored.conversation_id;
        engine.submit(std::move(e), [&engine, catalog, sip_of, call, conversation,
                                     done = std::move(done)](bool,
                                                             const EngineHost::Actions& actions) {
            if (!call) return done(std::nullopt);
            // A new call: the phone system waits for what the engine decided.
            engine.query([catalog, sip_of, conversation, actions, done](const routing::Engine& en) {
                auto cat = catalog ? catalog() : nullptr;
                done(decideCall(en, cat.get(), conversation, actions, sip_of,
                                routing::Clock::now()));
            });
        });
    };
}

Intake::RouteCall callStepRouter(EngineHost& engine, EngineHost::CatalogProvider catalog,
                                 SipDirectory sip_of) {
    return [&engine, catalog, sip_of](std::int64_t conversation, const channels::CallEvent& step,
                                      bool duplicate, Intake::CallDone done) {
        // The phone system took the caller out of its queue (Twilio's <Leave/>, a failed
        // queue): what follows is not the queue again.
        const bool leaving = step.type == "call.dequeued";
        auto decide = [&engine, catalog, sip_of, conversation, leaving,
                       done](const EngineHost::Actions& actions) {
            engine.query([catalog, sip_of, conversation, leaving, actions,
                          done](const routing::Engine& en) {
                auto cat = catalog ? catalog() : nullptr;
                done(decideCall(en, cat.get(), conversation, actions, sip_of,
                                routing::Clock::now(), leaving));
            });
        };
        // A retry of a step already taken (stored once): only what it led to. A queued
        // caller's poll, or their leaving the queue, changes nothing in routing: the decision
        // follows from the engine's state and the time.
        if (duplicate || step.type == "call.waiting" || leaving) return decide({});
        routing::CallStep e;
        e.conversation_id = conversation;
        auto data = nlohmann::json::parse(step.data_json, nullptr, false);
        auto text = [&data](const char* key) {
            return data.is_object() && data.contains(key) && data[key].is_string()
                       ? data[key].get<std::string>()
                       : std::string();
        };
        if (step.type == "call.digits") {
            e.kind = routing::CallStep::Kind::Digits;
            e.digits = text("digits");
        } else {
            e.kind = routing::CallStep::Kind::Hangup;
            e.cause = text("cause");
        }
        engine.submit(std::move(e),
                      [decide](bool, const EngineHost::Actions& actions) { decide(actions); });
    };
}

}  // namespace ccd::daemon
