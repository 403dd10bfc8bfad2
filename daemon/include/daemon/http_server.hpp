/// @file
/// @brief The internal HTTP listener (Boost.Beast): /healthz, /readyz and /metrics.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace carelisten::daemon {

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

/// Handlers are called on the io_context's thread and must not block.
using HttpHandler = std::function<HttpResponse()>;

/// Lifecycle: Listen() binds (throws std::system_error when it cannot), Stop() closes the acceptor;
/// sessions in flight finish on their own (each has a 10 s deadline). GET only; bodies are ignored;
/// requests over 8 KiB are refused. Thread-safety: use from the io_context's thread.
class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, std::map<std::string, HttpHandler> routes);
    ~HttpServer();

    boost::asio::ip::tcp::endpoint Listen(const std::string& address, unsigned short port);
    void Stop();

private:
    void Accept();

    boost::asio::io_context& io_;
    std::shared_ptr<const std::map<std::string, HttpHandler>> routes_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace carelisten::daemon
