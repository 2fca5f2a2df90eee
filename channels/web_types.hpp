#pragma once
// Transport-neutral HTTP request and response, so channel adapters and route handlers can be
// written and tested without a socket or Boost.Beast (which stays inside daemon/http/).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccd::channels {

/// One received HTTP request. Header names are kept as sent; look them up with header().
struct WebRequest {
    std::string method;  ///< "GET", "POST", ...
    std::string target;  ///< path and query as sent: "/v1/messages?x=1"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// The client's address: the connection's peer, or the address a trusted proxy's
    /// X-Forwarded-For names (server.trusted_proxies).
    std::string remote_address;
    /// The connection's own peer (the proxy, when remote_address came from X-Forwarded-For);
    /// empty where no connection is involved.
    std::string peer_address;

    /// The path part of target, without the query string.
    std::string_view path() const;
    /// The query string after '?', or empty.
    std::string_view query() const;
    /// First header with this name, compared case-insensitively; empty if absent.
    std::string_view header(std::string_view name) const;
    bool hasHeader(std::string_view name) const;
};

/// A response to send. `content_type` defaults to JSON.
struct WebResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers

    /// A JSON error body {"error": code, "reason": reason[, "field": field]}.
    static WebResponse error(int status, std::string_view code, std::string_view reason,
                             std::string_view field = {});
    /// A JSON body serialized by the caller.
    static WebResponse json(int status, std::string body);
};

/// Case-insensitive ASCII comparison, for header names and tokens.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace ccd::channels
