#pragma once
// A customer record as PUT /v1/contacts/{key} and the CSV import give it, and the checks both
// share: key, email, E.164 phone, tier, locale, channels, dates. Pure; no I/O.
// Every check returns nullopt when the value is fine, else a message for people.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/contact.hpp"
#include "routing/utf8.hpp"

namespace ccd::channels::api {

/// A validated and normalized contact (emails lower-cased). Fields not given are nullopt and
/// keep their stored value; `attributes` and `products`, when given, replace the stored ones.
struct ContactInput {
    std::string key;
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> phone;  ///< E.164: "+" and 8 to 15 digits
    std::optional<std::string> tier;
    std::optional<std::string> locale;
    std::optional<std::map<std::string, std::string>> attributes;
    std::vector<std::pair<std::string, std::string>> addresses;  ///< (channel, address)
    std::optional<std::vector<routing::Product>> products;
};

/// The channels an address may name, as the store spells them.
inline constexpr std::string_view kContactChannels[] = {"api",      "email",    "webchat",
                                                        "telegram", "whatsapp", "voice"};

inline constexpr std::size_t kMaxKeyLength = 128;
inline constexpr std::size_t kMaxNameLength = 512;
inline constexpr std::size_t kMaxEmailLength = 320;
inline constexpr std::size_t kMaxAddressLength = 256;
inline constexpr std::size_t kMaxTierLength = 32;
inline constexpr std::size_t kMaxAttributeNameLength = 64;
inline constexpr std::size_t kMaxAttributeValueLength = 1024;
inline constexpr std::size_t kMaxSkuLength = 128;
inline constexpr std::size_t kMaxAddresses = 100;  ///< per contact, over all channels
inline constexpr std::size_t kMaxProducts = 1000;

/// Key: 1 to 128 characters of A-Z a-z 0-9 . _ : -, not made of dots only ("." and ".." would
/// make /v1/contacts/{key} a path that walks up).
std::optional<std::string> checkKey(std::string_view key);
/// A contact's name: no control characters (they would forge lines in logs, CSV exports and
/// the console).
std::optional<std::string> checkName(std::string_view name);
/// Lower-cases `email` in place and checks it is local@domain.tld without spaces.
std::optional<std::string> normalizeEmail(std::string& email);
/// E.164: "+", a non-zero digit, 8 to 15 digits in all, nothing else.
std::optional<std::string> checkPhone(std::string_view phone);
/// A simple lower-case name: a-z first, then a-z 0-9 _ -, at most 32 ("standard", "vip").
std::optional<std::string> checkTier(std::string_view tier);
/// A language tag: letters, digits, '-' and '_', 2 to 35 characters ("en", "zh-Hans").
std::optional<std::string> checkLocale(std::string_view locale);
/// A real calendar date written YYYY-MM-DD.
std::optional<std::string> checkDate(std::string_view date);
/// Attribute names: 1 to 64 characters of A-Z a-z 0-9 . _ -
std::optional<std::string> checkAttributeName(std::string_view name);
/// Whether `channel` is one of kContactChannels.
bool isContactChannel(std::string_view channel);
/// Checks and normalizes one address of a known channel: emails lower-cased, voice is E.164,
/// others are 1 to 256 bytes without control characters.
std::optional<std::string> normalizeAddress(std::string_view channel, std::string& address);

/// Which field of a product is wrong, and why.
struct ProductProblem {
    std::string field;  ///< "sku", "purchased_on", "warranty_until", ...
    std::string message;
};
/// Checks one product: a sku, valid dates, warranty_until not before purchased_on.
std::optional<ProductProblem> checkProduct(const routing::Product& product);

/// Whether `s` is well-formed UTF-8.
using routing::isValidUtf8;

}  // namespace ccd::channels::api
