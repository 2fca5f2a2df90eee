// The template engine without files: compiling patterns, locales and their fallback chain,
// plurals, dates in the customer's time zone, channel variants, HTML escaping, and customer
// text that looks like template syntax.
#include "templates/catalog.hpp"

#define BOOST_TEST_MODULE templates_render_test
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "templates/locale_chain.hpp"
#include "templates/sample_context.hpp"

using namespace ccd::templates;
using ccd::routing::TimePoint;

namespace ccd::templates {
std::ostream& operator<<(std::ostream& os, Variant v) { return os << toString(v); }
}  // namespace ccd::templates

namespace {

Pattern P(const std::string& source) {
    std::vector<PatternIssue> issues;
    auto p = Pattern::compile(source, issues);
    if (!p) BOOST_FAIL("pattern did not compile: " + source + ": " + issues.at(0).message);
    return *p;
}

std::vector<PatternIssue> issuesOf(const std::string& source) {
    std::vector<PatternIssue> issues;
    BOOST_TEST(!Pattern::compile(source, issues).has_value());
    return issues;
}

// 2026-11-23T10:30:00Z
TimePoint due() { return TimePoint(std::chrono::seconds(1795429800)); }

LocalizedTemplate T(const std::string& text) {
    LocalizedTemplate t;
    t.description = "d";
    t.category = "c";
    t.text = P(text);
    return t;
}

std::shared_ptr<const Catalog> catalog() {
    std::map<std::string, Catalog::Templates> locales;
    auto& en = locales["en"];
    en["ack"] = T("Request #{ticket} received; we reply by {first_response_due, time, short}.");
    en["ack"].email_subject = P("Request #{ticket} received");
    en["ack"].email_html = P("<p>Hello {contact_name}, request <b>#{ticket}</b>.</p>");
    en["ack"].speech = P("Your request number is {ticket}.");
    en["queue"] = T(
        "{queue_position, plural, =1 {You are next.} other {You are number # in line.}} "
        "About {estimated_wait_minutes, plural, one {# minute} other {# minutes}}.");
    en["hello"] = T("Hello {contact_name}, this is {agent_name}.\nHow can I help?");
    auto& hans = locales["zh-Hans"];
    hans["ack"] = T("您的工单 #{ticket} 已受理，我们将在 {first_response_due, time, short} 前回复");
    hans["queue"] = T("您排在第 {queue_position} 位，预计等待 {estimated_wait_minutes} 分钟。");
    hans["hello"] = T("{contact_name}您好，我是{agent_name}。");
    auto& hant = locales["zh-Hant"];
    hant["ack"] = T("您的服務單 #{ticket} 已受理，我們將於 {first_response_due, time, short} 前回覆");
    hant["queue"] = T("您排在第 {queue_position} 位，預計等候 {estimated_wait_minutes} 分鐘。");
    hant["hello"] = T("{contact_name}您好，我是{agent_name}。");
    return std::make_shared<const Catalog>("en", std::move(locales));
}

Vars ackVars() { return {{"ticket", std::string("1042")}, {"first_response_due", due()}}; }

std::string text(const RenderResult& r) {
    BOOST_REQUIRE_MESSAGE(r.ok(), r.error);
    return r.value->text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fallback_chain) {
    using V = std::vector<std::string>;
    BOOST_TEST(localeFallbackChain("zh-Hant-TW") == (V{"zh-Hant-TW", "zh-Hant", "zh"}));
    BOOST_TEST(localeFallbackChain("zh-TW") == (V{"zh-TW", "zh-Hant-TW", "zh-Hant", "zh"}));
    BOOST_TEST(localeFallbackChain("zh_hk") == (V{"zh-HK", "zh-Hant-HK", "zh-Hant", "zh"}));
    BOOST_TEST(localeFallbackChain("zh") == (V{"zh", "zh-Hans"}));
    BOOST_TEST(localeFallbackChain("en-GB") == (V{"en-GB", "en"}));
    BOOST_TEST(localeFallbackChain("en_US.UTF-8") == (V{"en-US", "en"}));
    BOOST_TEST(localeFallbackChain("{ticket}").empty());

    auto c = catalog();
    BOOST_TEST(c->resolveLocale("zh-Hant-TW") == "zh-Hant");
    for (const char* tag : {"zh-TW", "zh-HK", "zh-MO", "zh-Hant", "ZH-hant-tw"})
        BOOST_TEST(c->resolveLocale(tag) == "zh-Hant", tag);
    for (const char* tag : {"zh-CN", "zh-SG", "zh", "zh-Hans-CN"})
        BOOST_TEST(c->resolveLocale(tag) == "zh-Hans", tag);
    BOOST_TEST(c->resolveLocale("en-GB") == "en");
    BOOST_TEST(c->resolveLocale("fr-FR") == "en");  // the default
    BOOST_TEST(c->resolveLocale("") == "en");
    BOOST_TEST(c->resolveLocale("not a tag!") == "en");
}

BOOST_AUTO_TEST_CASE(three_locales_with_time_zone) {
    auto c = catalog();
    // 10:30 UTC is 18:30 in Shanghai and Taipei, 05:30 in New York.
    BOOST_TEST(text(c->render("ack", "en", Variant::Text, ackVars(), "Asia/Shanghai")) ==
               "Request #1042 received; we reply by 6:30\u202fPM.");
    BOOST_TEST(text(c->render("ack", "en-GB", Variant::Text, ackVars(), "Europe/London")) ==
               "Request #1042 received; we reply by 10:30.");
    BOOST_TEST(text(c->render("ack", "en-US", Variant::Text, ackVars(), "America/New_York")) ==
               "Request #1042 received; we reply by 5:30\u202fAM.");
    BOOST_TEST(text(c->render("ack", "zh-CN", Variant::Text, ackVars(), "Asia/Shanghai")) ==
               "您的工单 #1042 已受理，我们将在 18:30 前回复");
    BOOST_TEST(text(c->render("ack", "zh-TW", Variant::Text, ackVars(), "Asia/Taipei")) ==
               "您的服務單 #1042 已受理，我們將於 下午6:30 前回覆");
    auto r = c->render("ack", "zh-HK", Variant::Text, ackVars(), "Asia/Hong_Kong");
    BOOST_TEST(r.value->locale == "zh-Hant");
    BOOST_TEST(text(r).find("6:30") != std::string::npos);
    // No time zone means UTC.
    BOOST_TEST(text(c->render("ack", "zh", Variant::Text, ackVars(), "")).find("10:30") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(plurals_and_numbers) {
    auto c = catalog();
    auto q = [&](std::int64_t pos, Value wait, const char* locale = "en") {
        Vars v{{"queue_position", pos}, {"estimated_wait_minutes", wait}};
        return text(c->render("queue", locale, Variant::Text, v, "UTC"));
    };
    BOOST_TEST(q(1, std::int64_t{1}) == "You are next. About 1 minute.");
    BOOST_TEST(q(3, std::int64_t{12}) == "You are number 3 in line. About 12 minutes.");
    BOOST_TEST(q(1200, std::int64_t{2}) == "You are number 1,200 in line. About 2 minutes.");
    // A duration is whole minutes, rounded up.
    BOOST_TEST(q(2, std::chrono::milliseconds(61000)) ==
               "You are number 2 in line. About 2 minutes.");
    BOOST_TEST(q(2, std::chrono::milliseconds(60000)) ==
               "You are number 2 in line. About 1 minute.");
    BOOST_TEST(q(2, 2.5) == "You are number 2 in line. About 2.5 minutes.");
    BOOST_TEST(q(4, std::int64_t{15}, "zh-Hans") == "您排在第 4 位，预计等待 15 分钟。");
}

BOOST_AUTO_TEST_CASE(variants_and_fallbacks) {
    auto c = catalog();
    Vars v = ackVars();
    v["contact_name"] = std::string("Ann");
    auto email = c->render("ack", "en", Variant::Email, v, "UTC");
    BOOST_REQUIRE(email.ok());
    BOOST_TEST(*email.value->subject == "Request #1042 received");
    BOOST_TEST(*email.value->html == "<p>Hello Ann, request <b>#1042</b>.</p>");
    BOOST_TEST(email.value->text == "Request #1042 received; we reply by 10:30\u202fAM.");
    BOOST_TEST(text(c->render("ack", "en", Variant::Speech, v, "UTC")) ==
               "Your request number is 1042.");
    // zh-Hans has no speech, subject or html: speech is the text, the subject its first line,
    // the html the escaped text.
    BOOST_TEST(text(c->render("ack", "zh-Hans", Variant::Speech, v, "UTC")) ==
               "您的工单 #1042 已受理，我们将在 10:30 前回复");
    Vars h{{"contact_name", std::string("A&B")}, {"agent_name", std::string("Mei")}};
    auto generated = c->render("hello", "en", Variant::Email, h, "UTC");
    BOOST_REQUIRE(generated.ok());
    BOOST_TEST(*generated.value->subject == "Hello A&B, this is Mei.");
    BOOST_TEST(*generated.value->html ==
               "<p>Hello A&amp;B, this is Mei.<br>\nHow can I help?</p>\n");
    BOOST_TEST(subjectFromText("\n  short  \nrest") == "short");
    std::string long_line(100, 'x');
    // No space in the second half: cut at 59 characters.
    BOOST_TEST(subjectFromText("word " + long_line) == "word " + std::string(54, 'x') + "…");
    BOOST_TEST(subjectFromText(std::string(30, 'a') + " " + std::string(40, 'b')) ==
               std::string(30, 'a') + "…");
}

BOOST_AUTO_TEST_CASE(html_escaping_of_values_only) {
    auto c = catalog();
    Vars v = ackVars();
    v["contact_name"] = std::string("<script>alert('x')</script> & \"co\"");
    auto r = c->render("ack", "en", Variant::Email, v, "UTC");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r.value->html ==
               "<p>Hello &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;, "
               "request <b>#1042</b>.</p>");
    // The plain text variants carry values unchanged.
    Vars h{{"contact_name", std::string("<b>Bo</b>")}, {"agent_name", std::string("Mei")}};
    BOOST_TEST(text(c->render("hello", "en", Variant::Text, h, "UTC")) ==
               "Hello <b>Bo</b>, this is Mei.\nHow can I help?");
}

BOOST_AUTO_TEST_CASE(customer_text_is_never_syntax) {
    auto c = catalog();
    for (std::string name : {"{ticket}", "'", "''", "'{ticket}'", "{", "}", "{0}", "#",
                             "{queue_position, plural, other {#}}", "'{'", "<script>x</script>"}) {
        Vars v{{"contact_name", name}, {"agent_name", std::string("{agent_name}")}};
        BOOST_TEST(text(c->render("hello", "en", Variant::Text, v, "UTC")) ==
                       "Hello " + name + ", this is {agent_name}.\nHow can I help?",
                   name);
        BOOST_TEST(text(c->render("hello", "zh-Hant", Variant::Text, v, "UTC")) ==
                   name + "您好，我是{agent_name}。");
    }
    Vars v = ackVars();
    v["ticket"] = std::string("{first_response_due, time, short}");
    BOOST_TEST(text(c->render("ack", "en", Variant::Text, v, "UTC")) ==
               "Request #{first_response_due, time, short} received; we reply by 10:30\u202fAM.");
}

BOOST_AUTO_TEST_CASE(render_errors_are_results) {
    auto c = catalog();
    auto r = c->render("nope", "en", Variant::Text, ackVars(), "UTC");
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.error.find("unknown template") != std::string::npos);
    r = c->render("ack", "en", Variant::Text, {{"ticket", std::string("1")}}, "UTC");
    BOOST_TEST(r.error.find("missing variable first_response_due") != std::string::npos);
    r = c->render("ack", "en", Variant::Text, ackVars(), "Mars/Olympus");
    BOOST_TEST(r.error.find("unknown time zone") != std::string::npos);
    Vars bad = ackVars();
    bad["first_response_due"] = std::string("tomorrow");
    r = c->render("ack", "en", Variant::Text, bad, "UTC");
    BOOST_TEST(r.error.find("must be a time") != std::string::npos);
    r = c->render("queue", "en", Variant::Text,
                  {{"queue_position", std::string("3")}, {"estimated_wait_minutes", 1.0}}, "UTC");
    BOOST_TEST(r.error.find("must be a number") != std::string::npos);
    // A number for a text variable is written as is.
    Vars num = ackVars();
    num["ticket"] = std::int64_t{10428};
    BOOST_TEST(text(c->render("ack", "en", Variant::Text, num, "UTC")).find("#10428 ") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(compile_errors) {
    auto one = [](const std::string& source) {
        auto issues = issuesOf(source);
        BOOST_REQUIRE(!issues.empty());
        return issues[0];
    };
    auto i = one("Hello {ticket");
    BOOST_TEST(i.message.find("unmatched") != std::string::npos, i.message);
    BOOST_TEST(i.offset.has_value());
    i = one("Hi {tickte}");
    BOOST_TEST(i.message == "unknown variable \"tickte\" (did you mean \"ticket\"?)");
    BOOST_TEST(*i.offset == 4u);
    i = one("你好 {customer}");
    BOOST_TEST(i.message.find("unknown variable \"customer\"") == 0u);
    BOOST_TEST(*i.offset == 4u);  // code points, not bytes
    BOOST_TEST(one("{0}").message.find("numbered argument") != std::string::npos);
    BOOST_TEST(one("{ticket, plural, other {#}}").message.find("string variable") !=
               std::string::npos);
    BOOST_TEST(one("{queue_position, select, other {x}}").message.find("number variable") !=
               std::string::npos);
    BOOST_TEST(one("{ticket, time, short}").message.find("string variable") != std::string::npos);
    BOOST_TEST(one("{plan_due, number}").message.find("time variable") != std::string::npos);
    BOOST_TEST(one("{ticket, bogus}").message.find("unknown argument type") != std::string::npos);
    BOOST_TEST(one("{queue_position, plural, one {#}}").message.find("other") !=
               std::string::npos);
    // Every problem of a pattern is reported, not just the first.
    BOOST_TEST(issuesOf("{a} {b} {ticket, plural, other {x}}").size() == 3u);
    BOOST_TEST(P("").variables().empty());
    BOOST_TEST(P("{ticket} {ticket} {agent_name}").variables() ==
               (std::vector<std::string>{"agent_name", "ticket"}));
}

BOOST_AUTO_TEST_CASE(time_styles_at_any_depth) {
    std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone("Asia/Shanghai"));
    auto fmt = [&](const std::string& pattern, const char* locale = "en") {
        std::string out, error;
        Vars v = ackVars();
        v["contact_tier"] = std::string("vip");
        UErrorCode status = U_ZERO_ERROR;
        auto loc = icu::Locale::forLanguageTag(locale, status);
        BOOST_REQUIRE_MESSAGE(P(pattern).format(loc, *tz, v, false, out, error), error);
        return out;
    };
    BOOST_TEST(fmt("{first_response_due, date, ::yyyyMMdd}") == "11/23/2026");
    BOOST_TEST(fmt("{first_response_due, time, HH:mm}") == "18:30");
    BOOST_TEST(fmt("{first_response_due, date, long}", "zh-Hans") == "2026年11月23日");
    // Inside a select, still in the customer's zone.
    BOOST_TEST(fmt("{contact_tier, select, vip {VIP by {first_response_due, time, HH:mm}} "
                   "other {by {first_response_due, time, HH:mm}}}") == "VIP by 18:30");
    // A bare instant is its date and time.
    BOOST_TEST(fmt("{first_response_due}") == "11/23/26, 6:30\u202fPM");
}

BOOST_AUTO_TEST_CASE(list_describes_templates) {
    auto c = catalog();
    auto list = c->list();
    BOOST_REQUIRE(list.size() == 3u);
    BOOST_TEST(list[0].id == "ack");
    BOOST_TEST(list[0].locales == (std::vector<std::string>{"en", "zh-Hans", "zh-Hant"}));
    BOOST_TEST(list[0].variants == (std::vector<Variant>{Variant::Text, Variant::Email,
                                                          Variant::Speech}));
    BOOST_TEST(list[0].variables ==
               (std::vector<std::string>{"contact_name", "first_response_due", "ticket"}));
    BOOST_TEST(c->has("queue"));
    BOOST_TEST(!c->has("nope"));
    BOOST_TEST((variantFor(ccd::routing::ChannelKind::Voice) == Variant::Speech));
    BOOST_TEST((variantFor(ccd::routing::ChannelKind::Email) == Variant::Email));
    BOOST_TEST((variantFor(ccd::routing::ChannelKind::Telegram) == Variant::Text));
}

BOOST_AUTO_TEST_CASE(catalog_preconditions) {
    std::map<std::string, Catalog::Templates> locales;
    locales["en"]["a"] = T("x");
    BOOST_CHECK_THROW(Catalog("fr", locales), std::invalid_argument);
    locales["zh-Hans"]["b"] = T("y");
    BOOST_CHECK_THROW(Catalog("en", locales), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(concurrent_rendering) {
    auto c = catalog();
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&c, &bad, t] {
            const char* zones[] = {"Asia/Shanghai", "UTC", "America/New_York", "Asia/Taipei"};
            const char* expect[] = {"6:30", "10:30", "5:30", "下午6:30"};
            const char* locales[] = {"en", "en", "en", "zh-TW"};
            for (int i = 0; i < 200; ++i) {
                auto r = c->render("ack", locales[t], Variant::Text, ackVars(), zones[t]);
                if (!r.ok() || r.value->text.find(expect[t]) == std::string::npos) ++bad;
            }
        });
    }
    for (auto& th : threads) th.join();
    BOOST_TEST(bad.load() == 0);
}
