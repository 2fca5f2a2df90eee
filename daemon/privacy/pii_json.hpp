#pragma once
// Masking of the personal data in a JSON answer or console frame, for the roles that
// `privacy.mask_pii_for` names: contact fields (phone, email, address) with their own rule,
// message text and the other free text and contact identifiers with maskText(). A copy is
// masked on its way out; what the store holds is never changed.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ccd::daemon::privacy {

/// Whether the personal data sent to an audience is masked: "agent", "supervisor", "admin"
/// (console and HTTP roles) or "api" (API-key clients). Empty: nobody's is.
using MaskPii = std::function<bool(std::string_view audience)>;

/// Masks `j` in place (objects and arrays at any depth): `phone` maskPhone(), `email`
/// maskEmail(), `address` maskAddress(); `text`, `original_text`, `subject`, `note`, `body`,
/// `channel_ref`, `key`, `addresses` and `attributes` (every string inside) maskText().
void maskJson(nlohmann::json& j);

/// A serialized frame masked: parsed, maskJson(), dumped again (not JSON: maskText()).
std::string maskFrame(std::string_view frame);

}  // namespace ccd::daemon::privacy
