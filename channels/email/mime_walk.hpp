#pragma once
// Internal to channels/email: the walk over a GMime message's tree that collects bodies,
// attachments and delivery reports. Declared apart so that mime_parser.cpp stays about headers.

#include <gmime/gmime.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "channels/email/parsed_email.hpp"

namespace ccd::channels::email::detail {

/// Releases a GObject (GMime objects are GObjects).
struct GObjectUnref {
    void operator()(gpointer p) const {
        if (p) g_object_unref(p);
    }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

/// Everything collected while walking one message's parts.
struct WalkState {
    const ParseOptions* options = nullptr;
    /// Fallbacks for unlabelled 8-bit text in headers and filenames: the message's own body
    /// charset first (clients write both in one charset), then the configured ones.
    std::vector<std::string> header_charsets;
    std::string_view raw;          ///< the bytes the message was parsed from (boundary checks)
    std::size_t depth_base = 0;    ///< nesting of this message inside attached messages
    std::size_t* parts = nullptr;  ///< parts walked so far, shared with attached messages
    struct Body {
        bool html = false;
        std::string text;  ///< UTF-8, LF line ends
        int group = -1;    ///< the multipart/alternative it belongs to, -1 for none
    };
    std::vector<Body> bodies;
    std::vector<Attachment> attachments;
    std::vector<std::string> warnings;
    int next_group = 0;
    bool limit_warned = false;
    /// Boundaries that have a closing line ("--b--") in `raw`; built on first use.
    std::unordered_set<std::string> closed_boundaries;
    bool closed_boundaries_built = false;
    std::string delivery_status;     ///< the body of the first message/delivery-status part
    std::string report_original_id;  ///< Message-ID of the message a report returns
    std::string first_attached_id;   ///< Message-ID of the first attached message
};

/// Reads one GMime message (headers and tree) into `out`; `raw` is what it was parsed from.
void readMessage(GMimeMessage* message, std::string_view raw, const ParseOptions& options,
                 std::size_t depth, std::size_t* parts, ParsedEmail& out);

/// Walks `object` and below into `st`.
void walkPart(GMimeObject* object, WalkState& st, std::size_t depth, int group, bool in_report);

/// The body text from the collected pieces: per alternative group the text/plain pieces, or
/// the HTML ones converted when there is no non-empty text/plain.
std::string assembleText(const std::vector<WalkState::Body>& bodies);

/// The raw value of the first header `name` of `object` (folded, undecoded); empty if none.
std::string rawHeader(GMimeObject* object, const char* name);

}  // namespace ccd::channels::email::detail
