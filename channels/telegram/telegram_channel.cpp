#include "channels/telegram/telegram_channel.hpp"

#include "channels/common/crypto.hpp"
#include "channels/common/settings_reader.hpp"
#include "config/yaml_reader.hpp"

namespace ccd::channels::telegram {

ParseOutcome TelegramInbound::parse(const WebRequest& request, const ParseContext& context) const {
    // Checked before anything is read: a request without the bot's secret is not Telegram.
    if (!constantTimeEquals(request.header("X-Telegram-Bot-Api-Secret-Token"), secret_token_))
        return ParseOutcome::reject(401, "unauthorized",
                                    "X-Telegram-Bot-Api-Secret-Token is missing or wrong");
    return parseUpdate(request.body, context.now);
}

ChannelKindInfo kindInfo() {
    return makeKindInfo<TelegramSettings, TelegramInbound, TelegramOutbound>(
        "telegram", routing::ChannelKind::Telegram, {"bot_token", "secret_token", "api_base"},
        [](const config::NodeRef& item, TelegramSettings& s) {
            s.bot_token = requiredSecret(item["bot_token"]);
            s.secret_token = requiredSecret(item["secret_token"]);
            const auto& token = s.secret_token.reveal();
            bool charset_ok = token.size() <= 256;
            for (char c : token) {
                charset_ok = charset_ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                            (c >= '0' && c <= '9') || c == '_' || c == '-');
            }
            if (!charset_ok)
                item["secret_token"].error("Telegram accepts 1 to 256 characters A-Z, a-z, 0-9, "
                                           "'_' and '-' as secret_token");
            s.api_base = baseUrl(item["api_base"], s.api_base);
        });
}

}  // namespace ccd::channels::telegram
