#pragma once
// `ccd email parse FILE.eml`: prints what ccd makes of one raw message as one JSON object —
// sender, subject, the whole text and the text used for classification, attachments (without
// their bytes), Message-ID, threading keys, whether it is automatic, the bounce it reports and
// the warnings — so that an administrator can see why a mail was read the way it was.
// Exit codes: 0 printed, 1 the file cannot be read, 2 usage.

#include <cstddef>
#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace ccd::daemon {

/// The `email` command group of the command line.
class EmailCommand {
  public:
    /// Adds `email parse FILE [--max-attachment-bytes N]` to `app`.
    explicit EmailCommand(CLI::App& app);

    /// Whether the command line chose this command (after parsing).
    bool selected() const;
    /// Runs it; returns the process exit code.
    int run() const;

  private:
    CLI::App* email_ = nullptr;
    CLI::App* parse_ = nullptr;
    std::string file_;
    std::size_t max_attachment_bytes_ = 10 * 1024 * 1024;
};

/// Parses the message in `path` and prints its JSON to `out` (errors to `err`); the exit code.
int printParsedEmail(const std::string& path, std::size_t max_attachment_bytes, std::ostream& out,
                     std::ostream& err);

}  // namespace ccd::daemon
