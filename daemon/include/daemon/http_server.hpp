/// @file
/// @brief The internal HTTP listener (Boost.Beast): /healthz, /readyz and /metrics.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace carelisten::daemon {

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    /// Extra response headers (Content-Security-Policy, Location, ...); Cache-Control is always no-store.
    std::vector<std::pair<std::string, std::string>> headers = {};
};

/// Handlers are called on the io_context's thread and must not block.
using HttpHandler = std::function<HttpResponse()>;

/// A request for an asynchronous route (webhooks): everything a signature check needs.
struct HttpRequest {
    std::string method;
    std::string target;  ///< path and query as received
    std::string path;
    std::string query;                                         ///< without '?'
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased
    std::string body;
    std::string remote_address;  ///< the peer's IP address, for the audit log
};

/// Answers a request later: `reply` may be called from any thread, exactly once.
using AsyncHttpHandler = std::function<void(HttpRequest request, std::function<void(HttpResponse)> reply)>;

/// Lifecycle: Listen() binds (throws std::system_error when it cannot), Stop() closes the acceptor;
/// sessions in flight finish on their own (each has a deadline: 10 s, 30 s for asynchronous routes). Exact
/// routes answer GET; prefix routes (added before Listen) take any method with a body up to the body limit;
/// larger requests are refused with 413. Thread-safety: use from the io_context's thread.
class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, std::map<std::string, HttpHandler> routes);
    ~HttpServer();

    /// Routes every request whose path starts with `prefix` (and no exact route matched) to `handler`.
    void AddPrefixRoute(std::string prefix, AsyncHttpHandler handler);
    /// Largest request body accepted (default 8 KiB).
    void SetBodyLimit(std::size_t bytes) { body_limit_ = bytes; }

    boost::asio::ip::tcp::endpoint Listen(const std::string& address, unsigned short port);
    void Stop();

private:
    void Accept();

    boost::asio::io_context& io_;
    std::shared_ptr<const std::map<std::string, HttpHandler>> routes_;
    std::shared_ptr<std::vector<std::pair<std::string, AsyncHttpHandler>>> prefix_routes_;
    std::size_t body_limit_ = 8 * 1024;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace carelisten::daemon
