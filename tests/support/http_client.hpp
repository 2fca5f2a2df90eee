#pragma once
// A small blocking HTTP/1.1 client for integration tests (real sockets, keep-alive).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ccd::testing {

struct HttpReply {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool keep_alive = false;

    std::string header(const std::string& name) const;
};

/// What a raw exchange on one connection got back.
struct RawExchange {
    std::string received;  ///< every byte read
    bool closed = false;   ///< the server closed the connection (false: the timeout ran out)
};

/// One keep-alive connection to 127.0.0.1:port. Reconnects if the server closed it.
class HttpClient {
public:
    explicit HttpClient(std::uint16_t port);
    ~HttpClient();

    HttpReply request(const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {});
    /// POST with Content-Type: application/json.
    HttpReply postJson(const std::string& target, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers = {});
    HttpReply get(const std::string& target) { return request("GET", target); }

    /// Sends raw bytes on a fresh connection and returns everything read until the server
    /// closes it (or `timeout_ms` passes).
    static std::string raw(std::uint16_t port, const std::string& bytes, int timeout_ms = 3000);
    /// raw(), and whether it was the server that closed; from `source` (a local address such as
    /// "127.0.0.2") when not empty.
    static RawExchange exchange(std::uint16_t port, const std::string& bytes, int timeout_ms,
                                const std::string& source = {});

    /// Whether the current connection is still open after the last reply.
    bool connected() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::testing
