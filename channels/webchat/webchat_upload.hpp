#pragma once
// A customer's photo or file (web chat): checked before anything is stored — its size, its
// declared type among the instance's upload_types, and, for images and PDF, its first bytes
// (a file named .jpg that is not a JPEG is refused). Pure: fuzzed by tests/fuzz.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "channels/channel.hpp"
#include "channels/webchat/webchat_channel.hpp"

namespace ccd::channels::webchat {

/// A file that passed the checks.
struct CheckedUpload {
    std::string mime_type;  ///< the declared type, lower case, without parameters
    std::string file_name;  ///< a plain name: no folders, no control characters, at most 200 bytes
    std::string kind;       ///< "photo" for images, "document" otherwise
};

/// Checks an upload: `content_type` (the request's), `file_name` (as the browser sent it,
/// percent-encoded; may be empty), the bytes. A Rejection (413 too large, 415 a type not
/// accepted, 422 content that is not what it says, 400 empty) or the checked file.
std::variant<CheckedUpload, Rejection> checkUpload(std::string_view content_type,
                                                   std::string_view file_name,
                                                   std::string_view bytes,
                                                   const WebchatSettings& settings);

/// Whether `bytes` start like a file of `mime_type` (JPEG, PNG, GIF, WebP, PDF); types without
/// a known signature pass.
bool matchesSignature(std::string_view mime_type, std::string_view bytes);

}  // namespace ccd::channels::webchat
