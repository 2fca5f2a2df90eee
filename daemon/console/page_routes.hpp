#pragma once
// The console page: GET /console and GET /console/{file} serve console/www/ (index.html,
// console.css, console.js, ...) with their content types, and GET /console/config.json tells the
// page where the websocket listens. Only plain file names in that one folder are served: no
// directory traversal.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "channels/web_types.hpp"

namespace ccd::daemon::http {
class Router;
}

namespace ccd::daemon::console {

/// The content type for a file name's extension; empty when the extension is not served.
std::string_view contentTypeFor(std::string_view file_name);

/// Whether `name` is a plain file name that may be served (letters, digits, '.', '-', '_', not
/// starting with a dot).
bool isServableName(std::string_view name);

/// The file `name` of `dir` with its content type and the page's safety headers (nosniff, no
/// framing, a same-origin CSP for HTML); 404 when it is not a servable file there.
channels::WebResponse staticFile(const std::string& dir, std::string_view name);

/// Adds the page routes. `static_dir` is the folder with the files (empty: 404 for every file);
/// `websocket_port` is read for each config.json request; `websocket_tls`: the listener is
/// wss:// (the page connects to the scheme config.json names).
void addPageRoutes(http::Router& router, std::string static_dir,
                   std::function<std::uint16_t()> websocket_port, bool websocket_tls = false);

}  // namespace ccd::daemon::console
