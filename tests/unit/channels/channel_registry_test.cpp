// The registry: kinds by name, ccd.yaml's `channels:` list with precise errors, the set of
// adapters the daemon serves with.
#include "channels/registry.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

#include "channels/telegram/telegram_channel.hpp"
#include "channels/whatsapp/whatsapp_channel.hpp"
#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"

using namespace ccd;

namespace {

config::EnvLookup env(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

const std::map<std::string, std::string> kEnv{{"TG_TOKEN", "123:abc"},
                                              {"TG_SECRET", "s3cret"},
                                              {"WA_SECRET", "app-secret"},
                                              {"WA_VERIFY", "verify"},
                                              {"WA_TOKEN", "EAAG"}};

std::vector<config::ConfigIssue> issuesOf(const std::string& yaml) {
    try {
        config::parseDaemonConfig(yaml, "/etc/ccd/ccd.yaml", env(kEnv));
    } catch (const config::ConfigError& e) {
        return e.issues();
    }
    return {};
}

void expectIssue(const std::string& yaml, int line, int column, const std::string& path,
                 const std::string& words) {
    auto issues = issuesOf(yaml);
    BOOST_TEST_CONTEXT(yaml) {
        BOOST_REQUIRE_EQUAL(issues.size(), 1u);
        BOOST_TEST(issues[0].line == line);
        BOOST_TEST(issues[0].column == column);
        BOOST_TEST(issues[0].path == path);
        BOOST_TEST(issues[0].message.find(words) != std::string::npos, issues[0].message);
    }
}

const char* kTwoBots = R"(channels:
  - {name: api, type: api, clients: [crm]}
  - name: support-bot
    type: telegram
    bot_token: ${TG_TOKEN}
    secret_token: ${TG_SECRET}
    max_in_flight: 8
    retry: {initial: 2s, max: 1m, max_attempts: 5}
  - name: sales-bot
    type: telegram
    bot_token: ${TG_TOKEN}
    secret_token: ${TG_SECRET}
    api_base: http://127.0.0.1:9999/
  - name: wa
    type: whatsapp
    app_secret: ${WA_SECRET}
    verify_token: ${WA_VERIFY}
    access_token: ${WA_TOKEN}
    phone_number_id: "106540352242922"
    window_template: {name: follow_up, language: en_US}
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(registry)

BOOST_AUTO_TEST_CASE(every_kind_is_registered_once) {
    for (const char* type : {"api", "webhook", "telegram", "whatsapp", "wechat", "webchat"}) {
        const auto* k = channels::findChannelKind(type);
        BOOST_REQUIRE_MESSAGE(k, type);
        BOOST_TEST(k->type == type);
    }
    BOOST_TEST(!channels::findChannelKind("fax"));
}

BOOST_AUTO_TEST_CASE(without_channels_there_is_one_api_instance_that_wants_keys) {
    auto cfg = config::parseDaemonConfig("server: {threads: 2}\n", "/etc/ccd/ccd.yaml", env({}));
    BOOST_REQUIRE_EQUAL(cfg->channels.size(), 1u);
    BOOST_TEST(cfg->channels[0]->name == "api");
    auto set = channels::ChannelSet::build(cfg->channels);
    BOOST_REQUIRE(set->defaultApi());
    BOOST_TEST(set->defaultApi()->inbound->requiresApiKey());
}

BOOST_AUTO_TEST_CASE(several_instances_of_one_kind_each_with_its_settings) {
    auto cfg = config::parseDaemonConfig(kTwoBots, "/etc/ccd/ccd.yaml", env(kEnv));
    BOOST_REQUIRE_EQUAL(cfg->channels.size(), 4u);
    const auto& support = dynamic_cast<const channels::telegram::TelegramSettings&>(*cfg->channels[1]);
    BOOST_TEST(support.name == "support-bot");
    BOOST_TEST(support.bot_token.reveal() == "123:abc");
    BOOST_TEST(support.bot_token.origin() == "${TG_TOKEN}");
    BOOST_TEST(support.max_in_flight == 8u);
    BOOST_TEST(support.retry.initial.count() == 2000);
    BOOST_TEST(support.retry.max_attempts == 5);
    BOOST_TEST(support.api_base == "https://api.telegram.org");
    const auto& sales = dynamic_cast<const channels::telegram::TelegramSettings&>(*cfg->channels[2]);
    BOOST_TEST(sales.api_base == "http://127.0.0.1:9999");
    const auto& wa = dynamic_cast<const channels::whatsapp::WhatsAppSettings&>(*cfg->channels[3]);
    BOOST_TEST(wa.window_template->name == "follow_up");
    auto set = channels::ChannelSet::build(cfg->channels);
    BOOST_TEST(set->all().size() == 4u);
    BOOST_TEST(set->find("sales-bot")->type() == "telegram");
    BOOST_TEST(!set->find("nope"));
    BOOST_TEST(set->find("api")->inbound->clients() == std::vector<std::string>{"crm"});
    BOOST_TEST(set->find("wa")->outbound->replyWindow()->has_template);
}

BOOST_AUTO_TEST_CASE(problems_have_their_file_line_column_and_path) {
    expectIssue("channels:\n  api:\n    enabled: true\n", 2, 3, "channels",
                "channels is a list of instances");
    expectIssue("channels:\n  - {name: a, type: fax}\n", 2, 21, "channels[0].type",
                "unknown channel type \"fax\" (known: api, webhook, telegram, whatsapp, wechat, email, cti, twilio, webchat)");
    expectIssue("channels:\n  - {name: a, type: api}\n  - {name: a, type: api}\n", 3, 12,
                "channels[1].name", "a second instance named \"a\"");
    expectIssue("channels:\n  - {name: Support Bot, type: api}\n", 2, 12, "channels[0].name",
                "lower-case letters");
    expectIssue("channels:\n  - {type: api}\n", 2, 5, "channels[0].name",
                "missing required key \"name\"");
    expectIssue("channels:\n  - name: t\n    type: telegram\n    bot_token: ${TG_TOKEN}\n"
                "    secret_token: ${TG_SECRET}\n    bot_tokn: x\n",
                6, 5, "channels[0].bot_tokn", "did you mean \"bot_token\"?");
    expectIssue("channels:\n  - name: t\n    type: telegram\n    bot_token: ${NOT_SET}\n"
                "    secret_token: ${TG_SECRET}\n",
                4, 16, "channels[0].bot_token", "NOT_SET");
    expectIssue("channels:\n  - name: t\n    type: telegram\n    secret_token: ${TG_SECRET}\n", 2, 5,
                "channels[0].bot_token", "missing required key \"bot_token\"");
    expectIssue("channels:\n  - name: w\n    type: whatsapp\n    app_secret: a\n    verify_token: b\n"
                "    access_token: c\n    phone_number_id: \"+1 555 0100\"\n",
                7, 22, "channels[0].phone_number_id", "not the phone number");
    expectIssue("channels:\n  - {name: a, type: api, max_in_flight: 0}\n", 2, 41,
                "channels[0].max_in_flight", "between 1 and 10000");
    expectIssue("channels:\n  - {name: h, type: webhook, secret: short, callback_url: http://x}\n",
                2, 38, "channels[0].secret", "at least 16 characters");
    expectIssue("channels:\n  - {name: h, type: webhook, secret: a-secret-long-enough, callback_url: ftp://x}\n",
                2, 74, "channels[0].callback_url", "http:// or https://");
}

BOOST_AUTO_TEST_CASE(secrets_never_appear_in_problems) {
    auto issues = issuesOf("channels:\n  - name: t\n    type: telegram\n    bot_token: ${TG_TOKEN}\n"
                           "    secret_token: \"bad token!\"\n");
    BOOST_REQUIRE_EQUAL(issues.size(), 1u);
    BOOST_TEST(issues[0].message.find("bad token!") == std::string::npos);
    BOOST_TEST(issues[0].message.find("123:abc") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_disabled_instance_has_no_adapters) {
    auto cfg = config::parseDaemonConfig(
        "channels:\n  - {name: api, type: api}\n  - {name: old, type: api, enabled: false}\n",
        "/etc/ccd/ccd.yaml", env({}));
    auto set = channels::ChannelSet::build(cfg->channels);
    BOOST_TEST(set->all().size() == 1u);
    BOOST_TEST(!set->find("old"));
}

BOOST_AUTO_TEST_SUITE_END()
