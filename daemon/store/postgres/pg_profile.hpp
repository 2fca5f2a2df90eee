#pragma once
// The contact as routing sees it (tier, locale, attributes, products, the agent who last served
// them, their cases), read from PostgreSQL as the SQLite store's ContactProfileReader reads it.
// The reads are statements appended to a pipeline (pg_db.hpp's Batch), so that ingesting a
// message reads its contact's profile in the round trip that writes the message.

#include <cstdint>
#include <vector>

#include "daemon/store/postgres/pg_db.hpp"
#include "routing/contact.hpp"

namespace ccd::store::postgres {

/// How many statements appendProfileReads adds.
inline constexpr int kProfileStatements = 4;

/// Appends the reads of the profile of the contact that (channel, address) names in
/// contact_addresses (statements after a write in the same pipeline see it: a contact created
/// by an earlier statement is found).
void appendProfileReads(Batch& batch, std::string_view channel, std::string_view address);

/// The same reads for the contact with this id.
void appendProfileReads(Batch& batch, std::int64_t contact_id);

/// The profile from the kProfileStatements results appendProfileReads' statements returned,
/// starting at `first`.
routing::ContactProfile profileFromResults(std::int64_t contact_id, std::vector<Result>& results,
                                           std::size_t first);

}  // namespace ccd::store::postgres
