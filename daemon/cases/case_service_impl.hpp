#pragma once
// CaseService's state and steps (internal to daemon/cases/): case_service.cpp holds opening,
// changing and the engine's side; case_follow_ups.cpp the timer (stage clocks, due follow-ups)
// and the follow-ups' list.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <set>

#include "daemon/cases/case_json.hpp"
#include "daemon/cases/case_service.hpp"
#include "daemon/json_time.hpp"

namespace ccd::daemon::cases {

namespace asio = boost::asio;
using nlohmann::json;
using routing::ServiceCase;

inline CaseReply refused(int status, const std::string& code, const std::string& reason) {
    return {status, json{{"error", code}, {"reason", reason}}};
}

inline CaseReply unavailable(const std::string& why) {
    return refused(503, "store_unavailable", why);
}

struct CaseService::Impl : std::enable_shared_from_this<Impl> {
    explicit Impl(Deps d) : deps(std::move(d)), strand(asio::make_strand(deps.ioc)), timer(strand) {
        compile(deps.config);
    }

    Deps deps;
    asio::strand<asio::io_context::executor_type> strand;
    asio::steady_timer timer;
    routing::RoutingConfigPtr config;  // strand only
    std::map<std::string, routing::BusinessHours> calendars;
    bool stopped = false;
    bool polling = false;
    /// Follow-ups being turned into work (case, follow-up): not offered twice meanwhile.
    std::set<std::pair<std::int64_t, int>> offering;

    void compile(routing::RoutingConfigPtr next) {
        std::map<std::string, routing::BusinessHours> compiled;
        for (const auto& [name, cal] : next->calendars)
            compiled.emplace(name, routing::BusinessHours(cal));
        config = std::move(next);
        calendars = std::move(compiled);
    }

    routing::CaseRules rules() const { return {&config->cases, &calendars, &config->escalation}; }

    template <class F>
    void onStrand(F&& f) {
        asio::post(strand, std::forward<F>(f));
    }

    json render(const ServiceCase& c) const { return caseJson(c, &config->cases); }

    store::CaseRow row(const ServiceCase& c, std::int64_t version) const {
        store::CaseRow r;
        r.id = c.id;
        r.contact_id = c.contact_id;
        r.type = c.type;
        r.stage = c.stage;
        r.owner = c.owner;
        const auto* stage = config->cases.stage(c.stage);
        r.closed = stage && stage->terminal;
        if (c.product) {
            r.product_sku = c.product->sku;
            r.product_serial = c.product->serial;
        }
        if (auto next = routing::nextCaseWakeup(c)) r.next_wakeup_ms = routing::unixMillis(*next);
        r.conversations = c.conversations;
        r.body = caseBodyText(c);
        r.version = version;
        r.opened_at_ms = routing::unixMillis(c.opened_at);
        r.updated_at_ms = routing::unixMillis(c.updated_at);
        return r;
    }

    static bool parse(const store::CaseRow& r, ServiceCase& out) {
        json j = json::parse(r.body, nullptr, false);
        if (!caseFromJson(j, out)) return false;
        out.id = r.id;
        out.conversations = r.conversations;
        return true;
    }

    // ---- telling people ------------------------------------------------------------------

    void tell(const ServiceCase& c, const routing::CaseEffects& fx, const std::string& locale) {
        auto accounts = deps.accounts ? deps.accounts() : nullptr;
        if (auto n = caseNotified(c, fx, locale, accounts.get())) deps.engine.submit(std::move(*n));
    }

    // ---- opening ---------------------------------------------------------------------------

    // The contact and channel of a request, then the case.
    void open(OpenRequest req, std::string by, ReplyFn done);

    void openFor(std::int64_t contact_id, std::string channel, OpenRequest req, std::string by,
                 ReplyFn done);

    // `full_reply`: the reply carries the case as GET shows it; otherwise only its id (a case a
    // rule opens is answered to a log line, which reads the body only when it failed).
    void create(const store::CaseContact& contact, const std::string& channel,
                const OpenRequest& req, const std::string& by, const ReplyFn& done,
                bool full_reply = true);

    // ---- changing --------------------------------------------------------------------------

    void apply(std::int64_t id, routing::CaseCommand cmd, std::string by, ReplyFn done,
               int attempt = 0);

    // A visit names an engineer: an account with the skill `engineer` who serves the visit's
    // area (when both say one). Empty: fine.
    std::optional<CaseReply> checkEngineer(const routing::CaseCommand& cmd,
                                           const ServiceCase& c) const;

    void change(const store::CaseRow& stored, const routing::CaseCommand& cmd,
                const std::string& by, const ReplyFn& done, int attempt);

    // What a stored change sets off: notices, a follow-up's conversation resolved, a complaint.
    void after(const ServiceCase& c, const routing::CaseCommand& cmd, const std::string& by,
               const routing::CaseEffects& fx);

    // ---- the engine's side -----------------------------------------------------------------

    void onEngine(const EngineHost::Notification& n);

    // The agent who takes a conversation owns its open cases that nobody owns (a rule opened
    // them).
    void adopt(std::int64_t conversation, const std::string& agent);

    // "resolved:<disposition>": the conversation's cases take the trigger; a policy for a
    // conversation without a case opens one of its first type.
    void resolved(std::int64_t conversation, const std::string& agent,
                  const std::string& disposition);

    // ---- the timer ---------------------------------------------------------------------------

    void schedule();

    void poll();

    // A case that needs the timer: its clock, its due follow-ups.
    void due(const store::CaseRow& stored);

    // A due follow-up becomes work: the contact's conversation on the channel, queued.
    void offer(const ServiceCase& c, const routing::FollowUp& fu);
};

}  // namespace ccd::daemon::cases
