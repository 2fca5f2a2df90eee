#pragma once
// What console_hub_itest's two files share: the hub and the websocket server on a real
// io_context (Console), against a scripted engine (FakeEngine) and an in-memory store
// (FakeStore), with a blocking websocket client (Client). Declarations only: the client's
// Beast code lives in console_hub_fixture.cpp alone, so the test files do not compile Beast.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/audit_log.hpp"
#include "daemon/console/console_hub.hpp"
#include "daemon/console/console_server.hpp"
#include "daemon/console/engine_gateway.hpp"
#include "daemon/store/store.hpp"

namespace ccd::testing::hub {

using Actions = std::vector<routing::Action>;

/// A store that keeps everything in memory; callbacks run at once. What the console does not
/// use fails with "not in this test".
class FakeStore : public store::Store {
  public:
    void ingest(routing::InboundMessage, IngestCallback done) override;
    void appendOutbound(store::OutboundMessage m,
                        std::function<void(store::StoreResult<std::int64_t>)> done) override;
    void appendEvents(std::vector<store::EventRecord> e,
                      std::function<void(store::StoreResult<bool>)> done) override;
    /// Conversation `id`: Ann's (contact 7), one message "my printer is broken".
    void getConversation(std::int64_t id, ConversationCallback done) override;
    void putContact(store::ContactUpdate,
                    std::function<void(store::StoreResult<store::ContactPutResult>)> done) override;
    void putContacts(std::vector<store::ContactUpdate>,
                     std::function<void(store::StoreResult<std::size_t>)> done) override;
    void getContact(std::string,
                    std::function<void(store::StoreResult<std::optional<store::ContactDetails>>)>
                        done) override;
    /// Contact 7 wrote once before: conversation 3, a rated complaint.
    void getContactHistory(
        store::ContactHistoryQuery q,
        std::function<void(store::StoreResult<std::optional<store::ContactHistory>>)> done)
        override;
    void applyRouting(store::RoutingUpdate,
                      std::function<void(store::StoreResult<store::RoutingApplied>)> done) override;
    void loadRouting(std::function<void(store::StoreResult<store::RoutingRecovery>)> done) override;
    void ingestBatch(store::InboundBatch,
                     std::function<void(store::StoreResult<store::BatchIngested>)> done) override;
    void setOutboxListener(std::function<void()>) override {}
    void claimOutbox(std::string, std::size_t, std::int64_t,
                     std::function<void(store::StoreResult<store::OutboxClaim>)> done) override;
    void completeOutbox(
        std::vector<store::OutboxResult>,
        std::function<void(store::StoreResult<std::vector<store::DeliveryChange>>)> done) override;
    void resumeOutbox(std::function<void(store::StoreResult<std::size_t>)> done) override;
    void outboxCounts(
        std::function<void(store::StoreResult<std::map<std::string, store::OutboxCounts>>)> done)
        override;
    void deliveryTarget(
        std::int64_t,
        std::function<void(store::StoreResult<std::optional<store::DeliveryTarget>>)> done)
        override;
    void getAttachment(std::int64_t, std::int64_t, std::size_t,
                       std::function<void(store::StoreResult<std::optional<store::AttachmentFile>>)>
                           done) override;
    void readChannelState(
        std::string,
        std::function<void(store::StoreResult<std::map<std::string, std::string>>)> done) override;
    void loadApiKeys(
        std::function<void(store::StoreResult<std::vector<store::ApiKeyRecord>>)> done) override;
    void appendAudit(std::vector<store::AuditRecord> entries,
                     std::function<void(store::StoreResult<bool>)> done) override;
    void queryAudit(store::AuditQuery,
                    std::function<void(store::StoreResult<store::AuditPage>)> done) override;
    void eraseContact(
        std::string, store::AuditRecord,
        std::function<void(store::StoreResult<std::optional<store::ErasureResult>>)> done) override;
    void exportContact(
        std::string,
        std::function<void(store::StoreResult<std::optional<store::ContactExport>>)> done) override;
    void runRetention(
        store::RetentionRequest,
        std::function<void(store::StoreResult<store::RetentionReport>)> done) override;
    store::StoreStatus status() const override { return {}; }
    void close() override {}

    std::mutex mutex;
    std::vector<store::AuditRecord> audit;
    std::vector<store::OutboundMessage> outbound;
    std::vector<store::EventRecord> events;
    std::string fail_with;  ///< when set, writes and reads fail with this message
};

/// An engine that answers events with scripted actions, on its own strand like EngineHost.
class FakeEngine : public daemon::console::EngineGateway {
  public:
    explicit FakeEngine(boost::asio::io_context& ioc);

    void submit(routing::Event event, SubmitDone done) override;
    void conversation(
        std::int64_t id,
        std::function<void(std::optional<routing::ConversationSnapshot>)> done) override;
    void conversationsOf(std::string agent,
                         std::function<void(std::vector<std::int64_t>)> done) override;
    void board(
        std::function<void(std::vector<routing::QueueStats>, std::vector<routing::AgentStats>)>
            done) override;
    void waiting(std::vector<std::string> agents, std::size_t limit,
                 std::function<void(std::vector<routing::QueueWaiting>,
                                    std::map<std::string, std::vector<std::string>>)>
                     done) override;

    /// Emits actions as if the engine decided them on its own (a message, a timer).
    void emit(routing::Event event, Actions actions);

    /// Waits until an event matching `pred` was submitted.
    bool waitFor(const std::function<bool(const routing::Event&)>& pred,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

    boost::asio::strand<boost::asio::io_context::executor_type> strand;
    std::function<void(const routing::Event&, const Actions&)> listener;
    std::mutex mutex;
    std::condition_variable cv;
    std::function<Actions(const routing::Event&)> script;
    std::vector<routing::Event> submitted;
    std::map<std::int64_t, std::string> holders;          // conversation -> agent ("" = queued)
    std::vector<std::vector<std::string>> waiting_calls;  // the agents named, per call
};

/// A blocking websocket client; every read has a timeout.
class Client {
  public:
    using Headers = std::vector<std::pair<std::string, std::string>>;

    /// Connects; `status` gets the HTTP status when the upgrade is refused.
    /// From `source` (a local address) when not empty; with a small receive buffer when
    /// `small_buffer` (a client that reads slowly fills ccd's side sooner).
    Client(std::uint16_t port, std::string target = "/", Headers headers = {},
           const std::string& source = {}, bool small_buffer = false);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void send(const nlohmann::json& j);
    /// send(), for when ccd may close the connection meanwhile: false when it could not be sent.
    bool trySend(const nlohmann::json& j);
    void sendRaw(const std::string& s);

    /// The next frame, or nullopt when none came in time or the connection closed.
    std::optional<nlohmann::json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Reads until a frame of this type (skipping board pushes); nullopt if none.
    std::optional<nlohmann::json> readType(const std::string& type);

    void close();

    int status = 0;
    bool open = false;
    int close_code = 0;
    std::string error;  ///< why the last read failed
    std::vector<nlohmann::json> skipped;

  private:
    struct Connection;
    std::unique_ptr<Connection> connection_;
};

/// The HTTP status of a websocket upgrade request with these extra headers.
int upgradeStatus(std::uint16_t port, Client::Headers headers);

/// The hub and server on a two-thread io_context, with alice (agent), bob (agent) and sam
/// (supervisor).
struct Console {
    explicit Console(std::chrono::milliseconds grace = std::chrono::seconds(60),
                     std::size_t max_frame = 64 * 1024,
                     const std::function<void(daemon::console::ConsoleServerOptions&)>& tweak = {});
    ~Console();

    /// A client authenticated with `token`, past its `hello` (kept in `skipped`).
    std::unique_ptr<Client> agent(const std::string& token, const std::string& target = "/");

    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
    FakeStore store;
    daemon::AuditLog audit{store};
    FakeEngine engine;
    /// What the hub learns of an agent who connects; none when empty.
    daemon::console::AgentProfile profile;
    std::shared_ptr<daemon::console::ConsoleHub> hub;
    std::unique_ptr<daemon::console::ConsoleServer> server;
    std::vector<std::thread> threads;
};

/// An offer of conversation `conv` to `agent` in queue general, 30 s to answer.
routing::OfferMade offer(std::int64_t conv, const std::string& agent);
/// Customer c1's message `text` in conversation `conv`.
routing::MessageReceived customerMessage(std::int64_t conv, const std::string& text);
/// The engine's answers to the usual commands (accept, decline, resolve, transfer).
Actions script(FakeEngine& engine, const routing::Event& e);

}  // namespace ccd::testing::hub
