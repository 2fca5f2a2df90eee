#pragma once
// TLS for the tests that run the real daemon with a certificate: a self-signed certificate made
// with OpenSSL's API into a folder, one HTTPS request on a fresh connection (with the protocol
// versions the client offers, and what the server showed), and a small blocking wss:// client
// of the console. The server's certificate is not verified: the test checks its serial.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ccd::testing {

/// Writes a self-signed EC P-256 certificate for CN=localhost (and IP 127.0.0.1) with this
/// serial to `cert`, its key to `key`. Throws std::runtime_error.
void makeSelfSignedCertificate(const std::filesystem::path& cert, const std::filesystem::path& key,
                               long serial);

/// The versions a client offers: OpenSSL's TLS1_VERSION ... TLS1_3_VERSION; 0 = library default.
struct TlsVersions {
    int min = 0;
    int max = 0;
};

/// What one HTTPS exchange got.
struct TlsReply {
    int status = 0;         ///< 0 when there was no answer (`error` says why)
    std::string error;      ///< the handshake's or the exchange's failure
    std::string protocol;   ///< "TLSv1.3", ...
    std::string serial;     ///< the server certificate's serial, hex (OpenSSL's BN_bn2hex)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string header(const std::string& name) const;
};

/// One request to https://127.0.0.1:`port` on a fresh connection (a JSON body, a bearer token
/// when given), within `timeout_ms`.
TlsReply httpsRequest(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& token = {},
                      TlsVersions versions = {}, int timeout_ms = 10000);

/// A blocking wss:// connection to the console (127.0.0.1:`port`, path "/"), upgraded with
/// `Authorization: Bearer token` and `Origin` when not empty.
class WssClient {
  public:
    WssClient(std::uint16_t port, const std::string& token, const std::string& origin = {});
    ~WssClient();
    /// Whether the TLS and websocket handshakes succeeded; error() says why not.
    bool open() const;
    const std::string& error() const;
    /// Sends one JSON text frame.
    void send(const nlohmann::json& frame);
    /// The next frame of `type`, skipping others, waiting up to `timeout_ms` in all.
    std::optional<nlohmann::json> next(const std::string& type, int timeout_ms = 5000);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ccd::testing
