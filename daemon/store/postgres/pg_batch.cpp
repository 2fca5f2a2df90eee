#include "daemon/store/postgres/pg_batch.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "channels/common/crypto.hpp"
#include "daemon/store/postgres/pg_ingest.hpp"

namespace ccd::store::postgres {
namespace {

using nlohmann::json;

constexpr const char* kSaveState =
    "INSERT INTO channel_state (channel_instance, key, value, updated_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (channel_instance, key) DO UPDATE SET value = excluded.value,"
    " updated_at = excluded.updated_at";
constexpr const char* kInsertContent =
    "INSERT INTO attachment_content (message_id, position, size, sha256, data)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
// The provider id of something that is not a message: a row inserted the first time only.
constexpr const char* kReceipt =
    "INSERT INTO inbound_receipts (channel_instance, provider_id, created_at) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING";
// The edited message, among the sender's conversations (no index of inbound references).
constexpr const char* kFindInboundRef =
    "SELECT m.id, m.conversation_id FROM contact_addresses a"
    " JOIN conversations c ON c.contact_id = a.contact_id"
    " JOIN messages m ON m.conversation_id = c.id"
    " WHERE a.channel = $3 AND a.address = $4 AND m.channel_instance = $1"
    " AND m.provider_ref = $2 AND m.direction = 'in' ORDER BY m.id LIMIT 1";
constexpr const char* kEdit =
    "UPDATE messages SET original_text = COALESCE(original_text, body), body = $2,"
    " edited_at = $3 WHERE id = $1";
constexpr const char* kFindOutboundRef =
    "SELECT id, conversation_id, delivery, author FROM messages"
    " WHERE channel_instance = $1 AND provider_ref = $2 AND direction = 'out' ORDER BY id LIMIT 1";
constexpr const char* kSetDelivery =
    "UPDATE messages SET delivery = $2, delivery_reason = $3, delivery_at = $4 WHERE id = $1";
constexpr const char* kEvent =
    "INSERT INTO events (conversation_id, type, data, created_at) VALUES ($1, $2, $3, $4)";
// A call's conversation: the one its new-call message (provider id = the call's id) is in;
// else, a call ccd placed, the conversation of the dial request the phone system answered with
// this id; else the one its signed callback named.
constexpr const char* kFindCall =
    "SELECT conversation_id FROM messages WHERE channel_instance = $1 AND provider_id = $2"
    " AND direction = 'in' LIMIT 1";
constexpr const char* kFindDialled =
    "SELECT conversation_id FROM messages WHERE channel_instance = $1 AND provider_ref = $2"
    " AND direction = 'out' LIMIT 1";
constexpr const char* kDialConversation =
    "SELECT id FROM conversations WHERE id = $1 AND channel_instance = $2";

int rank(std::string_view state) {
    if (state == "sent") return 1;
    if (state == "delivered") return 2;
    if (state == "read") return 3;
    return 0;  // queued, unknown
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool first(Result& receipt) { return receipt.affectedRows() > 0; }

class IngestBatchWrite final : public GroupWrite {
  public:
    IngestBatchWrite(InboundBatch batch, std::function<void(StoreResult<BatchIngested>)> done)
        : batch_(std::move(batch)), done_(std::move(done)) {}
    bool needsDirect() const override { return !batch_.messages.empty(); }
    // The messages one after the other; the updates of the conversations they join are left
    // for writes(), after the group has locked every conversation it updates in id order.
    void direct(Connection& db, GroupContext&) override {
        out_ = BatchIngested{};
        touches_.clear();
        InboundWriter writer(db);
        for (const auto& m : batch_.messages) out_.messages.push_back(writer.ingest(m, &touches_));
    }
    void conversationsUpdated(std::vector<std::int64_t>& ids) const override {
        for (const auto& t : touches_) ids.push_back(t.conversation_id);
    }
    // Receipts are inserted with the reads: whether each is the first tells what to write.
    // They see the messages direct() stored (the same transaction).
    void reads(Statements& s) override {
        const auto& instance = batch_.channel_instance;
        const auto now = routing::unixMillis(routing::Clock::now());
        edits_.clear();
        reports_.clear();
        contact_events_.clear();
        calls_.clear();
        for (const auto& e : batch_.edits) {
            Edit x;
            if (!e.provider_id.empty()) x.receipt = s.add(kReceipt, {instance, e.provider_id, now});
            x.find = s.add(kFindInboundRef,
                           {instance, e.provider_ref, routing::toString(e.channel), e.sender});
            edits_.push_back(x);
        }
        for (const auto& r : batch_.reports)
            reports_.push_back(s.add(kFindOutboundRef, {instance, r.provider_message_id}));
        for (const auto& e : batch_.contact_events) {
            contact_events_.push_back(
                e.provider_id.empty() ? -1 : s.add(kReceipt, {instance, e.provider_id, now}));
        }
        for (const auto& e : batch_.calls) {
            Call x;
            if (!e.provider_id.empty()) x.receipt = s.add(kReceipt, {instance, e.provider_id, now});
            x.call = s.add(kFindCall, {instance, e.call_id});
            x.dialled = s.add(kFindDialled, {instance, e.call_id});
            if (e.conversation_id > 0)
                x.named = s.add(kDialConversation, {e.conversation_id, instance});
            calls_.push_back(x);
        }
    }
    void writes(Statements& s, std::vector<Result>& r, GroupContext& ctx) override {
        if (batch_.messages.empty()) out_ = BatchIngested{};
        for (const auto& t : touches_) {
            auto [sql, params] = touchStatement(t);
            s.add(sql, std::move(params));
        }
        out_.deliveries.clear();
        out_.calls.clear();
        out_.edits_applied = out_.events_stored = 0;
        // The bytes of a new message's attachments (a repeat has them), where kept.
        for (const auto& c : batch_.attachment_contents) {
            if (c.message >= out_.messages.size() || out_.messages[c.message].duplicate) continue;
            const auto& attachments = batch_.messages[c.message].attachments;
            if (c.position < 1 || c.position > attachments.size() ||
                !attachments[c.position - 1].stored)
                continue;
            s.add(kInsertContent,
                  {out_.messages[c.message].message_id, static_cast<std::int64_t>(c.position),
                   static_cast<std::int64_t>(c.bytes.size()), channels::sha256Hex(c.bytes),
                   Param::bytea(c.bytes)});
        }
        for (std::size_t i = 0; i < batch_.edits.size(); ++i) {
            const auto& e = batch_.edits[i];
            if (edits_[i].receipt >= 0 && !first(r.at(edits_[i].receipt))) continue;
            Result& found = r.at(edits_[i].find);
            if (!found.next()) continue;  // a message from before ccd, or one it never stored
            const auto id = found.columnInt(0);
            const auto at = routing::unixMillis(e.edited_at);
            s.add(kEdit, {id, e.text, at});
            s.add(kEvent,
                  {found.columnInt(1), "message.edited", dump(json{{"message_id", id}}), at});
            ++out_.edits_applied;
        }
        // Reports arrive out of order (read before delivered): a state only moves forward, and
        // a failure counts unless the customer already has the message. Several reports of one
        // message in the batch: each sees the state the one before left.
        std::map<std::int64_t, std::string> state;
        for (std::size_t i = 0; i < batch_.reports.size(); ++i) {
            const auto& report = batch_.reports[i];
            Result& found = r.at(reports_[i]);
            if (!found.next()) continue;  // not ours, or long gone
            DeliveryChange c;
            c.message_id = found.columnInt(0);
            c.conversation_id = found.columnInt(1);
            auto known = state.find(c.message_id);
            std::string current = known != state.end()
                                      ? known->second
                                      : found.columnOptionalText(2).value_or("queued");
            c.author = found.columnText(3);
            std::string next(routing::toString(report.state));
            bool forward = report.state == routing::DeliveryState::Failed
                               ? rank(current) < rank("delivered") && current != "failed"
                               : rank(next) > rank(current) && current != "failed";
            if (!forward) continue;
            s.add(kSetDelivery, {c.message_id, next,
                                 report.reason.empty() ? Param(nullptr) : Param(report.reason),
                                 routing::unixMillis(report.at)});
            state[c.message_id] = next;
            c.state = report.state;
            c.reason = report.reason;
            out_.deliveries.push_back(std::move(c));
        }
        for (const auto& [key, value] : batch_.channel_state)
            s.add(kSaveState, {batch_.channel_instance, key, value, ctx.now_ms});
        for (std::size_t i = 0; i < batch_.contact_events.size(); ++i) {
            const auto& e = batch_.contact_events[i];
            if (contact_events_[i] >= 0 && !first(r.at(contact_events_[i]))) continue;
            json data{{"channel_instance", batch_.channel_instance}, {"address", e.from.id}};
            s.add(kEvent, {nullptr, "contact." + e.type, dump(data), routing::unixMillis(e.at)});
            ++out_.events_stored;
        }
        for (std::size_t i = 0; i < batch_.calls.size(); ++i) {
            const auto& e = batch_.calls[i];
            const Call& x = calls_[i];
            const bool is_first = x.receipt < 0 || first(r.at(x.receipt));
            std::optional<std::int64_t> conversation;
            for (int q : {x.call, x.dialled, x.named}) {
                if (q >= 0 && r.at(q).next()) {
                    conversation = r[q].columnInt(0);
                    break;
                }
            }
            out_.calls.push_back({conversation, !is_first});
            if (!is_first) continue;
            s.add(kEvent, {conversation ? Param(*conversation) : Param(nullptr), e.type,
                           e.data_json, routing::unixMillis(e.at)});
            ++out_.events_stored;
        }
    }
    void complete(const std::string& error) override {
        done_(error.empty() ? StoreResult<BatchIngested>::ok(std::move(out_))
                            : StoreResult<BatchIngested>::fail(error));
    }

  private:
    struct Edit {
        int receipt = -1, find = -1;
    };
    struct Call {
        int receipt = -1, call = -1, dialled = -1, named = -1;
    };
    InboundBatch batch_;
    BatchIngested out_;
    std::vector<ConversationTouch> touches_;  // of the messages direct() stored
    std::vector<Edit> edits_;
    std::vector<int> reports_, contact_events_;
    std::vector<Call> calls_;
    std::function<void(StoreResult<BatchIngested>)> done_;
};

}  // namespace

std::string batchUnsupported(const InboundBatch& b) {
    // Text PostgreSQL cannot store is refused here for the messages (pg_ingest); the rest of
    // a batch is checked by the server.
    for (std::size_t i = 0; i < b.messages.size(); ++i) {
        if (auto why = unstorableText(b.messages[i]); !why.empty())
            return "not stored: message " + std::to_string(i + 1) + ": " + why;
    }
    return {};
}

std::unique_ptr<GroupWrite> ingestBatchWrite(InboundBatch batch,
                                             std::function<void(StoreResult<BatchIngested>)> done) {
    return std::make_unique<IngestBatchWrite>(std::move(batch), std::move(done));
}

}  // namespace ccd::store::postgres
