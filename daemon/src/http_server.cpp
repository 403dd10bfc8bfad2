#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <common/log.hpp>
#include <daemon/http_server.hpp>

namespace carelisten::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::string_view kLogModule = "http";
constexpr std::chrono::seconds kSessionTimeout{10};
constexpr std::size_t kMaxRequestBytes = 8 * 1024;

constexpr std::chrono::seconds kAsyncSessionTimeout{30};

using PrefixRoutes = std::vector<std::pair<std::string, AsyncHttpHandler>>;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, std::shared_ptr<const std::map<std::string, HttpHandler>> routes,
            std::shared_ptr<const PrefixRoutes> prefix_routes, std::size_t body_limit)
        : stream_(std::move(socket)), routes_(std::move(routes)), prefix_routes_(std::move(prefix_routes)) {
        parser_.header_limit(kMaxRequestBytes);
        parser_.body_limit(body_limit);
    }

    void Start() {
        stream_.expires_after(kSessionTimeout);
        http::async_read(stream_, buffer_, parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
    }

private:
    void OnRead(beast::error_code ec) {
        if (ec) {
            if (ec == http::error::header_limit || ec == http::error::body_limit) {
                Reply(http::status::payload_too_large, {413, "text/plain", "request too large\n"});
            }
            return;
        }
        const auto& request = parser_.get();
        std::string target(request.target());
        std::string query;
        if (const auto mark = target.find('?'); mark != std::string::npos) {
            query = target.substr(mark + 1);
            target.resize(mark);
        }
        if (routes_->find(target) == routes_->end()) {
            for (const auto& [prefix, handler] : *prefix_routes_) {
                if (target.rfind(prefix, 0) == 0) {
                    Dispatch(handler, std::move(target), std::move(query));
                    return;
                }
            }
        }
        if (request.method() != http::verb::get && request.method() != http::verb::head) {
            Reply(http::status::method_not_allowed, {405, "text/plain", "only GET\n"});
            return;
        }
        const auto route = routes_->find(target);
        if (route == routes_->end()) {
            Reply(http::status::not_found, {404, "text/plain", "not found\n"});
            return;
        }
        auto response = route->second();
        Reply(static_cast<http::status>(response.status), std::move(response));
    }

    void Dispatch(const AsyncHttpHandler& handler, std::string path, std::string query) {
        auto& request = parser_.get();
        HttpRequest copy;
        copy.method = std::string(request.method_string());
        copy.target = std::string(request.target());
        copy.path = std::move(path);
        copy.query = std::move(query);
        for (const auto& field : request) {
            std::string name(field.name_string());
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            copy.headers.emplace_back(std::move(name), std::string(field.value()));
        }
        copy.body = std::move(request.body());
        beast::error_code endpoint_error;
        const auto remote = stream_.socket().remote_endpoint(endpoint_error);
        if (!endpoint_error) {
            copy.remote_address = remote.address().to_string();
        }
        stream_.expires_after(kAsyncSessionTimeout);
        handler(std::move(copy), [self = shared_from_this()](HttpResponse response) {
            // The reply may come from the store thread: hop back onto this session's strand.
            boost::asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
                self->Reply(static_cast<http::status>(response.status), std::move(response));
            });
        });
    }

    void Reply(http::status status, HttpResponse content) {
        auto response = std::make_shared<http::response<http::string_body>>(status, 11);
        response->set(http::field::server, "carelistend");
        response->set(http::field::content_type, content.content_type);
        response->set(http::field::cache_control, "no-store");
        for (const auto& [name, value] : content.headers) {
            response->insert(name, value);  // insert, not set: a response may carry several Set-Cookie fields
        }
        response->keep_alive(false);
        response->body() = std::move(content.body);
        response->prepare_payload();
        http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code, std::size_t) {
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request_parser<http::string_body> parser_;
    std::shared_ptr<const std::map<std::string, HttpHandler>> routes_;
    std::shared_ptr<const PrefixRoutes> prefix_routes_;
};

}  // namespace

HttpServer::HttpServer(boost::asio::io_context& io, std::map<std::string, HttpHandler> routes)
    : io_(io),
      routes_(std::make_shared<const std::map<std::string, HttpHandler>>(std::move(routes))),
      prefix_routes_(std::make_shared<PrefixRoutes>()),
      acceptor_(io) {}

void HttpServer::AddPrefixRoute(std::string prefix, AsyncHttpHandler handler) {
    prefix_routes_->emplace_back(std::move(prefix), std::move(handler));
}

HttpServer::~HttpServer() {
    Stop();
}

tcp::endpoint HttpServer::Listen(const std::string& address, unsigned short port) {
    const tcp::endpoint endpoint(boost::asio::ip::make_address(address), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    Accept();
    return acceptor_.local_endpoint();
}

void HttpServer::Stop() {
    if (acceptor_.is_open()) {
        beast::error_code ignored;
        acceptor_.close(ignored);
    }
}

void HttpServer::Accept() {
    acceptor_.async_accept(boost::asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted) {
            return;
        }
        if (!ec) {
            std::make_shared<Session>(std::move(socket), routes_, prefix_routes_, body_limit_)->Start();
        } else {
            log::Warning(kLogModule, "accept failed: ", ec.message());
        }
        if (acceptor_.is_open()) {
            Accept();
        }
    });
}

}  // namespace carelisten::daemon
