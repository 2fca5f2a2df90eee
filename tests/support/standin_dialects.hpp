#pragma once
// The providers' wire formats as the stand-in speaks them: which provider a request is for (by
// its path), the normal answer to it, and an error answer in that provider's own format. Pure
// apart from the ProviderState they draw ids and tokens from; no sockets.

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ccd::standin {

/// Which provider API a request speaks, decided by its path alone.
enum class Dialect { kTelegram, kWhatsApp, kWeChat, kWebhook, kUnknown };

/// The dialect's name as recorded ("telegram", "whatsapp", "wechat", "webhook", "unknown").
const char* dialectName(Dialect d);

/// `/bot<token>/<method>` -> Telegram; `/<version>/<phone_number_id>/messages` -> WhatsApp;
/// `/cgi-bin/...` -> WeChat; `/callback/...` -> generic webhook; anything else unknown.
Dialect dialectOf(std::string_view target);

/// One request as read off the wire.
struct Request {
    std::string method;
    std::string target;  ///< path and query, as sent
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header of that name (case-insensitive), "" when absent.
    std::string header(std::string_view name) const;
    /// The path without the query.
    std::string_view path() const;
    /// The query string's parameters, percent-decoded (later repeats win).
    std::unordered_map<std::string, std::string> query() const;
};

/// One answer to write back.
struct Answer {
    int status = 200;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

/// A scripted error answer (see standin_script.hpp), the fields each dialect may use.
struct ErrorSpec {
    int status = 0;  ///< 0: the dialect's own (WeChat 200, WhatsApp the code's, else 500)
    std::optional<int> retry_after;  ///< seconds: Telegram parameters.retry_after, Retry-After
    std::optional<std::string> description;  ///< Telegram description, Graph message, errmsg
    std::optional<long> code;                ///< WhatsApp Graph error code (e.g. 131047)
    std::optional<long> errcode;      ///< WeChat errcode (answered with HTTP 200 unless status)
    std::optional<std::string> body;  ///< a raw body that replaces the dialect's own
};

/// What the dialects remember between requests: Telegram message ids per chat, WhatsApp
/// message ids, WeChat access tokens, webhook callback ids. Called from every I/O thread:
/// each member function takes the lock.
class ProviderState {
  public:
    /// `apps`: WeChat appid -> secret accepted by /cgi-bin/token; empty accepts any appid that
    /// starts with "wx" with any non-empty secret.
    explicit ProviderState(std::unordered_map<std::string, std::string> wechat_apps = {});

    std::int64_t nextTelegramMessageId(const std::string& chat);
    std::string nextWamid();
    std::uint64_t nextCallbackId();
    /// A new random access token, valid until expireTokens().
    std::string issueWeChatToken();
    bool weChatTokenValid(const std::string& token);
    /// Every token issued so far becomes invalid; returns how many were valid.
    std::size_t expireWeChatTokens();
    /// nullopt when /cgi-bin/token should issue a token; otherwise the errcode/errmsg to answer.
    std::optional<nlohmann::ordered_json> checkWeChatApp(const std::string& appid,
                                                         const std::string& secret) const;
    /// A random alphanumeric string (Graph fbtrace_id and the like).
    std::string randomId(std::size_t length);

  private:
    std::string randomIdLocked(std::size_t length);

    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::string> wechat_apps_;
    std::unordered_map<std::string, std::int64_t> telegram_message_ids_;
    std::unordered_map<std::string, bool> wechat_tokens_;  ///< token -> still valid
    std::uint64_t wamid_counter_ = 0;
    std::uint64_t callback_counter_ = 0;
    std::mt19937_64 rng_;
};

/// The normal (unscripted) answer of the request's provider.
Answer normalAnswer(Dialect d, const Request& req, ProviderState& state);

/// A scripted error in the provider's own format: Telegram `{"ok":false,...}`, WhatsApp Graph
/// `{"error":{...}}`, WeChat `{"errcode":..}` with HTTP 200, webhook `{"error":..}`; 5xx is plain
/// text in every dialect (what a proxy in front of the provider answers).
Answer errorAnswer(Dialect d, const ErrorSpec& spec, ProviderState& state);

// Per-dialect entry points, one file each.
Answer telegramAnswer(const Request& req, ProviderState& state);
Answer telegramError(const ErrorSpec& spec);
Answer whatsappAnswer(const Request& req, ProviderState& state);
Answer whatsappError(const ErrorSpec& spec, ProviderState& state);
Answer wechatAnswer(const Request& req, ProviderState& state);
Answer wechatError(const ErrorSpec& spec);
Answer webhookAnswer(const Request& req, ProviderState& state);

/// A JSON answer with that status.
Answer jsonAnswer(int status, const nlohmann::ordered_json& body);
/// The standard reason phrase of an HTTP status ("Too Many Requests").
std::string reasonPhrase(int status);
/// Percent-decoding of a query or form component ('+' is a space).
std::string urlDecode(std::string_view s);
/// `a=1&b=2` into its decoded parameters (later repeats win).
std::unordered_map<std::string, std::string> parseForm(std::string_view s);

}  // namespace ccd::standin
