#pragma once
// Web chat by email (docs/webchat-protocol.md, "Email"): a customer who leaves an address when
// nobody can answer has the conversation carried on by email — the replies stored from then on
// leave through the instance's `email_instance` (threaded, with the ticket tag, so that their
// answers by mail join the same conversation) until they write in the chat again — and a
// customer may have the transcript of the chat emailed at the end. Both are outbound messages of
// the conversation, stored and queued in one commit like any other (daemon/store, the outbox).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/store/store.hpp"

namespace ccd::templates {
class Catalog;
}

namespace ccd::daemon::webchat {

/// What emails to chat customers are written with.
struct EmailTemplates {
    std::shared_ptr<const templates::Catalog> catalog;  ///< null: none configured
    std::string time_zone = "UTC";  ///< the business calendar's, for the transcript's times
};

/// Hands the templates in force to a callback (on any thread).
using EmailTemplatesSource = std::function<void(std::function<void(EmailTemplates)>)>;

/// The template ids (templates/default/*.yaml).
inline constexpr const char* kContinuationTemplate = "chat_by_email";
inline constexpr const char* kTranscriptTemplate = "chat_transcript";

/// The transcript of a conversation as plain text, one block per message, oldest first:
/// "2026-12-02 19:40  Ann Lee\nMy printer jams\n" with the time in `time_zone`; our automatic
/// messages are signed `service`, agents by their name, the customer by `customer` (or
/// "Customer"); attachments as "[file] name". Earlier transcripts are left out.
std::string formatTranscript(const store::ConversationRecord& conversation,
                             const std::string& customer, const std::string& service,
                             const std::string& time_zone);

/// Thread safety: every method may be called from any thread; callbacks run on store threads.
class ChatMail {
public:
    /// `email_instance` empty: disabled (every call fails with "unavailable").
    ChatMail(std::string email_instance, store::Store& store, EmailTemplatesSource templates);

    bool enabled() const { return !instance_.empty() && templates_ != nullptr; }

    /// From this commit on, the conversation's replies go by email to `address`; the
    /// confirmation (template chat_by_email) is the first of them. `done(error code)`: empty
    /// when stored.
    void start(std::int64_t conversation, const std::string& address, const std::string& locale,
               std::optional<std::string> customer_name, std::function<void(std::string)> done);
    /// The customer is back in the chat: replies go there again.
    void stop(std::int64_t conversation, std::function<void(std::string)> done);
    /// Emails the transcript (template chat_transcript) to `address`; once per address and
    /// state of the conversation (a second request before anything new is not sent twice).
    void transcript(std::int64_t conversation, const std::string& address,
                    const std::string& locale, std::optional<std::string> customer_name,
                    std::function<void(std::string)> done);

private:
    std::string instance_;
    store::Store& store_;
    EmailTemplatesSource templates_;
};

}  // namespace ccd::daemon::webchat
