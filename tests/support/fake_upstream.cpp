#include <zlib.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <support/fake_upstream.hpp>
#include <thread>

namespace carelisten::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte; a broken escape stays as is.
std::string FormDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string Gzip(const std::string& data) {
    z_stream stream{};
    // windowBits 15 + 16: a gzip wrapper rather than zlib's.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&stream, Z_FINISH);
    deflateEnd(&stream);
    if (rc != Z_STREAM_END) {
        throw std::runtime_error("deflate failed");
    }
    out.resize(stream.total_out);
    return out;
}

using Dispatcher = std::function<FakeResponse(RecordedRequest)>;

struct RouteEntry {
    std::string method;
    std::string prefix;
    FakeUpstream::Handler handler;
};

}  // namespace

std::string RecordedRequest::Header(std::string_view lower_case_name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
        if (it->first == lower_case_name)
            return it->second;
    }
    return "";
}

std::string RecordedRequest::QueryParam(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto eq = pair.find('=');
        const std::string key = FormDecode(pair.substr(0, eq));
        if (key == name) {
            return eq == std::string_view::npos ? std::string{} : FormDecode(pair.substr(eq + 1));
        }
    }
    return "";
}

FakeResponse FakeResponse::Json(std::string body, int status) {
    FakeResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

struct FakeUpstream::Impl {
    // Declared first: sessions (owned by io's handlers) hold a reference to it.
    Dispatcher dispatch = [this](RecordedRequest request) { return Dispatch(std::move(request)); };
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;
    unsigned short port = 0;
    std::uint64_t connections = 0;  // server thread only

    mutable std::mutex mutex;
    std::vector<RouteEntry> routes;
    std::vector<RecordedRequest> requests;

    // Finds the handler (longest prefix) and records the request; the handler runs outside the lock so
    // it may itself call Route or Requests.
    FakeResponse Dispatch(RecordedRequest request) {
        FakeUpstream::Handler handler;
        {
            std::lock_guard lock(mutex);
            std::size_t best = 0;
            bool found = false;
            for (const auto& route : routes) {
                if (route.method == request.method && request.path.starts_with(route.prefix) &&
                    (!found || route.prefix.size() > best)) {
                    handler = route.handler;
                    best = route.prefix.size();
                    found = true;
                }
            }
            requests.push_back(request);
        }
        if (!handler) {
            return FakeResponse::Json(R"({"error":"not found"})", 404);
        }
        try {
            return handler(request);
        } catch (const std::exception&) {
            return FakeResponse::Json(R"({"error":"fake handler threw"})", 500);
        }
    }

    void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const Dispatcher& dispatch, std::uint64_t connection)
        : socket_(std::move(socket)), timer_(socket_.get_executor()), dispatch_(dispatch), connection_(connection) {}

    void Start() { ReadRequest(); }

private:
    void ReadRequest() {
        parser_.emplace();
        parser_->body_limit(256U * 1024U * 1024U);
        http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->Close();
                return;
            }
            self->OnRequest();
        });
    }

    void OnRequest() {
        auto& message = parser_->get();
        RecordedRequest recorded;
        recorded.method = std::string(message.method_string());
        recorded.target = std::string(message.target());
        const auto question = recorded.target.find('?');
        recorded.path = recorded.target.substr(0, question);
        recorded.query = question == std::string::npos ? std::string{} : recorded.target.substr(question + 1);
        for (const auto& field : message) {
            recorded.headers.emplace_back(Lower(std::string(field.name_string())), std::string(field.value()));
        }
        recorded.body = message.body();
        recorded.connection = connection_;
        keep_alive_ = message.keep_alive();
        head_request_ = message.method() == http::verb::head;

        response_ = dispatch_(std::move(recorded));
        if (response_.delay.count() > 0) {
            timer_.expires_after(response_.delay);
            timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
                if (!ec)
                    self->Respond();
            });
            return;
        }
        Respond();
    }

    void Respond() {
        if (response_.reset) {
            // SO_LINGER 0: close() sends an RST, like a crashed upstream or a middlebox cutting the line.
            beast::error_code ignored;
            socket_.set_option(asio::socket_base::linger(true, 0), ignored);
            socket_.close(ignored);
            return;
        }
        std::string body = response_.body;
        if (response_.gzip) {
            body = Gzip(body);
        }
        std::string out = "HTTP/1.1 " + std::to_string(response_.status) + " " +
                          std::string(http::obsolete_reason(static_cast<http::status>(response_.status))) + "\r\n";
        bool has_content_type = false;
        for (const auto& [name, value] : response_.headers) {
            has_content_type = has_content_type || Lower(name) == "content-type";
            out += name + ": " + value + "\r\n";
        }
        if (!has_content_type && !response_.content_type.empty()) {
            out += "Content-Type: " + response_.content_type + "\r\n";
        }
        if (response_.gzip) {
            out += "Content-Encoding: gzip\r\n";
        }
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        const bool close_after = !keep_alive_ || response_.truncate || response_.stall;
        out += close_after ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
        out += "\r\n";
        if (response_.stall) {
            // Headers only; then wait for the client to give up (it closes, the read fails).
            out_ = std::move(out);
            asio::async_write(socket_, asio::buffer(out_),
                              [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                  if (ec) {
                                      self->Close();
                                      return;
                                  }
                                  self->WaitForClientClose();
                              });
            return;
        }
        if (!head_request_) {
            out += response_.truncate ? body.substr(0, body.size() / 2) : body;
        }
        out_ = std::move(out);
        asio::async_write(socket_, asio::buffer(out_),
                          [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                              if (ec || close_after) {
                                  self->Close();
                                  return;
                              }
                              self->ReadRequest();
                          });
    }

    void WaitForClientClose() {
        socket_.async_read_some(asio::buffer(sink_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->Close();
                return;
            }
            self->WaitForClientClose();
        });
    }

    void Close() {
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    tcp::socket socket_;
    asio::steady_timer timer_;
    const Dispatcher& dispatch_;
    std::uint64_t connection_;  // owned by the server, which outlives its io_context's handlers
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    FakeResponse response_;
    std::string out_;
    std::array<char, 4096> sink_{};
    bool keep_alive_ = true;
    bool head_request_ = false;
};

}  // namespace

void FakeUpstream::Impl::Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (ec == asio::error::operation_aborted)
                return;
        } else {
            std::make_shared<Session>(std::move(socket), dispatch, ++connections)->Start();
        }
        Accept();
    });
}

FakeUpstream::FakeUpstream() : impl_(std::make_unique<Impl>()) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->Accept();
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

FakeUpstream::~FakeUpstream() {
    impl_->io.stop();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
}

std::string FakeUpstream::BaseUrl() const {
    return "http://127.0.0.1:" + std::to_string(impl_->port);
}

unsigned short FakeUpstream::Port() const {
    return impl_->port;
}

void FakeUpstream::Route(std::string method, std::string path_prefix, Handler handler) {
    std::lock_guard lock(impl_->mutex);
    for (auto& route : impl_->routes) {
        if (route.method == method && route.prefix == path_prefix) {
            route.handler = std::move(handler);
            return;
        }
    }
    impl_->routes.push_back(RouteEntry{std::move(method), std::move(path_prefix), std::move(handler)});
}

std::vector<RecordedRequest> FakeUpstream::Requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

std::size_t FakeUpstream::RequestCount(std::string_view path_prefix) const {
    std::lock_guard lock(impl_->mutex);
    return static_cast<std::size_t>(
        std::count_if(impl_->requests.begin(), impl_->requests.end(),
                      [&](const RecordedRequest& r) { return r.path.starts_with(path_prefix); }));
}

}  // namespace carelisten::testing
