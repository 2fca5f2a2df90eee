#include "channels/common/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace ccd::channels {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
    return out;
}

std::string digestHex(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
        throw std::runtime_error("digest failed");
    return hex(out, len);
}

// HMAC of `data` with `key` into `out` (EVP_MAX_MD_SIZE bytes); its length.
unsigned int hmac(const EVP_MD* md, std::string_view key, std::string_view data,
                  unsigned char* out) {
    unsigned int len = 0;
    if (!HMAC(md, key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
        throw std::runtime_error("HMAC failed");
    return len;
}

}  // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    return hex(out, hmac(EVP_sha256(), key, data, out));
}

std::string hmacSha1Base64(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = hmac(EVP_sha1(), key, data, out);
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int n = EVP_EncodeBlock(b64, out, static_cast<int>(len));
    return std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n));
}

std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(data.data()),
                            static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string sha1Hex(std::string_view data) { return digestHex(EVP_sha1(), data); }

std::string sha256Hex(std::string_view data) { return digestHex(EVP_sha256(), data); }

bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string randomHex(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
        throw std::runtime_error("no random bytes from the operating system");
    return hex(buf.data(), buf.size());
}

}  // namespace ccd::channels
