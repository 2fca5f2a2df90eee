#include "daemon/store/history_rows.hpp"

#include <nlohmann/json.hpp>

namespace ccd::store {

std::string previewText(std::string_view text, std::size_t max_chars) {
    std::string out;
    out.reserve(text.size());
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        bool lead = (c & 0xC0) != 0x80;  // the first byte of a character
        if (lead && chars++ == max_chars) {
            out += "…";
            return out;
        }
        out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : text[i];
    }
    return out;
}

void readHistoryCaseBody(const std::string& body, HistoryCase& c) {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return;
    auto w = j.find("warranty");
    if (w != j.end() && w->is_object()) {
        auto in = w->find("in_warranty");
        if (in != w->end() && in->is_boolean()) c.in_warranty = in->get<bool>();
    }
    auto r = j.find("repeat_of");
    if (r != j.end() && r->is_number_integer()) c.repeat_of = r->get<std::int64_t>();
}

}  // namespace ccd::store
