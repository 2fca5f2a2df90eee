// `type: webchat`: its configuration keys with file:line:col errors, and the adapter that reads
// what the daemon's webchat server hands the intake path.
#include "channels/webchat/webchat_channel.hpp"
#include "channels/webchat/webchat_upload.hpp"

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "config/config_error.hpp"
#include "config/daemon_config_parser.hpp"
#include "tests/support/config_issues.hpp"
#include "tests/unit/channels/fixtures.hpp"

using namespace ccd;
using channels::webchat::WebchatSettings;

namespace {

config::DaemonConfigPtr parse(const std::string& yaml) {
    return config::parseDaemonConfig(yaml, "/etc/ccd/ccd.yaml",
                                     [](const std::string&) { return std::nullopt; });
}

/// The one issue of `yaml`: line, column, path and words.
void expectIssue(const std::string& yaml, int line, int column, const std::string& path,
                 const std::string& words) {
    std::vector<config::ConfigIssue> issues;
    try {
        parse(yaml);
    } catch (const config::ConfigError& e) {
        issues = e.issues();
    }
    ccd::testing::expectOneIssue(issues, yaml, line, column, path, words);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(webchat)

BOOST_AUTO_TEST_CASE(settings_defaults_and_values) {
    auto cfg = parse(R"(channels:
  - {name: web, type: webchat}
  - name: shop
    type: webchat
    host: 0.0.0.0
    port: 9090
    allowed_origins: [https://shop.example, "http://127.0.0.1:8080"]
    max_frame_bytes: 8KiB
    max_text_chars: 1000
    messages_per_minute: 12
    sessions_per_address_per_hour: 3
    session_ttl: 2h
    order_field: Order number
    order_required: true
)");
    BOOST_REQUIRE_EQUAL(cfg->channels.size(), 2u);
    const auto& d = static_cast<const WebchatSettings&>(*cfg->channels[0]);
    BOOST_TEST(routing::toString(d.kind) == "webchat");
    BOOST_TEST(d.port == 8082);
    BOOST_TEST(d.allowed_origins.empty());
    BOOST_TEST(d.max_frame_bytes == 16u * 1024);
    BOOST_TEST(d.messages_per_minute == 30u);
    BOOST_TEST(d.session_ttl.count() == 24 * 3600 * 1000);
    BOOST_TEST(d.order_field.empty());
    const auto& s = static_cast<const WebchatSettings&>(*cfg->channels[1]);
    BOOST_TEST(s.host == "0.0.0.0");
    BOOST_TEST(s.port == 9090);
    BOOST_TEST(s.allowed_origins.size() == 2u);
    BOOST_TEST(s.max_frame_bytes == 8u * 1024);
    BOOST_TEST(s.max_text_chars == 1000u);
    BOOST_TEST(s.messages_per_minute == 12u);
    BOOST_TEST(s.sessions_per_address_per_hour == 3u);
    BOOST_TEST(s.session_ttl.count() == 2 * 3600 * 1000);
    BOOST_TEST(s.order_field == "Order number");
    BOOST_TEST(s.order_required);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_located) {
    expectIssue("channels:\n  - {name: web, type: webchat, allowed_origins: [https://a.example/x]}\n",
                2, 50, "channels[0].allowed_origins[0]", "scheme://host");
    expectIssue("channels:\n  - name: web\n    type: webchat\n    port: 70000\n", 4, 11,
                "channels[0].port", "65535");
    expectIssue("channels:\n  - name: web\n    type: webchat\n    order_required: true\n", 4, 21,
                "channels[0].order_required", "order_field");
    expectIssue("channels:\n  - name: web\n    type: webchat\n    session_ttl: 10ms\n", 4, 18,
                "channels[0].session_ttl", "at least 1s");
    expectIssue("channels:\n  - name: web\n    type: webchat\n    max_frame_bytes: 10\n", 4, 22,
                "channels[0].max_frame_bytes", "1KiB to 1MiB");
    expectIssue("channels:\n  - name: web\n    type: webchat\n    origins: [x]\n", 4, 5,
                "channels[0].origins", "allowed_origins");
}

BOOST_AUTO_TEST_CASE(customer_message_through_the_adapter) {
    WebchatSettings s;
    s.max_text_chars = 10;
    channels::webchat::WebchatInbound in(s);
    BOOST_TEST(in.methods().empty());  // no HTTP route takes requests for it

    channels::webchat::CustomerMessage m;
    m.sender = "wc_abc";
    m.client_id = "m1";
    m.text = "hello <b>";
    m.name = "Ann";
    m.email = "ann@example.com";
    m.locale = "zh-Hant";
    m.order = "SO-1";
    auto out = in.parse(testing::request("WS", "/chat/web", channels::webchat::requestBody(m),
                                         {{"Content-Type", "application/json"}}),
                        {});
    BOOST_REQUIRE(!out.rejection);
    BOOST_REQUIRE_EQUAL(out.messages.size(), 1u);
    const auto& msg = out.messages[0];
    BOOST_TEST(routing::toString(msg.channel) == "webchat");
    BOOST_TEST(msg.provider_id == "wc_abc:m1");
    BOOST_TEST(msg.from.id == "wc_abc");
    BOOST_TEST(*msg.from.name == "Ann");
    BOOST_TEST(*msg.from.email == "ann@example.com");
    BOOST_TEST(msg.text == "hello <b>");  // stored as written; escaped where shown
    BOOST_TEST(*msg.locale == "zh-Hant");
    BOOST_TEST(*msg.channel_ref == "SO-1");

    m.text = "eleven char";
    out = in.parse(testing::request("WS", "/chat/web", channels::webchat::requestBody(m),
                                    {{"Content-Type", "application/json"}}),
                   {});
    BOOST_REQUIRE(out.rejection);
    BOOST_TEST(out.rejection->code == "too_long");

    channels::webchat::WebchatOutbound outbound(s);
    BOOST_TEST(!outbound.pushes());
}

BOOST_AUTO_TEST_CASE(uploads_are_checked_by_size_type_and_content) {
    using channels::webchat::checkUpload;
    using channels::webchat::CheckedUpload;
    WebchatSettings s;
    s.max_upload_bytes = 32;
    const std::string jpeg("\xFF\xD8\xFF\xE0rest of a jpeg");
    auto ok = checkUpload("Image/JPEG; q=1", "..%2F..%2Fmy%20receipt.jpg", jpeg, s);
    BOOST_REQUIRE(std::holds_alternative<CheckedUpload>(ok));
    BOOST_TEST(std::get<CheckedUpload>(ok).mime_type == "image/jpeg");
    BOOST_TEST(std::get<CheckedUpload>(ok).file_name == "my receipt.jpg");
    BOOST_TEST(std::get<CheckedUpload>(ok).kind == "photo");
    auto status = [&](std::string_view type, std::string_view bytes) {
        auto r = checkUpload(type, "f", bytes, s);
        return std::holds_alternative<channels::Rejection>(r) ? std::get<channels::Rejection>(r).status
                                                              : 0;
    };
    BOOST_TEST(status("image/jpeg", "GIF89a pretending") == 422);  // the name or type lie
    BOOST_TEST(status("image/png", jpeg) == 422);
    BOOST_TEST(status("text/html", "<script>") == 415);
    BOOST_TEST(status("image/svg+xml", "<svg/>") == 415);
    BOOST_TEST(status("image/jpeg", "") == 400);
    BOOST_TEST(status("image/jpeg", jpeg + std::string(40, 'x')) == 413);
    BOOST_TEST(status("application/pdf", "%PDF-1.7") == 0);
    BOOST_TEST(status("image/webp", std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)) == 0);
    auto nameless = checkUpload("image/gif", "%00%0A", "GIF87a", s);
    BOOST_TEST(std::get<CheckedUpload>(nameless).file_name == "upload");

    expectIssue("channels:\n  - name: web\n    type: webchat\n    upload_types: [image/bmp]\n", 4,
                20, "channels[0].upload_types[0]", "checks the content");
}

BOOST_AUTO_TEST_SUITE_END()
