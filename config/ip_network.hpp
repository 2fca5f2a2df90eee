#pragma once
// An address range (`10.0.0.0/8`, `2001:db8::/32`, or one address) and the client address read
// through trusted proxies' X-Forwarded-For: `server.trusted_proxies`.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ccd::config {

class IpNetwork {
public:
    /// "192.0.2.7", "10.0.0.0/8", "::1", "fd00::/8"; nullopt when it is none of these (or the
    /// prefix is longer than the address).
    static std::optional<IpNetwork> parse(std::string_view text);
    /// Whether `address` (as a listener reports it; IPv4-mapped IPv6 counts as IPv4) is in it.
    bool contains(std::string_view address) const;

private:
    bool v6_ = false;
    std::array<std::uint8_t, 16> bytes_{};
    int prefix_ = 0;
};

/// Whether `address` is in any of `networks`.
bool inAny(const std::vector<IpNetwork>& networks, std::string_view address);

/// The client's address: `peer` itself unless it is a trusted proxy; then the right-most
/// address of the X-Forwarded-For values (in header order) that is not a trusted proxy
/// (the left-most one when all are). An entry that is not an address ends the walk: what is
/// left of it was written by the client and cannot be believed, so the proxy that appended
/// after it is the last one known.
std::string clientAddress(std::string_view peer, const std::vector<std::string_view>& forwarded,
                          const std::vector<IpNetwork>& trusted);

}  // namespace ccd::config
