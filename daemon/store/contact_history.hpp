#pragma once
// A customer's archive (issue 13): their earlier conversations on every channel, their products,
// their service cases and a few counts, as an agent sees them beside an offer and
// GET /v1/contacts/{key}/history returns them. Plain data, read by Store::getContactHistory.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "routing/contact.hpp"

namespace ccd::store {

/// One earlier conversation of a contact, as the archive lists it.
struct HistoryConversation {
    std::int64_t id = 0;
    std::string channel;
    std::string channel_instance;
    std::string status;  ///< "open" or "closed"
    std::int64_t created_at_ms = 0;
    std::optional<std::int64_t> resolved_at_ms;  ///< when an agent resolved it
    std::optional<std::int64_t> closed_at_ms;
    std::optional<std::string> category;
    std::optional<std::string> subtype;  ///< of `category` ("leak"); nullopt: none
    std::optional<int> priority;
    std::optional<std::string> agent;        ///< the agent who held it last
    std::optional<std::string> disposition;  ///< the last resolve's or wrap-up's
    std::optional<int> rating;               ///< the satisfaction survey's answer, 1..5
    bool complaint = false;                  ///< classified `complaint` or tagged `complaint`
    /// The first customer message's email subject, else its text cut to 160 characters (with
    /// "…" when cut); nullopt when the customer wrote nothing (a call, an agent's first move).
    std::optional<std::string> subject;
};

/// How many of a contact's cases the archive lists.
inline constexpr std::size_t kHistoryCases = 20;

/// One of a contact's service cases (docs/cases.md), as the archive lists it.
struct HistoryCase {
    std::int64_t id = 0;
    std::string type;         ///< e.g. "repair", "complaint"
    std::string stage;        ///< e.g. "diagnosing", "closed"
    bool closed = false;      ///< in a terminal stage (closed or cancelled)
    std::string product_sku;  ///< empty: no product
    /// From the case's document: in warranty when it was opened (false when unreadable).
    bool in_warranty = false;
    std::optional<std::int64_t> repeat_of;  ///< an earlier case of the same product
    std::int64_t opened_at_ms = 0;
    std::int64_t updated_at_ms = 0;
};

/// Which contact's archive to read, and how much of it.
struct ContactHistoryQuery {
    std::optional<std::string> key;  ///< the contact's key (PUT /v1/contacts/{key}), or
    std::int64_t contact_id = 0;     ///< its id, when `key` is not set
    /// A conversation left out of the list and the counts (the one being offered).
    std::optional<std::int64_t> exclude_conversation;
    std::size_t limit = 20;  ///< the newest conversations listed
};

/// A contact's archive.
struct ContactHistory {
    std::int64_t contact_id = 0;
    std::optional<std::string> key;
    std::vector<routing::Product> products;          ///< in the order given
    std::vector<HistoryConversation> conversations;  ///< newest first, at most `limit`
    std::vector<HistoryCase> cases;                  ///< newest first, at most kHistoryCases
    // Over every conversation but the excluded one, not only those listed.
    std::size_t conversations_total = 0;
    std::size_t complaints = 0;
    std::size_t ratings = 0;
    std::int64_t rating_sum = 0;
    // Over every case of the contact, not only those listed.
    std::size_t cases_total = 0;
    std::size_t open_cases = 0;
};

}  // namespace ccd::store
