#pragma once
// One write of the PostgreSQL store's group commit (PgStore's writer thread). A group of writes
// costs two round trips whatever its size: the first pipeline carries BEGIN and every write's
// reads, the second every write's statements (decided from what the reads found; they may read
// back what they wrote) and COMMIT. Used on the writer thread only.

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// Statements of one pipeline, each with the write it belongs to.
class Statements {
  public:
    /// Appends a statement of the current owner; returns its position in the pipeline.
    int add(std::string sql, std::vector<Param> params = {}) {
        items_.push_back({std::move(sql), std::move(params), owner_});
        return static_cast<int>(items_.size() - 1);
    }
    void setOwner(std::size_t owner) { owner_ = owner; }
    std::size_t owner(int statement) const {
        return items_.at(static_cast<std::size_t>(statement)).owner;
    }
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    /// Drops the statements from position `n` on (a write refused while adding its own).
    void truncate(std::size_t n) { items_.resize(n); }
    Batch batch() const {
        Batch b;
        for (const auto& i : items_) b.add(i.sql, i.params);
        return b;
    }

  private:
    struct Item {
        std::string sql;
        std::vector<Param> params;
        std::size_t owner;
    };
    std::vector<Item> items_;
    std::size_t owner_ = 0;
};

/// What the writes of one group share while their statements are built.
struct GroupContext {
    std::int64_t now_ms = 0;
    /// Idempotency keys of outbound messages inserted by earlier writes of the group: a repeat
    /// reads the first one's message id back instead of inserting.
    std::set<std::string> outbox_keys;
    std::size_t queued = 0;  ///< outbox entries queued for sending by the group
};

/// A write that cannot be stored (a message for a conversation that does not exist); thrown by
/// GroupWrite::writes before any of its statements runs: it fails alone.
class WriteRefused : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// One write of a group. The group may be run more than once (without a write that failed):
/// reads() starts each run afresh. Every method runs on the writer thread.
class GroupWrite {
  public:
    virtual ~GroupWrite() = default;
    /// True for a write that needs round trips of its own inside the transaction (direct()).
    virtual bool needsDirect() const { return false; }
    /// Runs inside the group's open transaction, before the pipelines. Throws to fail.
    virtual void direct(Connection&, GroupContext&) {}
    /// Appends the reads whose results writes() needs.
    virtual void reads(Statements&) {}
    /// Appends the write's statements, decided from `first` (the first pipeline's results).
    /// Throws WriteRefused (nothing appended is kept) when it cannot be stored.
    virtual void writes(Statements& out, std::vector<Result>& first, GroupContext& ctx) = 0;
    /// Appends the conversations whose rows writes() updates: the group locks them all first,
    /// in the order of their ids (see PgStore::runOthers).
    virtual void conversationsUpdated(std::vector<std::int64_t>& /*ids*/) const {}
    /// After COMMIT: what the statements returned (`second`, the second pipeline's results).
    virtual void wrote(std::vector<Result>& /*second*/) {}
    /// After wrote(), on the writer's connection outside any transaction: reads of its own
    /// (applyRouting's customer history). A throw is the write's to handle: it stays stored.
    virtual void readAfter(Connection&) {}
    /// Called once, after the group ended: `error` empty when the write is committed.
    virtual void complete(const std::string& error) = 0;
};

}  // namespace ccd::store::postgres
