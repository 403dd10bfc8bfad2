// libFuzzer target: carelistend's HTTP listeners (daemon/src/http_server.cpp, the internal one with /healthz and
// the console's prefix routes, and the public one with the webhook prefix) on arbitrary bytes sent over a real
// loopback socket. Whatever arrives, the server answers with a well-formed HTTP/1.1 status line or closes the
// connection, never crashes, and keeps serving: a plain GET /healthz after every input must still answer 200.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <cstdlib>
#include <daemon/http_server.hpp>
#include <memory>
#include <string>
#include <thread>

namespace {

using boost::asio::ip::tcp;
using carelisten::daemon::HttpRequest;
using carelisten::daemon::HttpResponse;
using carelisten::daemon::HttpServer;

struct Listener {
    boost::asio::io_context io;
    std::unique_ptr<HttpServer> server;
    tcp::endpoint endpoint;
    std::thread thread;

    Listener() {
        server = std::make_unique<HttpServer>(io, std::map<std::string, carelisten::daemon::HttpHandler>{
                                                      {"/healthz", [] {
                                                           return HttpResponse{200, "text/plain", "ok\n"};
                                                       }}});
        // An asynchronous route that echoes what it was given, as the console and the webhooks receive it.
        server->AddPrefixRoute("/console", [](HttpRequest request, std::function<void(HttpResponse)> reply) {
            HttpResponse response{200, "text/plain", request.method + " " + request.path + "?" + request.query};
            response.headers.emplace_back("Set-Cookie", "a=1");
            response.headers.emplace_back("Set-Cookie", "b=2");
            reply(std::move(response));
        });
        server->SetBodyLimit(64 * 1024);
        endpoint = server->Listen("127.0.0.1", 0);
        thread = std::thread([this] { io.run(); });
    }
};

Listener& TheListener() {
    static Listener* listener = new Listener();  // lives for the whole fuzzing run
    return *listener;
}

/// Sends `bytes`, half-closes, and reads the whole answer (the server closes after one response).
std::string Exchange(const tcp::endpoint& endpoint, std::string_view bytes) {
    boost::asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code error;
    socket.connect(endpoint, error);
    if (error) {
        std::abort();  // the listener stopped accepting
    }
    boost::asio::write(socket, boost::asio::buffer(bytes.data(), bytes.size()), error);
    socket.shutdown(tcp::socket::shutdown_send, error);
    std::string answer;
    char buffer[4096];
    for (;;) {
        const std::size_t n = socket.read_some(boost::asio::buffer(buffer), error);
        answer.append(buffer, n);
        if (error) {
            break;
        }
    }
    return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Listener& listener = TheListener();
    const std::string answer = Exchange(listener.endpoint, std::string_view(reinterpret_cast<const char*>(data), size));
    if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0) {
        std::abort();
    }
    const std::string health = Exchange(listener.endpoint, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    if (health.rfind("HTTP/1.1 200", 0) != 0) {
        std::abort();
    }
    return 0;
}
