#include "daemon/store/postgres/pg_batch.hpp"

#include "channels/common/crypto.hpp"
#include "daemon/store/postgres/pg_ingest.hpp"

namespace ccd::store::postgres {
namespace {

constexpr const char* kSaveState =
    "INSERT INTO channel_state (channel_instance, key, value, updated_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (channel_instance, key) DO UPDATE SET value = excluded.value,"
    " updated_at = excluded.updated_at";
constexpr const char* kInsertContent =
    "INSERT INTO attachment_content (message_id, position, size, sha256, data)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

class IngestBatchWrite final : public GroupWrite {
  public:
    IngestBatchWrite(InboundBatch batch, std::function<void(StoreResult<BatchIngested>)> done)
        : batch_(std::move(batch)), done_(std::move(done)) {}
    bool needsDirect() const override { return !batch_.messages.empty(); }
    void direct(Connection& db, GroupContext&) override {
        out_ = BatchIngested{};
        InboundWriter writer(db);
        for (const auto& m : batch_.messages) out_.messages.push_back(writer.ingest(m));
    }
    void writes(Statements& s, std::vector<Result>&, GroupContext& ctx) override {
        if (batch_.messages.empty()) out_ = BatchIngested{};
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
        for (const auto& [key, value] : batch_.channel_state)
            s.add(kSaveState, {batch_.channel_instance, key, value, ctx.now_ms});
    }
    void complete(const std::string& error) override {
        done_(error.empty() ? StoreResult<BatchIngested>::ok(std::move(out_))
                            : StoreResult<BatchIngested>::fail(error));
    }

  private:
    InboundBatch batch_;
    BatchIngested out_;
    std::function<void(StoreResult<BatchIngested>)> done_;
};

}  // namespace

std::string batchUnsupported(const InboundBatch& b) {
    std::string what;
    auto add = [&](bool present, const char* name) {
        if (!present) return;
        if (!what.empty()) what += ", ";
        what += name;
    };
    add(!b.edits.empty(), "edits");
    add(!b.reports.empty(), "delivery reports");
    add(!b.contact_events.empty(), "contact events");
    add(!b.calls.empty(), "call steps");
    if (what.empty()) return {};
    return "not stored: " + what + " are not yet available on PostgreSQL";
}

std::unique_ptr<GroupWrite> ingestBatchWrite(InboundBatch batch,
                                             std::function<void(StoreResult<BatchIngested>)> done) {
    return std::make_unique<IngestBatchWrite>(std::move(batch), std::move(done));
}

}  // namespace ccd::store::postgres
