// The MLLP listener on 127.0.0.1:0, plain and over TLS (a self-signed certificate made by the openssl CLI): frames
// split across reads and several in one read are each answered in order with the handler's ACK, framed; bytes
// outside a frame are skipped; an empty answer (not stored) closes the connection without an ACK.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <daemon/hl7_listener.hpp>
#include <support/temp_dir.hpp>
#include <thread>

namespace carelisten::daemon {
namespace {

namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

class Hl7ListenerTest : public ::testing::Test {
protected:
    void StartListener(Hl7TlsFiles tls = {}) {
        listener_ = std::make_unique<Hl7Listener>(io_, std::move(tls), [this](std::string_view frame) {
            received_.emplace_back(frame);
            if (frame.find("UNSTORABLE") != std::string_view::npos) {
                return std::string();
            }
            return "ACK for " + std::string(frame);
        });
        endpoint_ = listener_->Listen("127.0.0.1", 0);
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override {
        if (listener_) {
            boost::asio::post(io_, [this] {
                listener_->Stop();
                io_.stop();
            });
        }
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    template <typename Stream>
    static std::string ReadFrame(Stream& stream, std::string& buffer) {
        const auto end = boost::asio::read_until(stream, boost::asio::dynamic_buffer(buffer), "\x1c\r");
        std::string frame = buffer.substr(0, end);
        buffer.erase(0, end);
        return frame;
    }

    boost::asio::io_context io_;
    std::unique_ptr<Hl7Listener> listener_;
    tcp::endpoint endpoint_;
    std::thread thread_;
    std::vector<std::string> received_;  // written on the listener's thread, read after the exchange
};

TEST_F(Hl7ListenerTest, AnswersEveryFrameInOrderWhateverTheReadsLookLike) {
    StartListener();
    boost::asio::io_context client_io;
    tcp::socket socket(client_io);
    socket.connect(endpoint_);
    std::string buffer;
    // Garbage, then a frame split in three writes.
    boost::asio::write(socket, boost::asio::buffer(std::string("noise\r\n\x0bMSH|first")));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    boost::asio::write(socket, boost::asio::buffer(std::string(" message")));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    boost::asio::write(socket, boost::asio::buffer(std::string("\x1c\r")));
    EXPECT_EQ(ReadFrame(socket, buffer),
              "\x0b"
              "ACK for MSH|first message\x1c\r");
    // Two frames in one write: two answers, in order.
    boost::asio::write(socket, boost::asio::buffer(std::string("\x0bMSH|two\x1c\r\x0bMSH|three\x1c\r")));
    EXPECT_EQ(ReadFrame(socket, buffer),
              "\x0b"
              "ACK for MSH|two\x1c\r");
    EXPECT_EQ(ReadFrame(socket, buffer),
              "\x0b"
              "ACK for MSH|three\x1c\r");
    // Not stored: no ACK, the connection closes, so the sender sends the message again.
    boost::asio::write(socket, boost::asio::buffer(std::string("\x0bMSH|UNSTORABLE\x1c\r")));
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(buffer), ec);
    EXPECT_EQ(ec, boost::asio::error::eof);
    EXPECT_TRUE(buffer.empty()) << buffer;
}

TEST_F(Hl7ListenerTest, SpeaksMllpOverTlsWithTheConfiguredCertificate) {
    carelisten::testing::TempDir dir;
    const std::string cert = (dir.Path() / "cert.pem").string();
    const std::string key = (dir.Path() / "key.pem").string();
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << "the openssl CLI is needed (Debian package openssl)";
    StartListener({cert, key});

    boost::asio::io_context client_io;
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(cert);
    context.set_verify_mode(ssl::verify_peer);
    ssl::stream<tcp::socket> stream(client_io, context);
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    stream.next_layer().connect(endpoint_);
    stream.handshake(ssl::stream_base::client);
    boost::asio::write(stream, boost::asio::buffer(std::string("\x0bMSH|over tls\x1c\r")));
    std::string buffer;
    EXPECT_EQ(ReadFrame(stream, buffer),
              "\x0b"
              "ACK for MSH|over tls\x1c\r");

    // A plain-TCP client gets nothing: the listener only speaks TLS.
    tcp::socket plain(client_io);
    plain.connect(endpoint_);
    boost::asio::write(plain, boost::asio::buffer(std::string("\x0bMSH|plain\x1c\r")));
    std::string answer;
    boost::system::error_code ec;
    boost::asio::read(plain, boost::asio::dynamic_buffer(answer), ec);
    EXPECT_EQ(answer.find("ACK"), std::string::npos);
}

TEST(Hl7Listener, RefusesHalfATlsConfiguration) {
    boost::asio::io_context io;
    EXPECT_THROW(Hl7Listener(io, {"/etc/ssl/cert.pem", ""}, [](std::string_view) { return std::string(); }),
                 std::invalid_argument);
    EXPECT_THROW(Hl7Listener(io, {"/nonexistent/cert.pem", "/nonexistent/key.pem"},
                             [](std::string_view) { return std::string(); }),
                 std::invalid_argument);
}

}  // namespace
}  // namespace carelisten::daemon
