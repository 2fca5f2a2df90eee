// Fuzz target: what an IMAP server answers (STATUS, SEARCH, a FETCH transcript with its literal)
// and the mailbox names and ticket tags that come from configuration and subjects. Built as a
// libFuzzer binary with clang (tests/fuzz/run.sh) and, in every build, linked into a replay
// main that runs the seed corpus.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/email/email_channel.hpp"
#include "channels/email/imap_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace email = ccd::channels::email;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto st = email::parseStatus(in)) {
        // A plan never fetches at or below the cursor it starts from.
        email::MailboxCursor saved{st->uidvalidity, st->uidnext / 2};
        auto plan = email::planPoll(saved, *st, false);
        for (auto uid : email::uidsToFetch(email::parseSearch(in), plan))
            if (uid <= plan.base.last_uid) __builtin_trap();
    }
    auto uids = email::parseSearch(in);
    for (std::size_t i = 1; i < uids.size(); ++i)
        if (uids[i - 1] >= uids[i]) __builtin_trap();
    if (auto f = email::parseFetch(in))
        if (f->raw.size() > in.size()) __builtin_trap();
    auto utf7 = email::mailboxUtf7(in);
    for (char c : utf7)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            __builtin_trap();
    (void)email::parseImapUrl(in);
    email::TicketTag tag;
    for (auto n : tag.find(in))
        if (n == 0) __builtin_trap();
    return 0;
}
