#include "daemon/console/qr_svg.hpp"

#include <qrencode.h>

#include <memory>

namespace ccd::daemon::console {

std::optional<std::string> qrSvg(std::string_view text) {
    const std::string input(text);
    std::unique_ptr<QRcode, void (*)(QRcode*)> code(
        QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
    if (!code || code->width <= 0) return std::nullopt;
    constexpr int kQuiet = 4;
    const int width = code->width;
    const int size = width + 2 * kQuiet;
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                      std::to_string(size) + " " + std::to_string(size) +
                      "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
                      "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
    // Bit 0 of each byte is the module's colour (1: dark); runs of dark modules in a row are
    // one rectangle.
    for (int y = 0; y < width; ++y) {
        const unsigned char* row = code->data + static_cast<std::size_t>(y) * width;
        for (int x = 0; x < width;) {
            if (!(row[x] & 1)) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < width && (row[x + run] & 1)) ++run;
            out += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" +
                   std::to_string(run) + "v1h-" + std::to_string(run) + "z";
            x += run;
        }
    }
    out += "\"/></svg>";
    return out;
}

}  // namespace ccd::daemon::console
