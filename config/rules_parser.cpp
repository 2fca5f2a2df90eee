#include "config/rules_parser.hpp"

#include <algorithm>

#include "routing/classify/regex_set.hpp"

namespace ccd::config {
namespace {

using routing::RoutingConfig;

std::optional<int> readPriority(const NodeRef& n) {
    auto s = n.string();
    if (!s) return std::nullopt;
    auto p = routing::priorityFromString(*s);
    if (!p) n.error("expected a priority P1, P2, P3 or P4 (got \"" + *s + "\")");
    return p;
}

// A scalar or a list of strings, each checked by `known` (empty message: fine).
std::set<std::string> readNames(const NodeRef& n,
                                const std::function<std::string(const std::string&)>& known) {
    std::set<std::string> out;
    if (!n.present()) return out;
    auto list = n.stringList();
    if (!list) return out;
    if (list->empty()) n.error("expected at least one value");
    std::size_t i = 0;
    for (const auto& v : *list) {
        std::string problem = known ? known(v) : std::string();
        if (!problem.empty()) {
            (n.isSequence() ? n[i] : n).error(problem);
        } else {
            out.insert(v);
        }
        ++i;
    }
    return out;
}

void addTemplateRef(RoutingConfig& out, const NodeRef& n, const std::string& id,
                    const std::string& file) {
    if (id == "none") return;
    out.template_refs.push_back(routing::TemplateRef{id, file, n.line(), n.column(), n.path()});
}

// `safety:` or `urgency:`: true (any signal), false (none), or signal names of that list.
void readSignalCondition(const NodeRef& n, const std::vector<routing::SafetySignalDef>& signals,
                         const std::string& kind, std::optional<bool>& any,
                         std::set<std::string>& named) {
    if (n.isScalar() && (n.raw().Scalar() == "true" || n.raw().Scalar() == "false")) {
        any = n.boolean();
    } else if (n.present()) {
        named = readNames(n, [&](const std::string& v) {
            bool ok = std::any_of(signals.begin(), signals.end(),
                                  [&](const routing::SafetySignalDef& d) { return d.name == v; });
            return ok ? std::string()
                      : "no " + kind + " signal named \"" + v + "\" in classification." + kind;
        });
    }
}

void readCondition(const NodeRef& w, routing::RuleCondition& c, RoutingConfig& out) {
    w.expectMap({"channel", "channel_instance", "category", "subtype", "language", "sentiment",
                 "safety",
                 "urgency", "tier", "attributes",
                 "keywords", "regex", "business_hours", "calendar", "in_warranty",
                 "new_conversation", "confidence_below", "waiting_at_least", "repeat_within"});
    for (const auto& name : readNames(w["channel"], [](const std::string& v) {
             return routing::channelKindFromString(v)
                        ? std::string()
                        : "unknown channel \"" + v +
                              "\" (api, webhook, email, webchat, telegram, whatsapp, wechat, voice)";
         })) {
        c.channels.insert(*routing::channelKindFromString(name));
    }
    // Instance names are checked against ccd.yaml's channels by the bundle (another file).
    auto instances = w["channel_instance"];
    c.channel_instances = readNames(instances, [&](const std::string& v) {
        auto list = instances.stringList();
        std::size_t i = 0;
        if (list && instances.isSequence())
            i = static_cast<std::size_t>(std::find(list->begin(), list->end(), v) - list->begin());
        NodeRef at = instances.isSequence() ? instances[i] : instances;
        out.channel_instance_refs.push_back(
            routing::TemplateRef{v, out.source_path, at.line(), at.column(), at.path()});
        return std::string();
    });
    const auto& cats = out.classification.categories;
    c.categories = readNames(w["category"], [&](const std::string& v) {
        bool ok = std::any_of(cats.begin(), cats.end(),
                              [&](const routing::CategoryDef& d) { return d.name == v; });
        return ok ? std::string() : "no category named \"" + v + "\" in classification.categories";
    });
    c.subtypes = readNames(w["subtype"], [&](const std::string& v) {
        for (const auto& d : cats) {
            for (const auto& s : d.subtypes) {
                if (s.name == v) return std::string();
            }
        }
        return "no subtype named \"" + v + "\" in classification.categories";
    });
    c.languages = readNames(w["language"], [](const std::string& v) {
        return (v == "en" || v == "zh-Hans" || v == "zh-Hant" || v == "und")
                   ? std::string()
                   : "unknown language \"" + v + "\" (en, zh-Hans, zh-Hant, und)";
    });
    for (const auto& s : readNames(w["sentiment"], [](const std::string& v) {
             return (v == "negative" || v == "neutral" || v == "positive")
                        ? std::string()
                        : "expected negative, neutral or positive (got \"" + v + "\")";
         })) {
        c.sentiments.insert(s == "negative"  ? routing::Sentiment::Negative
                            : s == "positive" ? routing::Sentiment::Positive
                                              : routing::Sentiment::Neutral);
    }
    readSignalCondition(w["safety"], out.classification.safety, "safety", c.safety,
                        c.safety_signals);
    readSignalCondition(w["urgency"], out.classification.urgency, "urgency", c.urgency,
                        c.urgency_signals);
    c.tiers = readNames(w["tier"], nullptr);
    NodeRef attrs = w["attributes"];
    if (attrs.present() && attrs.expectNamedEntries()) {
        for (const auto& [key, value] : attrs.entries()) {
            auto values = value.stringList();
            if (values) c.attributes[key] = {values->begin(), values->end()};
        }
    }
    if (auto k = w["keywords"].stringList()) c.keywords = *k;
    NodeRef regex = w["regex"];
    if (auto list = regex.stringList()) {
        std::size_t i = 0;
        for (const auto& re : *list) {
            if (auto problem = routing::regexError(re)) {
                (regex.isSequence() ? regex[i] : regex).error("invalid regular expression: " +
                                                              *problem);
            } else {
                c.regexes.push_back(re);
            }
            ++i;
        }
    }
    if (auto bh = w["business_hours"].oneOf<bool>({{"open", true}, {"closed", false}}))
        c.business_hours = *bh;
    if (auto cal = w["calendar"].nonEmptyString()) {
        if (!out.calendars.count(*cal)) {
            w["calendar"].error("no business_hours calendar named \"" + *cal + "\"");
        } else {
            c.calendar = *cal;
        }
    }
    if (c.business_hours && c.calendar.empty() && out.defaults.calendar.empty())
        w["business_hours"].error("needs a calendar: set `calendar` here or defaults.calendar");
    c.in_warranty = w["in_warranty"].boolean();
    c.new_conversation = w["new_conversation"].boolean();
    c.confidence_below = w["confidence_below"].number(0.0, 1.0);
    if (auto d = w["waiting_at_least"].duration()) {
        if (d->count() <= 0) {
            w["waiting_at_least"].error("must be longer than 0");
        } else {
            c.waiting_at_least = *d;
        }
    }
    if (auto d = w["repeat_within"].duration()) {
        if (d->count() <= 0) {
            w["repeat_within"].error("must be longer than 0");
        } else {
            c.repeat_within = *d;
        }
    }
}

void readActions(const NodeRef& t, routing::RuleActions& a, RoutingConfig& out,
                 const std::string& file) {
    t.expectMap({"priority", "queue", "tags", "auto_reply", "sla", "open_case", "prefer_agent"});
    a.priority = readPriority(t["priority"]);
    if (auto q = t["queue"].nonEmptyString()) {
        bool known = std::any_of(out.queues.begin(), out.queues.end(),
                                 [&](const routing::QueueDef& d) { return d.name == *q; });
        if (!known) {
            t["queue"].error("no queue named \"" + *q + "\"");
        } else {
            a.queue = *q;
        }
    }
    if (auto tags = t["tags"].stringList()) a.tags = *tags;
    if (auto r = t["auto_reply"].nonEmptyString()) {
        a.auto_reply = *r;
        addTemplateRef(out, t["auto_reply"], *r, file);
    }
    if (auto s = t["sla"].nonEmptyString()) {
        if (!out.sla_policies.count(*s)) {
            t["sla"].error("no SLA policy named \"" + *s + "\"");
        } else {
            a.sla = *s;
        }
    }
    // The `cases:` section is read before the rules.
    // `open_case: repair` or `open_case: {type: repair}`.
    // (No NodeRef assignment: assigning yaml-cpp nodes rewrites the document.)
    const bool open_case_map = t["open_case"].isMap();
    if (open_case_map) {
        t["open_case"].expectMap({"type"});
        if (!t["open_case"]["type"].present()) t["open_case"].error("needs a `type`");
    }
    const NodeRef open_case = open_case_map ? t["open_case"]["type"] : t["open_case"];
    if (auto type = open_case.nonEmptyString()) {
        if (!out.cases.type(*type)) {
            std::string known;
            for (const auto& d : out.cases.types) known += (known.empty() ? "" : ", ") + d.name;
            open_case.error("no case type named \"" + *type + "\" (" + known + ")");
        } else {
            a.open_case = *type;
        }
    }
    if (auto who = t["prefer_agent"].nonEmptyString()) {
        if (*who != "account_manager") {
            t["prefer_agent"].error("expected account_manager (got \"" + *who + "\")");
        } else {
            a.prefer_agent = *who;
        }
    }
}

std::optional<std::string> readTemplate(const NodeRef& n, RoutingConfig& out,
                                        const std::string& file) {
    auto id = n.nonEmptyString();
    if (!id) return std::nullopt;
    if (*id == "none") return std::nullopt;
    addTemplateRef(out, n, *id, file);
    return id;
}

}  // namespace

void readDefaults(const NodeRef& node, RoutingConfig& out) {
    auto& d = out.defaults;
    for (int p = 1; p <= 4; ++p) {
        if (out.sla_policies.count("p" + std::to_string(p)))
            d.sla_by_priority[p] = "p" + std::to_string(p);
    }
    if (!out.queues.empty()) {
        bool has_general = std::any_of(out.queues.begin(), out.queues.end(),
                                       [](const routing::QueueDef& q) { return q.name == "general"; });
        if (!has_general) d.queue = out.queues.front().name;
    }
    if (out.calendars.size() == 1) d.calendar = out.calendars.begin()->first;
    if (!node.present()) return;
    node.expectMap({"priority", "queue", "calendar", "sla"});
    if (auto p = readPriority(node["priority"])) d.priority = *p;
    if (auto q = node["queue"].nonEmptyString()) {
        bool known = std::any_of(out.queues.begin(), out.queues.end(),
                                 [&](const routing::QueueDef& def) { return def.name == *q; });
        if (!known) {
            node["queue"].error("no queue named \"" + *q + "\"");
        } else {
            d.queue = *q;
        }
    }
    if (auto c = node["calendar"].nonEmptyString()) {
        if (!out.calendars.count(*c)) {
            node["calendar"].error("no business_hours calendar named \"" + *c + "\"");
        } else {
            d.calendar = *c;
        }
    }
    NodeRef sla = node["sla"];
    if (sla.present() && sla.expectNamedEntries()) {
        for (const auto& [key, value] : sla.entries()) {
            auto p = routing::priorityFromString(key);
            if (!p) {
                value.error("expected a priority P1, P2, P3 or P4 as the key (got \"" + key + "\")");
                continue;
            }
            auto name = value.nonEmptyString();
            if (!name) continue;
            if (!out.sla_policies.count(*name)) {
                value.error("no SLA policy named \"" + *name + "\"");
                continue;
            }
            d.sla_by_priority[*p] = *name;
        }
    }
}

void readRules(const NodeRef& node, RoutingConfig& out, const std::string& file) {
    if (!node.present()) return;
    if (!node.expectSequence()) return;
    std::set<std::string> names;
    for (const auto& item : node.items()) {
        if (!item.expectMap({"name", "when", "then", "continue"})) continue;
        routing::RuleDef rule;
        if (item["name"].require()) {
            if (auto n = item["name"].nonEmptyString()) {
                rule.name = *n;
                if (!names.insert(*n).second) item["name"].error("duplicate rule name \"" + *n + "\"");
            }
        }
        if (item["when"].present()) readCondition(item["when"], rule.when, out);
        if (item["then"].require()) readActions(item["then"], rule.then, out, file);
        if (auto c = item["continue"].boolean()) rule.continue_after = *c;
        out.rules.push_back(std::move(rule));
    }
}

void readAutoReplies(const NodeRef& node, RoutingConfig& out, const std::string& file) {
    if (!node.present()) return;
    node.expectMap({"acknowledgement", "after_hours", "on_call", "safety", "self_service", "survey",
                    "sla_breach", "follow_up", "survey_window", "low_rating",
                    "per_contact_limit"});
    auto& p = out.auto_replies;
    p.on_new_conversation = readTemplate(node["acknowledgement"], out, file);
    p.after_hours = readTemplate(node["after_hours"], out, file);
    p.on_call = readTemplate(node["on_call"], out, file);
    p.safety = readTemplate(node["safety"], out, file);
    p.on_resolution = readTemplate(node["survey"], out, file);
    p.on_sla_breach = readTemplate(node["sla_breach"], out, file);
    NodeRef ss = node["self_service"];
    if (ss.present() && ss.expectNamedEntries()) {
        const auto& cats = out.classification.categories;
        for (const auto& entry : ss.entries()) {
            const std::string& category = entry.first;  // not a binding: the lambda captures it
            const NodeRef& tpl = entry.second;
            bool ok = std::any_of(cats.begin(), cats.end(),
                                  [&](const routing::CategoryDef& d) { return d.name == category; });
            if (!ok) {
                tpl.error("no category named \"" + category + "\" in classification.categories");
                continue;
            }
            if (auto id = readTemplate(tpl, out, file)) p.self_service[category] = *id;
        }
    }
    NodeRef fu = node["follow_up"];
    if (fu.present()) {
        fu.expectMap({"template", "after"});
        if (fu["template"].require()) p.follow_up = readTemplate(fu["template"], out, file);
        if (auto after = fu["after"].duration()) p.follow_up_after = *after;
    }
    if (auto w = node["survey_window"].duration()) p.survey_window = *w;
    if (p.follow_up && p.follow_up_after >= p.survey_window)
        fu["after"].error("the follow-up must come before the survey window (" +
                          std::string("survey_window") + ") ends");
    if (auto low = node["low_rating"].integer(1, 5)) p.low_rating = static_cast<int>(*low);
    NodeRef limit = node["per_contact_limit"];
    if (limit.present()) {
        limit.expectMap({"count", "per"});
        if (auto n = limit["count"].integer(1, 1000)) p.per_contact_limit = static_cast<int>(*n);
        if (auto per = limit["per"].duration()) p.per_contact_window = *per;
    }
}

void readEscalation(const NodeRef& node, RoutingConfig& out) {
    if (!node.present()) return;
    node.expectMap({"notify_on_warning", "notify_on_breach", "raise_priority_by", "breach_queue"});
    auto& e = out.escalation;
    if (auto b = node["notify_on_warning"].boolean()) e.notify_on_warning = *b;
    if (auto b = node["notify_on_breach"].boolean()) e.notify_on_breach = *b;
    if (auto n = node["raise_priority_by"].integer(0, 3)) e.raise_priority_by = static_cast<int>(*n);
    if (auto q = node["breach_queue"].nonEmptyString()) {
        bool known = std::any_of(out.queues.begin(), out.queues.end(),
                                 [&](const routing::QueueDef& d) { return d.name == *q; });
        if (!known) {
            node["breach_queue"].error("no queue named \"" + *q + "\"");
        } else {
            e.breach_queue = *q;
        }
    }
}

}  // namespace ccd::config
