// TLS is always verified: a local HTTPS server (Boost.Asio + OpenSSL) with a self-signed certificate made
// by the openssl CLI is refused with the system trust store and accepted once its certificate is the
// configured ca_file.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <connectors/errc.hpp>
#include <connectors/http/client.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <support/temp_dir.hpp>
#include <thread>

namespace carelisten::connectors::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

// Answers every HTTPS request with a small JSON body; one thread, its own io_context.
class TlsServer {
public:
    TlsServer(const std::string& cert_file, const std::string& key_file) : context_(ssl::context::tls_server) {
        context_.use_certificate_chain_file(cert_file);
        context_.use_private_key_file(key_file, ssl::context::pem);
        const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        Accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TlsServer() {
        io_.stop();
        thread_.join();
    }
    unsigned short Port() const { return port_; }
    int Served() const { return served_.load(); }

private:
    struct Connection {
        Connection(tcp::socket socket, ssl::context& context) : stream(std::move(socket), context) {}
        ssl::stream<tcp::socket> stream;
        std::array<char, 4096> buffer{};
        std::string request;
        std::string response;
    };

    void Accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec)
                return;
            auto connection = std::make_shared<Connection>(std::move(socket), context_);
            connection->stream.async_handshake(ssl::stream_base::server, [this, connection](auto handshake_ec) {
                if (!handshake_ec)
                    Read(connection);  // a client that rejects the certificate ends here
            });
            Accept();
        });
    }

    void Read(const std::shared_ptr<Connection>& connection) {
        connection->stream.async_read_some(asio::buffer(connection->buffer), [this, connection](auto ec,
                                                                                                std::size_t n) {
            if (ec)
                return;
            connection->request.append(connection->buffer.data(), n);
            if (connection->request.find("\r\n\r\n") == std::string::npos) {
                Read(connection);
                return;
            }
            ++served_;
            connection->response =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
                "Connection: close\r\n\r\n{\"tls\":true}";
            asio::async_write(connection->stream, asio::buffer(connection->response), [connection](auto, std::size_t) {
                boost::system::error_code ignored;
                connection->stream.lowest_layer().close(ignored);
            });
        });
    }

    asio::io_context io_;
    ssl::context context_;
    tcp::acceptor acceptor_{io_};
    unsigned short port_ = 0;
    std::atomic<int> served_{0};
    std::thread thread_;
};

class HttpTlsTest : public ::testing::Test {
protected:
    void SetUp() override {
        cert_ = (dir_.Path() / "cert.pem").string();
        key_ = (dir_.Path() / "key.pem").string();
        const std::string command =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
            "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
            key_ + " -out " + cert_ + " 2>/dev/null";
        ASSERT_EQ(std::system(command.c_str()), 0) << "the openssl CLI is needed (Debian package openssl)";
        server_ = std::make_unique<TlsServer>(cert_, key_);
    }

    Outcome Fetch(const ClientOptions& options) {
        asio::io_context io;
        Client client(io, options);
        std::optional<Outcome> outcome;
        Request request;
        request.url = "https://127.0.0.1:" + std::to_string(server_->Port()) + "/secure?token=hidden";
        client.Submit(request, [&](Outcome result) { outcome = std::move(result); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (!outcome && std::chrono::steady_clock::now() < deadline)
            io.run_one_for(milliseconds(50));
        EXPECT_TRUE(outcome.has_value());
        return outcome.value_or(Outcome{});
    }

    carelisten::testing::TempDir dir_;
    std::string cert_;
    std::string key_;
    std::unique_ptr<TlsServer> server_;
};

TEST_F(HttpTlsTest, SelfSignedCertificateIsRefusedByDefaultAsPermanent) {
    ClientOptions options;
    options.connect_timeout = milliseconds(5000);
    const Outcome outcome = Fetch(options);
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kPermanent) << outcome.error.detail;
    EXPECT_NE(outcome.error.detail.find("TLS verification of 127.0.0.1 failed"), std::string::npos)
        << outcome.error.detail;
    EXPECT_EQ(outcome.error.detail.find("hidden"), std::string::npos);
    EXPECT_EQ(server_->Served(), 0);
}

TEST_F(HttpTlsTest, SelfSignedCertificateIsAcceptedWhenItIsTheConfiguredCaFile) {
    ClientOptions options;
    options.ca_file = cert_;
    const Outcome outcome = Fetch(options);
    ASSERT_TRUE(outcome.response.has_value()) << outcome.error.detail;
    EXPECT_EQ(outcome.response->status, 200);
    EXPECT_EQ(outcome.response->body, "{\"tls\":true}");
    EXPECT_EQ(server_->Served(), 1);
}

TEST_F(HttpTlsTest, UnreadableCaFileIsPermanent) {
    ClientOptions options;
    options.ca_file = (dir_.Path() / "missing.pem").string();
    const Outcome outcome = Fetch(options);
    ASSERT_FALSE(outcome.response.has_value());
    EXPECT_EQ(outcome.error.code, ConnectorErrc::kPermanent) << outcome.error.detail;
}

}  // namespace
}  // namespace carelisten::connectors::http
