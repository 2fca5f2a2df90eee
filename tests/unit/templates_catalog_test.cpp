// The catalog files: YAML to a Catalog with every problem at file:line:column, and the shipped
// catalog (templates/default/) loading and rendering every template in every locale and variant.
#include "config/template_catalog_parser.hpp"

#define BOOST_TEST_MODULE templates_catalog_test
#include <boost/test/unit_test.hpp>

#include "templates/sample_context.hpp"

using namespace ccd;
using config::ConfigError;
using config::TemplateFile;

namespace {

const std::string kEn = R"(templates:
  ack:
    description: Acknowledgement
    category: acknowledgement
    text: "Request #{ticket} received."
)";
const std::string kZh = R"(templates:
  ack:
    description: 受理确认
    category: acknowledgement
    text: "工单 #{ticket} 已受理。"
)";

std::vector<config::ConfigIssue> problems(const std::vector<TemplateFile>& files,
                                          const std::string& default_locale = "en") {
    try {
        config::parseTemplateCatalog(files, default_locale);
    } catch (const ConfigError& e) {
        return e.issues();
    }
    BOOST_FAIL("expected a ConfigError");
    return {};
}

std::string all(const std::vector<config::ConfigIssue>& issues) {
    std::string out;
    for (const auto& i : issues) out += i.format() + "\n";
    return out;
}

bool has(const std::vector<config::ConfigIssue>& issues, const std::string& formatted) {
    for (const auto& i : issues)
        if (i.format() == formatted) return true;
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_catalog) {
    auto c = config::parseTemplateCatalog({{"t/en.yaml", kEn}, {"t/zh-Hans.yaml", kZh}}, "en");
    BOOST_TEST(c->size() == 1u);
    BOOST_TEST(c->resolveLocale("zh-SG") == "zh-Hans");
    auto r = c->render("ack", "zh-CN", templates::Variant::Text,
                       {{"ticket", std::string("7")}}, "UTC");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r.value->text == "工单 #7 已受理。");
}

BOOST_AUTO_TEST_CASE(syntax_error_position_in_quoted_scalar) {
    std::string en = kEn;
    en.replace(en.find("\"Request #{ticket} received.\""), 29, "\"Request #{ticket received.\"");
    auto issues = problems({{"t/en.yaml", en}});
    BOOST_REQUIRE(issues.size() == 1u);
    // The scalar starts at column 11; ICU points at the argument name (column 22).
    BOOST_TEST(all(issues) ==
               "t/en.yaml:5:22: templates.ack.text: syntax error near \"ticket recei...\"\n");
}

BOOST_AUTO_TEST_CASE(unknown_variable_positions) {
    std::string en = R"(templates:
  ack:
    description: Acknowledgement
    category: acknowledgement
    text: Hi {contact_nam}, request #{ticket}.
    email:
      subject: '''Quoted'' {tickt}'
      html: |-
        <p>Hello</p>
        <p>Your {agent} is here</p>
    speech: >-
      folded {sla}
)";
    auto issues = problems({{"t/en.yaml", en}});
    BOOST_TEST(issues.size() == 4u, all(issues));
    BOOST_TEST(has(issues, "t/en.yaml:5:15: templates.ack.text: unknown variable \"contact_nam\" "
                           "(did you mean \"contact_name\"?)"),
               all(issues));
    BOOST_TEST(has(issues, "t/en.yaml:7:29: templates.ack.email.subject: unknown variable "
                           "\"tickt\" (did you mean \"ticket\"?)"),
               all(issues));
    BOOST_TEST(has(issues, "t/en.yaml:10:18: templates.ack.email.html: unknown variable "
                           "\"agent\" (see docs/templates.md for the variables)"),
               all(issues));
    // A folded scalar cannot be mapped back exactly: its position plus the offset.
    BOOST_TEST(has(issues, "t/en.yaml:11:13: templates.ack.speech: unknown variable \"sla\" "
                           "(see docs/templates.md for the variables) (character 9 of the "
                           "pattern)"),
               all(issues));
}

BOOST_AUTO_TEST_CASE(type_misuse_and_unknown_keys) {
    std::string en = R"(templates:
  ack:
    description: Acknowledgement
    category: acknowledgement
    text: "{ticket, plural, other {#}}"
    speach: "x"
  Bad-Id:
    description: x
    category: y
    text: z
)";
    auto issues = problems({{"t/en.yaml", en}});
    std::string text = all(issues);
    BOOST_TEST(text.find("t/en.yaml:5:13: templates.ack.text: \"ticket\" is a string variable") !=
                   std::string::npos,
               text);
    BOOST_TEST(text.find("t/en.yaml:6:5: templates.ack.speach: unknown key") != std::string::npos,
               text);
    BOOST_TEST(text.find("templates.Bad-Id: template ids are lower case") != std::string::npos,
               text);
}

BOOST_AUTO_TEST_CASE(missing_template_in_a_locale) {
    std::string zh = R"(templates:
  other:
    description: 其他
    category: x
    text: "好"
)";
    std::string en = kEn + R"(  other:
    description: Other
    category: y
    text: "ok"
)";
    auto issues = problems({{"t/en.yaml", en}, {"t/zh-Hans.yaml", zh}});
    std::string text = all(issues);
    BOOST_TEST(has(issues, "t/zh-Hans.yaml:2:3: templates: template \"ack\" is missing in "
                           "zh-Hans (present in en)"),
               text);
    BOOST_TEST(has(issues, "t/zh-Hans.yaml:4:15: templates.other.category: category \"x\" "
                           "differs from \"y\" in en"),
               text);
}

BOOST_AUTO_TEST_CASE(files_and_default_locale) {
    auto issues = problems({{"t/zh-Hans.yaml", kZh}});
    BOOST_TEST(all(issues).find("no catalog file for the default locale en") != std::string::npos);
    issues = problems({{"t/en.yaml", kEn}, {"t/zh-hans.yaml", kZh}});
    BOOST_TEST(all(issues).find("t/zh-hans.yaml: the file name must be a language tag") ==
                   0u,
               all(issues));
    BOOST_TEST(all(issues).find("write it as zh-Hans.yaml") != std::string::npos);
    issues = problems({{"t/en.yaml", "templates: [1, 2"}});
    BOOST_TEST(all(issues).find("t/en.yaml:") == 0u, all(issues));
    issues = problems({{"t/en.yaml", ""}});
    BOOST_TEST(all(issues).find("empty catalog file") != std::string::npos, all(issues));
    BOOST_CHECK_THROW(config::loadTemplateCatalog("/nonexistent/templates", "en"), ConfigError);
}

BOOST_AUTO_TEST_CASE(shipped_catalog_renders_everything) {
    auto c = config::loadTemplateCatalog(CCD_SOURCE_DIR "/templates/default", "en");
    BOOST_TEST(c->locales() == (std::vector<std::string>{"en", "zh-Hans", "zh-Hant"}));
    for (const char* id :
         {"ack", "after_hours", "queue_position", "agent_joined", "self_service_usage",
          "self_service_return_policy", "self_service_warranty", "survey", "follow_up",
          "sla_breach_apology", "ack_safety", "voice_greeting", "voice_ivr_menu",
          "voice_queue_announcement", "voicemail_prompt", "voice_queue_voicemail",
          "chat_by_email", "chat_transcript",
          "ack_on_call", "case_visit_booked", "case_visit_changed", "case_quote",
          "case_plan_proposed", "case_repaired"})
        BOOST_TEST(c->has(id), id);
    auto vars = templates::sampleContext(routing::TimePoint(std::chrono::seconds(1795429800)));
    int rendered = 0;
    for (const auto& info : c->list()) {
        BOOST_TEST(!info.description.empty());
        BOOST_TEST(!info.category.empty());
        if (info.id.rfind("self_service_", 0) == 0) BOOST_TEST(info.category == "self_service");
        for (const auto& locale : c->locales()) {
            for (auto variant : {templates::Variant::Text, templates::Variant::Email,
                                 templates::Variant::Speech}) {
                auto r = c->render(info.id, locale, variant, vars, "Asia/Shanghai");
                BOOST_REQUIRE_MESSAGE(r.ok(), info.id + " " + locale + ": " + r.error);
                const auto& v = *r.value;
                BOOST_TEST(v.locale == locale);
                BOOST_TEST(!v.text.empty());
                BOOST_TEST(v.text.find('{') == std::string::npos, info.id + " " + locale);
                BOOST_TEST(v.text.find("ccd_time") == std::string::npos);
                if (variant == templates::Variant::Email) {
                    BOOST_TEST(!v.subject->empty());
                    BOOST_TEST(v.html->find("<p>") != std::string::npos);
                }
                if (info.id.rfind("self_service_", 0) == 0)
                    BOOST_TEST(v.text.find('0') != std::string::npos, "handoff: " + info.id);
                ++rendered;
            }
        }
    }
    BOOST_TEST(rendered == 24 * 3 * 3);

    auto ack = [&](const char* locale, templates::Variant variant) {
        return c->render("ack", locale, variant, vars, "Asia/Shanghai").value->text;
    };
    // 10:30 UTC + 30 minutes, in Shanghai.
    BOOST_TEST(ack("zh-CN", templates::Variant::Text) ==
               "您好，您的工单 #10428 已受理，我们将在 19:00 前回复您。感谢您的耐心等待！");
    BOOST_TEST(ack("zh-TW", templates::Variant::Text).find("#10428 已受理，我們將於 晚上7:00") !=
               std::string::npos);
    BOOST_TEST(ack("en", templates::Variant::Text).find("#10428 has been received") !=
               std::string::npos);
    auto q = [&](std::int64_t pos, std::int64_t wait) {
        auto v = vars;
        v["queue_position"] = pos;
        v["estimated_wait_minutes"] = wait;
        return c->render("queue_position", "en", templates::Variant::Text, v, "UTC").value->text;
    };
    BOOST_TEST(q(1, 1) == "You are next in line. The estimated wait is 1 minute. Thank you for "
                          "waiting.");
    BOOST_TEST(q(4, 0) == "You are number 4 in line. The estimated wait is less than a minute. "
                          "Thank you for waiting.");
}
