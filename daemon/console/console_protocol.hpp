#pragma once
// The console protocol's client commands, parsed from JSON text frames without a socket, and the
// helpers that build server frames. Documented in docs/console-protocol.md.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ccd::daemon::console {

/// What a client may ask for.
enum class CommandType {
    Auth,         ///< {"token", "last_seq"?}
    Presence,     ///< {"presence": "available" | "away" | "offline" | "busy"}
    Accept,       ///< {"conversation_id"}
    Decline,      ///< {"conversation_id"}
    Reply,        ///< {"conversation_id", "text"} or {"conversation_id", "template", "vars"}
    Note,         ///< {"conversation_id", "text"}: internal, never sent to the customer
    Transfer,     ///< {"conversation_id", "to_agent" | "to_queue", "note"?}
    WrapUp,       ///< {"disposition"} (and optionally "conversation_id"): ends the wrap-up
    Resolve,      ///< {"conversation_id", "disposition"}
    Typing,       ///< {"conversation_id"}
    Open,         ///< {"conversation_id"}: answered with a `conversation` frame (full history)
    Subscribe,    ///< {"stream": "supervisor" | "queues"}
    Unsubscribe,  ///< {"stream": "supervisor" | "queues"}
};

/// The command's wire name ("auth", "presence", ...).
std::string_view toString(CommandType type);

/// One parsed client command. Only the fields of its type are set.
struct Command {
    CommandType type = CommandType::Auth;
    std::string id;  ///< the client's id of the command, echoed in its ack or error; may be empty
    std::string token;
    std::optional<std::uint64_t> last_seq;
    std::string presence;
    std::int64_t conversation_id = 0;
    std::string text;
    std::optional<std::string> template_id;
    std::map<std::string, std::string> vars;
    /// reply: send the channel's approved template message (outside a customer-service
    /// window), with `text` as its parameter.
    bool window_template = false;
    std::optional<std::string> to_agent;
    std::optional<std::string> to_queue;
    std::string note;
    std::string disposition;
    std::string stream;
};

/// Length limits of the commands' free-text fields, in bytes: what people write fits well
/// within them, and nothing stored or relayed grows without bound.
inline constexpr std::size_t kMaxTextBytes = 32 * 1024;        ///< reply and note text
inline constexpr std::size_t kMaxNoteBytes = 4 * 1024;         ///< a transfer's note
inline constexpr std::size_t kMaxDispositionBytes = 256;       ///< resolve, wrap_up
inline constexpr std::size_t kMaxNameBytes = 128;              ///< to_agent, to_queue, template
inline constexpr std::size_t kMaxTokenBytes = 256;             ///< auth
inline constexpr std::size_t kMaxVars = 32;                    ///< a template's vars
inline constexpr std::size_t kMaxVarNameBytes = 64;
inline constexpr std::size_t kMaxVarValueBytes = 1024;

/// A frame that could not be understood: answered with an `error` frame, the connection kept.
struct ParseError {
    std::string code;    ///< "bad_json", "bad_request", "unknown_type"
    std::string reason;
    std::string id;      ///< the command's id when it could be read
};

/// Either a command or why there is none.
struct ParseOutcome {
    std::optional<Command> command;
    ParseError error;
};

/// Parses one text frame. Never throws.
ParseOutcome parseCommand(std::string_view frame);

/// An `error` frame body (without seq): {"type":"error","code","reason","id"?,
/// "conversation_id"?}.
std::string errorFrame(std::string_view code, std::string_view reason, std::string_view id = {},
                       std::int64_t conversation_id = 0);

/// Sets "seq" on a JSON object frame; `frame` must be a JSON object's text (as built here).
std::string withSeq(const std::string& frame, std::uint64_t seq);

}  // namespace ccd::daemon::console
