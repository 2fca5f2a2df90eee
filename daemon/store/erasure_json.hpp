#pragma once
// What an erasure touched, as JSON: for the audit log's detail (written by the store) and the
// answer of DELETE /v1/contacts/{key} and `ccd contacts erase`.

#include <nlohmann/json.hpp>

#include "daemon/store/store.hpp"

namespace ccd::store {

/// {"contacts": n, "addresses": n, "products": n, "conversations": n, "messages": n,
///  "attachments": n, "outbox": n, "events": n}
inline nlohmann::json erasureCountsJson(const ErasureCounts& c) {
    return {{"contacts", c.contacts},   {"addresses", c.addresses},
            {"products", c.products},   {"conversations", c.conversations},
            {"messages", c.messages},   {"attachments", c.attachments},
            {"outbox", c.outbox},       {"events", c.events}};
}

}  // namespace ccd::store
