#pragma once
// The interfaces every channel adapter implements, one per direction:
//   InboundChannel  verify a provider's request and normalize it (messages, edits, delivery
//                   reports) for the daemon's intake path (daemon/intake.hpp);
//   OutboundChannel build the provider request for one outgoing message and read the provider's
//                   answer, for the outbox sender (daemon/outbox/).
// Adapters own no sockets and keep no state: they are pure functions of their configuration,
// the request and the time, and are tested without a socket.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/web_types.hpp"
#include "routing/model.hpp"

namespace ccd::channels {

/// Why a request was refused, as the HTTP answer to give (see WebResponse::error).
struct Rejection {
    int status = 400;
    std::string code;    ///< machine-readable: "invalid_json", "missing_field", ...
    std::string reason;  ///< for humans
    std::string field;   ///< the offending field's path ("from.id"), if any
};

/// A customer changed a message they sent earlier (Telegram `edited_message`): recorded on the
/// original message.
struct InboundEdit {
    std::string provider_id;   ///< of the edit itself (deduplicated like a message)
    std::string provider_ref;  ///< the original message's InboundMessage::provider_ref
    /// Who edited: the original's sender (InboundMessage::channel and from.id). The original is
    /// looked up among that contact's conversations, so inbound references need no index of
    /// their own (one more index entry per message cost a sixth of the Telegram intake rate).
    routing::ChannelKind channel = routing::ChannelKind::Api;
    std::string sender;
    std::string text;
    routing::TimePoint edited_at{};
};

/// The provider's report about one of our messages (WhatsApp `statuses`).
struct DeliveryReport {
    std::string provider_message_id;  ///< the id the provider gave when it accepted the send
    routing::DeliveryState state = routing::DeliveryState::Delivered;
    routing::TimePoint at{};
    std::string reason;  ///< for a failure: the provider's code and words
};

/// Something a customer did that is not a message (WeChat subscribe / unsubscribe): recorded
/// on the contact, opens no conversation.
struct ContactEvent {
    std::string provider_id;  ///< deduplicated like a message
    std::string type;         ///< "subscribe", "unsubscribe"
    routing::Party from;
    routing::TimePoint at{};
};

/// The bytes of one attachment that ccd keeps: the `position`-th (from 1) attachment of the
/// `message`-th message of the outcome (from 0), whose Attachment says `stored`.
struct AttachmentContent {
    std::size_t message = 0;
    std::size_t position = 1;
    std::string bytes;
};

/// One step of a phone call the phone system reported (CTI `answer`, `hangup`, a Twilio status
/// callback, a recording): recorded in the call's conversation (the conversation whose
/// inbound message has `call_id` as its provider id), deduplicated on `provider_id`. A step of
/// a call ccd never saw open (an outbound call the PBX placed) is recorded without one.
struct CallEvent {
    std::string provider_id;  ///< "<call id>:<event>": a repeat is stored once
    std::string call_id;      ///< the phone system's id of the call (CTI callId, Twilio CallSid)
    std::string type;         ///< "call.answered", "call.hangup", "call.status", ...
    std::string data_json = "{}";  ///< what the event says (who answered, cause, duration, ...)
    routing::TimePoint at{};
    /// A call ccd asked the phone system to place (a call-back): the conversation ccd named in
    /// its request (Twilio's signed callback URL, CTI's `conversation`), used when no stored
    /// message names the call yet; 0: none.
    std::int64_t conversation_id = 0;
};

/// What the routing engine decided for a new call, for the phone system's answer: ring the
/// agent ccd chose, wait in a queue with an announcement, leave a voicemail, or choose from the
/// phone menu.
struct CallDecision {
    enum class Kind { Ring, Dial, Queue, Voicemail, Menu };
    Kind kind = Kind::Ring;  ///< Ring: no decision, the phone system rings its own queue
    std::string agent;       ///< Dial: the agent
    std::string target;      ///< Dial: the agent's SIP URI
    std::string queue;       ///< Queue: the queue's name
    std::string speech;      ///< Queue: the announcement; Voicemail, Menu: the prompt
    std::string language;    ///< of the speech: "en-US", "zh-CN", "zh-TW"
    std::string digits;      ///< Menu: the digits that choose something ("129")
    int attempt = 0;         ///< Menu: 1, or 2 when repeated after an invalid digit
    int timeout_s = 5;       ///< Menu: seconds to wait for a digit
    /// Queue: the caller's place (1: next) and estimated wait in seconds ...
    std::size_t position = 0;
    std::int64_t wait_s = 0;
    /// ... estimated from the queue's recent handle times (false: a default of 3 minutes a
    /// place, until the queue has one).
    bool wait_from_handle_times = false;
    /// Queue: ask again after this many seconds (the next announcement, or the end of the
    /// queue's maximum wait); 0: the queue repeats nothing, the caller simply waits.
    int poll_after_s = 0;
};

/// What an adapter made of one request.
struct ParseOutcome {
    std::vector<routing::InboundMessage> messages;  ///< every message of a batch
    std::vector<InboundEdit> edits;
    std::vector<DeliveryReport> reports;
    std::vector<ContactEvent> contact_events;
    std::vector<AttachmentContent> attachment_contents;
    std::vector<CallEvent> calls;
    /// Set when the answer after storing is known at parse time (a CTI outbound call's dial
    /// with its caller id); otherwise InboundChannel::answer() words it.
    std::optional<WebResponse> stored_answer;
    /// Updates that carry nothing for ccd (a bot added to a group, a reaction): acknowledged,
    /// counted, not stored.
    std::size_t ignored = 0;
    /// Set when the request is answered as it is, with nothing stored (a provider's GET
    /// verification handshake).
    std::optional<WebResponse> immediate;
    /// Set when the request is refused: nothing is stored.
    std::optional<Rejection> rejection;
    /// A key that identifies this exact signed request (its signature), for the intake path to
    /// refuse a replay within `replay_window`; empty: no replay check.
    std::string replay_key;

    static ParseOutcome reject(int status, std::string code, std::string reason,
                               std::string field = {}) {
        ParseOutcome o;
        o.rejection = Rejection{status, std::move(code), std::move(reason), std::move(field)};
        return o;
    }
    static ParseOutcome reject(Rejection rejection) {
        ParseOutcome o;
        o.rejection = std::move(rejection);
        return o;
    }
    static ParseOutcome answer(WebResponse response) {
        ParseOutcome o;
        o.immediate = std::move(response);
        return o;
    }
    bool empty() const {
        return messages.empty() && edits.empty() && reports.empty() && contact_events.empty() &&
               calls.empty();
    }
};

/// What the intake path knows about a request before the adapter reads it.
struct ParseContext {
    routing::TimePoint now{};
    /// The API client its key authenticated (channels that take API keys); empty otherwise.
    std::string client;
};

/// What intake stored for one request, for the adapter to word its answer to the provider.
struct IntakeReceipt {
    struct Stored {
        std::int64_t message_id = 0;
        std::int64_t conversation_id = 0;
        bool duplicate = false;
        /// The provider's id was stored before for another content: nothing stored.
        bool conflict = false;
        /// A new call (channel voice): what the engine decided, for the phone system.
        std::optional<CallDecision> call;
    };
    std::vector<Stored> messages;  ///< in the order of ParseOutcome::messages
    /// What the engine decided after a step of a call it routes (the phone menu's digits, a
    /// queued caller's poll), and the type of that step ("call.digits", "call.waiting", ...).
    std::optional<CallDecision> call_step;
    std::string call_step_type;
};

/// An inbound channel adapter.
/// Thread safety: every method is const and called concurrently from the daemon's I/O threads.
class InboundChannel {
public:
    virtual ~InboundChannel() = default;

    /// Whether the instance's route carries a secret as its last segment
    /// (`/webhooks/<type>/<instance>/<token>`, Zammad's CTI URL); parse() checks it.
    virtual bool tokenInPath() const { return false; }

    /// HTTP methods the instance's route accepts (`/webhooks/<type>/<instance>`).
    virtual std::vector<std::string> methods() const { return {"POST"}; }

    /// Whether requests must carry an API key (`Authorization: Bearer`) that the intake path
    /// checks before parse() (the API channel, unless configured public).
    virtual bool requiresApiKey() const { return false; }
    /// The clients whose keys this instance accepts; empty: every client's.
    virtual std::vector<std::string> clients() const { return {}; }

    /// Verifies (signature, secret token) and parses one request. Verification compares in
    /// constant time; a request that fails it is rejected and nothing of it is stored.
    virtual ParseOutcome parse(const WebRequest& request, const ParseContext& context) const = 0;

    /// The answer the provider expects once everything of the request is stored.
    virtual WebResponse answer(const IntakeReceipt& receipt) const;
};

// ---- Outbound ---------------------------------------------------------------------------

/// A call the phone system is asked to place (a call-back, a follow-up call): connect the
/// agent at `target` and the customer (OutgoingMessage::to). docs/channels.md, "Calls ccd
/// places".
struct DialRequest {
    std::string agent;   ///< who accepted the work
    std::string target;  ///< the agent's SIP URI (agents.yaml `sip`)
    std::string reason;  ///< "call_back" or "follow_up"
};

/// One outgoing message, as the outbox sender hands it to its channel.
struct OutgoingMessage {
    std::int64_t outbox_id = 0;
    std::int64_t message_id = 0;
    std::int64_t conversation_id = 0;
    std::string text;
    std::optional<std::string> subject;
    std::optional<std::string> html;
    std::optional<std::string> template_id;  ///< ccd's own template, for the record
    std::optional<std::string> locale;
    std::string author;  ///< "agent:alice", "auto"
    /// The customer's address on the channel: Telegram chat id, WhatsApp number, WeChat
    /// openid, the sender id of an API or webhook message.
    std::string to;
    /// When the customer last wrote (customer-service windows); nullopt when unknown.
    std::optional<routing::TimePoint> last_inbound_at;
    /// Unique per logical message; providers that accept an idempotency key get it.
    std::string idempotency_key;
    int attempt = 1;  ///< 1 for the first try
    /// Send the instance's approved template message instead of free text (outside a
    /// customer-service window).
    bool window_template = false;
    /// When the message was queued (Unix ms): with message_id, what makes an email's
    /// Message-ID the same on every try and unique across databases.
    std::int64_t created_at_ms = 0;
    /// The customer's latest message with a provider id (email: its Message-ID), the ids it
    /// answered, oldest first, and its subject: an email reply's In-Reply-To, References and
    /// "Re:" subject. Empty when the customer has written nothing with an id.
    std::optional<std::string> customer_message_id;
    std::vector<std::string> customer_refs;
    std::optional<std::string> customer_subject;
    /// Set for a call to place instead of a message (outbox kind `dial`): only the phone
    /// system kinds build it.
    std::optional<DialRequest> dial;
};

/// A mail protocol exchange instead of an HTTP request: an SMTP upload (`mail_from` set) or
/// one IMAP command (`imap_command` set), on an smtp://, smtps://, imap:// or imaps:// URL.
struct MailTransfer {
    std::string username;  ///< empty: no AUTH
    std::string password;  ///< never logged
    /// STARTTLS on a plain URL: "required" (refuse to go on without it), "optional" (when the
    /// server offers it), "off". smtps:// and imaps:// are TLS from the start.
    std::string starttls = "optional";
    /// PEM file of the certificate authorities to trust (a private CA); empty: the system's.
    std::string ca_file;
    // SMTP: the envelope; HttpCall::body is the message (CRLF line ends).
    std::string mail_from;
    std::vector<std::string> recipients;
    // IMAP: the command ("UID FETCH 7 BODY.PEEK[]"); the URL names the mailbox it needs
    // selected, if any. The untagged answer lines come back as HttpAnswer::body, and the whole
    // transcript (a FETCH's literal included) as HttpAnswer::server_lines.
    std::string imap_command;
};

/// An HTTP request (or a mail transfer) to make, as data (the sender makes it with libcurl).
struct HttpCall {
    std::string method = "POST";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::optional<MailTransfer> mail;
    /// The longest answer kept; 0: the client's default (1 MiB).
    std::size_t max_answer_bytes = 0;
};

/// What came back from an HttpCall. `status` 0: no HTTP answer (`transport_error` says why:
/// connection refused, timed out, reset). For a mail transfer `status` is the server's last
/// reply code (SMTP 250, 550; IMAP: 0), `server_lines` its reply lines, and `transport_error`
/// is set whenever the exchange did not end well (a refused recipient included).
struct HttpAnswer {
    int status = 0;
    std::string transport_error;
    std::string server_lines;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// First header with this name, case-insensitively; empty if absent.
    std::string_view header(std::string_view name) const;
};

/// What a send came to.
struct SendOutcome {
    enum class Kind { Sent, Retry, Failed };
    Kind kind = Kind::Sent;
    std::string provider_message_id;  ///< Sent: the provider's id, when it gave one
    /// Retry: the delay the provider asked for (Retry-After, Telegram's retry_after); nullopt:
    /// the sender's backoff decides.
    std::optional<std::chrono::milliseconds> retry_after;
    /// The provider throttles the whole instance (a 429): pause every send of the instance for
    /// retry_after, not just this message.
    bool pause_instance = false;
    /// The access token was refused: fetch a new one, then retry (WeChat 40001/42001).
    bool refresh_token = false;
    std::string reason;  ///< Retry/Failed: the provider's status and words

    static SendOutcome sent(std::string id = {}) {
        SendOutcome o;
        o.provider_message_id = std::move(id);
        return o;
    }
    static SendOutcome retry(std::string reason,
                             std::optional<std::chrono::milliseconds> after = std::nullopt) {
        SendOutcome o;
        o.kind = Kind::Retry;
        o.reason = std::move(reason);
        o.retry_after = after;
        return o;
    }
    static SendOutcome failed(std::string reason) {
        SendOutcome o;
        o.kind = Kind::Failed;
        o.reason = std::move(reason);
        return o;
    }
};

/// The request for one message, or an outcome decided without asking the provider (a
/// customer-service window that has closed, a pull channel whose client reads the reply).
struct BuiltSend {
    std::optional<HttpCall> call;
    std::optional<SendOutcome> outcome;
};

/// An access token a provider issues for a while (WeChat).
struct AccessToken {
    std::string value;
    routing::TimePoint expires_at{};
};

/// A customer-service window: free-form replies are allowed only this long after the
/// customer's last message.
struct ReplyWindow {
    std::chrono::milliseconds length{0};
    /// An approved template message can still be sent outside it.
    bool has_template = false;
};

/// An outbound channel adapter. Thread safety: every method is const and may be called from
/// any thread.
class OutboundChannel {
public:
    virtual ~OutboundChannel() = default;

    /// Whether replies leave ccd at all: false for the API channel, whose clients read them
    /// (GET /v1/conversations/{id}/messages); such messages count as sent once stored.
    virtual bool pushes() const { return true; }

    /// The request that sends `message` at `now`; `token` is the current access token when
    /// the channel needs one.
    virtual BuiltSend build(const OutgoingMessage& message, const AccessToken* token,
                            routing::TimePoint now) const = 0;

    /// Reads the provider's answer to build()'s request.
    virtual SendOutcome classify(const OutgoingMessage& message,
                                 const HttpAnswer& answer) const = 0;

    /// Channels whose API needs an access token: the request that fetches one.
    virtual std::optional<HttpCall> tokenRequest() const { return std::nullopt; }
    /// Reads tokenRequest()'s answer; nullopt with `error` set when it holds no token.
    virtual std::optional<AccessToken> parseToken(const HttpAnswer& answer, routing::TimePoint now,
                                                  std::string& error) const;

    /// The request that shows "typing..." to the customer, where the provider has one.
    virtual std::optional<HttpCall> typing(const std::string& to, const AccessToken* token) const {
        (void)to;
        (void)token;
        return std::nullopt;
    }

    /// The customer-service window, where the provider has one.
    virtual std::optional<ReplyWindow> replyWindow() const { return std::nullopt; }

    /// The longest text one message may carry (characters as the provider counts them); 0: no
    /// limit ccd knows of.
    virtual std::size_t maxTextLength() const { return 0; }
};

}  // namespace ccd::channels
