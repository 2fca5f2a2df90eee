#include "daemon/json_time.hpp"
#include "daemon/webchat/chat_mail.hpp"

#include <chrono>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>

#include "channels/common/crypto.hpp"
#include "templates/catalog.hpp"

namespace ccd::daemon::webchat {

using nlohmann::json;

namespace {

std::string lowerAscii(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// "yyyy-MM-dd HH:mm" in `zone` (UTC when ICU does not know it).
class MinuteFormat {
public:
    explicit MinuteFormat(const std::string& zone) {
        UErrorCode status = U_ZERO_ERROR;
        format_ = std::make_unique<icu::SimpleDateFormat>(icu::UnicodeString("yyyy-MM-dd HH:mm"),
                                                          icu::Locale::getRoot(), status);
        if (U_FAILURE(status)) {
            format_.reset();
            return;
        }
        std::unique_ptr<icu::TimeZone> tz(
            icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone)));
        if (*tz == icu::TimeZone::getUnknown()) tz.reset(icu::TimeZone::createTimeZone("UTC"));
        format_->adoptTimeZone(tz.release());
    }
    std::string operator()(std::int64_t ms) const {
        if (!format_) return std::to_string(ms);
        icu::UnicodeString out;
        format_->format(static_cast<UDate>(ms), out);
        std::string s;
        out.toUTF8String(s);
        return s;
    }

private:
    std::unique_ptr<icu::SimpleDateFormat> format_;
};

// Labels of the transcript, in the customer's language.
struct Labels {
    const char* customer;
    const char* service;
};

Labels labelsFor(const std::string& locale) {
    if (locale.rfind("zh-Hant", 0) == 0 || locale == "zh-TW" || locale == "zh-HK")
        return {"客戶", "客服"};
    if (locale.rfind("zh", 0) == 0) return {"客户", "客服"};
    return {"Customer", "Customer Service"};
}

}  // namespace

std::string formatTranscript(const store::ConversationRecord& c, const std::string& customer,
                             const std::string& service, const std::string& time_zone) {
    MinuteFormat when(time_zone);
    std::string out;
    for (const auto& m : c.messages) {
        if (m.template_id && *m.template_id == kTranscriptTemplate) continue;
        std::string who;
        if (m.direction == "in") who = customer;
        else if (m.author.rfind("agent:", 0) == 0) who = m.author.substr(6);
        else who = service;
        if (!out.empty()) out += "\n";
        out += when(m.created_at_ms) + "  " + who + "\n";
        if (!m.text.empty()) out += m.text + "\n";
        for (const auto& a : m.attachments)
            out += "[file] " + (a.file_name ? *a.file_name : a.kind) + "\n";
    }
    return out;
}

ChatMail::ChatMail(std::string email_instance, store::Store& store,
                   EmailTemplatesSource templates)
    : instance_(std::move(email_instance)), store_(store), templates_(std::move(templates)) {}

namespace {

// The template rendered for an email to the customer; nullopt (logged) when it cannot be.
std::optional<store::OutboundMessage> render(const EmailTemplates& t, const char* id,
                                             std::int64_t conversation, const std::string& locale,
                                             templates::Vars vars) {
    if (!t.catalog) {
        spdlog::error("webchat: no template catalog for {}", id);
        return std::nullopt;
    }
    vars["ticket"] = std::to_string(conversation);
    vars["company_name"] = std::string("Customer Service");
    auto r = t.catalog->render(id, locale, templates::Variant::Email, vars, t.time_zone);
    if (!r.ok()) {
        spdlog::error("webchat: template {} for conversation {}: {}", id, conversation, r.error);
        return std::nullopt;
    }
    store::OutboundMessage m;
    m.conversation_id = conversation;
    m.author = "auto";
    m.text = r.value->text;
    m.subject = r.value->subject;
    m.html = r.value->html;
    m.template_id = id;
    m.locale = r.value->locale;
    return m;
}

}  // namespace

void ChatMail::start(std::int64_t conversation, const std::string& address,
                     const std::string& locale, std::optional<std::string> customer_name,
                     std::function<void(std::string)> done) {
    if (!enabled()) return done("unavailable");
    auto to = lowerAscii(address);
    auto instance = instance_;
    auto& store = store_;
    templates_([=, &store, done = std::move(done)](EmailTemplates t) {
        templates::Vars vars;
        if (customer_name) vars["contact_name"] = *customer_name;
        auto m = render(t, kContinuationTemplate, conversation, locale, vars);
        if (!m) return done("template_error");
        // One confirmation per address: the same request again stores nothing new.
        m->idempotency_key = "chat_by_email:" + std::to_string(conversation) + ":" +
                             channels::sha256Hex(to).substr(0, 16);
        store::RoutingUpdate u;
        u.email_continuations.emplace_back(conversation, store::EmailRoute{instance, to});
        u.outbound.push_back(std::move(*m));
        u.events.push_back({conversation, "webchat.by_email", json{{"instance", instance}}.dump(),
                            nowUnixMillis()});
        store.applyRouting(std::move(u), [done](store::StoreResult<store::RoutingApplied> r) {
            done(r ? std::string() : std::string("store_unavailable"));
        });
    });
}

void ChatMail::stop(std::int64_t conversation, std::function<void(std::string)> done) {
    store::RoutingUpdate u;
    u.email_continuations.emplace_back(conversation, std::nullopt);
    u.events.push_back({conversation, "webchat.back_in_chat", "{}", nowUnixMillis()});
    store_.applyRouting(std::move(u), [done](store::StoreResult<store::RoutingApplied> r) {
        done(r ? std::string() : std::string("store_unavailable"));
    });
}

void ChatMail::transcript(std::int64_t conversation, const std::string& address,
                          const std::string& locale, std::optional<std::string> customer_name,
                          std::function<void(std::string)> done) {
    if (!enabled()) return done("unavailable");
    auto to = lowerAscii(address);
    auto instance = instance_;
    auto& store = store_;
    templates_([=, &store, done = std::move(done)](EmailTemplates t) {
        store.getConversation(conversation, [=, &store](
                                                store::StoreResult<std::optional<store::ConversationRecord>> r) {
            if (!r) return done("store_unavailable");
            if (!*r.value) return done("no_conversation");
            const auto& c = **r.value;
            auto labels = labelsFor(locale);
            templates::Vars vars;
            if (customer_name) vars["contact_name"] = *customer_name;
            vars["transcript"] = formatTranscript(c, customer_name.value_or(labels.customer),
                                                  labels.service, t.time_zone);
            auto m = render(t, kTranscriptTemplate, conversation, locale, vars);
            if (!m) return done("template_error");
            std::int64_t last = 0;  // what the transcript covers
            for (const auto& msg : c.messages)
                if (!msg.template_id || *msg.template_id != kTranscriptTemplate) last = msg.id;
            m->idempotency_key = "chat_transcript:" + std::to_string(conversation) + ":" +
                                 std::to_string(last) + ":" + channels::sha256Hex(to).substr(0, 16);
            m->email = store::EmailRoute{instance, to};
            store.appendOutbound(std::move(*m), [done](store::StoreResult<std::int64_t> s) {
                done(s ? std::string() : std::string("store_unavailable"));
            });
        });
    });
}

}  // namespace ccd::daemon::webchat
