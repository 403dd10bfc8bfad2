/// @file
/// @brief The MLLP listener: hospital interface engines connect over TCP (optionally TLS) and send HL7 v2 messages
/// framed by MLLP; each frame gets the ACK its handler returns, in order, on the same connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace carelisten::daemon {

/// TLS for MLLP: both set, or neither (plain TCP, for a listener on loopback or a trusted segment).
struct Hl7TlsFiles {
    std::string certificate_file;
    std::string key_file;
};

/// Lifecycle: Listen() binds (throws std::system_error or std::invalid_argument for unusable TLS files); Stop()
/// closes the acceptor and every open connection. Thread-safety: use from the io_context's thread; the handler
/// runs there, one frame at a time per connection (it may block: it stores the message).
class Hl7Listener {
public:
    /// Returns the (unframed) ACK for one (unframed) message; "" closes the connection without an ACK.
    using FrameHandler = std::function<std::string(std::string_view frame)>;

    Hl7Listener(boost::asio::io_context& io, Hl7TlsFiles tls, FrameHandler handler);
    ~Hl7Listener();
    Hl7Listener(const Hl7Listener&) = delete;
    Hl7Listener& operator=(const Hl7Listener&) = delete;

    boost::asio::ip::tcp::endpoint Listen(const std::string& address, unsigned short port);
    boost::asio::ip::tcp::endpoint LocalEndpoint() const;
    void Stop();

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace carelisten::daemon
