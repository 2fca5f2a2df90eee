#include "routing/rules.hpp"

#include <algorithm>

#include <stdexcept>

#include <unicode/unistr.h>

#include "routing/business_hours.hpp"
#include "routing/classify/regex_set.hpp"
#include "routing/classify/term_matcher.hpp"

namespace ccd::routing {
namespace {

// A `safety:` or `urgency:` condition: any signal, none, or one of the named ones.
bool signalsMatch(const std::optional<bool>& any, const std::set<std::string>& named,
                  const std::vector<std::string>& found) {
    if (any && *any == found.empty()) return false;
    if (named.empty()) return true;
    return std::any_of(found.begin(), found.end(),
                       [&](const std::string& s) { return named.count(s) > 0; });
}

}  // namespace

std::optional<int> priorityFromString(std::string_view name) {
    if (name.size() == 2 && (name[0] == 'P' || name[0] == 'p') && name[1] >= '1' && name[1] <= '4')
        return name[1] - '0';
    return std::nullopt;
}

std::string priorityName(int priority) { return "P" + std::to_string(priority); }

RuleSet::RuleSet(std::vector<RuleDef> rules, const std::map<std::string, BusinessHours>* calendars,
                 std::string default_calendar,
                 const std::function<std::string(std::string_view)>& normalize)
    : rules_(std::move(rules)), calendars_(calendars), default_calendar_(std::move(default_calendar)) {
    std::vector<icu::UnicodeString> patterns;
    for (const auto& rule : rules_) {
        std::vector<std::size_t> ids;
        for (const auto& re : rule.when.regexes) {
            ids.push_back(patterns.size());
            patterns.push_back(icu::UnicodeString::fromUTF8(re));
        }
        regex_ids_.push_back(std::move(ids));
        if (rule.when.keywords.empty()) {
            keywords_.push_back(nullptr);
        } else {
            auto matcher = std::make_unique<TermMatcher>();
            for (const auto& k : rule.when.keywords) {
                auto n = normalize(k);
                if (!n.empty()) matcher->add(icu::UnicodeString::fromUTF8(n));
            }
            matcher->build();
            keywords_.push_back(std::move(matcher));
        }
        if (rule.when.business_hours) {
            const std::string& cal = rule.when.calendar.empty() ? default_calendar_ : rule.when.calendar;
            if (!calendars_ || !calendars_->count(cal))
                throw std::invalid_argument("rule \"" + rule.name +
                                            "\": no business_hours calendar \"" + cal + "\"");
        }
        has_waiting_rules_ |= rule.when.waiting_at_least.has_value();
    }
    regexes_ = std::make_unique<RegexSet>(patterns);  // throws std::invalid_argument
}

RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

bool RuleSet::matches(std::size_t index, const RuleInput& in) {
    const RuleCondition& w = rules_[index].when;
    const Classification& c = *in.classification;
    static const ContactProfile kNobody;
    const ContactProfile& contact = in.contact ? *in.contact : kNobody;

    if (!w.channels.empty() && !w.channels.count(in.channel)) return false;
    if (!w.channel_instances.empty()) {
        std::string instance(in.channel_instance.empty() ? toString(in.channel)
                                                         : in.channel_instance);
        if (!w.channel_instances.count(instance)) return false;
    }
    if (!w.categories.empty() && !w.categories.count(c.category)) return false;
    if (!w.subtypes.empty() && !w.subtypes.count(c.subtype)) return false;
    if (!w.languages.empty() && !w.languages.count(c.language)) return false;
    if (!w.sentiments.empty() && !w.sentiments.count(c.sentiment)) return false;
    if (!signalsMatch(w.safety, w.safety_signals, c.safety)) return false;
    if (!signalsMatch(w.urgency, w.urgency_signals, c.urgency)) return false;
    if (!w.tiers.empty() && !w.tiers.count(contact.tier)) return false;
    for (const auto& [key, values] : w.attributes) {
        const std::string* value = nullptr;
        if (in.attributes) {
            if (auto it = in.attributes->find(key); it != in.attributes->end()) value = &it->second;
        }
        if (!value) {
            auto it = contact.attributes.find(key);
            if (it == contact.attributes.end()) return false;
            value = &it->second;
        }
        if (!values.empty() && !values.count(*value) && !values.count("")) return false;
    }
    if (w.new_conversation && *w.new_conversation != in.new_conversation) return false;
    if (w.confidence_below && !(c.confidence < *w.confidence_below)) return false;
    if (w.waiting_at_least && in.waited < *w.waiting_at_least) return false;
    if (w.in_warranty && *w.in_warranty != anyInWarranty(contact, in.now)) return false;
    if (w.repeat_within) {
        bool recent = std::any_of(contact.cases.begin(), contact.cases.end(), [&](const CaseRef& r) {
            // A finished case (closed or cancelled): an open one is still being worked, the
            // customer writing about it again is no repeat.
            return !r.open && r.opened_at <= in.now && in.now - r.opened_at <= *w.repeat_within;
        });
        if (!recent) return false;
    }
    if (w.business_hours) {
        const std::string& cal = w.calendar.empty() ? default_calendar_ : w.calendar;
        bool open = calendars_->at(cal).isOpen(in.now);
        if (open != *w.business_hours) return false;
    }
    if (keywords_[index] || !regex_ids_[index].empty()) {
        // Text conditions: any keyword or any pattern.
        icu::UnicodeString text =
            icu::UnicodeString::fromUTF8(in.normalized_text ? *in.normalized_text : std::string());
        bool found = false;
        if (keywords_[index]) {
            std::vector<TermMatch> hits;
            keywords_[index]->findAll(text, hits);
            found = !hits.empty();
        }
        for (std::size_t id : regex_ids_[index]) {
            if (found) break;
            found = regexes_->find(id, text).has_value();
        }
        if (!found) return false;
    }
    return true;
}

RuleOutcome RuleSet::evaluate(const RuleInput& input, bool waiting_only) {
    RuleOutcome out;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const RuleDef& rule = rules_[i];
        if (waiting_only && !rule.when.waiting_at_least) continue;
        if (!matches(i, input)) continue;
        out.matched.push_back(rule.name);
        const RuleActions& a = rule.then;
        if (a.priority && !out.priority) out.priority = a.priority;
        if (a.queue && !out.queue) out.queue = a.queue;
        if (a.auto_reply && !out.auto_reply) out.auto_reply = a.auto_reply;
        if (a.sla && !out.sla) out.sla = a.sla;
        if (a.open_case && !out.open_case) {
            out.open_case = a.open_case;
            out.open_case_rule = rule.name;
        }
        if (a.prefer_agent && !out.prefer_agent) out.prefer_agent = a.prefer_agent;
        for (const auto& t : a.tags) {
            bool seen = false;
            for (const auto& have : out.tags) seen |= have == t;
            if (!seen) out.tags.push_back(t);
        }
        if (!rule.continue_after) break;
    }
    return out;
}

}  // namespace ccd::routing
