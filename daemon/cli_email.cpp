#include "daemon/cli_email.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>

#include "channels/email/email_json.hpp"
#include "channels/email/mime_parser.hpp"

namespace ccd::daemon {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace

EmailCommand::EmailCommand(CLI::App& app) {
    email_ = app.add_subcommand("email", "Email channel tools");
    email_->require_subcommand(1);
    parse_ = email_->add_subcommand(
        "parse",
        "Print what ccd makes of one raw message (.eml) as JSON: from, subject, text, "
        "text_for_classification, attachments, message_id, thread, auto_submitted, bounce, "
        "warnings");
    parse_->add_option("file", file_, "Raw RFC 5322 message")->required();
    parse_
        ->add_option("--max-attachment-bytes", max_attachment_bytes_,
                     "Attachment bytes kept per attachment")
        ->capture_default_str();
}

bool EmailCommand::selected() const { return email_ && email_->parsed(); }

int EmailCommand::run() const {
    if (parse_->parsed())
        return printParsedEmail(file_, max_attachment_bytes_, std::cout, std::cerr);
    return kExitUsage;
}

int printParsedEmail(const std::string& path, std::size_t max_attachment_bytes, std::ostream& out,
                     std::ostream& err) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err << "ccd: cannot read " << path << "\n";
        return kExitFailure;
    }
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        err << "ccd: cannot read " << path << "\n";
        return kExitFailure;
    }
    channels::email::ParseOptions options;
    options.max_attachment_bytes = max_attachment_bytes;
    auto parsed = channels::email::parseEmail(raw, options);
    out << channels::email::toJson(parsed).dump(2, ' ', false,
                                                nlohmann::json::error_handler_t::replace)
        << "\n";
    return kExitOk;
}

}  // namespace ccd::daemon
