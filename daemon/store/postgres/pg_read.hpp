#pragma once
// Small helpers shared by the PostgreSQL store's free functions (pg_contacts, pg_cases,
// pg_audit, pg_api_keys, pg_contact_history): reads from one snapshot in one round trip, and
// parameters libpq has no type of its own for (arrays, optional integers). Used by one thread
// at a time, like the Connection they are given.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"

namespace ccd::store::postgres {

/// Whether a transaction is open on the connection (the writer's, or one a caller began).
inline bool inTransaction(Connection& db) {
    return PQtransactionStatus(db.handle()) != PQTRANS_IDLE;
}

/// Statements run in one round trip and from one snapshot: in the caller's transaction when
/// one is open (as SQLite's inReadSnapshot does), else in a REPEATABLE READ, READ ONLY
/// transaction of their own (in READ COMMITTED, each statement would take its own snapshot and
/// could see another node's commit that an earlier one did not).
class ReadPipeline {
  public:
    explicit ReadPipeline(Connection& db) : db_(db), own_(!inTransaction(db)) {
        if (own_) batch_.add("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    }
    ReadPipeline& add(std::string sql, std::vector<Param> params = {}) {
        batch_.add(std::move(sql), std::move(params));
        return *this;
    }
    /// For functions that append statements to a Batch (pg_profile's).
    Batch& batch() { return batch_; }
    /// One result per statement added, in order.
    std::vector<Result> run() {
        auto results = db_.pipeline(batch_, {own_, own_});
        if (own_) results.erase(results.begin());
        return results;
    }

  private:
    Connection& db_;
    bool own_;
    Batch batch_;
};

/// An int8 parameter, NULL when empty.
inline Param optionalInt(const std::optional<std::int64_t>& value) {
    return value ? Param(*value) : Param(nullptr);
}

/// A text parameter, NULL when empty.
inline Param textOrNull(const std::string& text) {
    return text.empty() ? Param(nullptr) : Param(std::string_view(text));
}

/// A PostgreSQL array literal of texts ('{"a","b",NULL}'), for a `$n::text[]` parameter:
/// each element quoted with its quotes and backslashes escaped; nullopt is NULL.
std::string textArray(const std::vector<std::optional<std::string>>& values);
/// The same for integers ('{1,2}'), for a `$n::bigint[]` parameter.
std::string intArray(const std::vector<std::int64_t>& values);
/// Parses a bigint[] column's text ('{1,2}'; NULL or '{}': none).
std::vector<std::int64_t> parseIntArray(const std::optional<std::string>& text);

}  // namespace ccd::store::postgres
