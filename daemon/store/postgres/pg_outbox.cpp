#include "daemon/store/postgres/pg_outbox.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "daemon/store/outbox_rows.hpp"
#include "daemon/store/postgres/pg_node.hpp"

namespace ccd::store::postgres {
namespace {

using nlohmann::json;

// The customer's address: the conversation's reply address, else the contact's address on the
// conversation's channel; a call may go to the contact's phone.
#define CCD_ADDRESS                                                                        \
    "COALESCE(c.reply_address, (SELECT a.address FROM contact_addresses a"                 \
    " WHERE a.contact_id = c.contact_id AND a.channel = c.channel LIMIT 1),"               \
    " (SELECT k.phone FROM contacts k WHERE k.id = c.contact_id AND c.channel = 'voice')," \
    " '')"

// Due messages of the instance, oldest first, one per conversation at a time (a later message
// waits while an earlier one is pending or being sent), locked and marked `sending` by this node
// ($4) in one statement. SKIP LOCKED: a row another node is claiming right now is left to it;
// the rows after it in its conversation stay behind it (it is still `pending` in our snapshot).
// Nothing is claimed while this node is not alive to the others (pg_node.hpp): they would take
// the rows back at once. (The alive check is spliced in by claimSql().)
constexpr const char* kClaimDue =
    "WITH due AS (SELECT o.id FROM outbox o WHERE o.channel_instance = $1"
    " AND o.status = 'pending' AND o.next_attempt_at <= $2 AND NOT EXISTS (SELECT 1 FROM outbox p"
    " WHERE p.conversation_id = o.conversation_id AND p.id < o.id"
    " AND p.channel_instance = o.channel_instance AND p.status IN ('pending', 'sending'))"
    " AND $4 IN (";
constexpr const char* kClaimRest =
    ") ORDER BY o.next_attempt_at, o.id LIMIT $3 FOR UPDATE SKIP LOCKED),"
    " claimed AS (UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1,"
    " claimed_by = $4, claimed_at = $2 FROM due"
    " WHERE o.id = due.id AND o.status = 'pending' RETURNING o.*)"
    " SELECT o.id, o.message_id, o.conversation_id, o.payload, o.idempotency_key, o.attempts,"
    " o.kind, o.created_at, " CCD_ADDRESS
    ", c.last_inbound_at,"
    " i.provider_id, i.thread_refs, i.subject, s.provider_ref, s.subject"
    " FROM claimed o JOIN conversations c ON c.id = o.conversation_id"
    // What it answers: the customer's last message on this instance, else (a conversation
    // that continues by email) our last one sent.
    " LEFT JOIN LATERAL (SELECT provider_id, thread_refs, subject FROM messages"
    " WHERE conversation_id = o.conversation_id AND direction = 'in'"
    " AND channel_instance = o.channel_instance AND provider_id IS NOT NULL"
    " ORDER BY id DESC LIMIT 1) i ON true"
    " LEFT JOIN LATERAL (SELECT provider_ref, subject FROM messages"
    " WHERE conversation_id = o.conversation_id AND direction = 'out'"
    " AND channel_instance = o.channel_instance AND provider_ref IS NOT NULL"
    " ORDER BY id DESC LIMIT 1) s ON true"
    " ORDER BY o.next_attempt_at, o.id";
const std::string& claimSql() {
    static const std::string sql = kClaimDue + liveNodesSql() + kClaimRest;
    return sql;
}

// `sending` rows whose claim is over: put back to `pending`, claimed_by kept (the last claimer).
// A row no node claimed (left by a ccd from before claims were recorded) counts as one whose
// node is gone. SKIP LOCKED: a row being completed or put back by another node right now is
// left to it. `which` names the rows, with $1 this node. (No `$n IS NULL OR` for an optional
// filter: these statements are prepared, and a generic plan would not drop it.)
std::string putBackSql(const std::string& which) {
    return "WITH gone AS (SELECT o.id FROM outbox o WHERE o.status = 'sending' AND " + which +
           " FOR UPDATE OF o SKIP LOCKED)"
           " UPDATE outbox o SET status = 'pending' FROM gone WHERE o.id = gone.id";
}

// At start (resumeOutbox): this node's own rows too (an earlier life drew the same id).
const std::string& resumeSql() {
    static const std::string sql =
        putBackSql("(o.claimed_by IS NULL OR o.claimed_by = $1 OR o.claimed_by NOT IN (" +
                   liveNodesSql() + "))");
    return sql;
}

// While running (each claim of instance $2): never this node's own rows, which its sender is
// sending.
const std::string& sweepSql() {
    static const std::string sql = putBackSql(
        "o.channel_instance = $2 AND (o.claimed_by IS NULL OR (o.claimed_by <> $1"
        " AND o.claimed_by NOT IN (" +
        liveNodesSql() + ")))");
    return sql;
}

const std::string& aliveSql() {
    static const std::string sql = "SELECT $1 IN (" + liveNodesSql() + ")";
    return sql;
}

constexpr const char* kNextDue =
    "SELECT min(next_attempt_at) FROM outbox WHERE channel_instance = $1 AND status = 'pending'";

// The row of a finished send, locked until the outcome is committed, while this node's claim
// ($2) holds: once another node took the row back (this node was not alive to it), the outcome
// is not recorded, and the row stays the other node's.
constexpr const char* kFind =
    "SELECT o.message_id, o.conversation_id, m.author, o.kind, o.payload, o.attempts"
    " FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.id = $1"
    " AND o.status = 'sending' AND o.claimed_by = $2 FOR UPDATE OF o";
constexpr const char* kSentOutbox =
    "UPDATE outbox SET status = 'sent', sent_at = $2, provider_message_id = $3,"
    " last_error = NULL WHERE id = $1";
constexpr const char* kSentMessage =
    "UPDATE messages SET delivery = 'sent', delivery_at = $2,"
    " provider_ref = COALESCE($3::text, provider_ref)"
    " WHERE id = $1 AND COALESCE(delivery, 'queued') = 'queued'";
constexpr const char* kRetry =
    "UPDATE outbox SET status = 'pending', next_attempt_at = $2, last_error = $3 WHERE id = $1";
constexpr const char* kFailedOutbox =
    "UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1";
constexpr const char* kFailedMessage =
    "UPDATE messages SET delivery = 'failed', delivery_reason = $2, delivery_at = $3"
    " WHERE id = $1";
constexpr const char* kEvent =
    "INSERT INTO events (conversation_id, type, data, created_at) VALUES ($1, $2, $3, $4)";

std::vector<std::string> splitRefs(const std::string& refs) {
    std::vector<std::string> out;
    for (std::size_t at = 0; at < refs.size();) {
        auto space = refs.find(' ', at);
        if (space == std::string::npos) space = refs.size();
        if (space > at) out.push_back(refs.substr(at, space - at));
        at = space + 1;
    }
    return out;
}

OutboxItem itemFrom(Result& q, const std::string& instance) {
    OutboxItem item;
    item.outbox_id = q.columnInt(0);
    item.message_id = q.columnInt(1);
    item.conversation_id = q.columnInt(2);
    json payload = json::parse(q.columnText(3), nullptr, false);
    readOutboxPayload(payload, item);
    item.idempotency_key = q.columnText(4);
    item.attempt = static_cast<int>(q.columnInt(5));  // counted by the claim itself
    item.window_template = q.columnText(6) == "window_template";
    item.created_at_ms = q.columnInt(7);
    item.to = payload.is_object() ? stringMember(payload, "to").value_or(q.columnText(8))
                                  : q.columnText(8);
    if (!q.isNull(9)) item.last_inbound_at_ms = q.columnInt(9);
    if (!q.isNull(10)) {
        item.customer_message_id = q.columnText(10);
        item.customer_refs = splitRefs(q.columnOptionalText(11).value_or(""));
        item.customer_subject = q.columnOptionalText(12);
    } else if (!q.isNull(13)) {
        item.customer_message_id = q.columnText(13);
        item.customer_subject = q.columnOptionalText(14);
    }
    item.channel_instance = instance;
    return item;
}

// The instance's rows left `sending` by nodes that are gone are put back first, in the same
// transaction: the claim may take them at once.
class ClaimWrite final : public GroupWrite {
  public:
    ClaimWrite(std::string instance, std::size_t limit, std::int64_t now_ms, OutboxNode node,
               std::function<void(StoreResult<OutboxClaim>)> done)
        : instance_(std::move(instance)),
          limit_(limit),
          now_ms_(now_ms),
          node_(std::move(node)),
          done_(std::move(done)) {}
    void writes(Statements& s, std::vector<Result>&, GroupContext&) override {
        sweep_ = s.add(sweepSql(), {node_.id, instance_});
        s.add(claimSql(), {instance_, now_ms_, static_cast<std::int64_t>(limit_), node_.id});
        s.add(kNextDue, {instance_});
        s.add(aliveSql(), {node_.id});
    }
    void wrote(std::vector<Result>& second) override {
        claimed_ = OutboxClaim{};
        took_back_ = static_cast<std::size_t>(second.at(sweep_).affectedRows());
        Result& q = second.at(sweep_ + 1);
        while (q.next()) claimed_.items.push_back(itemFrom(q, instance_));
        Result& next = second.at(sweep_ + 2);
        if (next.next() && !next.isNull(0)) claimed_.next_due_ms = next.columnInt(0);
        Result& alive = second.at(sweep_ + 3);
        alive_ = alive.next() && alive.columnText(0) == "t";
    }
    void complete(const std::string& error) override {
        if (error.empty() && took_back_ > 0) {
            spdlog::warn(
                "store: {} outbound messages of {} were being sent by a node that is gone; they "
                "are sent again (a customer may get one of them twice)",
                took_back_, instance_);
            if (node_.took_back) node_.took_back->fetch_add(static_cast<std::int64_t>(took_back_));
        }
        // Rows claimed just before the session was lost are this node's to send all the same.
        if (error.empty() && !alive_ && claimed_.items.empty()) {
            done_(StoreResult<OutboxClaim>::fail(
                "node " + std::to_string(node_.id) +
                " is not alive to the other nodes (the session that shows it is lost): nothing "
                "claimed until it is back"));
            return;
        }
        done_(error.empty() ? StoreResult<OutboxClaim>::ok(std::move(claimed_))
                            : StoreResult<OutboxClaim>::fail(error));
    }

  private:
    std::string instance_;
    std::size_t limit_;
    std::int64_t now_ms_;
    OutboxNode node_;
    int sweep_ = -1;
    std::size_t took_back_ = 0;
    bool alive_ = true;
    OutboxClaim claimed_;
    std::function<void(StoreResult<OutboxClaim>)> done_;
};

class CompleteWrite final : public GroupWrite {
  public:
    CompleteWrite(std::vector<OutboxResult> results, std::int64_t node,
                  std::function<void(StoreResult<std::vector<DeliveryChange>>)> done)
        : results_(std::move(results)), node_(node), done_(std::move(done)) {}
    void reads(Statements& s) override {
        finds_.clear();
        for (const auto& r : results_) finds_.push_back(s.add(kFind, {r.outbox_id, node_}));
    }
    void writes(Statements& s, std::vector<Result>& first, GroupContext& ctx) override {
        changes_.clear();
        not_ours_.clear();
        const auto now = ctx.now_ms;
        for (std::size_t i = 0; i < results_.size(); ++i) {
            const auto& r = results_[i];
            Result& f = first.at(finds_[i]);
            if (!f.next()) {  // no longer ours (taken back, or erased): nothing to record
                not_ours_.push_back(r.outbox_id);
                continue;
            }
            DeliveryChange c;
            c.message_id = f.columnInt(0);
            c.conversation_id = f.columnInt(1);
            c.author = f.columnText(2);
            const bool dial = f.columnText(3) == "dial";
            const json payload =
                dial ? json::parse(f.columnText(4), nullptr, false) : json::object();
            const int attempts = static_cast<int>(f.columnInt(5));
            auto dialEvent = [&](const char* type, const std::string& call_id,
                                 const std::string& reason) {
                s.add(kEvent, {c.conversation_id, type,
                               dialEventJson(payload, call_id, attempts, reason), now});
            };
            const std::string fallback_call = "dial-" + std::to_string(c.message_id);
            std::optional<std::string> provider_id;
            if (!r.provider_message_id.empty()) provider_id = r.provider_message_id;
            switch (r.kind) {
                case OutboxResult::Kind::Sent:
                    s.add(kSentOutbox, {r.outbox_id, now, provider_id});
                    s.add(kSentMessage, {c.message_id, now, provider_id});
                    if (dial) dialEvent("call.dial", provider_id.value_or(fallback_call), {});
                    c.state = routing::DeliveryState::Sent;
                    changes_.push_back(std::move(c));
                    break;
                case OutboxResult::Kind::Retry:
                    s.add(kRetry, {r.outbox_id, r.next_attempt_ms, r.reason});
                    break;
                case OutboxResult::Kind::Failed:
                    s.add(kFailedOutbox, {r.outbox_id, r.reason});
                    s.add(kFailedMessage, {c.message_id, r.reason, now});
                    if (dial) dialEvent("call.dial_failed", fallback_call, r.reason);
                    c.state = routing::DeliveryState::Failed;
                    c.reason = r.reason;
                    changes_.push_back(std::move(c));
                    break;
            }
        }
    }
    void complete(const std::string& error) override {
        using R = StoreResult<std::vector<DeliveryChange>>;
        if (error.empty() && !not_ours_.empty()) {
            std::string ids;
            for (auto id : not_ours_) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
            spdlog::warn(
                "store: the outcome of {} sends not recorded (outbox {}): another node took them "
                "back while this node was not alive to it, or they were erased",
                not_ours_.size(), ids);
        }
        done_(error.empty() ? R::ok(std::move(changes_)) : R::fail(error));
    }

  private:
    std::vector<OutboxResult> results_;
    std::int64_t node_;
    std::vector<std::int64_t> not_ours_;
    std::vector<int> finds_;
    std::vector<DeliveryChange> changes_;
    std::function<void(StoreResult<std::vector<DeliveryChange>>)> done_;
};

class ResumeWrite final : public GroupWrite {
  public:
    ResumeWrite(std::int64_t node, std::function<void(StoreResult<std::size_t>)> done)
        : node_(node), done_(std::move(done)) {}
    void writes(Statements& s, std::vector<Result>&, GroupContext& ctx) override {
        at_ = s.add(resumeSql(), {node_});
        ++ctx.queued;  // they are due again: wake the senders
    }
    void wrote(std::vector<Result>& second) override {
        count_ = static_cast<std::size_t>(second.at(at_).affectedRows());
    }
    void complete(const std::string& error) override {
        done_(error.empty() ? StoreResult<std::size_t>::ok(count_)
                            : StoreResult<std::size_t>::fail(error));
    }

  private:
    std::int64_t node_;
    int at_ = -1;
    std::size_t count_ = 0;
    std::function<void(StoreResult<std::size_t>)> done_;
};

}  // namespace

std::unique_ptr<GroupWrite> claimWrite(std::string instance, std::size_t limit, std::int64_t now_ms,
                                       OutboxNode node,
                                       std::function<void(StoreResult<OutboxClaim>)> done) {
    return std::make_unique<ClaimWrite>(std::move(instance), limit, now_ms, std::move(node),
                                        std::move(done));
}

std::unique_ptr<GroupWrite> completeWrite(
    std::vector<OutboxResult> results, std::int64_t node,
    std::function<void(StoreResult<std::vector<DeliveryChange>>)> done) {
    return std::make_unique<CompleteWrite>(std::move(results), node, std::move(done));
}

std::unique_ptr<GroupWrite> resumeWrite(std::int64_t node,
                                        std::function<void(StoreResult<std::size_t>)> done) {
    return std::make_unique<ResumeWrite>(node, std::move(done));
}

std::map<std::string, OutboxCounts> readOutboxCounts(Connection& db) {
    std::map<std::string, OutboxCounts> out;
    Result q = db.query(
        "SELECT channel_instance, status, count(*) FROM outbox"
        " WHERE status IN ('pending', 'sending', 'failed') GROUP BY 1, 2");
    while (q.next()) {
        auto& c = out[q.columnText(0)];
        auto status = q.columnText(1);
        auto n = static_cast<std::size_t>(q.columnInt(2));
        if (status == "pending")
            c.pending = n;
        else if (status == "sending")
            c.sending = n;
        else
            c.failed = n;
    }
    return out;
}

std::map<std::string, std::string> readChannelState(Connection& db, const std::string& instance) {
    std::map<std::string, std::string> out;
    Result q =
        db.query("SELECT key, value FROM channel_state WHERE channel_instance = $1", {instance});
    while (q.next()) out.emplace(q.columnText(0), q.columnText(1));
    return out;
}

std::optional<DeliveryTarget> readDeliveryTarget(Connection& db, std::int64_t conversation_id) {
    Result q =
        db.query("SELECT c.channel_instance, " CCD_ADDRESS " FROM conversations c WHERE c.id = $1",
                 {conversation_id});
    if (!q.next()) return std::nullopt;
    return DeliveryTarget{q.columnText(0), q.columnText(1)};
}

}  // namespace ccd::store::postgres
