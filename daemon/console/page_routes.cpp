#include "daemon/console/page_routes.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "daemon/http/router.hpp"

namespace ccd::daemon::console {

using channels::WebResponse;

WebResponse staticFile(const std::string& dir, std::string_view name) {
    if (dir.empty() || !isServableName(name) || contentTypeFor(name).empty())
        return WebResponse::error(404, "not_found", "no such console file");
    auto path = std::filesystem::path(dir) / std::string(name);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return WebResponse::error(404, "not_found", "no such console file");
    std::ifstream in(path, std::ios::binary);
    if (!in) return WebResponse::error(404, "not_found", "no such console file");
    std::ostringstream body;
    body << in.rdbuf();
    WebResponse res;
    res.status = 200;
    res.content_type = std::string(contentTypeFor(name));
    res.body = body.str();
    res.headers.emplace_back("Cache-Control", "no-cache");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("X-Frame-Options", "DENY");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    if (name.size() > 5 && name.substr(name.size() - 5) == ".html")
        res.headers.emplace_back("Content-Security-Policy",
                                 "default-src 'self'; connect-src 'self' ws: wss:; "
                                 "img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                 "frame-ancestors 'none'");
    return res;
}

std::string_view contentTypeFor(std::string_view name) {
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return {};
    auto ext = name.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "js") return "text/javascript; charset=utf-8";
    if (ext == "json") return "application/json";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    if (ext == "woff2") return "font/woff2";
    return {};
}

bool isServableName(std::string_view name) {
    if (name.empty() || name.size() > 128 || name.front() == '.') return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        if (!ok) return false;
    }
    return name.find("..") == std::string_view::npos;
}

void addPageRoutes(http::Router& router, std::string static_dir,
                   std::function<std::uint16_t()> websocket_port, bool websocket_tls) {
    router.add("GET", "/console", [dir = static_dir](http::RoutedRequest&&, http::Responder r) {
        r.send(staticFile(dir, "index.html"));
    });
    router.add("GET", "/console/{file}",
               [dir = static_dir, websocket_port, websocket_tls](http::RoutedRequest&& req,
                                                                 http::Responder r) {
                   auto name = req.param("file");
                   if (name == "config.json") {
                       nlohmann::json j{{"websocket_port", websocket_port ? websocket_port() : 0},
                                        {"websocket_path", "/"},
                                        {"websocket_scheme", websocket_tls ? "wss" : "ws"}};
                       auto res = WebResponse::json(200, j.dump());
                       res.headers.emplace_back("Cache-Control", "no-store");
                       return r.send(std::move(res));
                   }
                   if (name.empty()) name = "index.html";
                   r.send(staticFile(dir, name));
               });
}

}  // namespace ccd::daemon::console
