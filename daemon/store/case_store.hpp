#pragma once
// Where service cases are kept. The store does not read a case: it keeps the daemon's JSON
// document of it (daemon/cases/case_json) with the columns it is found by, and bumps a version
// on every update so that two writers cannot lose each other's change.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"
#include "routing/contact.hpp"

namespace ccd::store {

/// One case as stored.
struct CaseRow {
    std::int64_t id = 0;  ///< 0 when inserting
    std::int64_t contact_id = 0;
    std::string type;
    std::string stage;
    std::string owner;  ///< empty: nobody
    bool closed = false;
    std::string product_sku;
    std::optional<std::string> product_serial;
    /// When the case needs the timer next (a follow-up due, a stage clock); none: never.
    std::optional<std::int64_t> next_wakeup_ms;
    std::vector<std::int64_t> conversations;  ///< linked conversations (found by them)
    std::string body;                         ///< the case document (JSON)
    std::int64_t version = 0;                 ///< read: the current one; update: expected
    std::int64_t opened_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

/// Which cases GET /v1/cases lists; every field set must hold. Newest first.
struct CaseListQuery {
    std::optional<std::int64_t> contact_id;
    std::optional<std::int64_t> conversation_id;
    std::optional<std::string> owner;
    bool open_only = false;
    /// Only cases with a follow-up still to do (scheduled or offered), closed ones included:
    /// follow-ups outlive closure.
    bool pending_follow_ups = false;
    std::size_t limit = 50;
};

/// What a case is opened for: the contact as routing sees it (products, earlier cases), its
/// key and name, and the channel instance it last wrote on.
struct CaseContact {
    routing::ContactProfile profile;
    std::optional<std::string> key;
    std::string last_channel;  ///< empty: never wrote
};

/// A follow-up's conversation: the contact's open one on `channel`, or a new one.
struct FollowUpConversationRequest {
    std::int64_t contact_id = 0;
    std::string channel;           ///< the channel kind ("telegram", "voice", ...)
    std::string channel_instance;  ///< the configured instance
    std::string locale;
};

/// Thread safety: as Store (callbacks on the store's threads).
class CaseStore {
  public:
    virtual ~CaseStore() = default;

    /// Inserts a case (row.id 0); `done` gets its id.
    virtual void insertCase(CaseRow row, std::function<void(StoreResult<std::int64_t>)> done) = 0;
    /// Replaces the case when its version is still row.version (and bumps it); `done` gets
    /// false when another writer changed it first (nothing written).
    virtual void updateCase(CaseRow row, std::function<void(StoreResult<bool>)> done) = 0;
    virtual void getCase(std::int64_t id,
                         std::function<void(StoreResult<std::optional<CaseRow>>)> done) = 0;
    virtual void listCases(CaseListQuery query,
                           std::function<void(StoreResult<std::vector<CaseRow>>)> done) = 0;
    /// Open cases whose next_wakeup is at or before `now_ms`, soonest first.
    virtual void dueCases(std::int64_t now_ms, std::size_t limit,
                          std::function<void(StoreResult<std::vector<CaseRow>>)> done) = 0;
    /// The earliest next_wakeup of any case.
    virtual void nextCaseWakeup(
        std::function<void(StoreResult<std::optional<std::int64_t>>)> done) = 0;
    /// The contact a case is opened for; nullopt when there is no such contact.
    virtual void caseContact(std::int64_t contact_id,
                             std::function<void(StoreResult<std::optional<CaseContact>>)> done) = 0;
    /// The conversation a due follow-up is worked in.
    virtual void followUpConversation(FollowUpConversationRequest request,
                                      std::function<void(StoreResult<std::int64_t>)> done) = 0;
};

}  // namespace ccd::store
