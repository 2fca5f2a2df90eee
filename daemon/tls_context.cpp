#include "daemon/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/spdlog.h>

namespace ccd::daemon {

namespace ssl = boost::asio::ssl;

namespace {

// ECDHE only (forward secrecy), AEAD only; TLS 1.3's suites are OpenSSL's defaults (all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

std::shared_ptr<ssl::context> TlsContextSource::build(const config::TlsConfig& tls) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                     ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                     ssl::context::single_dh_use);
    // OpenSSL 3 refuses client-initiated renegotiation by default; this refuses it all.
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    int min = tls.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (SSL_CTX_set_min_proto_version(native, min) != 1 ||
        SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
        ERR_clear_error();
        throw std::runtime_error("OpenSSL refused the protocol or cipher settings");
    }
    boost::system::error_code ec;
    ctx->use_certificate_chain(boost::asio::buffer(tls.cert_pem), ec);
    if (ec)
        throw std::runtime_error("cannot use the certificate chain of " + tls.cert_file + ": " +
                                 ec.message());
    ctx->use_private_key(boost::asio::buffer(tls.key_pem.reveal()), ssl::context::pem, ec);
    if (ec)
        throw std::runtime_error("cannot use the private key of " + tls.key_file + ": " +
                                 ec.message());
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        throw std::runtime_error("the key in " + tls.key_file +
                                 " does not match the certificate in " + tls.cert_file);
    }
    return ctx;
}

TlsContextSource::TlsContextSource(std::string listener, const config::TlsConfig& tls)
    : listener_(std::move(listener)), tls_(tls), context_(build(tls)) {
    spdlog::info("{}: TLS with {} (serial {}, valid until {}), TLS {} at least", listener_,
                 tls.cert_file, tls.serial, tls.not_after, tls.min_version);
}

TlsContextSource::~TlsContextSource() = default;

std::shared_ptr<ssl::context> TlsContextSource::current() const {
    std::lock_guard lock(mutex_);
    return context_;
}

bool TlsContextSource::update(const config::TlsConfig& tls) {
    {
        std::lock_guard lock(mutex_);
        if (tls_.sameMaterial(tls)) {
            tls_.hsts_max_age = tls.hsts_max_age;
            return true;
        }
    }
    std::shared_ptr<ssl::context> next;
    try {
        next = build(tls);
    } catch (const std::exception& e) {
        spdlog::error("{}: the new certificate is not used ({}); the previous one keeps serving",
                      listener_, e.what());
        return false;
    }
    {
        std::lock_guard lock(mutex_);
        tls_ = tls;
        context_ = std::move(next);
    }
    spdlog::info("{}: new connections get {} (serial {}, valid until {}); open ones keep theirs",
                 listener_, tls.cert_file, tls.serial, tls.not_after);
    return true;
}

std::string TlsContextSource::hsts() const {
    std::lock_guard lock(mutex_);
    if (tls_.hsts_max_age.count() == 0) return {};
    return "max-age=" + std::to_string(tls_.hsts_max_age.count());
}

}  // namespace ccd::daemon
