#pragma once
// The widget's files and settings on the HTTP listener: GET /chat/widget.js, /chat/widget.css,
// /chat/demo (demo.html) and GET /chat/config/{instance} (where its websocket listens, the
// start form's order field), served from a folder of plain files (no build step).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ccd::daemon::http {
class Responder;
class Router;
struct RoutedRequest;
}  // namespace ccd::daemon::http

namespace ccd::daemon::webchat {

/// The public settings of a webchat instance for its widget, or nullopt when there is no such
/// instance. Called on any thread.
using WidgetSettings = std::function<std::optional<nlohmann::json>(const std::string& instance)>;

/// POST /chat/upload/{instance}: hands the request to the instance's hub (404 when none).
using UploadHandler = std::function<void(const std::string& instance, http::RoutedRequest&& request,
                                         http::Responder responder)>;

/// Adds the /chat routes; `dir` holds widget.js, widget.css and demo.html (empty: 404).
void addChatRoutes(http::Router& router, std::string dir, WidgetSettings settings,
                   UploadHandler upload);

}  // namespace ccd::daemon::webchat
