#pragma once
// Where agents' sign-in sessions (console tokens) are kept, so that a token outlives the process
// that issued it: a restart, or on PostgreSQL the standby that takes over, loads them
// (daemon/console/auth.hpp). A session is found by the SHA-256 of its token; the token itself is
// never stored. Kept apart from store.hpp so that the daemon's other users of the store do not
// depend on it.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"

namespace ccd::store {

/// One session as stored (table console_sessions).
struct SessionRow {
    std::string token_hash;  ///< SHA-256 of the token, lower-case hex
    std::string name;        ///< the account
    std::string role;        ///< "agent", "supervisor" or "admin", when it was written
    std::string token_id;    ///< the token's short id for logs
    /// A short hash of the account's password hash when the session began: a password changed
    /// while no ccd ran ends the session at the next start.
    std::string credential;
    std::int64_t expires_at_ms = 0;
    bool enrolment_only = false;  ///< may only enrol in MFA
    std::int64_t created_at_ms = 0;
};

/// Thread safety: as Store: any thread; `done` is called once, on a store thread.
class SessionStore {
  public:
    virtual ~SessionStore() = default;

    /// Inserts the rows, or replaces those whose token_hash is stored (a role changed, an MFA
    /// enrolment done), and deletes every session expired at `now_ms`, in one commit. `done`
    /// gets how many expired sessions went. With no rows, only sweeps.
    virtual void putSessions(std::vector<SessionRow> rows, std::int64_t now_ms,
                             std::function<void(StoreResult<std::size_t>)> done) = 0;
    /// Deletes the sessions of these token hashes (logout, revocations); `done` gets how many
    /// were stored.
    virtual void deleteSessions(std::vector<std::string> token_hashes,
                                std::function<void(StoreResult<std::size_t>)> done) = 0;
    /// Every session that has not expired at `now_ms`, oldest first.
    virtual void loadSessions(std::int64_t now_ms,
                              std::function<void(StoreResult<std::vector<SessionRow>>)> done) = 0;
};

}  // namespace ccd::store
