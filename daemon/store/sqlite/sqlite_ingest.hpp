#pragma once
// The inbound side of the SQLite store: a customer's message (deduplicated per channel
// instance, its contact found or created, joined to the open conversation or opening one), and
// the rest of a provider's request — edits, delivery reports on our messages, contact events.
// Used only on the writer thread, inside its open transaction.

#include "daemon/store/sqlite/sqlite_db.hpp"
#include "daemon/store/sqlite/sqlite_routing.hpp"
#include "daemon/store/store.hpp"

namespace ccd::store::sqlite {

/// Prepared statements on the writer connection; methods throw SqliteError.
class InboundWriter {
public:
    explicit InboundWriter(Connection& db);

    /// Stores one inbound message (see Store::ingest).
    IngestResult ingest(const routing::InboundMessage& message);
    /// Stores one provider request (see Store::ingestBatch).
    BatchIngested ingestBatch(const InboundBatch& batch, std::int64_t now_ms);

private:
    /// Records a provider id of something that is not a message; false for a repeat.
    bool firstReceipt(const std::string& instance, const std::string& provider_id,
                      std::int64_t now_ms);
    bool applyEdit(const std::string& instance, const channels::InboundEdit& edit);
    std::optional<DeliveryChange> applyReport(const std::string& instance,
                                              const channels::DeliveryReport& report);
    /// The open conversation of the instance that the message's thread keys name, if any.
    std::optional<std::int64_t> threadConversation(const routing::InboundMessage& m,
                                                   std::int64_t contact_id);
    void appendEvent(std::optional<std::int64_t> conversation, std::string_view type,
                     const std::string& data, std::int64_t at_ms);

    Connection& db_;
    Statement find_dup_, find_contact_, insert_contact_, insert_address_, update_contact_;
    Statement find_open_, insert_conversation_, touch_conversation_, insert_message_;
    Statement opened_event_, insert_event_, receipt_, find_inbound_ref_, edit_, find_outbound_ref_;
    Statement set_delivery_, thread_out_, thread_in_, ticket_, save_state_, insert_content_;
    Statement find_call_, find_dialled_, dial_conversation_;
    ContactProfileReader profiles_;
};

}  // namespace ccd::store::sqlite
