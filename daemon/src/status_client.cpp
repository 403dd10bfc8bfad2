#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <daemon/status_client.hpp>
#include <fstream>

namespace carelisten::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::chrono::seconds kTimeout{5};
// /status of a daemon with hundreds of sources stays far below this; anything bigger is not ours.
constexpr std::uint64_t kMaxBodyBytes = 4 * 1024 * 1024;

}  // namespace

std::string ReadHttpAddress(const std::string& state_dir) {
    std::ifstream in(state_dir + "/http.address");
    std::string address;
    std::getline(in, address);
    while (!address.empty() && (address.back() == ' ' || address.back() == '\r')) {
        address.pop_back();
    }
    return address;
}

Result<std::string> HttpGetLocal(const std::string& address, const std::string& path) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    try {
        boost::asio::io_context io;
        beast::tcp_stream stream(io);
        tcp::resolver resolver(io);
        stream.expires_after(kTimeout);
        stream.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
        http::request<http::empty_body> request(http::verb::get, path, 11);
        request.set(http::field::host, address);
        request.set(http::field::user_agent, "carelisten-cli");
        http::write(stream, request);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxBodyBytes);
        http::read(stream, buffer, parser);
        const auto status = parser.get().result_int();
        if ((status >= 200 && status < 300) || status == 503) {
            return std::move(parser.get().body());
        }
        return std::make_error_code(std::errc::protocol_error);
    } catch (const boost::system::system_error& error) {
        return std::error_code(error.code().value(), std::system_category());
    }
}

}  // namespace carelisten::daemon
