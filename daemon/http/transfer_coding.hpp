#pragma once
// Whether a request's framing can be trusted (RFC 9112 6.1 and 6.3). A Transfer-Encoding whose
// last coding is not chunked leaves the body's end undefined; with a Content-Length too, two
// parsers may disagree on it. Either way the bytes after the headers could be read as a request
// of their own (request smuggling): such a request is refused and its connection closed.
// Pure; no Beast here, so that it is tested without a socket.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ccd::daemon::http {

/// Why a request's framing is refused.
struct FramingError {
    int status = 400;  ///< 400, or 501 for a coding ccd does not implement
    std::string code;  ///< "bad_request", "not_implemented"
    std::string reason;
};

/// Checks the Transfer-Encoding field values of a request (each may list several codings),
/// given whether it also has a Content-Length and its HTTP version (10, 11). Nullopt when the
/// framing is sound: no Transfer-Encoding, or exactly `chunked` in HTTP/1.1 without a length.
std::optional<FramingError> checkTransferEncoding(const std::vector<std::string_view>& values,
                                                  bool has_content_length, unsigned version);

}  // namespace ccd::daemon::http
