#pragma once
// What writing and reading a contact (PUT /v1/contacts/{key}, the CSV import) does that is not
// SQL, shared by the SQLite and PostgreSQL stores so that both keep the same text in the same
// columns: the addresses an update links, the attributes' JSON and its reading back. Pure
// functions: any thread.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store/store.hpp"

namespace ccd::store {

/// ASCII letters lower-cased (emails are stored so); other bytes kept.
std::string lowerAscii(std::string s);

/// Every (channel, address) the update links, in order, without repeats: the explicit ones,
/// then the email and the phone as addresses on the email and voice channels. Email addresses
/// are lower-cased.
std::vector<std::pair<std::string, std::string>> contactAddresses(const ContactUpdate& update);

/// contacts.attributes for the update's attributes (a JSON object of strings); nullopt when
/// the update leaves them as they are.
std::optional<std::string> contactAttributesColumn(const ContactUpdate& update);

/// contacts.attributes read back: strings as they are, other values as their JSON; anything
/// but an object gives none.
std::map<std::string, std::string> parseContactAttributes(const std::string& text);

}  // namespace ccd::store
