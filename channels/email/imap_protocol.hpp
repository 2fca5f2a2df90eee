#pragma once
// The IMAP side of the email channel as pure functions: the commands the daemon's poller sends
// (through libcurl, as data), reading the server's untagged answers, and the UID bookkeeping
// that decides what to fetch — the last UID taken, and a full resync when UIDVALIDITY changes
// (RFC 3501 2.3.1.1: the old UIDs then mean nothing). Safe because messages are deduplicated
// on their Message-ID per mailbox: a resync fetches again, stores nothing twice.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::channels::email {

/// What has been taken from a mailbox, as saved in the store with the messages it covers.
struct MailboxCursor {
    std::uint64_t uidvalidity = 0;
    std::uint64_t last_uid = 0;  ///< the highest UID stored; 0: none yet
};

/// The store keys of a cursor (Store::readChannelState / InboundBatch::channel_state).
inline constexpr std::string_view kUidValidityKey = "imap.uidvalidity";
inline constexpr std::string_view kLastUidKey = "imap.last_uid";

/// The cursor saved in `state`; nullopt when none was saved or it is unreadable.
std::optional<MailboxCursor> cursorFromState(const std::map<std::string, std::string>& state);
/// The entries that save `cursor`.
std::vector<std::pair<std::string, std::string>> cursorState(const MailboxCursor& cursor);

/// What STATUS says of a mailbox.
struct MailboxStatus {
    std::uint64_t uidvalidity = 0;
    std::uint64_t uidnext = 0;  ///< 0 when the server did not say
};

/// Reads "* STATUS <mailbox> (UIDVALIDITY n UIDNEXT m)"; nullopt without a UIDVALIDITY.
std::optional<MailboxStatus> parseStatus(std::string_view answer);
/// Reads every "* SEARCH n n n" line: the UIDs, ascending, without repeats.
std::vector<std::uint64_t> parseSearch(std::string_view answer);

/// One message out of a FETCH answer.
struct FetchedMessage {
    std::uint64_t uid = 0;   ///< 0 when the answer did not say
    std::uint64_t size = 0;  ///< RFC822.SIZE; 0 when not asked
    std::string raw;         ///< the BODY[] literal
};
/// Reads the first message of "* n FETCH (UID u RFC822.SIZE s BODY[]<0> {len}\r\n...)";
/// nullopt when there is no literal in the answer (the message is gone: expunged meanwhile).
std::optional<FetchedMessage> parseFetch(std::string_view answer);

/// What one poll does, given the saved cursor and the mailbox's STATUS.
struct PollPlan {
    bool nothing_new = false;  ///< UIDNEXT says no message arrived since last_uid
    bool resync = false;       ///< UIDVALIDITY is new (or nothing was saved): start over
    std::string search;        ///< the UID SEARCH command to send
    /// The cursor to save with what this poll stores: the new UIDVALIDITY on a resync.
    MailboxCursor base;
};
/// `move_after_read`: messages are moved away once stored, so everything left in the mailbox
/// is new to ccd (a resync searches ALL); otherwise they are marked \Seen, and a resync
/// searches UNSEEN (what ccd took is \Seen; one stored but not yet marked before a crash is
/// fetched again and recognised by its Message-ID).
PollPlan planPoll(const std::optional<MailboxCursor>& saved, const MailboxStatus& status,
                  bool move_after_read);
/// The UIDs of a SEARCH answer that this poll takes: above the cursor's last UID (a search
/// "n:*" always returns the highest UID, even one below n).
std::vector<std::uint64_t> uidsToFetch(const std::vector<std::uint64_t>& found,
                                       const PollPlan& plan);

/// A mailbox name as an IMAP quoted string ("INBOX", "Support/已处理" in modified UTF-7).
std::string quoteMailbox(std::string_view utf8_name);
/// RFC 3501 5.1.3 modified UTF-7 of a UTF-8 mailbox name.
std::string mailboxUtf7(std::string_view utf8_name);

/// The commands.
std::string statusCommand(std::string_view mailbox);
std::string fetchCommand(std::uint64_t uid, std::size_t max_bytes);
std::string markSeenCommand(std::uint64_t uid);
std::string moveCommand(std::uint64_t uid, std::string_view folder);

/// What the server can do beyond RFC 3501, as its CAPABILITY answer says.
struct ImapCapabilities {
    bool move = false;     ///< RFC 6851 MOVE
    bool uidplus = false;  ///< RFC 4315 UID EXPUNGE
};
/// Reads "* CAPABILITY IMAP4rev1 ... MOVE UIDPLUS" (every such line of the answer).
ImapCapabilities parseCapabilities(std::string_view answer);

/// The commands that take a stored message out of the way: \Seen, or moved to `folder` —
/// with MOVE, else COPY, \Deleted and UID EXPUNGE (or, without UIDPLUS, EXPUNGE, which also
/// removes other messages flagged \Deleted in the mailbox, as any client moving there does).
std::vector<std::string> markCommands(std::uint64_t uid, bool move_after_read,
                                      std::string_view folder, const ImapCapabilities& caps);

/// Splits "imaps://host:993/Support%20Mail" into the URL of the server ("imaps://host:993/")
/// and the mailbox name ("Support Mail", percent-decoded; "INBOX" when the path is empty).
struct ImapUrl {
    std::string server;   ///< with a trailing '/'
    std::string mailbox;  ///< decoded
    /// The URL that selects the mailbox (server + the path as written).
    std::string mailbox_url;
};
std::optional<ImapUrl> parseImapUrl(std::string_view url);

}  // namespace ccd::channels::email
