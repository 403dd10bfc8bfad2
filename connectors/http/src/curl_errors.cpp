#include <connectors/errc.hpp>
#include <curl_errors.hpp>

namespace carelisten::connectors::http::detail {

namespace {

// curl's error buffer says useful things ("SSL certificate problem: self-signed certificate") but a few
// messages quote the URL; anything that could carry a query string or credentials is dropped.
std::string SafeCurlText(const std::string& text) {
    if (text.empty() || text.find('?') != std::string::npos || text.find("://") != std::string::npos ||
        text.find('@') != std::string::npos || text.find('=') != std::string::npos) {
        return {};
    }
    std::string out = text;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
        out.pop_back();
    return out.size() > 200 ? out.substr(0, 200) : out;
}

}  // namespace

CurlFailure ClassifyCurlResult(CURLcode result, const std::string& host, std::chrono::milliseconds elapsed,
                               bool stopped_too_large, std::size_t max_bytes, const std::string& error_buffer) {
    const std::string where = host.empty() ? std::string("the upstream") : host;
    const std::string curl_text = SafeCurlText(error_buffer);
    const std::string why = curl_text.empty() ? std::string(curl_easy_strerror(result)) : curl_text;
    const std::string ms = std::to_string(elapsed.count()) + " ms";

    if (stopped_too_large || result == CURLE_FILESIZE_EXCEEDED) {
        return {ConnectorErrc::kMalformed,
                "response from " + where + " larger than " + std::to_string(max_bytes) + " bytes"};
    }
    switch (result) {
        case CURLE_OPERATION_TIMEDOUT:
            return {ConnectorErrc::kRetryLater, "timed out after " + ms + " talking to " + where + " (" + why + ")"};
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
            return {ConnectorErrc::kRetryLater, "could not connect to " + where + " (" + why + ")"};
        case CURLE_PARTIAL_FILE:
            return {ConnectorErrc::kRetryLater, "response from " + where + " truncated (" + why + ")"};
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_BAD_CONTENT_ENCODING:
        case CURLE_SSL_CONNECT_ERROR:  // also a reset in the middle of the handshake
            return {ConnectorErrc::kRetryLater, "connection to " + where + " failed after " + ms + " (" + why + ")"};
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
            return {ConnectorErrc::kPermanent, "TLS verification of " + where + " failed (" + why + ")"};
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_TOO_MANY_REDIRECTS:
        case CURLE_NOT_BUILT_IN:
        case CURLE_LOGIN_DENIED:
            return {ConnectorErrc::kPermanent, "request to " + where + " refused (" + why + ")"};
        case CURLE_ABORTED_BY_CALLBACK:
            // Only the pre-request check aborts: plain http to a host that is not loopback (after a redirect).
            return {ConnectorErrc::kPermanent, "refusing plain http to " + where + " (only https leaves this machine)"};
        default:
            return {ConnectorErrc::kRetryLater, "transfer with " + where + " failed after " + ms + " (" + why + ")"};
    }
}

}  // namespace carelisten::connectors::http::detail
