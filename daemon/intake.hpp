#pragma once
// The one path of every inbound provider request, whatever the channel:
//   authenticate (API key, where the instance takes keys) -> the channel verifies and parses
//   -> replay check -> store everything of the request durably, in one commit
//   -> hand new messages and delivery reports to the routing engine
//   -> only then answer the provider, in the form its channel says.
// No route does intake by hand: each instance's route calls handle(); a channel that fetches
// its messages itself (email over IMAP) calls ingest(), which shares everything after parsing.

#include <functional>
#include <memory>
#include <vector>

#include "channels/registry.hpp"
#include "daemon/store/store.hpp"

namespace ccd::daemon {

class ApiKeys;
class Metrics;
namespace http {
class Responder;
}

/// Thread safety: handle() may be called concurrently from any thread.
class Intake {
public:
    /// Hands a stored, new message to the routing engine; `done` runs once the engine's
    /// decisions are stored (or failed: the message is durable either way), with what was
    /// decided for a new call (channel voice) for the phone system's answer.
    using CallDone = std::function<void(std::optional<channels::CallDecision>)>;
    using RouteMessage = std::function<void(const store::IngestResult& stored,
                                            const routing::InboundMessage& message,
                                            CallDone done)>;
    /// Hands stored delivery changes (from providers' reports) to the engine.
    using Deliveries = std::function<void(std::vector<store::DeliveryChange>)>;
    /// Hands a stored step of a call in `conversation` to the engine (the phone menu's digits,
    /// a hangup); `duplicate`: the step was stored before (a provider's retry), only its
    /// decision is wanted. `done` gets the decision for the phone system's answer.
    using RouteCall = std::function<void(std::int64_t conversation, const channels::CallEvent& step,
                                         bool duplicate, CallDone done)>;

    /// `keys` may be null: instances that require keys then refuse every request.
    Intake(store::Store& store, Metrics& metrics, ApiKeys* keys, RouteMessage route,
           Deliveries deliveries, RouteCall route_call = {});
    ~Intake();

    /// Handles one request for `instance`; answers through `responder` exactly once.
    void handle(const channels::ChannelInstancePtr& instance, channels::WebRequest request,
                const http::Responder& responder);

    /// What a channel fetched itself (the email poller: no HTTP request to answer), through
    /// the same path: stored in one commit together with the instance's `state` (what it has
    /// taken so far), then routed. `done` runs exactly once: true once stored and the engine's
    /// decisions are stored, false when nothing was stored (fetch it again later). Repeats of
    /// provider ids are stored once and count as stored.
    void ingest(const channels::ChannelInstancePtr& instance, channels::ParseOutcome outcome,
                std::vector<std::pair<std::string, std::string>> state,
                std::function<void(bool stored)> done);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace ccd::daemon
