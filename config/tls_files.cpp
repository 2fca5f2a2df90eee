#include "config/tls_files.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "config/yaml_reader.hpp"

namespace ccd::config {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

// The whole file, or nullopt with the reason (errno's words).
std::optional<std::string> readWhole(const std::string& path, std::string& error) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        error = "no such file: " + path;
        return std::nullopt;
    }
    if (std::filesystem::is_directory(path, ec)) {
        error = path + " is a directory, not a PEM file";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot read " + path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    return text.str();
}

// OpenSSL's last error, and the queue cleared for the next caller.
std::string sslReason() {
    unsigned long e = ERR_peek_last_error();
    char buf[256] = {};
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return e ? std::string(" (") + buf + ")" : std::string();
}

// Never prompt for a passphrase on the terminal: an encrypted key is refused.
int noPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

std::optional<TlsConfig> loadTlsFiles(const std::string& cert_file, const std::string& key_file,
                                      TlsFileError& error) {
    auto fail = [&](std::string message, bool key) {
        error = {std::move(message), key};
        return std::nullopt;
    };
    auto cert_pem = readWhole(cert_file, error.message);
    if (!cert_pem) return fail(error.message, false);
    auto key_pem = readWhole(key_file, error.message);
    if (!key_pem) return fail(error.message, true);
    ERR_clear_error();
    Bio cbio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
    X509Ptr leaf(cbio ? PEM_read_bio_X509(cbio.get(), nullptr, noPassphrase, nullptr) : nullptr);
    if (!leaf) return fail("no PEM certificate in " + cert_file + sslReason(), false);
    Bio kbio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
    KeyPtr key(kbio ? PEM_read_bio_PrivateKey(kbio.get(), nullptr, noPassphrase, nullptr)
                    : nullptr);
    if (!key) return fail("no unencrypted PEM private key in " + key_file + sslReason(), true);
    if (X509_check_private_key(leaf.get(), key.get()) != 1) {
        ERR_clear_error();
        return fail("the key in " + key_file + " does not match the certificate in " + cert_file,
                    true);
    }
    TlsConfig out;
    out.cert_file = cert_file;
    out.key_file = key_file;
    out.cert_pem = std::move(*cert_pem);
    out.key_pem = Secret(std::move(*key_pem), key_file);
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.get()), nullptr)) {
        if (char* hex = BN_bn2hex(bn)) {
            out.serial = hex;
            OPENSSL_free(hex);
        }
        BN_free(bn);
    }
    Bio mem(BIO_new(BIO_s_mem()));
    if (mem && ASN1_TIME_print(mem.get(), X509_get0_notAfter(leaf.get())) == 1) {
        char* data = nullptr;
        long n = BIO_get_mem_data(mem.get(), &data);
        out.not_after.assign(data, static_cast<std::size_t>(n));
    }
    ERR_clear_error();
    return out;
}

std::optional<TlsConfig> readTls(const NodeRef& n, const std::filesystem::path& base) {
    if (!n.present() || n.isNull() || !n.expectMap({"cert", "key", "min_version", "hsts_max_age"}))
        return std::nullopt;
    bool complete = n["cert"].require() & n["key"].require();
    auto path = [&](const NodeRef& node) -> std::optional<std::string> {
        auto s = node.nonEmptyString();
        if (!s) return std::nullopt;
        std::filesystem::path p(*s);
        if (p.is_relative()) p = base / p;
        return p.lexically_normal().string();
    };
    auto cert = path(n["cert"]);
    auto key = path(n["key"]);
    auto min = n["min_version"].oneOf<std::string>({{"1.2", "1.2"}, {"1.3", "1.3"}});
    std::chrono::seconds hsts = TlsConfig{}.hsts_max_age;
    if (auto d = n["hsts_max_age"].duration()) {
        // "0s" turns the header off; otherwise at least a day, as browsers expect.
        if (d->count() != 0 && *d < std::chrono::hours(24))
            n["hsts_max_age"].error("must be 0s (no header) or at least 1d");
        else hsts = std::chrono::duration_cast<std::chrono::seconds>(*d);
    }
    if (!complete || !cert || !key) return std::nullopt;
    TlsFileError error;
    auto tls = loadTlsFiles(*cert, *key, error);
    if (!tls) {
        (error.key_at_fault ? n["key"] : n["cert"]).error(error.message);
        return std::nullopt;
    }
    if (min) tls->min_version = *min;
    tls->hsts_max_age = hsts;
    return tls;
}

}  // namespace ccd::config
