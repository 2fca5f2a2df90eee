#include "daemon/webchat/chat_routes.hpp"

#include "daemon/console/page_routes.hpp"
#include "daemon/http/router.hpp"

namespace ccd::daemon::webchat {

using channels::WebResponse;

void addChatRoutes(http::Router& router, std::string dir, WidgetSettings settings,
                   UploadHandler upload) {
    router.add("POST", "/chat/upload/{instance}",
               [upload](http::RoutedRequest&& req, http::Responder r) {
                   std::string name(req.param("instance"));
                   upload(name, std::move(req), std::move(r));
               });
    // The widget on another site uploads across origins: the preflight is answered here, and
    // the upload's answer names the origin when the instance allows it.
    router.add("OPTIONS", "/chat/upload/{instance}",
               [upload](http::RoutedRequest&& req, http::Responder r) {
                   std::string name(req.param("instance"));
                   upload(name, std::move(req), std::move(r));
               });
    router.add("GET", "/chat/demo", [dir](http::RoutedRequest&&, http::Responder r) {
        r.send(console::staticFile(dir, "demo.html"));
    });
    router.add("GET", "/chat/{file}", [dir](http::RoutedRequest&& req, http::Responder r) {
        auto name = req.param("file");
        // The widget runs inside other sites' pages: its script and style may be loaded
        // from them (no framing or HTML is involved).
        auto res = console::staticFile(dir, name);
        if (res.status == 200) res.headers.emplace_back("Cross-Origin-Resource-Policy", "cross-origin");
        r.send(std::move(res));
    });
    router.add("GET", "/chat/config/{instance}",
               [settings](http::RoutedRequest&& req, http::Responder r) {
                   std::string name(req.param("instance"));
                   auto j = settings ? settings(name) : std::nullopt;
                   auto res = j ? WebResponse::json(200, j->dump())
                                : WebResponse::error(404, "not_found",
                                                     "no web chat instance " + name);
                   // Public settings, read by the widget from any site.
                   res.headers.emplace_back("Access-Control-Allow-Origin", "*");
                   res.headers.emplace_back("Cache-Control", "no-cache");
                   r.send(std::move(res));
               });
}

}  // namespace ccd::daemon::webchat
