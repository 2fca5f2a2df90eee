#include "tests/support/tls_client.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace ccd::testing {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using TlsSocket = ssl::stream<tcp::socket>;

namespace {

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("makeSelfSignedCertificate: ") + what);
}

void writePem(const std::filesystem::path& path, const std::function<int(FILE*)>& write) {
    FILE* f = std::fopen(path.c_str(), "wb");
    check(f != nullptr, "cannot open an output file");
    int ok = write(f);
    std::fclose(f);
    check(ok == 1, "cannot write PEM");
}

// Both directions of the socket give up after `ms` (blocking reads and writes).
void setTimeouts(tcp::socket& s, int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A client context offering `v`, not verifying the server (the tests check its serial).
ssl::context clientContext(TlsVersions v) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);
    // Old versions are offered only when asked for (OpenSSL's default security level refuses
    // to offer TLS 1.0/1.1 at all).
    if (v.max && v.max < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx.native_handle(), 0);
    if (v.min) SSL_CTX_set_min_proto_version(ctx.native_handle(), v.min);
    if (v.max) SSL_CTX_set_max_proto_version(ctx.native_handle(), v.max);
    return ctx;
}

std::string peerSerial(SSL* s) {
    std::string out;
    X509* cert = SSL_get1_peer_certificate(s);
    if (!cert) return out;
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
        if (char* hex = BN_bn2hex(bn)) {
            out = hex;
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    X509_free(cert);
    return out;
}

}  // namespace

void makeSelfSignedCertificate(const std::filesystem::path& cert_path,
                               const std::filesystem::path& key_path, long serial) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    check(key != nullptr, "cannot make a key");
    X509* x = X509_new();
    check(x != nullptr, "X509_new");
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    if (X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name,
                                                  "DNS:localhost,IP:127.0.0.1")) {
        X509_add_ext(x, san, -1);
        X509_EXTENSION_free(san);
    }
    bool signed_ok = X509_sign(x, key, EVP_sha256()) > 0;
    if (signed_ok) {
        writePem(cert_path, [x](FILE* f) { return PEM_write_X509(f, x); });
        writePem(key_path, [key](FILE* f) {
            return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
        });
    }
    X509_free(x);
    EVP_PKEY_free(key);
    check(signed_ok, "cannot sign");
}

std::string TlsReply::header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (beast::iequals(k, name)) return v;
    }
    return {};
}

TlsReply httpsRequest(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body, const std::string& token, TlsVersions versions,
                      int timeout_ms) {
    TlsReply out;
    asio::io_context ioc;
    auto ctx = clientContext(versions);
    TlsSocket stream(ioc, ctx);
    beast::error_code ec;
    stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) {
        out.error = "connect: " + ec.message();
        return out;
    }
    setTimeouts(stream.next_layer(), timeout_ms);
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) {
        out.error = "handshake: " + ec.message();
        return out;
    }
    out.protocol = SSL_get_version(stream.native_handle());
    out.serial = peerSerial(stream.native_handle());
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::connection, "close");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(stream, buffer, res, ec);
    if (ec) {
        out.error = "exchange: " + ec.message();
        return out;
    }
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = res.body();
    return out;
}

struct WssClient::Impl {
    Impl() : ctx(clientContext({})), ws(ioc, ctx) {}
    asio::io_context ioc;
    ssl::context ctx;
    websocket::stream<TlsSocket> ws;
    std::string error;
    bool open = false;
};

WssClient::WssClient(std::uint16_t port, const std::string& token, const std::string& origin)
    : impl_(std::make_unique<Impl>()) {
    auto& d = *impl_;
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(d.ws);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) setTimeouts(socket, 10000);
    if (!ec) d.ws.next_layer().handshake(ssl::stream_base::client, ec);
    if (ec) {
        d.error = "TLS: " + ec.message();
        return;
    }
    d.ws.set_option(websocket::stream_base::decorator([token, origin](websocket::request_type& r) {
        if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
        if (!origin.empty()) r.set(http::field::origin, origin);
    }));
    d.ws.handshake("127.0.0.1", "/", ec);
    if (ec) {
        d.error = "upgrade: " + ec.message();
        return;
    }
    d.open = true;
}

WssClient::~WssClient() {
    if (!impl_->open) return;
    beast::error_code ignored;
    impl_->ws.close(websocket::close_code::normal, ignored);
}

bool WssClient::open() const { return impl_->open; }
const std::string& WssClient::error() const { return impl_->error; }

void WssClient::send(const nlohmann::json& frame) {
    impl_->ws.text(true);
    impl_->ws.write(asio::buffer(frame.dump()));
}

std::optional<nlohmann::json> WssClient::next(const std::string& type, int timeout_ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
        beast::flat_buffer buffer;
        beast::error_code ec;
        impl_->ws.read(buffer, ec);
        if (ec) return std::nullopt;
        auto frame = nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
        if (!frame.is_discarded() && frame.value("type", "") == type) return frame;
    }
    return std::nullopt;
}

}  // namespace ccd::testing
