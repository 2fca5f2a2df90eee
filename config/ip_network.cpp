#include "config/ip_network.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace ccd::config {

namespace {

// The address as 16 bytes (v6) or 4 (v4 and IPv4-mapped v6), with v6 set accordingly.
bool toBytes(std::string_view text, std::array<std::uint8_t, 16>& out, bool& v6) {
    std::string s(text);
    // A bracketed or zoned IPv6 address, as some listeners print it.
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    if (auto pct = s.find('%'); pct != std::string::npos) s.resize(pct);
    out.fill(0);
    if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) {
        v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, s.c_str(), out.data()) != 1) return false;
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), kMapped, 12) == 0) {
        std::memmove(out.data(), out.data() + 12, 4);
        std::memset(out.data() + 4, 0, 12);
        v6 = false;
        return true;
    }
    v6 = true;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
    IpNetwork n;
    std::string_view address = text;
    std::optional<int> prefix;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        address = text.substr(0, slash);
        std::string_view digits = text.substr(slash + 1);
        int p = -1;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
            return std::nullopt;
        prefix = p;
    }
    if (address.empty() || !toBytes(address, n.bytes_, n.v6_)) return std::nullopt;
    const int bits = n.v6_ ? 128 : 32;
    n.prefix_ = prefix.value_or(bits);
    if (n.prefix_ < 0 || n.prefix_ > bits) return std::nullopt;
    return n;
}

bool IpNetwork::contains(std::string_view address) const {
    std::array<std::uint8_t, 16> b{};
    bool v6 = false;
    if (!toBytes(address, b, v6) || v6 != v6_) return false;
    const int whole = prefix_ / 8;
    if (std::memcmp(b.data(), bytes_.data(), static_cast<std::size_t>(whole)) != 0) return false;
    const int rest = prefix_ % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (b[static_cast<std::size_t>(whole)] & mask) == (bytes_[static_cast<std::size_t>(whole)] & mask);
}

bool inAny(const std::vector<IpNetwork>& networks, std::string_view address) {
    for (const auto& n : networks) {
        if (n.contains(address)) return true;
    }
    return false;
}

std::string clientAddress(std::string_view peer, const std::vector<std::string_view>& forwarded,
                          const std::vector<IpNetwork>& trusted) {
    std::string client(peer);
    if (trusted.empty() || !inAny(trusted, peer)) return client;
    // Right to left over every entry of every X-Forwarded-For header.
    for (auto h = forwarded.rbegin(); h != forwarded.rend(); ++h) {
        std::string_view list = *h;
        while (!list.empty()) {
            auto comma = list.rfind(',');
            std::string_view entry =
                trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
            list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
            if (entry.empty()) continue;
            std::array<std::uint8_t, 16> bytes{};
            bool v6 = false;
            if (!toBytes(entry, bytes, v6)) return client;  // not an address: stop here
            client = std::string(entry);
            if (!inAny(trusted, entry)) return client;
        }
    }
    return client;
}

}  // namespace ccd::config
