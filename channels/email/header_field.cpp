#include "channels/email/header_field.hpp"

#include <cctype>

namespace ccd::channels::email {

const std::string* findHeader(const std::vector<HeaderField>& headers, std::string_view name) {
    for (const auto& h : headers) {
        if (h.name.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(h.name[i])) ==
                   std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return &h.value;
    }
    return nullptr;
}

std::vector<HeaderField> parseHeaderBlock(std::string_view text) {
    std::vector<HeaderField> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string_view line =
            text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            if (!out.empty()) {
                out.back().value += ' ';
                std::size_t b = line.find_first_not_of(" \t");
                if (b != std::string_view::npos) out.back().value += std::string(line.substr(b));
            }
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        std::string_view name = line.substr(0, colon);
        if (name.find(' ') != std::string_view::npos) continue;
        std::string_view value = line.substr(colon + 1);
        std::size_t b = value.find_first_not_of(" \t");
        out.push_back(
            {std::string(name), b == std::string_view::npos ? "" : std::string(value.substr(b))});
    }
    return out;
}

}  // namespace ccd::channels::email
