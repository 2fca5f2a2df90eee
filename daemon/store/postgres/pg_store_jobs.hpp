#pragma once
// PgStore's two ways of serving an operation, shared by pg_store.cpp and the files that serve
// each subject (pg_store_cases, pg_store_contacts, pg_store_privacy): a read on a reader
// thread (PgStore::readJob), and a write that calls one of the store's free functions inside
// the writer's group transaction (FunctionWrite). Included by PgStore's sources only.

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "daemon/store/postgres/pg_pool.hpp"
#include "daemon/store/postgres/pg_store.hpp"
#include "daemon/store/postgres/pg_write.hpp"

namespace ccd::store::postgres {

template <class T>
void PgStore::readJob(std::function<T(Connection&)> read,
                      std::function<void(StoreResult<T>)> done) {
    auto job = [this, read = std::move(read), done]() {
        StoreResult<T> result;
        // A read is safe to repeat: once more on a new connection when the first was lost
        // (the server restarted; the pool replaces the broken one).
        for (int attempt = 0; attempt < 2; ++attempt) {
            try {
                auto lease = pool_->acquire();
                result = StoreResult<T>::ok(read(*lease));
                break;
            } catch (const PgError& e) {
                result = StoreResult<T>::fail(std::string("read failed: ") + e.what());
                if (!e.connectionBroken()) break;
            } catch (const std::exception& e) {
                result = StoreResult<T>::fail(std::string("read failed: ") + e.what());
                break;
            }
        }
        done(std::move(result));
    };
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            read_queue_.push_back(std::move(job));
            read_cv_.notify_one();
            return;
        }
    }
    done(StoreResult<T>::fail("the store is shutting down"));
}

/// A write served by one of the store's free functions (pg_contacts, pg_cases, pg_audit,
/// pg_privacy, pg_retention), called in direct(): inside the group's open transaction, with
/// the group's time. It may run more than once (the group run again without another write that
/// failed): the function must start afresh each time. Its value is reported only once the
/// group committed; a throw fails this write alone (PgStore::runOthers), a lost connection the
/// group.
template <class T>
class FunctionWrite final : public GroupWrite {
  public:
    using Function = std::function<T(Connection&, std::int64_t now_ms)>;
    FunctionWrite(Function function, std::function<void(StoreResult<T>)> done)
        : function_(std::move(function)), done_(std::move(done)) {}
    bool needsDirect() const override { return true; }
    void direct(Connection& db, GroupContext& ctx) override {
        value_.reset();
        value_ = function_(db, ctx.now_ms);
    }
    void writes(Statements&, std::vector<Result>&, GroupContext&) override {}
    void complete(const std::string& error) override {
        if (!done_) return;
        if (!error.empty() || !value_) {
            done_(StoreResult<T>::fail(error.empty() ? "not stored" : error));
        } else {
            done_(StoreResult<T>::ok(std::move(*value_)));
        }
    }

  private:
    Function function_;
    std::optional<T> value_;
    std::function<void(StoreResult<T>)> done_;
};

template <class T>
std::unique_ptr<GroupWrite> functionWrite(typename FunctionWrite<T>::Function function,
                                          std::function<void(StoreResult<T>)> done) {
    return std::make_unique<FunctionWrite<T>>(std::move(function), std::move(done));
}

/// Runs `read` in a REPEATABLE READ, READ ONLY transaction of its own (reads of several
/// statements that must see one snapshot), rolled back if it throws.
template <class F>
auto inReadSnapshot(Connection& db, F&& read) -> decltype(read()) {
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    try {
        auto out = read();
        db.exec("COMMIT");
        return out;
    } catch (...) {
        if (!db.broken()) {
            try {
                db.exec("ROLLBACK");
            } catch (const std::exception&) {
            }
        }
        throw;
    }
}

}  // namespace ccd::store::postgres
