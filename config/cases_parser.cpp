#include "config/cases_parser.hpp"

#include <algorithm>
#include <chrono>

namespace ccd::config {
namespace {

// A label from a name: "plan_proposed" -> "Plan proposed".
std::string readableName(const std::string& name) {
    std::string out = name;
    for (auto& ch : out) {
        if (ch == '_') ch = ' ';
    }
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}


using routing::CasesConfig;
using routing::CaseStageDef;
using routing::CaseTypeDef;
using routing::FollowUpPolicy;
using routing::RoutingConfig;

void addTemplate(RoutingConfig& out, const NodeRef& n, const std::string& id,
                 const std::string& file) {
    out.template_refs.push_back(routing::TemplateRef{id, file, n.line(), n.column(), n.path()});
}

// A template id (non-empty string), remembered for the catalog check.
std::optional<std::string> readTemplate(const NodeRef& n, RoutingConfig& out,
                                        const std::string& file) {
    auto id = n.nonEmptyString();
    if (id) addTemplate(out, n, *id, file);
    return id;
}

// A duration longer than 0.
std::optional<std::chrono::milliseconds> readPositive(const NodeRef& n) {
    auto d = n.duration();
    if (d && d->count() <= 0) {
        n.error("must be longer than 0");
        return std::nullopt;
    }
    return d;
}

// A word of lower-case letters, digits, '_' and '-' (a disposition).
bool isWord(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    });
}

// The items of a list of names with their nodes (a single string is a one-item list).
std::vector<std::pair<std::string, NodeRef>> namesOf(const NodeRef& n) {
    std::vector<std::pair<std::string, NodeRef>> out;
    if (!n.present()) return out;
    if (n.isScalar()) {
        if (auto s = n.nonEmptyString()) out.emplace_back(*s, n);
        return out;
    }
    if (!n.expectSequence()) return out;
    for (const auto& item : n.items()) {
        if (auto s = item.nonEmptyString()) out.emplace_back(*s, item);
    }
    return out;
}

void readWarranty(const NodeRef& n, CasesConfig& cases) {
    if (!n.present() || !n.expectMap({"months", "by_sku"})) return;
    if (auto m = n["months"].integer(1, 120)) cases.warranty_months = static_cast<int>(*m);
    auto by_sku = n["by_sku"];
    if (!by_sku.present() || !by_sku.expectNamedEntries()) return;
    for (const auto& [sku, months] : by_sku.entries()) {
        if (auto m = months.integer(1, 120))
            cases.warranty_months_by_sku[sku] = static_cast<int>(*m);
    }
}

void readTemplates(const NodeRef& n, RoutingConfig& out, const std::string& file) {
    if (!n.present() || !n.expectMap({"visit", "visit_changed", "quote"})) return;
    auto& cases = out.cases;
    if (auto id = readTemplate(n["visit"], out, file)) cases.visit_template = *id;
    if (auto id = readTemplate(n["visit_changed"], out, file)) cases.visit_changed_template = *id;
    if (auto id = readTemplate(n["quote"], out, file)) cases.quote_template = *id;
}

void readStages(const NodeRef& node, RoutingConfig& out, const std::string& file) {
    auto& cases = out.cases;
    if (!node.require() || !node.expectNamedEntries()) return;
    std::vector<std::pair<NodeRef, std::string>> next_refs;
    for (const auto& [name, s] : node.entries()) {
        s.expectMap({"label", "owner", "next", "needs_agreement", "terminal", "needs_summary",
                     "milestone", "within", "warn_at", "calendar", "notify"});
        CaseStageDef def;
        def.name = name;
        def.label = s["label"].nonEmptyString().value_or(readableName(name));
        if (auto owner = s["owner"].oneOf<std::string>({{"agent", "agent"},
                                                        {"engineer", "engineer"},
                                                        {"customer", "customer"},
                                                        {"supervisor", "supervisor"}}))
            def.owner = *owner;
        for (auto& [to, at] : namesOf(s["next"])) {
            if (std::find(def.next.begin(), def.next.end(), to) != def.next.end()) {
                at.error("\"" + to + "\" is listed twice");
                continue;
            }
            next_refs.emplace_back(at, to);
            def.next.push_back(to);
        }
        def.needs_agreement = s["needs_agreement"].boolean().value_or(false);
        def.terminal = s["terminal"].boolean().value_or(false);
        def.needs_summary = s["needs_summary"].boolean().value_or(false);
        if (def.terminal && !def.next.empty())
            s["next"].error("a terminal stage has no next stages");
        if (!def.terminal && s.isMap() && def.next.empty() &&
            (!s["next"].present() || s["next"].isSequence()))
            s.error("a stage that is not terminal needs `next` (or `terminal: true`)");
        if (auto m = s["milestone"].nonEmptyString()) def.milestone = *m;
        def.within = readPositive(s["within"]);
        if (auto warn = s["warn_at"].number(0.05, 0.99)) def.warn_fraction = *warn;
        if (auto cal = s["calendar"].nonEmptyString()) {
            if (!out.calendars.count(*cal))
                s["calendar"].error("no business_hours calendar named \"" + *cal + "\"");
            else
                def.calendar = *cal;
        }
        if (!s["within"].present()) {
            if (s["milestone"].present()) s["milestone"].error("a milestone needs `within`");
            if (s["calendar"].present()) s["calendar"].error("a calendar needs `within`");
            if (s["warn_at"].present()) s["warn_at"].error("a warning point needs `within`");
        } else if (def.terminal) {
            s["within"].error("a terminal stage has no clock");
        }
        if (auto id = readTemplate(s["notify"], out, file)) def.notify_template = *id;
        cases.stages.push_back(std::move(def));
    }
    for (const auto& [at, to] : next_refs) {
        if (!cases.stage(to)) at.error("no stage named \"" + to + "\"");
    }
    if (node.isMap() && !cases.stages.empty() &&
        std::none_of(cases.stages.begin(), cases.stages.end(),
                     [](const CaseStageDef& d) { return d.terminal; }))
        node.error("no terminal stage: mark where a case ends with `terminal: true`");
}

// A stage a case may start in; reports at `n` and returns false otherwise.
bool checkFirstStage(const NodeRef& n, const CasesConfig& cases, const std::string& name) {
    const CaseStageDef* stage = cases.stage(name);
    if (!stage) {
        n.error("no stage named \"" + name + "\"");
        return false;
    }
    if (stage->terminal) {
        n.error("a case cannot start in the terminal stage \"" + name + "\"");
        return false;
    }
    return true;
}

void readTypes(const NodeRef& node, CasesConfig& cases) {
    if (!node.require() || !node.expectNamedEntries()) return;
    for (const auto& [name, t] : node.entries()) {
        t.expectMap({"label", "complaint", "owner", "initial_stage"});
        CaseTypeDef def;
        def.name = name;
        def.label = t["label"].nonEmptyString().value_or(readableName(name));
        def.complaint = t["complaint"].boolean().value_or(false);
        // An agent account of agents.yaml (another file): not checked here.
        if (auto owner = t["owner"].nonEmptyString()) def.owner = *owner;
        if (auto first = t["initial_stage"].nonEmptyString()) {
            if (checkFirstStage(t["initial_stage"], cases, *first)) def.initial_stage = *first;
        }
        cases.types.push_back(std::move(def));
    }
    if (node.isMap() && cases.types.empty()) node.error("expected at least one case type");
}

void readFollowUp(const NodeRef& f, RoutingConfig& out, FollowUpPolicy& p) {
    const auto& cases = out.cases;
    f.expectMap({"name", "on", "types", "after", "kind", "queue", "priority", "max_attempts",
                 "retry_after"});
    if (f["name"].require()) p.name = f["name"].nonEmptyString().value_or("");
    if (f["on"].require()) {
        if (auto on = f["on"].nonEmptyString()) {
            const auto colon = on->find(':');
            const std::string what = on->substr(0, colon);
            const std::string arg = colon == std::string::npos ? "" : on->substr(colon + 1);
            if (what == "stage" && colon != std::string::npos) {
                if (cases.stage(arg))
                    p.on = *on;
                else
                    f["on"].error("no stage named \"" + arg + "\"");
            } else if (what == "resolved" && isWord(arg)) {
                p.on = *on;
            } else {
                f["on"].error("expected \"stage:<stage>\" or \"resolved:<disposition>\" (got \"" +
                              *on + "\")");
            }
        }
    }
    for (const auto& [type, at] : namesOf(f["types"])) {
        if (cases.type(type))
            p.types.insert(type);
        else
            at.error("no case type named \"" + type + "\"");
    }
    if (auto after = f["after"].duration()) {
        if (after->count() < 0)
            f["after"].error("must be 0 or longer");
        else
            p.after = *after;
    }
    if (auto kind = f["kind"].oneOf<std::string>(
            {{"voice", "voice"}, {"messaging", "messaging"}, {"email", "email"}}))
        p.kind = *kind;
    if (f["queue"].require()) {
        if (auto q = f["queue"].nonEmptyString()) {
            bool known = std::any_of(out.queues.begin(), out.queues.end(),
                                     [&](const routing::QueueDef& d) { return d.name == *q; });
            if (known)
                p.queue = *q;
            else
                f["queue"].error("no queue named \"" + *q + "\"");
        }
    }
    auto priority = f["priority"];
    if (auto s = priority.string()) {
        if (auto n = routing::priorityFromString(*s))
            p.priority = *n;
        else if (s->size() == 1 && (*s)[0] >= '1' && (*s)[0] <= '4')
            p.priority = (*s)[0] - '0';
        else
            priority.error("expected a priority P1, P2, P3 or P4 (got \"" + *s + "\")");
    }
    if (auto n = f["max_attempts"].integer(1, 10)) p.max_attempts = static_cast<int>(*n);
    if (auto d = readPositive(f["retry_after"])) p.retry_after = *d;
}

void readFollowUps(const NodeRef& node, RoutingConfig& out) {
    if (!node.present() || !node.expectSequence()) return;
    for (const auto& f : node.items()) {
        FollowUpPolicy p;
        readFollowUp(f, out, p);
        if (p.name.empty()) continue;
        bool duplicate = std::any_of(out.cases.follow_ups.begin(), out.cases.follow_ups.end(),
                                     [&](const FollowUpPolicy& q) { return q.name == p.name; });
        if (duplicate) {
            f["name"].error("duplicate follow-up name \"" + p.name + "\"");
            continue;
        }
        out.cases.follow_ups.push_back(std::move(p));
    }
}

}  // namespace

void readCases(const NodeRef& node, RoutingConfig& out, const std::string& file) {
    if (!node.present()) return;
    if (!node.expectMap({"warranty", "repeat_within", "currency", "account_manager_wait",
                         "templates", "initial_stage", "stages", "types", "follow_ups"}))
        return;
    auto& cases = out.cases;
    readWarranty(node["warranty"], cases);
    if (auto d = readPositive(node["repeat_within"])) cases.repeat_window = *d;
    if (auto cur = node["currency"].string()) {
        bool code = cur->size() == 3 && std::all_of(cur->begin(), cur->end(),
                                                    [](char ch) { return ch >= 'A' && ch <= 'Z'; });
        if (code)
            cases.currency = *cur;
        else
            node["currency"].error("expected an ISO 4217 code such as CNY (got \"" + *cur + "\")");
    }
    if (auto wait = node["account_manager_wait"].duration()) {
        if (wait->count() < 0 || *wait > std::chrono::hours(24))
            node["account_manager_wait"].error("expected a wait from 0s to 24h");
        else
            cases.account_manager_wait = *wait;
    }
    readTemplates(node["templates"], out, file);
    readStages(node["stages"], out, file);
    if (auto first = node["initial_stage"].nonEmptyString()) {
        if (checkFirstStage(node["initial_stage"], cases, *first)) cases.initial_stage = *first;
    } else if (!node["initial_stage"].present() && !cases.stages.empty() &&
               !cases.stage(cases.initial_stage)) {
        node.error("missing required key \"initial_stage\" (no stage named \"" +
                   cases.initial_stage + "\")");
    }
    readTypes(node["types"], cases);
    readFollowUps(node["follow_ups"], out);
}

}  // namespace ccd::config
