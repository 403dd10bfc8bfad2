#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <daemon/http_server.hpp>
#include <thread>

namespace carelisten::daemon {
namespace {

using boost::asio::ip::tcp;

std::string Exchange(unsigned short port, const std::string& request) {
    boost::asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    boost::asio::write(socket, boost::asio::buffer(request));
    std::string response;
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(response), ec);
    return response;
}

class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        server_ = std::make_unique<HttpServer>(
            io_,
            std::map<std::string, HttpHandler>{{"/healthz",
                                                [] {
                                                    return HttpResponse{200, "application/json", "{\"status\":\"ok\"}"};
                                                }},
                                               {"/readyz", [] {
                                                    return HttpResponse{503, "text/plain", "not ready\n"};
                                                }}});
        port_ = server_->Listen("127.0.0.1", 0).port();
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override {
        boost::asio::post(io_, [this] { server_->Stop(); });
        io_.stop();
        thread_.join();
    }
    boost::asio::io_context io_;
    std::unique_ptr<HttpServer> server_;
    unsigned short port_ = 0;
    std::thread thread_;
};

TEST_F(HttpServerTest, RoutesAndStatusCodes) {
    EXPECT_NE(port_, 0);
    const auto ok = Exchange(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
    EXPECT_NE(ok.find("{\"status\":\"ok\"}"), std::string::npos);
    EXPECT_EQ(Exchange(port_, "GET /readyz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 503", 0), 0u);
    EXPECT_EQ(Exchange(port_, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
    EXPECT_EQ(
        Exchange(port_, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
}

TEST_F(HttpServerTest, RefusesOversizedRequests) {
    const auto response =
        Exchange(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response.substr(0, 40);
}

TEST_F(HttpServerTest, SurvivesGarbage) {
    Exchange(port_, "\x16\x03\x01 not http at all\r\n\r\n");
    EXPECT_EQ(Exchange(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace carelisten::daemon

namespace carelisten::daemon {
namespace {

// Webhooks: a prefix route gets the method, path, query, lower-cased headers and body, and may answer later
// from another thread (the store thread answers after the commit).
TEST(HttpServerPrefixRoute, PostsReachTheHandlerAndTheReplyMayComeFromAnotherThread) {
    boost::asio::io_context io;
    HttpServer server(io, {});
    server.SetBodyLimit(64);
    HttpRequest seen;
    std::thread replier;
    server.AddPrefixRoute("/webhooks/", [&](HttpRequest request, std::function<void(HttpResponse)> reply) {
        seen = std::move(request);
        replier = std::thread([reply = std::move(reply)] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            reply(HttpResponse{200, "text/plain", "stored\n"});
        });
    });
    const auto port = server.Listen("127.0.0.1", 0).port();
    std::thread loop([&] { io.run(); });

    const auto answer = Exchange(port,
                                 "POST /webhooks/forum?x=1 HTTP/1.1\r\nHost: h\r\nX-Discourse-Event: post_created\r\n"
                                 "Content-Length: 11\r\n\r\n{\"post\":{}}");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_NE(answer.find("stored"), std::string::npos);
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.path, "/webhooks/forum");
    EXPECT_EQ(seen.query, "x=1");
    EXPECT_EQ(seen.body, "{\"post\":{}}");
    bool header_found = false;
    for (const auto& [name, value] : seen.headers) {
        header_found = header_found || (name == "x-discourse-event" && value == "post_created");
    }
    EXPECT_TRUE(header_found);

    const std::string big(100, 'x');
    const auto too_large =
        Exchange(port, "POST /webhooks/forum HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + big);
    EXPECT_EQ(too_large.rfind("HTTP/1.1 413", 0), 0u) << too_large;

    boost::asio::post(io, [&] { server.Stop(); });
    io.stop();
    loop.join();
    replier.join();
}

}  // namespace
}  // namespace carelisten::daemon
