#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <common/log.hpp>
#include <connectors/hl7/mllp.hpp>
#include <daemon/hl7_listener.hpp>
#include <set>
#include <stdexcept>

namespace carelisten::daemon {
namespace {

constexpr std::string_view kLogModule = "hl7";
constexpr std::size_t kMaxFrameBytes = 1 << 20;
using boost::asio::ip::tcp;

}  // namespace

struct Hl7Listener::State : std::enable_shared_from_this<Hl7Listener::State> {
    State(boost::asio::io_context& context, FrameHandler frame_handler)
        : io(context), acceptor(context), handler(std::move(frame_handler)) {}

    boost::asio::io_context& io;
    tcp::acceptor acceptor;
    FrameHandler handler;
    std::unique_ptr<boost::asio::ssl::context> tls;
    std::set<std::shared_ptr<void>> sessions;
    bool stopped = false;
    log::RepeatLimiter framing_errors;

    void Accept();
};

namespace {

/// One connection: read, frame, answer each frame in order. `Stream` is a tcp::socket or an ssl::stream over one.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    Session(std::shared_ptr<Hl7Listener::State> state, Stream stream)
        : state_(std::move(state)), stream_(std::move(stream)), framer_(kMaxFrameBytes) {}

    void Start() {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            Read();
        } else {
            stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](const boost::system::error_code& ec) {
                                        if (ec) {
                                            log::Warning(kLogModule, "tls handshake failed: ", ec.message());
                                            self->Close();
                                            return;
                                        }
                                        self->Read();
                                    });
        }
    }

    void Close() {
        boost::system::error_code ignored;
        Lowest().shutdown(tcp::socket::shutdown_both, ignored);
        Lowest().close(ignored);
        state_->sessions.erase(this->shared_from_this());
    }

private:
    tcp::socket& Lowest() {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            return stream_;
        } else {
            return stream_.next_layer();
        }
    }

    void Read() {
        stream_.async_read_some(boost::asio::buffer(buffer_),
                                [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                    if (ec) {
                                        self->Close();  // the peer hung up, or Stop()
                                        return;
                                    }
                                    self->framer_.Feed(std::string_view(self->buffer_.data(), n));
                                    self->Drain();
                                });
    }

    // Answers every complete frame, one write at a time, then reads on.
    void Drain() {
        for (;;) {
            auto next = framer_.Next();
            if (!next) {
                Read();
                return;
            }
            if (auto* error = std::get_if<connectors::hl7::MllpFramer::FramingError>(&*next)) {
                std::uint64_t count = 0;
                if (state_->framing_errors.ShouldLog(count)) {
                    log::Warning(kLogModule, "mllp framing error: ", error->reason, " (#", count, ")");
                }
                continue;
            }
            const auto& frame = std::get<connectors::hl7::MllpFramer::Frame>(*next);
            const std::string ack = state_->handler(frame.payload);
            if (ack.empty()) {
                Close();  // not stored: no ACK, so the sender keeps the message and sends it again
                return;
            }
            reply_ = connectors::hl7::MllpWrap(ack);
            boost::asio::async_write(
                stream_, boost::asio::buffer(reply_),
                [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                    if (ec) {
                        self->Close();
                        return;
                    }
                    self->Drain();
                });
            return;
        }
    }

    std::shared_ptr<Hl7Listener::State> state_;
    Stream stream_;
    connectors::hl7::MllpFramer framer_;
    std::array<char, 16 * 1024> buffer_{};
    std::string reply_;
};

}  // namespace

void Hl7Listener::State::Accept() {
    acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted || self->stopped) {
            return;
        }
        if (!ec) {
            if (self->tls) {
                auto session = std::make_shared<Session<boost::asio::ssl::stream<tcp::socket>>>(
                    self, boost::asio::ssl::stream<tcp::socket>(std::move(socket), *self->tls));
                self->sessions.insert(session);
                session->Start();
            } else {
                auto session = std::make_shared<Session<tcp::socket>>(self, std::move(socket));
                self->sessions.insert(session);
                session->Start();
            }
        } else {
            log::Warning(kLogModule, "accept failed: ", ec.message());
        }
        self->Accept();
    });
}

Hl7Listener::Hl7Listener(boost::asio::io_context& io, Hl7TlsFiles tls, FrameHandler handler)
    : state_(std::make_shared<State>(io, std::move(handler))) {
    if (tls.certificate_file.empty() != tls.key_file.empty()) {
        throw std::invalid_argument("surveys: set both hl7_tls_certificate_file and hl7_tls_key_file, or neither");
    }
    if (!tls.certificate_file.empty()) {
        state_->tls = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
        state_->tls->set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                                 boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                                 boost::asio::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        state_->tls->use_certificate_chain_file(tls.certificate_file, ec);
        if (!ec) {
            state_->tls->use_private_key_file(tls.key_file, boost::asio::ssl::context::pem, ec);
        }
        if (ec) {
            throw std::invalid_argument("surveys: cannot load the HL7 TLS certificate or key: " + ec.message());
        }
    }
}

Hl7Listener::~Hl7Listener() {
    Stop();
}

tcp::endpoint Hl7Listener::Listen(const std::string& address, unsigned short port) {
    const tcp::endpoint endpoint(boost::asio::ip::make_address(address), port);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    state_->Accept();
    return state_->acceptor.local_endpoint();
}

tcp::endpoint Hl7Listener::LocalEndpoint() const {
    return state_->acceptor.local_endpoint();
}

void Hl7Listener::Stop() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    state_->sessions.clear();  // sessions still waiting on a read end with operation_aborted and go away
}

}  // namespace carelisten::daemon
