/// @file
/// @brief Internal: libcurl result codes classified once into ConnectorErrc, with a detail that names the
/// host and what happened (never headers, tokens or query strings).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>
#include <system_error>

namespace carelisten::connectors::http::detail {

/// What a failed transfer means for the caller.
struct CurlFailure {
    std::error_code code;
    std::string detail;
};

/// `host` is the request's host (no path, no query); `elapsed` the transfer's time; `stopped_too_large`
/// is set when the write callback stopped the transfer because the body passed `max_bytes`;
/// `error_buffer` is curl's CURLOPT_ERRORBUFFER text (kept only when it cannot hold a URL).
CurlFailure ClassifyCurlResult(CURLcode result, const std::string& host, std::chrono::milliseconds elapsed,
                               bool stopped_too_large, std::size_t max_bytes, const std::string& error_buffer);

}  // namespace carelisten::connectors::http::detail
